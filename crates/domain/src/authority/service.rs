//! Policies (admins), remaining authority, the approvals inbox and who may
//! read a request. Asking and deciding are in `requests.rs`.

use super::*;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::error::{DomainError, Result};
use crate::ledger::{ActionResult, LedgerService, format_money, staff_of};
use crate::live::{LiveEvent, SharedNotifier};
use crate::store::Store;
use std::sync::Arc;

/// A person's own policy for the action, else their role's.
pub fn effective_policy<'a>(
    policies: &'a [Policy],
    staff: Option<StaffId>,
    role: StaffRole,
    action: MoneyActionKind,
    currency: &str,
) -> Option<&'a Policy> {
    let fits = |p: &&Policy| p.action == action && p.currency == currency;
    policies
        .iter()
        .filter(fits)
        .find(|p| staff.is_some() && p.staff_id == staff)
        .or_else(|| {
            policies
                .iter()
                .filter(fits)
                .find(|p| p.staff_id.is_none() && p.role == Some(role))
        })
}

/// How far up a role is, for "a role above": technicians and integrations
/// at the bottom, then dispatchers and agents, specialists, supervisors,
/// admins.
fn rank(r: StaffRole) -> u8 {
    match r {
        StaffRole::Technician | StaffRole::Integration => 0,
        StaffRole::Dispatcher | StaffRole::Agent => 1,
        StaffRole::Specialist => 2,
        StaffRole::Supervisor => 3,
        StaffRole::Admin => 4,
    }
}

/// Why a new limit needs a reason: it passes the changer's own limit for
/// the action, or a role above the one it is for. None when it passes
/// neither.
pub fn limit_warning(
    policies: &[Policy],
    changer: (Option<StaffId>, StaffRole),
    new: &Policy,
    for_role: StaffRole,
) -> Option<String> {
    let money = |m: i64| format_money(m, &new.currency);
    let mine = effective_policy(policies, changer.0, changer.1, new.action, &new.currency);
    let mine_each = mine.map_or(0, |p| p.per_entry_limit_minor);
    if new.per_entry_limit_minor > mine_each {
        return Some(format!(
            "{} each is more than your own limit for {} ({} each)",
            money(new.per_entry_limit_minor),
            new.action.describe().trim_start_matches("a "),
            money(mine_each)
        ));
    }
    StaffRole::ALL
        .iter()
        .filter(|r| rank(**r) > rank(for_role))
        .filter_map(|r| {
            effective_policy(policies, None, *r, new.action, &new.currency).map(|p| (r, p))
        })
        .find(|(_, p)| new.per_entry_limit_minor > p.per_entry_limit_minor)
        .map(|(r, p)| {
            format!(
                "{} each is more than {r}s may give ({} each)",
                money(new.per_entry_limit_minor),
                money(p.per_entry_limit_minor)
            )
        })
}

#[derive(Clone)]
pub struct AuthorityService {
    pub(super) store: Arc<dyn Store>,
    pub(super) ledger: LedgerService,
    notifier: SharedNotifier,
    /// How long a request waits before it escalates.
    pub escalate_after: jiff::SignedDuration,
}

impl AuthorityService {
    pub fn new(store: Arc<dyn Store>, ledger: LedgerService, notifier: SharedNotifier) -> Self {
        Self {
            store,
            ledger,
            notifier,
            escalate_after: jiff::SignedDuration::from_mins(15),
        }
    }

