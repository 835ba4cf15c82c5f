//! Ledger rules as pure functions: amounts, currencies, signs, the view of
//! an account's entries (balance, open charges, disputes, next bill).

use super::model::*;
use crate::error::{DomainError, Result};
use jiff::civil::Date;
use std::collections::HashMap;

/// The largest single amount accepted: $1,000,000,000.00. Sums of entries
/// stay far from the 64-bit range.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

/// In credit beyond this (in minor units), a refund is offered.
pub const DEFAULT_OVERPAYMENT_THRESHOLD: i64 = 100;

pub fn amount(field: &str, minor: i64) -> Result<i64> {
    if minor <= 0 {
        return Err(DomainError::invalid(
            field,
            "must be more than zero (in cents)",
        ));
    }
    if minor > MAX_AMOUNT_MINOR {
        return Err(DomainError::invalid(
            field,
            "is larger than any single amount accepted",
        ));
    }
    Ok(minor)
}

pub fn currency(field: &str, code: &str) -> Result<String> {
    let c = code.trim();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c.to_string())
    } else {
        Err(DomainError::invalid(
            field,
            "must be a three-letter currency code such as USD",
        ))
    }
}

pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let digits = (abs / 100).to_string();
    // Thousands grouped: 1234567 -> 1,234,567.
    let mut whole = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            whole.push(',');
        }
        whole.push(c);
    }
    let symbol = match currency {
        "USD" | "CAD" | "AUD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    if symbol.is_empty() {
        format!("{sign}{whole}.{:02} {currency}", abs % 100)
    } else {
        format!("{sign}{symbol}{whole}.{:02}", abs % 100)
    }
}

/// An amount as a person types it ("39.99", "$1,250", "0.5") in minor
/// units. At most two decimals; no sign; within the accepted range.
pub fn parse_money(field: &str, typed: &str) -> Result<i64> {
    let t: String = typed
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    let bad = || DomainError::invalid(field, "type an amount such as 39.99");
    if t.is_empty() || t.starts_with('-') || t.starts_with('+') {
        return Err(bad());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 {
        return Err(DomainError::invalid(field, "has more than two decimals"));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| DomainError::invalid(field, "is larger than any single amount accepted"))?
    };
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| DomainError::invalid(field, "is larger than any single amount accepted"))?;
    amount(field, minor)
}

/// The signed amount a kind books: charges and refunds are owed by the
/// customer; payments, credits, waivers and reversals are in their favour.
pub fn signed(kind: EntryKind, positive: i64) -> i64 {
    match kind {
        EntryKind::Charge | EntryKind::Refund => positive,
        EntryKind::Payment
        | EntryKind::Credit
        | EntryKind::ChargeWaiver
        | EntryKind::FeeReversal
        | EntryKind::FreeItem => -positive,
        EntryKind::DisputeHold | EntryKind::DisputeUpheld => 0,
    }
}

/// The first day of the month after `today`: when the next bill is made.
pub fn next_bill_date(today: Date) -> Date {
    today
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(today)
}

/// For each charge: what waivers and reversals leave of it, and its dispute.
pub fn charge_states(
    entries: &[LedgerEntry],
) -> HashMap<crate::ids::LedgerEntryId, (i64, DisputeState)> {
    let mut out: HashMap<_, _> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Charge)
        .map(|e| (e.id, (e.amount_minor, DisputeState::None)))
        .collect();
    // Oldest first, so the last dispute step wins.
    let mut ordered: Vec<&LedgerEntry> = entries.iter().collect();
    ordered.sort_by_key(|e| (e.created_at, e.id));
    for e in ordered {
        let Some(charge) = e.related_entry_id.and_then(|r| out.get_mut(&r)) else {
            continue;
        };
        match e.kind {
            EntryKind::ChargeWaiver | EntryKind::FeeReversal | EntryKind::FreeItem => {
                charge.0 += e.amount_minor;
                if charge.1 == DisputeState::Held {
                    charge.1 = DisputeState::Waived;
                }
            }
            EntryKind::DisputeHold => charge.1 = DisputeState::Held,
            EntryKind::DisputeUpheld => charge.1 = DisputeState::Upheld,
            _ => {}
        }
    }
    out
}

/// What was given about a charge: credits that name it, waivers and
/// reversals, with who gave the last of it and when.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Given {
    pub minor: i64,
    pub by: Option<String>,
    pub at: Option<jiff::Timestamp>,
}

