//! Every parser of text that comes from outside (issue 9): phone numbers,
//! e-mails, account numbers, dates, typed money, opening hours, lookup
//! queries, the password policy and a telephony event body. Whatever the
//! input (any Unicode, control characters, huge numbers, half-formed
//! syntax), each answers a value or an error naming the field; none panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use extramile_domain::DomainError;
use extramile_domain::admin::check_password;
use extramile_domain::customers::lookup::{normalize_terms, parse_query};
use extramile_domain::customers::values::{AccountNumber, Email, PhoneNumber, parse_date};
use extramile_domain::ledger::parse_money;
use extramile_domain::routing::hours::Hours;
use extramile_domain::telephony::CallEvent;
use proptest::prelude::*;

/// Text that looks like what the parsers expect, broken in every way.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 ()+.$,\\-]{0,40}",
        "[a-z0-9.@+\\-]{0,40}",
        "(mon|tue|sat|sun|-|,| |[0-9]{1,3}:[0-9]{1,3}|24/7|always){0,12}",
        "-?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
        "\\PC{0,8}[\u{0}-\u{1f}\u{7f}-\u{9f}]\\PC{0,8}",
    ]
}

fn names_a_field(e: &DomainError) -> bool {
    match e {
        DomainError::Invalid { field, message } => !field.is_empty() && !message.is_empty(),
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn text_parsers_answer_a_value_or_an_error(s in texty()) {
        for r in [
            PhoneNumber::parse(&s, "US").map(|_| ()),
            PhoneNumber::parse(&s, "ZZ").map(|_| ()),
            Email::parse(&s).map(|_| ()),
            AccountNumber::parse(&s).map(|_| ()),
            parse_date("d", &s).map(|_| ()),
            parse_money("amount", &s).map(|_| ()),
            Hours::parse(&s).map(|_| ()),
            check_password(&s, "someone@example.com"),
        ] {
            if let Err(e) = r {
                prop_assert!(names_a_field(&e), "{e:?}");
            }
        }
        let _ = parse_query(&s, "US");
        let _ = normalize_terms(&s);
    }

    #[test]
    fn typed_money_never_overflows(whole in any::<u64>(), cents in 0u32..1000) {
        let _ = parse_money("amount", &format!("{whole}.{cents}"));
        let _ = parse_money("amount", &format!("${whole},{cents}"));
        let _ = parse_money("amount", &format!("-{whole}"));
    }

    #[test]
    fn a_telephony_event_body_parses_or_is_refused(body in prop_oneof![
        any::<String>(),
        "\\{\"event_id\": ?\"[^\"]{0,8}\", ?\"call_id\": ?\"[^\"]{0,8}\", ?\"kind\": ?\"[a-z]{0,12}\"(, ?\"caller_id\": ?\"[^\"]{0,16}\")?\\}",
    ]) {
        let _ = serde_json::from_str::<CallEvent>(&body);
    }
}
