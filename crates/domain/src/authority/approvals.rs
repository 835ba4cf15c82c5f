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
    /// The idempotency key the decision was sent with.
    #[serde(default)]
    pub decision_key: Option<String>,
}

/// Who sees a pending request. It goes to supervisors on duty first; once
/// it escalates (undecided past its due time), or while no supervisor is
/// on duty at all, to everyone who may decide. Nobody sees their own.
pub fn offered_to(
    a: &Approval,
    viewer: StaffId,
    viewer_on_duty_supervisor: bool,
    any_supervisor_on_duty: bool,
) -> bool {
    a.status == ApprovalStatus::Pending
        && a.requested_by != viewer
        && (a.escalated || viewer_on_duty_supervisor || !any_supervisor_on_duty)
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ApprovalDecision {
    pub version: i64,
    pub approve: bool,
    /// Required either way: it is recorded with the decision.
    pub reason: String,
    /// The same decision sent again with this key answers the decided request.
    #[serde(default)]
    pub idempotency_key: Option<String>,
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

    fn pending(escalated: bool) -> super::Approval {
        super::Approval {
            id: crate::ids::ApprovalId::new(),
            account_id: crate::ids::AccountId::new(),
            requested_by: crate::ids::StaffId::new(),
            requested_by_name: "Alex".into(),
            request: Default::default(),
            status: Pending,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            due_at: jiff::Timestamp::UNIX_EPOCH,
            escalated,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            decision_reason: None,
            entry_id: None,
            version: 1,
            decision_key: None,
        }
    }

    #[test]
    fn on_duty_supervisors_see_requests_first() {
        use super::offered_to;
        let me = crate::ids::StaffId::new();
        let fresh = pending(false);
        // (on duty supervisor, any on duty) -> sees a fresh request
        assert!(offered_to(&fresh, me, true, true));
        assert!(
            !offered_to(&fresh, me, false, true),
            "off duty waits for escalation"
        );
        assert!(
            offered_to(&fresh, me, false, false),
            "nobody on duty: everyone sees it"
        );
        let late = pending(true);
        assert!(
            offered_to(&late, me, false, true),
            "escalated: everyone who decides"
        );
        let mine = super::Approval {
            requested_by: me,
            ..pending(true)
        };
        assert!(!offered_to(&mine, me, true, true), "never one's own");
        let done = super::Approval {
            status: Approved,
            ..pending(true)
        };
        assert!(
            !offered_to(&done, me, true, true),
            "decided ones leave the inbox"
        );
    }
}
