//! Rules about holders, representatives and status changes, as pure
//! functions over what is stored, so they are tested without a database.

use super::model::*;
use crate::error::{DomainError, Result};
use crate::ids::PersonId;

fn active(roles: &[AccountRole]) -> impl Iterator<Item = &AccountRole> {
    roles.iter().filter(|r| r.ended_on.is_none())
}

pub fn is_current_holder(roles: &[AccountRole], person: PersonId) -> bool {
    active(roles).any(|r| r.person_id == person && r.kind == RoleKind::Holder)
}

/// May `person` take the role `kind` on an account with these roles?
/// A representative needs consent from a current holder; nobody holds two
/// active roles on one account.
pub fn check_new_role(
    roles: &[AccountRole],
    person: PersonId,
    kind: RoleKind,
    consent_by: Option<PersonId>,
) -> Result<()> {
    if let Some(existing) = active(roles).find(|r| r.person_id == person) {
        return Err(DomainError::Conflict(format!(
            "this person is already {} on the account",
            existing.kind.as_str().replace('_', " ")
        )));
    }
    match kind {
        RoleKind::Holder => Ok(()),
        RoleKind::FormerHolder => Err(DomainError::invalid(
            "kind",
            "a former holder is made by ending a holder's role",
        )),
        RoleKind::AuthorizedRepresentative => match consent_by {
            None => Err(DomainError::invalid(
                "consent",
                "an authorized representative needs the consent of a current holder",
            )),
            Some(by) if !is_current_holder(roles, by) => Err(DomainError::invalid(
                "consent.given_by",
                "consent must come from a current holder of the account",
            )),
            Some(_) => Ok(()),
        },
    }
}

/// Ending a role: holders become former holders; the last holder stays
/// until another one is added, so an account is never without one.
pub fn end_role(roles: &[AccountRole], role: &AccountRole) -> Result<RoleKind> {
    if role.ended_on.is_some() {
        return Err(DomainError::Conflict("this role has already ended".into()));
    }
    match role.kind {
        RoleKind::Holder => {
            let holders = active(roles).filter(|r| r.kind == RoleKind::Holder).count();
            if holders <= 1 {
                return Err(DomainError::Conflict(
                    "an account keeps at least one holder: add the new holder first".into(),
                ));
            }
            Ok(RoleKind::FormerHolder)
        }
        other => Ok(other),
    }
}

/// Closing or cancelling an account is destructive and needs a reason.
pub fn check_status_change(
    from: AccountStatus,
    to: AccountStatus,
    reason: Option<&str>,
) -> Result<()> {
    let destructive = matches!(
        to,
        AccountStatus::Closed | AccountStatus::PendingCancellation
    );
    if from != to && destructive && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(DomainError::invalid(
            "reason",
            format!(
                "a reason is required to set an account to {}",
                to.as_str().replace('_', " ")
            ),
        ));
    }
    if from == AccountStatus::Closed && to != AccountStatus::Closed {
        return Err(DomainError::Conflict(
            "a closed account cannot be reopened here".into(),
        ));
    }
    Ok(())
}

/// A subscription changes product only within its kind (Internet 100 to
/// Internet 500), and a cancelled one no longer changes.
pub fn check_product_change(
    current: &Product,
    next: &Product,
    status: SubscriptionStatus,
) -> Result<()> {
    if status == SubscriptionStatus::Cancelled {
        return Err(DomainError::Conflict(
            "the subscription is cancelled".into(),
        ));
    }
    if current.kind != next.kind {
        return Err(DomainError::invalid(
            "product_id",
            format!(
                "a {} subscription can only change to another {} product",
                current.kind, current.kind
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;

    fn role(person: PersonId, kind: RoleKind) -> AccountRole {
        AccountRole {
            id: AccountRoleId::new(),
            account_id: AccountId::new(),
            person_id: person,
            kind,
            consent: None,
            ended_reason: None,
            ended_on: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn a_representative_needs_a_current_holders_consent() {
        let (rosa, ana, other) = (PersonId::new(), PersonId::new(), PersonId::new());
        let roles = vec![role(rosa, RoleKind::Holder)];
        let rep = RoleKind::AuthorizedRepresentative;
        assert!(check_new_role(&roles, ana, rep, Some(rosa)).is_ok());
        assert!(
            matches!(check_new_role(&roles, ana, rep, None), Err(DomainError::Invalid { field, .. }) if field == "consent")
        );
        assert!(
            matches!(check_new_role(&roles, ana, rep, Some(other)), Err(DomainError::Invalid { field, .. }) if field == "consent.given_by")
        );
        assert!(matches!(
            check_new_role(&roles, rosa, rep, Some(rosa)),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn a_former_holders_consent_does_not_count() {
        let (rosa, late, ana) = (PersonId::new(), PersonId::new(), PersonId::new());
        let mut former = role(late, RoleKind::FormerHolder);
        former.ended_on = Some(jiff::civil::date(2026, 9, 1));
        let roles = vec![role(rosa, RoleKind::Holder), former];
        assert!(
            check_new_role(&roles, ana, RoleKind::AuthorizedRepresentative, Some(late)).is_err()
        );
        // and the late holder's ended role does not block a new role
        assert!(check_new_role(&roles, late, RoleKind::Holder, None).is_ok());
    }

    #[test]
    fn the_last_holder_cannot_be_ended() {
        let (a, b) = (PersonId::new(), PersonId::new());
        let one = vec![role(a, RoleKind::Holder)];
        assert!(matches!(
            end_role(&one, &one[0]),
            Err(DomainError::Conflict(_))
        ));
        let two = vec![role(a, RoleKind::Holder), role(b, RoleKind::Holder)];
        assert_eq!(end_role(&two, &two[1]).unwrap(), RoleKind::FormerHolder);
        let rep = role(b, RoleKind::AuthorizedRepresentative);
        assert_eq!(
            end_role(&one, &rep).unwrap(),
            RoleKind::AuthorizedRepresentative
        );
    }

    #[test]
    fn closing_needs_a_reason_and_closed_stays_closed() {
        use AccountStatus::*;
        assert!(check_status_change(Active, Closed, None).is_err());
        assert!(check_status_change(Active, Closed, Some("  ")).is_err());
        assert!(check_status_change(Active, Closed, Some("moved abroad")).is_ok());
        assert!(check_status_change(Active, Suspended, None).is_ok());
        assert!(check_status_change(Closed, Active, Some("oops")).is_err());
    }

    #[test]
    fn products_change_within_their_kind() {
        let p = |kind| Product {
            id: ProductId::new(),
            code: "x".into(),
            name: "x".into(),
            kind,
            monthly_price_minor: 100,
            currency: "USD".into(),
            retail_price_minor: None,
        };
        let (i1, i2, tv) = (
            p(ProductKind::Internet),
            p(ProductKind::Internet),
            p(ProductKind::Tv),
        );
        assert!(check_product_change(&i1, &i2, SubscriptionStatus::Active).is_ok());
        assert!(check_product_change(&i1, &tv, SubscriptionStatus::Active).is_err());
        assert!(check_product_change(&i1, &i2, SubscriptionStatus::Cancelled).is_err());
    }
}
