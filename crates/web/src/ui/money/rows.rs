//! The Money tab's rows: entries, authority, decisions and approval
//! requests as the page shows them.

use crate::ui::when;
use extramile_domain::authority::{
    Approval, ApprovalStatus, Decision, MoneyActionKind, Outcome, Remaining,
};
use extramile_domain::ledger::{
    DisputeState, EntryKind, EntryView, LedgerEntry, LedgerView, MoneyAction, format_money,
};

/// Minor units as a person types them back: 3999 -> "39.99".
pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

pub struct EntryRow {
    pub id: String,
    pub on: String,
    pub at: String,
    pub kind: String,
    pub label: String,
    pub memo: String,
    pub by: String,
    pub amount: String,
    pub credit: bool,
    pub state: String,
    pub charge: bool,
    pub fee: bool,
    /// An order line's charge: it can be given free (goodwill).
    pub order: bool,
    pub can_hold: bool,
    pub can_uphold: bool,
    pub can_waive: bool,
    pub approved: bool,
    /// What the customer's bill says.
    pub bill: String,
    /// "Made good $39.99 (Maya Agent, 2026-11-29)", for charges.
    pub compensated: String,
    /// What is left to make good, typed back ("0.00" when nothing).
    pub left: String,
    pub can_credit: bool,
}

pub(super) fn kind_label(k: EntryKind, reason: Option<&str>) -> String {
    match (k, reason) {
        (EntryKind::Charge, Some("fee")) => "Fee".into(),
        (EntryKind::Credit, Some(r)) => format!("Credit ({})", r.replace('_', " ")),
        (EntryKind::DisputeHold, _) => "Held in dispute".into(),
        (EntryKind::DisputeUpheld, _) => "Dispute upheld".into(),
        (EntryKind::Refund, Some(m)) => format!("Refund by {m}"),
        (k, _) => sentence(&k.as_str().replace('_', " ")),
    }
}

pub(super) fn entry_row(e: &EntryView, cur: &str) -> EntryRow {
    let x = &e.entry;
    let charge = x.kind == EntryKind::Charge;
    let open = e.open_minor.unwrap_or(0);
    let left = if charge {
        (x.amount_minor - e.compensated_minor).max(0)
    } else {
        0
    };
    let compensated = match (&e.compensated_by, e.compensated_at) {
        (Some(by), Some(at)) if e.compensated_minor > 0 => format!(
            "made good {} (last by {by}, {})",
            format_money(e.compensated_minor, cur),
            when(at)
        ),
        _ => String::new(),
    };
    let state = match (charge, e.dispute) {
        (false, _) => String::new(),
        (true, DisputeState::Held) => "held in dispute".into(),
        (true, DisputeState::Waived) => "waived".into(),
        (true, _) if open <= 0 => "reversed in full".into(),
        (true, DisputeState::Upheld) => "dispute upheld".into(),
        (true, DisputeState::None) if open < x.amount_minor => {
            format!("partly waived: {} remains", format_money(open, cur))
        }
        (true, DisputeState::None) => String::new(),
    };
    EntryRow {
        id: x.id.to_string(),
        on: x.effective_on.to_string(),
        at: when(x.created_at),
        kind: x.kind.as_str().into(),
        label: kind_label(x.kind, x.reason_code.as_deref()),
        memo: x.memo.clone(),
        by: if x.created_by.is_none() {
            "billing system".into()
        } else {
            x.created_by_name.clone()
        },
        amount: if x.amount_minor == 0 {
            String::new()
        } else {
            format_money(x.amount_minor, cur)
        },
        credit: x.amount_minor < 0,
        state,
        charge,
        fee: x.reason_code.as_deref() == Some("fee"),
        order: x.reason_code.as_deref() == Some(extramile_domain::orders::ORDER_CHARGE),
        can_hold: charge
            && open > 0
            && matches!(e.dispute, DisputeState::None | DisputeState::Upheld),
        can_uphold: charge && e.dispute == DisputeState::Held,
        can_waive: charge && open > 0 && left > 0 && e.dispute != DisputeState::Waived,
        approved: x.approval_id.is_some(),
        bill: extramile_domain::ledger::bill_words(x),
        compensated,
        left: decimal(left),
        can_credit: charge && left > 0,
    }
}

pub struct AuthorityRow {
    pub action: String,
    pub label: String,
    pub each: String,
    pub month_left: String,
    pub now: String,
    pub none: bool,
}

