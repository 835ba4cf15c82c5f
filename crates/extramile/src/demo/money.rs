//! The demo accounts' money, as the billing system would have pushed it:
//! Rosa's $39.99 charge that story S1 is about, and David's overpayment
//! that story S5 refunds. External ids make it safe to run every start.

use extramile_domain::audit::Actor;
use extramile_domain::customers::lookup::MatchKind;
use extramile_domain::ledger::BillingEntryInput;
use extramile_web::AppState;
use jiff::ToSpan;

/// (account, external id, kind, cents, memo, reason code, months ago)
type Line = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
    i32,
);

const LINES: &[Line] = &[
    (
        "EM00000001",
        "demo-rosa-1",
        "charge",
        8498,
        "Internet 100 and TV Basic, monthly",
        None,
        1,
    ),
    (
        "EM00000001",
        "demo-rosa-2",
        "payment",
        8498,
        "Payment, thank you",
        None,
        1,
    ),
    (
        "EM00000001",
        "demo-rosa-3",
        "charge",
        3999,
        "Technician visit: inside wiring",
        None,
        0,
    ),
    (
        "EM00000001",
        "demo-rosa-4",
        "charge",
        500,
        "Paper bill fee",
        Some("fee"),
        0,
    ),
    (
        "EM00000004",
        "demo-david-1",
        "charge",
        12149,
        "Internet 1 Gig and water service, monthly",
        None,
        1,
    ),
    (
        "EM00000004",
        "demo-david-2",
        "payment",
        19150,
        "Payment, thank you",
        None,
        1,
    ),
];

pub async fn ensure(st: &AppState) -> Result<(), String> {
    let system = Actor::system();
    let err = |e: extramile_domain::DomainError| e.to_string();
    let today = jiff::Zoned::now().date();
    for (number, ext, kind, cents, memo, code, months_ago) in LINES {
        let hits = st
            .store
            .find_by_identifier(MatchKind::AccountNumber, number, 1)
            .await
            .map_err(err)?;
        let Some(account) = hits.first().and_then(|h| h.account_id) else {
            continue;
        };
        let on = today
            .first_of_month()
            .checked_sub(months_ago.months())
            .map_err(|e| e.to_string())?
            .checked_add(2.days())
            .map_err(|e| e.to_string())?;
        st.ledger
            .post_billing(
                &system,
                account,
                BillingEntryInput {
                    kind: (*kind).into(),
                    amount_minor: *cents,
                    currency: st.ledger.provider_currency().into(),
                    external_id: (*ext).into(),
                    memo: (*memo).into(),
                    reason_code: code.map(Into::into),
                    effective_on: Some(if *months_ago == 0 { today } else { on }),
                },
            )
            .await
            .map_err(err)?;
    }
    Ok(())
}
