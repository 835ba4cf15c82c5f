use crate::ids::*;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(EntryKind {
    Charge => "charge",
    Payment => "payment",
    Credit => "credit",
    ChargeWaiver => "charge_waiver",
    FeeReversal => "fee_reversal",
    Refund => "refund",
    DisputeHold => "dispute_hold",
    DisputeUpheld => "dispute_upheld",
    FreeItem => "free_item",
});

/// One immutable money movement. `amount_minor` is signed: positive is
/// owed by the customer, negative is in the customer's favour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub account_id: AccountId,
    pub kind: EntryKind,
    pub amount_minor: i64,
    pub currency: String,
    /// goodwill, service_failure, adjustment (credits); fee (charges); ...
    pub reason_code: Option<String>,
    /// The internal note: why, for staff and the audit trail.
    pub memo: String,
    /// What the customer's bill says (staff actions); the memo never goes
    /// on the bill.
    #[serde(default)]
    pub label: Option<String>,
    /// The charge a waiver, reversal, dispute step or credit is about.
    pub related_entry_id: Option<LedgerEntryId>,
    /// The billing system's id (idempotent).
    pub external_id: Option<String>,
    /// The bill it appears on: on or before that bill's date.
    pub effective_on: Date,
    pub created_at: Timestamp,
    pub created_by: Option<StaffId>,
    pub created_by_name: String,
    pub approval_id: Option<ApprovalId>,
}

// A charge's dispute state, derived from the entries about it.
crate::str_enum!(DisputeState { None => "none", Held => "held", Upheld => "upheld", Waived => "waived" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    pub entry: LedgerEntry,
    /// For charges: what is left after waivers and reversals.
    pub open_minor: Option<i64>,
    pub dispute: DisputeState,
    /// For charges: what was given about it (credits naming it, waivers,
    /// reversals), and by whom last.
    pub compensated_minor: i64,
    pub compensated_by: Option<String>,
    pub compensated_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BillLine {
    pub description: String,
    pub amount_minor: i64,
    /// entry, scheduled_credit, recurring, held
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NextBill {
    pub bill_date: Date,
    pub period_start: Date,
    pub currency: String,
    pub brought_forward_minor: i64,
    pub lines: Vec<BillLine>,
    /// Held (disputed) charges are not due while held.
    pub held_minor: i64,
    pub total_due_minor: i64,
}

/// The account's money on one screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LedgerView {
    pub account_id: AccountId,
    pub currency: String,
    /// The sum of every entry.
    pub balance_minor: i64,
    /// Set when the customer is in credit beyond the threshold: the refund
    /// that is offered.
    pub overpayment_minor: Option<i64>,
    /// How many entries the account has in all.
    pub entry_count: i64,
    /// Newest first: the newest ones (200 by default) and every entry of
    /// the current bill period.
    pub entries: Vec<EntryView>,
    pub next_bill: NextBill,
}

/// What the view reads of an account: two sums and a bounded set of
/// entries, so its cost does not grow with the account's history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerWindow {
    pub balance_minor: i64,
    /// The sum of entries effective before the period's start.
    pub brought_forward_minor: i64,
    /// The sum of goodwill credits (negative): they reduce bills, they are
    /// never paid out as cash.
    pub credits_minor: i64,
    pub count: i64,
    /// The newest `n` entries and every entry effective on or after the
    /// period's start. (Entries about a charge are always newer than it, so
    /// the charges here come with every entry about them.)
    pub entries: Vec<LedgerEntry>,
}

/// A charge or payment from the billing system.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct BillingEntryInput {
    /// charge or payment
    pub kind: String,
    /// Positive, in minor units (cents).
    pub amount_minor: i64,
    pub currency: String,
    /// The billing system's own id: the same id twice is one entry.
    pub external_id: String,
    pub memo: String,
    /// `fee` marks a fee (reversible as a fee reversal).
    pub reason_code: Option<String>,
    /// The bill date it belongs to; today when absent.
    pub effective_on: Option<Date>,
}

/// What a staff member asks to do with money.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MoneyAction {
    /// goodwill_credit, charge_waiver, fee_reversal, refund
    pub action: String,
    /// Positive, in minor units (cents).
    pub amount_minor: i64,
    pub currency: String,
    /// The charge to waive or reverse, or that a credit makes good.
    pub charge_id: Option<LedgerEntryId>,
    /// Why: the internal note on the entry and the audit trail. Never
    /// shown to the customer.
    pub reason: String,
    /// What the customer's bill says; a default by action when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// For refunds: how the money goes back (one of the provider's refund
    /// methods, e.g. card, bank transfer, cheque).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_method: Option<String>,
    /// For credits: goodwill (default), service_failure, adjustment.
    pub credit_reason: Option<String>,
    /// Repeating a request with the same key answers its first result.
    pub idempotency_key: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct DisputeInput {
    pub charge_id: LedgerEntryId,
    pub reason: String,
    pub idempotency_key: String,
}
