//! Policies (admins), remaining authority, approval requests and decisions.

use super::*;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ledger::{
    ActionResult, LedgerService, MoneyAction, MoneyRequest, format_money, staff_of,
};
use crate::live::{LiveEvent, SharedNotifier};
use crate::store::{IdempotencyKey, PostOutcome, Store};
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

    /// Every policy for admins; for anyone else only the ones that concern
    /// them (their role's and their own).
    pub async fn policies(&self, actor: &Actor) -> Result<Vec<Policy>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let all = self.store.policies().await?;
        if crate::access::allowed(actor.role, Action::ManagePolicies) {
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

    /// The role defaults in `currency` when no policy is in it yet (a
    /// provider that bills in another currency than the seeded USD): the
    /// same amounts, recorded as the system's change. Returns how many.
    pub async fn ensure_default_policies(&self, currency: &str) -> Result<usize> {
        let currency = crate::ledger::currency("currency", currency)?;
        let policies = self.store.policies().await?;
        if policies.iter().any(|p| p.currency == currency) {
            return Ok(0);
        }
        let seeded: Vec<Policy> = policies
            .into_iter()
            .filter(|p| p.currency == "USD" && p.staff_id.is_none())
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

    fn announce(&self, a: &Approval) {
        self.notifier.publish(LiveEvent::everyone(
            "approval",
            serde_json::json!({"approval_id": a.id, "account_id": a.account_id, "status": a.status, "escalated": a.escalated}),
        ));
    }

    /// Ask someone with more authority. Only for what is beyond the
    /// requester's own. The request's idempotency key makes it once: the
    /// same request again answers the first approval request; a request
    /// already booked under its key cannot be asked for again.
    pub async fn request(
        &self,
        actor: &Actor,
        account: AccountId,
        input: MoneyAction,
    ) -> Result<Approval> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a request is made by a staff user".into()))?;
        let req = MoneyRequest::parse(account, &input)?;
        let key = IdempotencyKey {
            actor: me,
            key: req.key.clone(),
            digest: req.digest.clone(),
        };
        if let Some(e) = self.ledger.replay(&key).await? {
            return Err(already_booked(&e));
        }
        if let Some(a) = self.store.approval_by_key(me, &req.key).await? {
            return same_request(a, &req);
        }
        self.ledger
            .check_currency(account, &req.money.currency)
            .await?;
        let authority = self.ledger.authority_for(actor, account, &req).await?;
        let d = LedgerService::decision(&req, &authority);
        if d.outcome == Outcome::Allowed {
            return Err(DomainError::Conflict(format!(
                "{}; apply it yourself",
                d.reason
            )));
        }
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
            decision_key: None,
        };
        let ev = change(actor, "request", "approval", a.id.0)
            .account(Some(account))
            .summary(format!(
                "Asked for approval: {} of {} ({})",
                req.kind.describe(),
                req.money,
                d.reason
            ))
            .reason(Some(req.reason.clone()))
            .after(&a)
            .build();
        if let Some(first) = self.store.insert_approval(&a, &ev).await? {
            // The same request, sent twice at once: the first one stands.
            return same_request(first, &req);
        }
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

    /// Approve (carrying the action out in the same transaction, under the
    /// approver's authority and the requester's idempotency key) or deny,
    /// with a reason; or the requester cancels. The same decision sent again
    /// with the same key answers the decided request.
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
        let decision_key = crate::customers::values::optional_text(
            "idempotency_key",
            input.idempotency_key.as_deref(),
            100,
        )?;
        if decision_key.is_some()
            && before.decision_key == decision_key
            && before.decided_by == Some(me)
        {
            // The same decision again answers it; the other verdict under
            // the same key (Approve pressed on a page still showing a
            // request one denied) is refused, not reported as done.
            if (before.status == ApprovalStatus::Approved) == input.approve {
                return Ok(before);
            }
            return Err(DomainError::Conflict(format!(
                "you already {} this request",
                before.status.as_str()
            )));
        }
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
        after.decision_key = decision_key;
        after.version += 1;
        let ev = decision_audit(actor, &before, &after, reason);
        if to != ApprovalStatus::Approved {
            self.store.decide_approval(&after, None, &ev).await?;
            self.announce(&after);
            return Ok(after);
        }
        self.approve(actor, after, &ev).await
    }

    /// Carry an approved request out: under the approver's own authority
    /// and the requester's key, so it can never book what that key booked.
    async fn approve(
        &self,
        actor: &Actor,
        mut after: Approval,
        ev: &crate::audit::AuditEvent,
    ) -> Result<Approval> {
        let mut request = after.request.clone();
        if request.idempotency_key.trim().is_empty() {
            // Requests from before keys were kept: the approval is the key.
            request.idempotency_key = format!("approval:{}", after.id);
        }
        let req = MoneyRequest::parse(after.account_id, &request)?;
        let key = IdempotencyKey {
            actor: after.requested_by,
            key: req.key.clone(),
            digest: req.digest.clone(),
        };
        if let Some(e) = self.ledger.replay(&key).await? {
            return Err(already_booked(&e));
        }
        self.ledger
            .check_currency(after.account_id, &req.money.currency)
            .await?;
        let (policy, used) = self
            .ledger
            .authority(
                actor,
                after.account_id,
                req.kind,
                req.money.currency.as_str(),
            )
            .await?;
        let d = super::decide(
            req.kind,
            req.money.minor,
            req.money.currency.as_str(),
            policy.as_ref(),
            used,
            None,
        );
        if d.outcome != Outcome::Allowed {
            return Err(DomainError::Forbidden(format!(
                "{}: ask someone with more authority",
                d.reason
            )));
        }
        let mut booked = req.clone();
        booked.reason = format!(
            "{} (asked by {}, approved)",
            req.reason, after.requested_by_name
        );
        let (entry, guard) = self
            .ledger
            .entry_for(
                actor,
                after.account_id,
                &booked,
                policy.as_ref(),
                Some(after.id),
            )
            .await?;
        after.entry_id = Some(entry.id);
        match self
            .store
            .decide_approval(&after, Some((&entry, &guard, Some(&key))), ev)
            .await?
        {
            PostOutcome::Posted => {
                self.ledger.announce(&entry);
                self.announce(&after);
                Ok(after)
            }
            PostOutcome::MonthLimit { used } => Err(DomainError::Forbidden(
                super::decide(
                    req.kind,
                    req.money.minor,
                    req.money.currency.as_str(),
                    policy.as_ref(),
                    used,
                    None,
                )
                .reason,
            )),
            PostOutcome::BalanceLimit { .. } => Err(DomainError::Conflict(
                "the customer no longer has that much in credit; nothing was refunded".into(),
            )),
            PostOutcome::Existing(e, _) => Err(already_booked(&e)),
            other => Err(crate::ledger::refusal(other, req.money.currency.as_str())),
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

/// Requests are read by their requester and by those who decide them.
fn may_read(actor: &Actor, a: &Approval) -> bool {
    actor.id == Some(a.requested_by) || crate::access::allowed(actor.role, Action::DecideApprovals)
}

fn decision_audit(
    actor: &Actor,
    before: &Approval,
    after: &Approval,
    reason: String,
) -> crate::audit::AuditEvent {
    change(actor, after.status.as_str(), "approval", after.id.0)
        .account(Some(after.account_id))
        .summary(format!(
            "{} {} of {} asked by {}",
            match after.status {
                ApprovalStatus::Approved => "Approved",
                ApprovalStatus::Denied => "Denied",
                _ => "Withdrew",
            },
            after.request.action.replace('_', " "),
            format_money(after.request.amount_minor, &after.request.currency),
            after.requested_by_name
        ))
        .reason(Some(reason))
        .before(before)
        .after(after)
        .build()
}

/// A request whose key already booked an entry: nothing to ask or approve.
fn already_booked(e: &crate::ledger::LedgerEntry) -> DomainError {
    DomainError::Conflict(format!(
        "this request was already applied ({} by {} on {}); nothing was booked twice",
        format_money(e.amount_minor.abs(), &e.currency),
        e.created_by_name,
        e.created_at.strftime("%Y-%m-%d")
    ))
}

/// An approval request found under the same key: the first answer when
/// the body is the same, a refusal otherwise.
fn same_request(a: Approval, req: &MoneyRequest) -> Result<Approval> {
    if crate::ledger::request_digest(a.account_id, &a.request) == req.digest {
        Ok(a)
    } else {
        Err(DomainError::invalid(
            "idempotency_key",
            "this key was already used for a different request",
        ))
    }
}

/// Money actions that were applied, for callers that only need the entry.
pub fn applied(r: ActionResult) -> Option<crate::ledger::LedgerEntry> {
    match r {
        ActionResult::Applied { entry, .. } => Some(entry),
        ActionResult::NotAllowed(_) => None,
    }
}
