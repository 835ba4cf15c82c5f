//! Approvals: a money request beyond the requester's authority, decided by
//! someone whose authority covers it.

use crate::ids::*;
use crate::ledger::MoneyAction;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(ApprovalStatus {
    Pending => "pending",
    Approved => "approved",
    Denied => "denied",
    Cancelled => "cancelled",
});

impl ApprovalStatus {
    pub fn can_become(self, to: ApprovalStatus) -> bool {
        use ApprovalStatus::*;
        matches!((self, to), (Pending, Approved | Denied | Cancelled))
    }

    pub fn check(self, to: ApprovalStatus) -> crate::Result<()> {
        if self.can_become(to) {
            Ok(())
        } else {
            Err(crate::DomainError::Conflict(format!(
                "this request is already {}; it cannot become {}",
                self.as_str(),
                to.as_str()
            )))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Approval {
    pub id: ApprovalId,
    pub account_id: AccountId,
    pub requested_by: StaffId,
    pub requested_by_name: String,
    /// The action asked for, exactly as it will be carried out.
    pub request: MoneyAction,
    pub status: ApprovalStatus,
    pub created_at: Timestamp,
    /// When it escalates if still undecided.
    pub due_at: Timestamp,
    /// Past its due time undecided: now due to admins as well.
    pub escalated: bool,
    pub decided_by: Option<StaffId>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_reason: Option<String>,
    /// The ledger entry an approval carried out.
    pub entry_id: Option<LedgerEntryId>,
    pub version: i64,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ApprovalDecision {
    pub version: i64,
    pub approve: bool,
    /// Required either way: it is recorded with the decision.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::ApprovalStatus::{self, *};

    #[test]
    fn every_pair_is_decided_here() {
        let allowed = [(Pending, Approved), (Pending, Denied), (Pending, Cancelled)];
        for from in ApprovalStatus::ALL {
            for to in ApprovalStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
                assert_eq!(from.check(*to).is_ok(), from.can_become(*to));
            }
        }
    }
}