    /// Every policy for admins; for anyone else only the ones that concern
    /// them (their role's and their own).
    pub async fn policies(&self, actor: &Actor) -> Result<Vec<Policy>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let all = self.store.policies().await?;
        // Admins set them; supervisors decide approvals against them.
        if crate::access::allowed(actor.role, Action::ManagePolicies)
            || actor.role == StaffRole::Supervisor
        {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|p| {
                (p.staff_id.is_none() && p.role == Some(actor.role))
                    || (p.staff_id.is_some() && p.staff_id == actor.id)
            })
            .collect())
    }

    pub async fn put_policy(&self, actor: &Actor, input: PolicyInput) -> Result<Policy> {
        authorize(actor.role, Action::ManagePolicies)?;
        let role = match (&input.role, input.staff_id) {
            (Some(r), None) => Some(StaffRole::parse("role", r.trim())?),
            (None, Some(s)) => {
                self.store.staff(s).await?.ok_or_else(|| {
                    DomainError::invalid("staff_id", "no staff user with this id")
                })?;
                None
            }
            _ => {
                return Err(DomainError::invalid(
                    "role",
                    "give a role or a staff_id, not both",
                ));
            }
        };
        let limit = |field: &str, v: i64| {
            if (0..=crate::ledger::MAX_AMOUNT_MINOR).contains(&v) {
                Ok(v)
            } else {
                Err(DomainError::invalid(
                    field,
                    "must be zero or more, in cents",
                ))
            }
        };
        let p = Policy {
            id: PolicyId::new(),
            role,
            staff_id: input.staff_id,
            action: MoneyActionKind::parse("action", input.action.trim())?,
            currency: crate::ledger::currency("currency", &input.currency)?,
            per_entry_limit_minor: limit("per_entry_limit_minor", input.per_entry_limit_minor)?,
            per_account_month_limit_minor: input
                .per_account_month_limit_minor
                .map(|m| limit("per_account_month_limit_minor", m))
                .transpose()?,
            updated_at: crate::time::now(),
        };
        // Passing one's own limit, or a role above's, is deliberate or refused.
        let for_role = match (role, input.staff_id) {
            (Some(r), _) => r,
            (None, Some(s)) => self
                .store
                .staff(s)
                .await?
                .map_or(StaffRole::Agent, |u| u.role),
            (None, None) => StaffRole::Agent,
        };
        let policies = self.store.policies().await?;
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(w) = limit_warning(&policies, (actor.id, actor.role), &p, for_role)
            && reason.is_none()
        {
            return Err(DomainError::invalid(
                "reason",
                format!("{w}; give a reason to set it anyway"),
            ));
        }
        let who = role.map_or_else(|| "one person".to_string(), |r| format!("{r}s"));
        let ev = change(actor, "update", "authority_policy", p.id.0)
            .reason(reason.map(str::to_string))
            .summary(format!(
                "{} for {who}: {} each{}",
                p.action.describe(),
                format_money(p.per_entry_limit_minor, &p.currency),
                p.per_account_month_limit_minor
                    .map(|m| format!(", {} an account a month", format_money(m, &p.currency)))
                    .unwrap_or_default()
            ))
            .after(&p)
            .build();
        self.store.put_policy(&p, &ev).await?;
        Ok(p)
    }

    /// The role defaults in `currency` when no policy is in it yet (a
    /// provider that bills in another currency than the seeded USD): the
    /// same amounts, recorded as the system's change. Returns how many.
    pub async fn ensure_default_policies(&self, currency: &str) -> Result<usize> {
        let currency = crate::ledger::currency("currency", currency)?;
        let policies = self.store.policies().await?;
        // Per role and action: one added later (free items) reaches a
        // provider that already has the others in its currency.
        let seeded: Vec<Policy> = policies
            .iter()
            .filter(|p| p.currency == "USD" && p.staff_id.is_none() && currency != "USD")
            .filter(|p| {
                !policies.iter().any(|q| {
                    q.currency == currency
                        && q.staff_id.is_none()
                        && q.role == p.role
                        && q.action == p.action
                })
            })
            .cloned()
            .collect();
        let system = Actor::system();
        for p in &seeded {
            let np = Policy {
                id: PolicyId::new(),
                currency: currency.clone(),
                updated_at: crate::time::now(),
                ..p.clone()
            };
            let ev = change(&system, "update", "authority_policy", np.id.0)
                .summary(format!(
                    "Default {} limit in {currency}",
                    np.action.describe()
                ))
                .after(&np)
                .build();
            self.store.put_policy(&np, &ev).await?;
        }
        Ok(seeded.len())
    }

    /// What the actor may still do on this account, per action.
    pub async fn remaining(&self, actor: &Actor, account: AccountId) -> Result<Vec<Remaining>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let currency = self.ledger.account_currency(account).await?;
        let policies = self.store.policies().await?;
        let mut out = Vec::new();
        for action in MoneyActionKind::ALL {
            let (p, used) = self
                .ledger
                .authority_under(&policies, actor, account, *action, &currency)
                .await?;
            out.push(Remaining {
                action: *action,
                currency: currency.clone(),
                per_entry_limit_minor: p.as_ref().map_or(0, |p| p.per_entry_limit_minor),
                month_left_minor: p
                    .as_ref()
                    .and_then(|p| p.per_account_month_limit_minor)
                    .map(|m| (m - used).max(0)),
                now_minor: super::decide::room(p.as_ref(), used),
            });
        }
        Ok(out)
    }

    pub(crate) fn announce(&self, a: &Approval) {
        self.notifier.publish(LiveEvent::everyone(
            "approval",
            serde_json::json!({"approval_id": a.id, "account_id": a.account_id, "status": a.status, "escalated": a.escalated}),
        ));
    }

    /// Pending requests offered to the actor (see `offered_to`): escalated
    /// first, then oldest first.
    pub async fn inbox(&self, actor: &Actor) -> Result<Vec<Approval>> {
        Ok(self.inbox_with_count(actor).await?.0)
    }

    /// The inbox, and how many other pending requests are with on-duty
    /// supervisors for now.
    pub async fn inbox_with_count(&self, actor: &Actor) -> Result<(Vec<Approval>, usize)> {
        authorize(actor.role, Action::DecideApprovals)?;
        let me = staff_of(actor)?;
        let on_duty = self.store.on_duty(StaffRole::Supervisor).await?;
        let me_on_duty = actor.role == StaffRole::Supervisor && on_duty.contains(&me);
        let (mut mine, others): (Vec<_>, Vec<_>) = self
            .store
            .pending_approvals()
            .await?
            .into_iter()
            .filter(|a| a.requested_by != me)
            .partition(|a| offered_to(a, me, me_on_duty, !on_duty.is_empty()));
        mine.sort_by_key(|a| (!a.escalated, a.created_at));
        Ok((mine, others.len()))
    }

    /// The latest decisions, newest first (those who decide).
    pub async fn decided(&self, actor: &Actor, limit: u32) -> Result<Vec<Approval>> {
        authorize(actor.role, Action::DecideApprovals)?;
        self.store.decided_approvals(limit.clamp(1, 200)).await
    }

    /// The account's requests that the actor may read: all of them for
    /// those who decide, their own for everyone else.
    pub async fn for_account(&self, actor: &Actor, account: AccountId) -> Result<Vec<Approval>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let all = self.store.account_approvals(account).await?;
        Ok(all.into_iter().filter(|a| may_read(actor, a)).collect())
    }

    /// One request: for its requester and those who decide.
    pub async fn get(&self, actor: &Actor, id: ApprovalId) -> Result<Approval> {
        authorize(actor.role, Action::ViewCustomer)?;
        let a = self
            .store
            .approval(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("approval request".into()))?;
        if !may_read(actor, &a) {
            return Err(DomainError::Forbidden(
                "an approval request is read by its requester and those who decide it".into(),
            ));
        }
        Ok(a)
    }

    /// Escalate requests past their due time; each once, whichever node
    /// sweeps first. Returns how many.
    pub async fn escalate_due(&self) -> Result<usize> {
        let due = self.store.escalate_due(crate::time::now()).await?;
        for a in &due {
            self.announce(a);
        }
        Ok(due.len())
    }
}

