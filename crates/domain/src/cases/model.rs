use super::state::{CaseStatus, Priority};
use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub account_id: AccountId,
    pub owner_id: StaffId,
    pub status: CaseStatus,
    pub priority: Priority,
    pub category: String,
    pub title: String,
    pub description: Option<String>,
    pub opened_at: Timestamp,
    /// When someone first worked it (moved it out of `new`).
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// The customer said it is fixed.
    pub confirmed_by_customer: bool,
    /// What the customer said, or why confirmation could not be obtained.
    pub resolution_note: Option<String>,
    /// A department brought in, without changing the owner.
    pub escalated_to: Option<TeamId>,
    pub escalation_note: Option<String>,
    pub handovers: i64,
    pub version: i64,
}

crate::str_enum!(ClockState { Met => "met", Running => "running", Breached => "breached" });

/// The SLA clocks and the customer's waiting time, as of the read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlaView {
    pub first_response_due: Timestamp,
    pub first_response: ClockState,
    pub resolution_due: Timestamp,
    pub resolution: ClockState,
    /// Seconds from opening to resolution, or to now while unresolved.
    pub customer_waiting_secs: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    pub case: Case,
    pub sla: SlaView,
    pub interactions: Vec<InteractionId>,
    /// yes only after a week with no further contact about it.
    pub first_contact_resolution: super::fcr::FirstContactResolution,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewCase {
    pub account_id: AccountId,
    pub title: String,
    pub category: String,
    /// urgent, high, normal (default), low
    pub priority: Option<String>,
    pub description: Option<String>,
    /// The contact the case was opened from.
    pub interaction_id: Option<InteractionId>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CaseStatusChange {
    pub version: i64,
    /// open, waiting_on_customer, waiting_on_third_party, closed (resolve with /resolve)
    pub status: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ResolveInput {
    pub version: i64,
    /// True when the customer confirmed the fix.
    pub confirmed_by_customer: bool,
    /// What the customer said; or, without confirmation, why it could not be obtained (required then).
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct HandoverInput {
    pub version: i64,
    pub new_owner_id: StaffId,
    /// What the new owner needs to know; shown to them first.
    pub note: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EscalateInput {
    pub version: i64,
    pub team_id: TeamId,
    pub note: String,
}

/// A case on a list, with its account and clocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    pub case: Case,
    pub account_number: String,
    pub account_name: String,
    pub sla: SlaView,
}
