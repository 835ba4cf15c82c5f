//! Follow-ups: a promised contact, its own record (never a flag on a case).

use crate::ids::*;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(
    FollowUpState {
        Scheduled => "scheduled",
        Due => "due",
        Done => "done",
        Missed => "missed",
        Cancelled => "cancelled",
    }
);

crate::str_enum!(
    /// How the promised contact went.
    FollowUpOutcome {
        ReachedResolved => "reached_resolved",
        ReachedMore => "reached_more",
        NoAnswer => "no_answer",
        Declined => "declined",
    }
);

impl FollowUpOutcome {
    pub fn words(self) -> &'static str {
        match self {
            FollowUpOutcome::ReachedResolved => "Reached, resolved",
            FollowUpOutcome::ReachedMore => "Reached, more to do",
            FollowUpOutcome::NoAnswer => "No answer",
            FollowUpOutcome::Declined => "Declined",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub account_id: AccountId,
    /// The person to contact.
    pub person_id: PersonId,
    /// The phone or e-mail to use; the person's current one when unset.
    pub contact_point_id: Option<ContactPointId>,
    pub owner_id: StaffId,
    pub case_id: Option<CaseId>,
    /// The contact during which it was promised.
    pub created_from: Option<InteractionId>,
    pub purpose: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    /// A time window on the due day, in the owner's zone ("between 2 and 4").
    #[schema(value_type = Option<String>, example = "14:00")]
    pub window_start: Option<Time>,
    #[schema(value_type = Option<String>, example = "16:00")]
    pub window_end: Option<Time>,
    pub state: FollowUpState,
    pub outcome: Option<FollowUpOutcome>,
    pub outcome_note: Option<String>,
    pub cancel_reason: Option<String>,
    /// How many times it was moved to another day.
    pub reschedules: i64,
    /// The outbound contact made for it (the latest "Call now").
    pub calling_interaction: Option<InteractionId>,
    pub created_by: StaffId,
    pub created_at: Timestamp,
    /// Who made the call that completed it (the extra-mile credit).
    pub done_by: Option<StaffId>,
    pub done_at: Option<Timestamp>,
    pub version: i64,
}

/// One line of a follow-up's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpEvent {
    pub id: FollowUpEventId,
    pub follow_up_id: FollowUpId,
    pub at: Timestamp,
    pub actor_id: Option<StaffId>,
    /// scheduled, rescheduled, reassigned, due, called, attempted, done, missed, cancelled
    pub action: String,
    pub detail: String,
}

/// A follow-up with the names a list shows, read in one query.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FollowUpItem {
    #[serde(flatten)]
    pub follow_up: FollowUp,
    pub person_name: String,
    pub account_number: String,
    pub owner_name: String,
    /// The owner's availability now (available, busy, away, offline).
    pub owner_presence: Option<String>,
    /// The phone or e-mail to use: the chosen one, else the person's primary.
    pub contact_value: Option<String>,
    /// The customer's zone, where their service location has one.
    pub customer_time_zone: Option<String>,
    /// The customer's state or province (for regional holidays).
    pub customer_region: Option<String>,
    /// The owner's zone (the provider's when unset): "today" for this item.
    pub owner_time_zone: Option<String>,
    /// Filled by the service: the holiday the due day falls on.
    pub holiday: Option<String>,
    /// Filled by the service: the owner is away or offline on the due day
    /// and the reader is not the owner ("covering for NAME").
    pub covering_for: Option<String>,
    /// Filled by the service: the due day has passed in the owner's zone.
    pub overdue: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewFollowUp {
    pub account_id: AccountId,
    pub person_id: PersonId,
    pub contact_point_id: Option<ContactPointId>,
    /// The owner; the person scheduling it when unset.
    pub owner_id: Option<StaffId>,
    pub case_id: Option<CaseId>,
    pub interaction_id: Option<InteractionId>,
    pub purpose: String,
    /// YYYY-MM-DD
    pub due_on: String,
    /// HH:MM, both or neither.
    pub window_start: Option<String>,
    pub window_end: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct RescheduleInput {
    pub version: i64,
    /// YYYY-MM-DD
    pub due_on: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ReassignInput {
    pub version: i64,
    pub owner_id: StaffId,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CancelInput {
    pub version: i64,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CompleteInput {
    pub version: i64,
    /// reached_resolved, reached_more, no_answer, declined
    pub outcome: String,
    pub note: Option<String>,
}

/// A public holiday in the provider's calendar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Holiday {
    /// "US", or a state or province: "US-TX".
    pub region: String,
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct HolidayInput {
    pub region: String,
    /// YYYY-MM-DD
    pub on: String,
    pub name: String,
}
