//! Staff money actions: the authority decision, then the entry booked
//! under its guards (directly, or when an approval is granted).

use super::model::*;
use super::rules;
use super::service::{ActionResult, LedgerService, entry_kind, month_start, staff_of, today};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::authority::{Decision, MoneyActionKind, Outcome, Policy, decide, effective_policy};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::{IdempotencyKey, PostGuard, PostOutcome};

impl LedgerService {
    /// The actor's policy for an action and what it leaves on this account.
    pub(crate) async fn authority(
        &self,
        actor: &Actor,
        account: AccountId,
        action: MoneyActionKind,
        currency: &str,
    ) -> Result<(Option<Policy>, i64)> {
        let policies = self.store.policies().await?;
        self.authority_under(&policies, actor, account, action, currency)
            .await
    }

    /// As `authority`, with the policies already read.
    pub(crate) async fn authority_under(
        &self,
        policies: &[Policy],
        actor: &Actor,
        account: AccountId,
        action: MoneyActionKind,
        currency: &str,
    ) -> Result<(Option<Policy>, i64)> {
        let p = effective_policy(policies, actor.id, actor.role, action, currency).cloned();
        let used = match &p {
            Some(p) if p.per_account_month_limit_minor.is_some() => {
                self.store
                    .month_used(account, entry_kind(action), month_start())
                    .await?
            }
            _ => 0,
        };
        Ok((p, used))
    }

    /// The decision for a request, without doing anything.
    pub async fn check(
        &self,
        actor: &Actor,
        account: AccountId,
        input: &MoneyAction,
    ) -> Result<Decision> {
        authorize(actor.role, Action::EditCustomer)?;
        let (action, amount, currency) = self.parse(account, input).await?;
        self.decide(actor, account, action, amount, &currency).await
    }

    async fn decide(
        &self,
        actor: &Actor,
        account: AccountId,
        action: MoneyActionKind,
        amount: i64,
        currency: &str,
    ) -> Result<Decision> {
        let (policy, used) = self.authority(actor, account, action, currency).await?;
        let goodwill = if action == MoneyActionKind::GoodwillCredit {
            None
        } else {
            let (g, gused) = self
                .authority(actor, account, MoneyActionKind::GoodwillCredit, currency)
                .await?;
            g.map(|g| (g, gused))
        };
        Ok(decide(
            action,
            amount,
            currency,
            policy.as_ref(),
            used,
            goodwill.as_ref().map(|(g, u)| (g, *u)),
        ))
    }

    pub(crate) async fn parse(
        &self,
        account: AccountId,
        input: &MoneyAction,
    ) -> Result<(MoneyActionKind, i64, String)> {
        let action = MoneyActionKind::parse("action", input.action.trim())?;
        let amount = rules::amount("amount_minor", input.amount_minor)?;
        let currency = rules::currency("currency", &input.currency)?;
        let account_currency = self.account_currency(account).await?;
        if currency != account_currency {
            return Err(DomainError::invalid(
                "currency",
                format!("this account is billed in {account_currency}"),
            ));
        }
        Ok((action, amount, currency))
    }