impl Given {
    /// "$39.99 (credit by Maya Agent, 2026-11-29)", for refusals.
    pub fn describe(&self, currency: &str) -> String {
        match (&self.by, self.at) {
            (Some(by), Some(at)) => format!(
                "{} was already given about this charge (last by {by}, {})",
                format_money(self.minor, currency),
                at.strftime("%Y-%m-%d")
            ),
            _ => format!(
                "{} was already given about this charge",
                format_money(self.minor, currency)
            ),
        }
    }
}

/// Compensation per charge, from the entries about it.
pub fn given_about(entries: &[LedgerEntry]) -> HashMap<crate::ids::LedgerEntryId, Given> {
    let mut out: HashMap<_, Given> = HashMap::new();
    let mut ordered: Vec<&LedgerEntry> = entries.iter().collect();
    ordered.sort_by_key(|e| (e.created_at, e.id));
    for e in ordered {
        let Some(charge) = e.related_entry_id else {
            continue;
        };
        if matches!(
            e.kind,
            EntryKind::Credit
                | EntryKind::ChargeWaiver
                | EntryKind::FeeReversal
                | EntryKind::FreeItem
        ) {
            let g = out.entry(charge).or_default();
            g.minor += e.amount_minor.abs();
            g.by = Some(e.created_by_name.clone());
            g.at = Some(e.created_at);
        }
    }
    out
}

/// What a bill says for an entry: the billing system's own words for
/// charges and payments; for staff actions the label chosen for the
/// customer, or a plain default. Never the internal note.
pub fn bill_words(e: &LedgerEntry) -> String {
    if let Some(l) = e.label.as_deref().filter(|l| !l.is_empty()) {
        return l.to_string();
    }
    match e.kind {
        EntryKind::Charge | EntryKind::Payment => e.memo.clone(),
        EntryKind::Credit => match e.reason_code.as_deref() {
            Some("service_failure") => "Service credit".into(),
            Some("adjustment") => "Billing adjustment".into(),
            _ => "Goodwill credit".into(),
        },
        EntryKind::ChargeWaiver => "Charge waived".into(),
        EntryKind::FeeReversal => "Fee refunded".into(),
        EntryKind::FreeItem => "Free of charge".into(),
        EntryKind::Refund => match e.reason_code.as_deref() {
            Some(m) => format!("Refund paid to you by {m}"),
            None => "Refund paid to you".into(),
        },
        EntryKind::DisputeHold => "Charge in dispute".into(),
        EntryKind::DisputeUpheld => "Dispute closed".into(),
    }
}

pub fn balance(entries: &[LedgerEntry]) -> i64 {
    entries.iter().map(|e| e.amount_minor).sum()
}

/// The whole view of an account's money as of `today`. `recurring` are the
/// active subscriptions' (name, monthly price) for the next bill.
/// The account's money from every entry. See `view_window` for the
/// bounded read the service uses; both agree (property-tested).
pub fn view(
    account_id: crate::ids::AccountId,
    currency: &str,
    entries: Vec<LedgerEntry>,
    recurring: &[(String, i64)],
    today: Date,
    threshold: i64,
) -> LedgerView {
    let w = window(entries, today.first_of_month(), usize::MAX);
    view_window(account_id, currency, w, recurring, today, threshold)
}

/// What the customer has paid beyond what they owe, when over the
/// threshold: the balance without goodwill credits (a credit lowers the
/// next bill; it is not money to pay out).
pub fn overpayment(balance_minor: i64, credits_minor: i64, threshold: i64) -> Option<i64> {
    let paid_beyond = -(balance_minor - credits_minor);
    (paid_beyond > threshold).then_some(paid_beyond)
}

/// What a store's `ledger_window` returns, computed from every entry.
pub fn window(mut entries: Vec<LedgerEntry>, period_start: Date, newest: usize) -> LedgerWindow {
    let balance_minor = balance(&entries);
    let brought_forward_minor = entries
        .iter()
        .filter(|e| e.effective_on < period_start)
        .map(|e| e.amount_minor)
        .sum();
    let credits_minor = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Credit)
        .map(|e| e.amount_minor)
        .sum();
    let count = entries.len() as i64;
    entries.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
    let entries = entries
        .into_iter()
        .enumerate()
        .filter(|(i, e)| *i < newest || e.effective_on >= period_start)
        .map(|(_, e)| e)
        .collect();
    LedgerWindow {
        balance_minor,
        brought_forward_minor,
        credits_minor,
        count,
        entries,
    }
}

