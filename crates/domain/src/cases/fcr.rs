//! First-contact resolution, computed honestly: a case resolved in one
//! contact counts only when no further contact from that account about the
//! same case or category follows within 7 days; until then it is pending.

use super::model::Case;
use crate::ids::*;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const FCR_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 7);

crate::str_enum!(FirstContactResolution {
    Yes => "yes",
    No => "no",
    Pending => "pending",
    NotResolved => "not_resolved",
});

/// A later contact from the same account, with the cases it was linked to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LaterContact {
    pub interaction_id: InteractionId,
    pub started_at: Timestamp,
    pub cases: Vec<(CaseId, String)>,
}

/// `contacts` are the account's contacts that started after the case's
/// first contact (in any order); `linked` the case's own contacts.
pub fn first_contact_resolution(
    c: &Case,
    linked: &[InteractionId],
    contacts: &[LaterContact],
    now: Timestamp,
) -> FirstContactResolution {
    let Some(resolved) = c.resolved_at else {
        return FirstContactResolution::NotResolved;
    };
    if linked.len() > 1 {
        return FirstContactResolution::No;
    }
    let Ok(window_end) = resolved.checked_add(FCR_WINDOW) else {
        return FirstContactResolution::Pending;
    };
    let about_it = contacts.iter().any(|x| {
        !linked.contains(&x.interaction_id)
            && x.started_at <= window_end
            && x.cases
                .iter()
                .any(|(id, category)| *id == c.id || *category == c.category)
    });
    if about_it {
        FirstContactResolution::No
    } else if now < window_end {
        FirstContactResolution::Pending
    } else {
        FirstContactResolution::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::state::{CaseStatus, Priority};

    fn t(h: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            .checked_add(SignedDuration::from_hours(h))
            .unwrap()
    }

    fn case(resolved: Option<i64>) -> Case {
        Case {
            id: CaseId::new(),
            account_id: AccountId::new(),
            owner_id: StaffId::new(),
            status: CaseStatus::Resolved,
            priority: Priority::Normal,
            category: "billing".into(),
            title: "x".into(),
            description: None,
            opened_at: t(0),
            first_response_at: Some(t(0)),
            resolved_at: resolved.map(t),
            confirmed_by_customer: true,
            resolution_note: None,
            escalated_to: None,
            escalation_note: None,
            handovers: 0,
            version: 3,
        }
    }

    #[test]
    fn counted_only_after_a_quiet_week() {
        let c = case(Some(1));
        let first = InteractionId::new();
        assert_eq!(
            first_contact_resolution(&c, &[first], &[], t(24)),
            FirstContactResolution::Pending
        );
        assert_eq!(
            first_contact_resolution(&c, &[first], &[], t(1 + 24 * 7)),
            FirstContactResolution::Yes
        );
        assert_eq!(
            first_contact_resolution(&case(None), &[first], &[], t(500)),
            FirstContactResolution::NotResolved
        );
    }

    #[test]
    fn a_call_back_about_the_same_thing_within_a_week_is_not_fcr() {
        let c = case(Some(1));
        let first = InteractionId::new();
        let again = |h, cases: Vec<(CaseId, String)>| LaterContact {
            interaction_id: InteractionId::new(),
            started_at: t(h),
            cases,
        };
        let same_category = again(48, vec![(CaseId::new(), "billing".into())]);
        assert_eq!(
            first_contact_resolution(&c, &[first], &[same_category], t(500)),
            FirstContactResolution::No
        );
        let same_case = again(48, vec![(c.id, "billing".into())]);
        assert_eq!(
            first_contact_resolution(&c, &[first], &[same_case], t(500)),
            FirstContactResolution::No
        );
        let other_topic = again(48, vec![(CaseId::new(), "move".into())]);
        assert_eq!(
            first_contact_resolution(&c, &[first], &[other_topic], t(500)),
            FirstContactResolution::Yes
        );
        let after_a_week = again(1 + 24 * 8, vec![(CaseId::new(), "billing".into())]);
        assert_eq!(
            first_contact_resolution(&c, &[first], &[after_a_week], t(500)),
            FirstContactResolution::Yes
        );
        assert_eq!(
            first_contact_resolution(&c, &[first, InteractionId::new()], &[], t(500)),
            FirstContactResolution::No,
            "two contacts is not one"
        );
    }
}