    /// A goodwill credit, waiver, fee reversal or refund, if the actor's
    /// authority covers it; otherwise the decision with alternatives.
    pub async fn act(
        &self,
        actor: &Actor,
        account: AccountId,
        input: MoneyAction,
    ) -> Result<ActionResult> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = staff_of(actor)?;
        let key = required_text("idempotency_key", &input.idempotency_key, 100)?;
        let (action, amount, currency) = self.parse(account, &input).await?;
        let digest = crate::admin::secret_digest(&format!(
            "{account}|{}",
            serde_json::to_string(&MoneyAction {
                idempotency_key: String::new(),
                ..input.clone()
            })
            .unwrap_or_default()
        ));
        let decision = self
            .decide(actor, account, action, amount, &currency)
            .await?;
        if decision.outcome == Outcome::NotAllowed {
            return Ok(ActionResult::NotAllowed(decision));
        }
        let (policy, _) = self.authority(actor, account, action, &currency).await?;
        let key = IdempotencyKey {
            actor: me,
            key,
            digest,
        };
        self.execute(
            actor,
            account,
            &input,
            action,
            amount,
            &currency,
            policy.as_ref(),
            Some(&key),
            None,
        )
        .await
    }

    /// Book the action under `policy`'s monthly limit (checked again in the
    /// write transaction). Used directly and by approvals.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn execute(
        &self,
        actor: &Actor,
        account: AccountId,
        input: &MoneyAction,
        action: MoneyActionKind,
        amount: i64,
        currency: &str,
        policy: Option<&Policy>,
        key: Option<&IdempotencyKey>,
        approval: Option<ApprovalId>,
    ) -> Result<ActionResult> {
        let (entry, guard) = self
            .entry_for(
                actor, account, input, action, amount, currency, policy, approval,
            )
            .await?;
        let audit = self.audit_for(actor, &entry, &input.reason);
        match self.store.post_entry(&entry, &audit, &guard, key).await? {
            PostOutcome::Posted => {
                self.announce(&entry);
                Ok(ActionResult::Applied {
                    entry,
                    replayed: false,
                })
            }
            PostOutcome::Existing(old, digest) => {
                if digest.as_deref() != key.map(|k| k.digest.as_str()) {
                    return Err(DomainError::invalid(
                        "idempotency_key",
                        "this key was already used for a different request",
                    ));
                }
                Ok(ActionResult::Applied {
                    entry: *old,
                    replayed: true,
                })
            }
            PostOutcome::MonthLimit { used } => Ok(ActionResult::NotAllowed(decide(
                action, amount, currency, policy, used, None,
            ))),
            PostOutcome::BalanceLimit { balance } => Err(DomainError::invalid(
                "amount_minor",
                format!(
                    "a refund pays out only what the customer has in credit ({} now)",
                    rules::format_money((-balance).max(0), currency)
                ),
            )),
        }
    }

    pub(crate) fn audit_for(
        &self,
        actor: &Actor,
        e: &LedgerEntry,
        reason: &str,
    ) -> crate::audit::AuditEvent {
        change(actor, e.kind.as_str(), "ledger_entry", e.id.0)
            .account(Some(e.account_id))
            .summary(format!(
                "{} {}",
                e.kind.as_str().replace('_', " "),
                rules::format_money(e.amount_minor.abs(), &e.currency)
            ))
            .reason(Some(reason.to_string()))
            .after(e)
            .build()
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn entry_for(
        &self,
        actor: &Actor,
        account: AccountId,
        input: &MoneyAction,
        action: MoneyActionKind,
        amount: i64,
        currency: &str,
        policy: Option<&Policy>,
        approval: Option<ApprovalId>,
    ) -> Result<(LedgerEntry, PostGuard)> {
        let kind = entry_kind(action);
        let reason = required_text("reason", &input.reason, 300)?;
        let mut related = None;
        let mut reason_code = None;
        let mut effective_on = today();
        match action {
            MoneyActionKind::GoodwillCredit => {
                let code = input.credit_reason.as_deref().unwrap_or("goodwill").trim();
                if !matches!(code, "goodwill" | "service_failure" | "adjustment") {
                    return Err(DomainError::invalid(
                        "credit_reason",
                        "must be one of: goodwill, service_failure, adjustment",
                    ));
                }
                reason_code = Some(code.to_string());
                // A credit appears on the next bill.
                effective_on = rules::next_bill_date(today());
            }
            MoneyActionKind::ChargeWaiver | MoneyActionKind::FeeReversal => {
                let charge_id = input
                    .charge_id
                    .ok_or_else(|| DomainError::invalid("charge_id", "name the charge"))?;
                let entries = self.store.charge_entries(account, charge_id).await?;
                let charge = entries
                    .iter()
                    .find(|e| e.id == charge_id && e.kind == EntryKind::Charge)
                    .ok_or_else(|| {
                        DomainError::invalid("charge_id", "no charge with this id on this account")
                    })?;
                if action == MoneyActionKind::FeeReversal
                    && charge.reason_code.as_deref() != Some("fee")
                {
                    return Err(DomainError::invalid(
                        "charge_id",
                        "this charge is not a fee; waive it instead",
                    ));
                }
                let open = rules::charge_states(&entries)
                    .get(&charge_id)
                    .map_or(0, |s| s.0);
                if amount > open {
                    return Err(DomainError::invalid(
                        "amount_minor",
                        format!(
                            "only {} of this charge is left to waive",
                            rules::format_money(open, currency)
                        ),
                    ));
                }
                related = Some(charge_id);
            }
            MoneyActionKind::Refund => {}
        }
        let guard = PostGuard {
            month: policy
                .and_then(|p| p.per_account_month_limit_minor)
                .map(|limit| (kind, month_start(), limit)),
            max_balance_after: (action == MoneyActionKind::Refund).then_some(0),
        };
        Ok((
            LedgerEntry {
                id: LedgerEntryId::new(),
                account_id: account,
                kind,
                amount_minor: rules::signed(kind, amount),
                currency: currency.to_string(),
                reason_code,
                memo: reason,
                related_entry_id: related,
                external_id: None,
                effective_on,
                created_at: crate::time::now(),
                created_by: actor.id,
                created_by_name: actor.name.clone(),
                approval_id: approval,
            },
            guard,
        ))
    }
}
