//! Authority: what each role (or person) may do with money, up to which
//! amount; the best action within it when a request is beyond it; and
//! approvals for the rest.

mod approvals;
mod decide;
mod requests;
mod service;

pub use approvals::*;
pub use decide::{Alternative, Decision, Outcome, decide};
pub use service::{AuthorityService, applied, effective_policy};

use crate::admin::StaffRole;
use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(MoneyActionKind {
    GoodwillCredit => "goodwill_credit",
    ChargeWaiver => "charge_waiver",
    FeeReversal => "fee_reversal",
    Refund => "refund",
    FreeItem => "free_item",
});

impl MoneyActionKind {
    pub fn describe(self) -> &'static str {
        match self {
            Self::GoodwillCredit => "a goodwill credit",
            Self::ChargeWaiver => "a charge waiver",
            Self::FeeReversal => "a fee reversal",
            Self::Refund => "a refund",
            Self::FreeItem => "a free item",
        }
    }
}

/// Limits for one action, for a role or one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub id: PolicyId,
    /// The role it applies to, or none when it is one person's.
    pub role: Option<StaffRole>,
    pub staff_id: Option<StaffId>,
    pub action: MoneyActionKind,
    pub currency: String,
    /// The most one entry may be; 0 = not allowed.
    pub per_entry_limit_minor: i64,
    /// The most on one account in a calendar month, when limited.
    pub per_account_month_limit_minor: Option<i64>,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PolicyInput {
    /// agent, specialist, supervisor, dispatcher, technician, admin (or give staff_id)
    pub role: Option<String>,
    pub staff_id: Option<StaffId>,
    /// goodwill_credit, charge_waiver, fee_reversal, refund
    pub action: String,
    pub currency: String,
    pub per_entry_limit_minor: i64,
    pub per_account_month_limit_minor: Option<i64>,
    /// Needed when the limit would pass the changer's own or a role
    /// above's: why (goes on the audit trail).
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a person may still do on one account now, per action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Remaining {
    pub action: MoneyActionKind,
    pub currency: String,
    pub per_entry_limit_minor: i64,
    /// What the monthly limit leaves on this account, when there is one.
    pub month_left_minor: Option<i64>,
    /// The most one request may be now.
    pub now_minor: i64,
}
