//! Consults: bring another department in without handing the case over.

mod service;

use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::ConsultService;

crate::str_enum!(ConsultStatus {
    Waiting => "waiting",
    PickedUp => "picked_up",
    Joined => "joined",
    Answered => "answered",
    Cancelled => "cancelled",
});

impl ConsultStatus {
    pub fn can_become(self, to: ConsultStatus) -> bool {
        use ConsultStatus::*;
        matches!(
            (self, to),
            (Waiting, PickedUp | Cancelled) | (PickedUp, Answered | Joined) | (Joined, Answered)
        )
    }

    pub fn check(self, to: ConsultStatus) -> crate::Result<()> {
        if self.can_become(to) {
            Ok(())
        } else {
            Err(crate::DomainError::Conflict(format!(
                "a consult that is {} cannot become {}",
                self.as_str().replace('_', " "),
                to.as_str().replace('_', " ")
            )))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Consult {
    pub id: ConsultId,
    pub case_id: CaseId,
    /// The live contact the customer is on, when there is one.
    pub interaction_id: Option<InteractionId>,
    pub team_id: TeamId,
    pub question: String,
    pub status: ConsultStatus,
    pub requested_by: StaffId,
    pub requested_at: Timestamp,
    pub picked_by: Option<StaffId>,
    pub picked_at: Option<Timestamp>,
    pub answer: Option<String>,
    pub answered_at: Option<Timestamp>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsultView {
    pub consult: Consult,
    pub team_name: String,
    /// 1 = next in the department's list; 0 once picked up.
    pub position: i64,
}

/// What a specialist needs to see on a consult card before picking it up:
/// who asked, about which account and case, and whether (and since when)
/// a customer is waiting on the line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsultContext {
    pub consult_id: ConsultId,
    pub requested_by_name: String,
    pub case_title: String,
    pub account_id: AccountId,
    pub account_number: String,
    pub account_name: String,
    /// The live contact's state, when the consult was asked from one.
    pub contact_state: Option<String>,
    /// Since when the customer on that contact has been waiting (its start).
    pub contact_started_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewConsult {
    pub case_id: CaseId,
    pub team_id: TeamId,
    pub question: String,
    pub interaction_id: Option<InteractionId>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ConsultAnswer {
    pub version: i64,
    pub answer: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ConsultStep {
    pub version: i64,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct StatusUpdate {
    /// Shown on the customer's timeline, e.g. "Billing: you are next".
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::ConsultStatus::{self, *};

    #[test]
    fn every_pair_is_decided_here() {
        let allowed = [
            (Waiting, PickedUp),
            (Waiting, Cancelled),
            (PickedUp, Answered),
            (PickedUp, Joined),
            (Joined, Answered),
        ];
        for from in ConsultStatus::ALL {
            for to in ConsultStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
            }
        }
    }
}