/// Balance, open charges, disputes and the next-bill preview from a window.
pub fn view_window(
    account_id: crate::ids::AccountId,
    currency: &str,
    w: LedgerWindow,
    recurring: &[(String, i64)],
    today: Date,
    threshold: i64,
) -> LedgerView {
    let entries = w.entries;
    let states = charge_states(&entries);
    let given = given_about(&entries);
    let bill_date = next_bill_date(today);
    let period_start = today.first_of_month();
    let balance_minor = w.balance_minor;
    let brought_forward = w.brought_forward_minor;
    let mut lines = Vec::new();
    let mut held = 0;
    let mut sorted = entries.clone();
    sorted.sort_by_key(|e| (e.effective_on, e.created_at, e.id));
    for e in &sorted {
        if e.effective_on < period_start || e.effective_on > bill_date || e.amount_minor == 0 {
            continue;
        }
        let state = states.get(&e.id);
        if let Some((open, DisputeState::Held)) = state {
            held += open;
        }
        lines.push(BillLine {
            description: bill_words(e),
            amount_minor: e.amount_minor,
            kind: match (e.kind, state) {
                (_, Some((_, DisputeState::Held))) => "held",
                (EntryKind::Credit, _) if e.effective_on == bill_date => "scheduled_credit",
                (EntryKind::Refund, _) => "refund",
                _ => "entry",
            }
            .into(),
        });
    }
    for (name, price) in recurring {
        lines.push(BillLine {
            description: format!("{name}, next month"),
            amount_minor: *price,
            kind: "recurring".into(),
        });
    }
    let total = brought_forward + lines.iter().map(|l| l.amount_minor).sum::<i64>() - held;
    let mut views: Vec<EntryView> = entries
        .into_iter()
        .map(|entry| {
            let (open, dispute) = states
                .get(&entry.id)
                .map_or((None, DisputeState::None), |(o, d)| (Some(*o), *d));
            let g = given.get(&entry.id).cloned().unwrap_or_default();
            EntryView {
                entry,
                open_minor: open,
                dispute,
                compensated_minor: g.minor,
                compensated_by: g.by,
                compensated_at: g.at,
            }
        })
        .collect();
    views.sort_by_key(|v| std::cmp::Reverse((v.entry.created_at, v.entry.id)));
    LedgerView {
        account_id,
        currency: currency.to_string(),
        balance_minor,
        overpayment_minor: overpayment(balance_minor, w.credits_minor, threshold),
        entry_count: w.count,
        entries: views,
        next_bill: NextBill {
            bill_date,
            period_start,
            currency: currency.to_string(),
            brought_forward_minor: brought_forward,
            lines,
            held_minor: held,
            total_due_minor: total,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use jiff::civil::date;

    #[test]
    fn money_reads_like_a_bill() {
        assert_eq!(format_money(3999, "USD"), "$39.99");
        assert_eq!(format_money(-5, "EUR"), "-€0.05");
        assert_eq!(format_money(100_000, "SEK"), "1,000.00 SEK");
        assert_eq!(format_money(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(format_money(i64::MIN, "USD"), "-$92,233,720,368,547,758.08");
    }

    #[test]
    fn typed_amounts_become_minor_units() {
        assert_eq!(parse_money("a", "39.99").unwrap(), 3999);
        assert_eq!(parse_money("a", " $1,250 ").unwrap(), 125_000);
        assert_eq!(parse_money("a", "0.5").unwrap(), 50);
        assert_eq!(parse_money("a", ".05").unwrap(), 5);
        assert_eq!(parse_money("a", "40.").unwrap(), 4000);
        for bad in [
            "",
            "-5",
            "+5",
            "abc",
            "1.234",
            "0",
            "0.00",
            ".",
            "1e3",
            "99999999999999999999",
        ] {
            let e = parse_money("amount", bad).unwrap_err();
            assert!(
                matches!(e, DomainError::Invalid { ref field, .. } if field == "amount"),
                "{bad}: {e}"
            );
        }
    }

    fn entry(
        kind: EntryKind,
        amount: i64,
        on: Date,
        related: Option<LedgerEntryId>,
    ) -> LedgerEntry {
        LedgerEntry {
            id: LedgerEntryId::new(),
            account_id: AccountId(uuid::Uuid::nil()),
            kind,
            amount_minor: signed(kind, amount),
            currency: "USD".into(),
            reason_code: None,
            memo: format!("{kind}"),
            related_entry_id: related,
            external_id: None,
            effective_on: on,
            created_at: crate::time::now(),
            created_by: None,
            created_by_name: "t".into(),
            label: None,
            approval_id: None,
        }
    }

    #[test]
    fn amounts_and_currencies_are_checked() {
        assert!(amount("amount_minor", 0).is_err());
        assert!(amount("amount_minor", -5).is_err());
        assert!(amount("amount_minor", MAX_AMOUNT_MINOR + 1).is_err());
        assert_eq!(amount("amount_minor", 3999), Ok(3999));
        assert!(currency("currency", "usd").is_err());
        assert!(currency("currency", "US").is_err());
        assert_eq!(currency("currency", " USD "), Ok("USD".into()));
        assert_eq!(format_money(-3999, "USD"), "-$39.99");
    }

    #[test]
    fn the_next_bill_is_the_first_of_next_month() {
        assert_eq!(next_bill_date(date(2026, 11, 22)), date(2026, 12, 1));
        assert_eq!(next_bill_date(date(2026, 12, 31)), date(2027, 1, 1));
        assert_eq!(next_bill_date(date(2026, 12, 1)), date(2027, 1, 1));
    }

    #[test]
    fn s1_the_preview_shows_the_credit_scheduled_for_the_next_bill() {
        let today = date(2026, 11, 22);
        let charge = entry(EntryKind::Charge, 3999, date(2026, 11, 3), None);
        let mut credit = entry(EntryKind::Credit, 3999, next_bill_date(today), None);
        credit.memo = "goodwill".into();
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![charge, credit],
            &[("Internet 100".into(), 4999)],
            today,
            100,
        );
        assert_eq!(v.balance_minor, 0);
        let scheduled: Vec<_> = v
            .next_bill
            .lines
            .iter()
            .filter(|l| l.kind == "scheduled_credit")
            .collect();
        assert_eq!(scheduled.len(), 1);
        assert_eq!(scheduled[0].amount_minor, -3999);
        assert_eq!(
            v.next_bill.total_due_minor, 4999,
            "the charge and the credit cancel; next month remains"
        );
    }

    #[test]
    fn a_credit_naming_a_charge_makes_it_good_and_the_bill_shows_the_label_not_the_note() {
        let today = date(2026, 11, 22);
        let mut charge = entry(EntryKind::Charge, 3999, date(2026, 11, 3), None);
        charge.memo = "Technician visit: inside wiring".into();
        let mut credit = entry(
            EntryKind::Credit,
            3999,
            next_bill_date(today),
            Some(charge.id),
        );
        credit.memo = "Rosa disputes the visit; tech never came inside".into();
        credit.label = Some("Credit for a technician visit".into());
        credit.created_by_name = "Maya Agent".into();
        let g = given_about(&[charge.clone(), credit.clone()]);
        assert_eq!(g[&charge.id].minor, 3999);
        assert_eq!(g[&charge.id].by.as_deref(), Some("Maya Agent"));
        assert!(
            g[&charge.id]
                .describe("USD")
                .starts_with("$39.99 was already given about this charge (last by Maya Agent")
        );
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![charge.clone(), credit],
            &[],
            today,
            100,
        );
        let c = v.entries.iter().find(|e| e.entry.id == charge.id).unwrap();
        assert_eq!(c.compensated_minor, 3999);
        let words: Vec<_> = v
            .next_bill
            .lines
            .iter()
            .map(|l| l.description.as_str())
            .collect();
        assert!(
            words.contains(&"Credit for a technician visit"),
            "{words:?}"
        );
        assert!(
            !words.iter().any(|w| w.contains("disputes")),
            "the internal note stays off the bill: {words:?}"
        );
    }

    #[test]
    fn staff_entries_without_a_label_read_plainly_on_the_bill() {
        let mut refund = entry(EntryKind::Refund, 7001, date(2026, 11, 22), None);
        refund.reason_code = Some("card".into());
        refund.memo = "customer moving; asked for the money back".into();
        assert_eq!(bill_words(&refund), "Refund paid to you by card");
        let credit = entry(EntryKind::Credit, 100, date(2026, 11, 22), None);
        assert_eq!(bill_words(&credit), "Goodwill credit");
        let mut charge = entry(EntryKind::Charge, 100, date(2026, 11, 22), None);
        charge.memo = "Paper bill fee".into();
        assert_eq!(
            bill_words(&charge),
            "Paper bill fee",
            "the billing system's own words"
        );
    }

    #[test]
    fn a_held_charge_is_not_due_and_a_waiver_ends_the_dispute() {
        let today = date(2026, 11, 22);
        let charge = entry(EntryKind::Charge, 3999, date(2026, 11, 3), None);
        let hold = entry(EntryKind::DisputeHold, 0, today, Some(charge.id));
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![charge.clone(), hold.clone()],
            &[],
            today,
            100,
        );
        assert_eq!(
            (v.next_bill.held_minor, v.next_bill.total_due_minor),
            (3999, 0)
        );
        let waiver = entry(EntryKind::ChargeWaiver, 3999, today, Some(charge.id));
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![charge.clone(), hold, waiver],
            &[],
            today,
            100,
        );
        let c = v.entries.iter().find(|e| e.entry.id == charge.id).unwrap();
        assert_eq!((c.open_minor, c.dispute), (Some(0), DisputeState::Waived));
        assert_eq!(v.balance_minor, 0);
    }

    #[test]
    fn an_account_in_credit_offers_a_refund() {
        let today = date(2026, 11, 22);
        let pay = entry(EntryKind::Payment, 12000, date(2026, 11, 5), None);
        let charge = entry(EntryKind::Charge, 4999, date(2026, 11, 1), None);
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![pay, charge],
            &[],
            today,
            100,
        );
        assert_eq!(v.overpayment_minor, Some(7001));
        let v = view(
            AccountId(uuid::Uuid::nil()),
            "USD",
            vec![entry(EntryKind::Payment, 50, today, None)],
            &[],
            today,
            100,
        );
        assert_eq!(v.overpayment_minor, None, "under the threshold");
    }

    proptest::proptest! {
        /// Any sequence of entries: the balance is their sum, and the next
        /// bill accounts for every entry up to its date exactly once.
        #[test]
        fn balance_is_the_sum_of_entries(ops in proptest::collection::vec((0usize..6, 1i64..1_000_000, 0i64..90), 0..60)) {
            let today = date(2026, 11, 22);
            let kinds = [EntryKind::Charge, EntryKind::Payment, EntryKind::Credit, EntryKind::Refund, EntryKind::ChargeWaiver, EntryKind::FeeReversal];
            let entries: Vec<LedgerEntry> = ops.iter().map(|(k, a, d)| {
                let on = today.checked_sub(jiff::Span::new().days(*d)).unwrap();
                entry(kinds[*k], *a, on, None)
            }).collect();
            let sum: i64 = ops.iter().map(|(k, a, _)| signed(kinds[*k], *a)).sum();
            let v = view(AccountId(uuid::Uuid::nil()), "USD", entries, &[], today, 100);
            proptest::prop_assert_eq!(v.balance_minor, sum);
            proptest::prop_assert_eq!(v.next_bill.total_due_minor, sum, "no recurring, nothing held: the bill is the balance");
        }

        /// The bounded read gives the same balance, bill and entry states
        /// as reading every entry, whatever the history and window size.
        #[test]
        fn the_window_agrees_with_every_entry(
            ops in proptest::collection::vec((0usize..5, 1i64..100_000, 0i64..120, 0usize..64), 0..70),
            newest in 0usize..40,
        ) {
            let today = date(2026, 11, 22);
            let mut entries: Vec<LedgerEntry> = Vec::new();
            for (n, (k, a, d, pick)) in ops.iter().enumerate() {
                let charges: Vec<LedgerEntryId> = entries.iter().filter(|e| e.kind == EntryKind::Charge).map(|e| e.id).collect();
                let mut e = match (k, charges.is_empty()) {
                    (3, false) => entry(EntryKind::ChargeWaiver, *a, today, Some(charges[pick % charges.len()])),
                    (4, false) => entry(EntryKind::DisputeHold, 0, today, Some(charges[pick % charges.len()])),
                    (1, _) => entry(EntryKind::Payment, *a, today.checked_sub(jiff::Span::new().days(*d)).unwrap(), None),
                    (2, _) => entry(EntryKind::Credit, *a, next_bill_date(today), None),
                    _ => entry(EntryKind::Charge, *a, today.checked_sub(jiff::Span::new().days(*d)).unwrap(), None),
                };
                e.created_at = jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap();
                entries.push(e);
            }
            let id = AccountId(uuid::Uuid::nil());
            let full = view(id, "USD", entries.clone(), &[], today, 100);
            let w = window(entries, today.first_of_month(), newest);
            let part = view_window(id, "USD", w, &[], today, 100);
            proptest::prop_assert_eq!(part.balance_minor, full.balance_minor);
            proptest::prop_assert_eq!(part.overpayment_minor, full.overpayment_minor);
            proptest::prop_assert_eq!(&part.next_bill, &full.next_bill);
            proptest::prop_assert_eq!(part.entry_count, full.entries.len() as i64);
            proptest::prop_assert!(part.entries.len() >= newest.min(full.entries.len()));
            for e in &part.entries {
                let same = full.entries.iter().find(|f| f.entry.id == e.entry.id);
                proptest::prop_assert_eq!(Some(e), same);
            }
        }
    }
}