pub struct DecisionView {
    pub allowed: bool,
    pub reason: String,
    /// (action, amount typed back, description)
    pub alternatives: Vec<(String, String, String)>,
    pub approval_possible: bool,
    /// What was asked, to ask for approval exactly that.
    pub asked: MoneyAction,
    pub asked_amount: String,
}

pub struct ApprovalRow {
    pub id: String,
    pub version: i64,
    pub what: String,
    pub status: String,
    pub asked: String,
    pub by: String,
    pub reason: String,
    pub escalated: bool,
    pub decided: String,
    pub mine_pending: bool,
}

pub fn approval_row(a: &Approval, me: Option<extramile_domain::ids::StaffId>) -> ApprovalRow {
    let what = format!(
        "{} of {}",
        MoneyActionKind::parse("action", &a.request.action)
            .map(|k| k.describe().trim_start_matches("a ").to_string())
            .unwrap_or_else(|_| a.request.action.clone()),
        format_money(a.request.amount_minor, &a.request.currency)
    );
    ApprovalRow {
        id: a.id.to_string(),
        version: a.version,
        what,
        status: a.status.as_str().into(),
        asked: when(a.created_at),
        by: a.requested_by_name.clone(),
        reason: a.request.reason.clone(),
        escalated: a.escalated,
        decided: match (&a.decided_by_name, a.decided_at) {
            (Some(n), Some(at)) => format!(
                "{n} on {}: {}",
                when(at),
                a.decision_reason.clone().unwrap_or_default()
            ),
            _ => format!("escalates {}", when(a.due_at)),
        },
        mine_pending: a.status == ApprovalStatus::Pending && Some(a.requested_by) == me,
    }
}

pub(super) fn authority_row(r: &Remaining) -> AuthorityRow {
    let m = |x: i64| format_money(x, &r.currency);
    AuthorityRow {
        action: r.action.as_str().into(),
        label: r.action.describe().trim_start_matches("a ").to_string(),
        each: m(r.per_entry_limit_minor),
        month_left: r
            .month_left_minor
            .map(m)
            .unwrap_or_else(|| "no monthly limit".into()),
        now: m(r.now_minor),
        none: r.per_entry_limit_minor == 0,
    }
}

/// Charges that are not yet made good, for the dialog's select.
pub(super) fn charge_options(v: &LedgerView) -> Vec<(String, String)> {
    v.entries
        .iter()
        .filter(|e| e.entry.kind == EntryKind::Charge)
        .filter(|e| e.entry.amount_minor - e.compensated_minor > 0)
        .map(|e| {
            let left = format_money(e.entry.amount_minor - e.compensated_minor, &v.currency);
            let label = format!("{} · {} · {left}", e.entry.effective_on, e.entry.memo);
            (e.entry.id.to_string(), label)
        })
        .collect()
}

/// What was already given about the chosen charge, to warn before more.
pub(super) fn compensation_warning(v: &LedgerView, charge: &str) -> Option<String> {
    let e = v
        .entries
        .iter()
        .find(|e| e.entry.id.to_string() == charge && e.compensated_minor > 0)?;
    let by = e.compensated_by.clone().unwrap_or_default();
    Some(format!(
        "Already made good: {} of this {} charge (last by {by}, {}). Anything more is counted against your authority with it.",
        format_money(e.compensated_minor, &v.currency),
        format_money(e.entry.amount_minor, &v.currency),
        e.compensated_at.map(when).unwrap_or_default()
    ))
}

pub(super) fn decision_view(d: Decision, asked: MoneyAction) -> DecisionView {
    DecisionView {
        allowed: d.outcome == Outcome::Allowed,
        reason: sentence(&d.reason),
        alternatives: d
            .alternatives
            .into_iter()
            .map(|a| {
                (
                    a.action.as_str().to_string(),
                    decimal(a.amount_minor),
                    a.description,
                )
            })
            .collect(),
        approval_possible: d.approval_possible,
        asked_amount: decimal(asked.amount_minor),
        asked,
    }
}

/// "a credit ..." -> "A credit ...".
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(super) fn applied_notice(e: &LedgerEntry, replayed: bool) -> String {
    format!(
        "{}: {} {}",
        if replayed {
            "Already applied"
        } else {
            "Applied"
        },
        kind_label(e.kind, e.reason_code.as_deref()),
        format_money(e.amount_minor.abs(), &e.currency)
    )
}

mod tests {
    #[test]
    fn amounts_are_typed_back_as_people_type_them() {
        assert_eq!(super::decimal(3999), "39.99");
        assert_eq!(super::decimal(5), "0.05");
        assert_eq!(super::decimal(100_000), "1000.00");
    }
}
