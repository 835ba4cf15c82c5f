//! Approval requests and decisions, both keyed: the same request again
//! answers the first; approving books under the requester's key, so it can
//! never book what that key already booked.

use super::*;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ledger::{LedgerService, MoneyAction, MoneyRequest, format_money};
use crate::store::{IdempotencyKey, PostOutcome};

impl AuthorityService {
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
        let mut req = req;
        self.ledger.check_refund_method(&mut req).await?;
        let given = self.ledger.given_for(account, &mut req).await?;
        let authority = self.ledger.authority_for(actor, account, &req).await?;
        let d = LedgerService::decision(&req, &authority, &given);
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
    /// The approved request as it will be booked, under the requester's
    /// key, unless that key already booked it or the currency changed.
    async fn bookable(&self, a: &Approval) -> Result<(MoneyRequest, IdempotencyKey)> {
        let mut request = a.request.clone();
        if request.idempotency_key.trim().is_empty() {
            // Requests from before keys were kept: the approval is the key.
            request.idempotency_key = format!("approval:{}", a.id);
        }
        let req = MoneyRequest::parse(a.account_id, &request)?;
        let key = IdempotencyKey {
            actor: a.requested_by,
            key: req.key.clone(),
            digest: req.digest.clone(),
        };
        if let Some(e) = self.ledger.replay(&key).await? {
            return Err(already_booked(&e));
        }
        self.ledger
            .check_currency(a.account_id, &req.money.currency)
            .await?;
        Ok((req, key))
    }

    async fn approve(
        &self,
        actor: &Actor,
        mut after: Approval,
        ev: &crate::audit::AuditEvent,
    ) -> Result<Approval> {
        let (mut req, key) = self.bookable(&after).await?;
        self.ledger.check_refund_method(&mut req).await?;
        // What was given about the charge since it was asked counts too.
        let given = self.ledger.given_for(after.account_id, &mut req).await?;
        let (policy, used) = self
            .ledger
            .authority(
                actor,
                after.account_id,
                req.kind,
                req.money.currency.as_str(),
            )
            .await?;
        // The approver's decision with what this month has used.
        let authority = |used: i64| crate::ledger::actions::Authority {
            policy: policy.clone(),
            used,
            goodwill: None,
        };
        let decision = |used: i64| LedgerService::decision(&req, &authority(used), &given);
        let d = decision(used);
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
            PostOutcome::MonthLimit { used } => Err(DomainError::Forbidden(decision(used).reason)),
            PostOutcome::BalanceLimit { .. } => Err(DomainError::Conflict(
                "the customer no longer has that much in credit; nothing was refunded".into(),
            )),
            PostOutcome::Existing(e, _) => Err(already_booked(&e)),
            other => Err(crate::ledger::refusal(other, req.money.currency.as_str())),
        }
    }
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
