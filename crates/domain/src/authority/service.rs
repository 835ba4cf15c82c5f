//! Policies (admins), remaining authority, approval requests and decisions.

use super::*;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ledger::{ActionResult, LedgerService, MoneyAction, format_money, staff_of};
use crate::live::{LiveEvent, SharedNotifier};
use crate::store::{PostOutcome, Store};
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

#[derive(Clone)]
pub struct AuthorityService {
    store: Arc<dyn Store>,
    ledger: LedgerService,
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

    pub async fn policies(&self, actor: &Actor) -> Result<Vec<Policy>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.policies().await
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
        let who = role.map_or_else(|| "one person".to_string(), |r| format!("{r}s"));
        let ev = change(actor, "update", "authority_policy", p.id.0)
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

    fn announce(&self, a: &Approval) {
        self.notifier.publish(LiveEvent::everyone(
            "approval",
            serde_json::json!({"approval_id": a.id, "account_id": a.account_id, "status": a.status, "escalated": a.escalated}),
        ));
    }

    /// Ask someone with more authority. Only for what is beyond the
    /// requester's own.
    pub async fn request(
        &self,
        actor: &Actor,
        account: AccountId,
        input: MoneyAction,
    ) -> Result<Approval> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a request is made by a staff user".into()))?;
        let d = self.ledger.check(actor, account, &input).await?;
        if d.outcome == Outcome::Allowed {
            return Err(DomainError::Conflict(format!(
                "{}; apply it yourself",
                d.reason
            )));
        }
        required_text("reason", &input.reason, 300)?;
        let now = crate::time::now();
        let a = Approval {
            id: ApprovalId::new(),
            account_id: account,
            requested_by: me,
            requested_by_name: actor.name.clone(),
            request: input,
            status: ApprovalStatus::Pending,
            created_at: now,
            due_at: now.checked_add(self.escalate_after).unwrap_or(now),
            escalated: false,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            decision_reason: None,
            entry_id: None,
            version: 1,
        };
        let ev = change(actor, "request", "approval", a.id.0)
            .account(Some(account))
            .summary(format!(
                "Asked for approval: {} of {} ({})",
                a.request.action.replace('_', " "),
                format_money(a.request.amount_minor, &a.request.currency),
                d.reason
            ))
            .reason(Some(a.request.reason.clone()))
            .after(&a)
            .build();
        self.store.insert_approval(&a, &ev).await?;
        self.announce(&a);
        Ok(a)
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

    pub async fn for_account(&self, actor: &Actor, account: AccountId) -> Result<Vec<Approval>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.account_approvals(account).await
    }

    pub async fn get(&self, actor: &Actor, id: ApprovalId) -> Result<Approval> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .approval(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("approval request".into()))
    }

    /// Approve (carrying the action out in the same transaction, under the
    /// approver's authority) or deny, with a reason; or the requester
    /// cancels.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: ApprovalId,
        input: ApprovalDecision,
    ) -> Result<Approval> {
        let before = self.get(actor, id).await?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a decision is made by a staff user".into()))?;
        let cancelling = !input.approve && me == before.requested_by;
        if !cancelling {
            authorize(actor.role, Action::DecideApprovals)?;
            if me == before.requested_by {
                return Err(DomainError::Forbidden(
                    "nobody decides their own request".into(),
                ));
            }
        }
        crate::error::expect_version("approval request", before.version, input.version)?;
        let to = match (input.approve, cancelling) {
            (true, _) => ApprovalStatus::Approved,
            (false, true) => ApprovalStatus::Cancelled,
            (false, false) => ApprovalStatus::Denied,
        };
        before.status.check(to)?;
        let reason = required_text("reason", &input.reason, 300)?;
        let mut after = before.clone();
        after.status = to;
        after.decided_by = Some(me);
        after.decided_by_name = Some(actor.name.clone());
        after.decided_at = Some(crate::time::now());
        after.decision_reason = Some(reason.clone());
        after.version += 1;
        let ev = change(actor, to.as_str(), "approval", after.id.0)
            .account(Some(after.account_id))
            .summary(format!(
                "{} {} of {} asked by {}",
                match to {
                    ApprovalStatus::Approved => "Approved",
                    ApprovalStatus::Denied => "Denied",
                    _ => "Withdrew",
                },
                after.request.action.replace('_', " "),
                format_money(after.request.amount_minor, &after.request.currency),
                after.requested_by_name
            ))
            .reason(Some(reason))
            .before(&before)
            .after(&after)
            .build();
        if to != ApprovalStatus::Approved {
            self.store.decide_approval(&after, None, &ev).await?;
            self.announce(&after);
            return Ok(after);
        }
        // The approver's own authority must cover the request.
        let (action, amount, currency) =
            self.ledger.parse(after.account_id, &after.request).await?;
        let (policy, used) = self
            .ledger
            .authority(actor, after.account_id, action, &currency)
            .await?;
        let d = super::decide(action, amount, &currency, policy.as_ref(), used, None);
        if d.outcome != Outcome::Allowed {
            return Err(DomainError::Forbidden(format!(
                "{}: ask someone with more authority",
                d.reason
            )));
        }
        let (entry, guard) = self
            .ledger
            .entry_for_approval(actor, &after, action, amount, &currency, policy.as_ref())
            .await?;
        after.entry_id = Some(entry.id);
        match self
            .store
            .decide_approval(&after, Some((&entry, &guard)), &ev)
            .await?
        {
            PostOutcome::Posted => {
                self.ledger.announce(&entry);
                self.announce(&after);
                Ok(after)
            }
            PostOutcome::MonthLimit { used } => Err(DomainError::Forbidden(
                super::decide(action, amount, &currency, policy.as_ref(), used, None).reason,
            )),
            PostOutcome::BalanceLimit { .. } => Err(DomainError::Conflict(
                "the customer no longer has that much in credit; nothing was refunded".into(),
            )),
            PostOutcome::Existing(..) => Err(DomainError::Conflict("already carried out".into())),
        }
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

impl LedgerService {
    pub(crate) async fn entry_for_approval(
        &self,
        approver: &Actor,
        a: &Approval,
        action: MoneyActionKind,
        amount: i64,
        currency: &str,
        policy: Option<&Policy>,
    ) -> Result<(crate::ledger::LedgerEntry, crate::store::PostGuard)> {
        let mut input = a.request.clone();
        input.reason = format!(
            "{} (asked by {}, approved)",
            a.request.reason, a.requested_by_name
        );
        self.entry_for(
            approver,
            a.account_id,
            &input,
            action,
            amount,
            currency,
            policy,
            Some(a.id),
        )
        .await
    }
}

/// Money actions that were applied, for callers that only need the entry.
pub fn applied(r: ActionResult) -> Option<crate::ledger::LedgerEntry> {
    match r {
        ActionResult::Applied { entry, .. } => Some(entry),
        ActionResult::NotAllowed(_) => None,
    }
}