/// Requests are read by their requester and by those who decide them.
fn may_read(actor: &Actor, a: &Approval) -> bool {
    actor.id == Some(a.requested_by) || crate::access::allowed(actor.role, Action::DecideApprovals)
}

/// Money actions that were applied, for callers that only need the entry.
pub fn applied(r: ActionResult) -> Option<crate::ledger::LedgerEntry> {
    match r {
        ActionResult::Applied { entry, .. } => Some(entry),
        ActionResult::NotAllowed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(role: StaffRole, action: MoneyActionKind, each: i64) -> Policy {
        Policy {
            id: PolicyId::new(),
            role: Some(role),
            staff_id: None,
            action,
            currency: "USD".into(),
            per_entry_limit_minor: each,
            per_account_month_limit_minor: None,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_limit_above_ones_own_or_a_role_above_is_flagged() {
        let refund = MoneyActionKind::Refund;
        let policies = vec![
            policy(StaffRole::Admin, refund, 1_000_000),
            policy(StaffRole::Supervisor, refund, 50_000),
            policy(StaffRole::Agent, refund, 5_000),
        ];
        let admin = (None, StaffRole::Admin);
        let new = |each| policy(StaffRole::Agent, refund, each);
        let w = limit_warning(&policies, admin, &new(2_000_000), StaffRole::Agent).unwrap();
        assert!(w.contains("more than your own limit"), "{w}");
        let w = limit_warning(&policies, admin, &new(60_000), StaffRole::Agent).unwrap();
        assert!(
            w.contains("more than supervisors may give ($500.00 each)"),
            "{w}"
        );
        assert_eq!(
            limit_warning(&policies, admin, &new(40_000), StaffRole::Agent),
            None
        );
        // Raising the supervisors themselves is compared with admins only.
        assert_eq!(
            limit_warning(
                &policies,
                admin,
                &policy(StaffRole::Supervisor, refund, 60_000),
                StaffRole::Supervisor
            ),
            None
        );
    }
}
