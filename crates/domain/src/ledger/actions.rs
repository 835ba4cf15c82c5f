//! Staff money actions, one pipeline: the request parsed once into typed
//! values; its idempotency key looked up before anything that can change;
//! authority read once; the pure decision; the entry written under its
//! guards (and the key) in one transaction.

use super::model::*;
use super::money::{Currency, MoneyRequest};
use super::rules;
use super::service::{ActionResult, LedgerService, entry_kind, month_start, staff_of, today};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::authority::{Decision, MoneyActionKind, Outcome, Policy, decide, effective_policy};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::{IdempotencyKey, PostGuard, PostOutcome};

/// The actor's policy for a request's action and what it already used on
/// the account this month, read once.
pub(crate) struct Authority {
    pub policy: Option<Policy>,
    pub used: i64,
    /// For other actions than a goodwill credit: the goodwill policy and
    /// its use, for the alternative offered when the request is refused.
    pub goodwill: Option<(Policy, i64)>,
}

impl LedgerService {
    /// As `authority_under`, reading the policies.
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

    /// The actor's policy for an action and what it used on this account
    /// this month, with the policies already read.
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

    /// Everything the decision needs about the actor, from one read of the
    /// policies.
    pub(crate) async fn authority_for(
        &self,
        actor: &Actor,
        account: AccountId,
        req: &MoneyRequest,
    ) -> Result<Authority> {
        let policies = self.store.policies().await?;
        let currency = req.money.currency.as_str();
        let (policy, used) = self
            .authority_under(&policies, actor, account, req.kind, currency)
            .await?;
        let goodwill = if req.kind == MoneyActionKind::GoodwillCredit {
            None
        } else {
            let (g, gused) = self
                .authority_under(
                    &policies,
                    actor,
                    account,
                    MoneyActionKind::GoodwillCredit,
                    currency,
                )
                .await?;
            g.map(|g| (g, gused))
        };
        Ok(Authority {
            policy,
            used,
            goodwill,
        })
    }

    /// The pure decision on a parsed request. What was already given about
    /// the charge it names counts against the per-request limit: a limit
    /// of $50 each is $50 per charge, not $50 twice.
    pub(crate) fn decision(req: &MoneyRequest, a: &Authority, given: &rules::Given) -> Decision {
        let less = |p: &Policy| Policy {
            per_entry_limit_minor: (p.per_entry_limit_minor - given.minor).max(0),
            ..p.clone()
        };
        let policy = a.policy.as_ref().map(less);
        let goodwill = a.goodwill.as_ref().map(|(g, u)| (less(g), *u));
        let mut d = decide(
            req.kind,
            req.money.minor,
            req.money.currency.as_str(),
            policy.as_ref(),
            a.used,
            goodwill.as_ref().map(|(g, u)| (g, *u)),
        );
        if given.minor > 0 && d.outcome == Outcome::NotAllowed {
            let cur = req.money.currency.as_str();
            let each = a.policy.as_ref().map_or(0, |p| p.per_entry_limit_minor);
            let all = req.money.minor + given.minor;
            if a.policy.is_some() && all > each {
                d.reason = format!(
                    "{} of {} would make {} given about this charge, beyond your limit of {} each ({})",
                    req.kind.describe(),
                    rules::format_money(req.money.minor, cur),
                    rules::format_money(all, cur),
                    rules::format_money(each, cur),
                    given.describe(cur)
                );
            } else {
                d.reason = format!("{} ({})", d.reason, given.describe(cur));
            }
        }
        d
    }

    /// What was already given about the charge a request names, after
    /// checking the request leaves the charge no more than made good.
    pub(crate) async fn given_for(
        &self,
        account: AccountId,
        req: &mut MoneyRequest,
    ) -> Result<rules::Given> {
        let Some(charge) = req.charge_id else {
            return Ok(rules::Given::default());
        };
        let entries = self.store.charge_entries(account, charge).await?;
        let c = entries
            .iter()
            .find(|e| e.id == charge && e.kind == EntryKind::Charge)
            .ok_or_else(|| {
                DomainError::invalid("charge_id", "no charge with this id on this account")
            })?;
        let given = rules::given_about(&entries)
            .remove(&charge)
            .unwrap_or_default();
        // The write checks nothing was added about the charge since this read.
        req.charge_seen = Some(about(&entries, charge));
        let currency = req.money.currency.as_str();
        let left = (c.amount_minor - given.minor).max(0);
        if req.money.minor > left {
            return Err(DomainError::invalid(
                "amount_minor",
                format!(
                    "{}; {} of it is left to make good",
                    given.describe(currency),
                    rules::format_money(left, currency)
                ),
            ));
        }
        Ok(given)
    }

    /// A refund says how the money goes back: one of the provider's methods.
    pub(crate) async fn check_refund_method(&self, req: &mut MoneyRequest) -> Result<()> {
        if let Some(m) = &req.refund_method {
            let lists = crate::workspace::PickLists::new(self.store.clone());
            let value = lists
                .check(crate::workspace::ListKind::RefundMethod, "refund_method", m)
                .await?;
            let items = lists.all(crate::workspace::ListKind::RefundMethod).await?;
            req.refund_words = Some(crate::workspace::picklists::label_of(&items, &value));
        }
        Ok(())
    }

    /// Staff requests must be in the account's currency: its first entry's,
    /// else the provider's.
    pub(crate) async fn check_currency(&self, account: AccountId, c: &Currency) -> Result<()> {
        let account_currency = self.account_currency(account).await?;
        if c.as_str() != account_currency {
            return Err(DomainError::invalid(
                "currency",
                format!("this account is billed in {account_currency}"),
            ));
        }
        Ok(())
    }

    /// The decision for a request, without doing anything (no key needed).
    pub async fn check(
        &self,
        actor: &Actor,
        account: AccountId,
        input: &MoneyAction,
    ) -> Result<Decision> {
        authorize(actor.role, Action::EditCustomer)?;
        let mut input = input.clone();
        if input.idempotency_key.trim().is_empty() {
            input.idempotency_key = "check".into();
        }
        let mut req = MoneyRequest::parse(account, &input)?;
        self.check_currency(account, &req.money.currency).await?;
        self.check_refund_method(&mut req).await?;
        let given = self.given_for(account, &mut req).await?;
        // A refund never pays out more than was paid beyond what is owed:
        // said when checking, not only when booking.
        if req.kind == MoneyActionKind::Refund {
            let w = self
                .store
                .ledger_window(account, rules::next_bill_date(today()), 0)
                .await?;
            let paid_beyond = -(w.balance_minor - w.credits_minor);
            if req.money.minor > paid_beyond {
                return Err(refusal(
                    PostOutcome::BalanceLimit {
                        balance: w.balance_minor - w.credits_minor,
                    },
                    req.money.currency.as_str(),
                ));
            }
        }
        let a = self.authority_for(actor, account, &req).await?;
        Ok(Self::decision(&req, &a, &given))
    }

    /// What an earlier request under this key produced: its entry when the
    /// body is the same, a refusal when it is not, nothing when the key is new.
    pub(crate) async fn replay(&self, key: &IdempotencyKey) -> Result<Option<LedgerEntry>> {
        match self.store.keyed_entry(key.actor, &key.key).await? {
            None => Ok(None),
            Some((entry, digest)) if digest == key.digest => Ok(Some(entry)),
            Some(_) => Err(DomainError::invalid(
                "idempotency_key",
                "this key was already used for a different request",
            )),
        }
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
        let mut req = MoneyRequest::parse(account, &input)?;
        let key = IdempotencyKey {
            actor: me,
            key: req.key.clone(),
            digest: req.digest.clone(),
        };
        // 1. The key first: a replay answers the first result, whatever the
        // authority or the limits are now.
        if let Some(entry) = self.replay(&key).await? {
            return Ok(ActionResult::Applied {
                entry,
                replayed: true,
            });
        }
        self.check_currency(account, &req.money.currency).await?;
        self.check_refund_method(&mut req).await?;
        let given = self.given_for(account, &mut req).await?;
        // 2. Authority, read once; 3. the pure decision.
        let authority = self.authority_for(actor, account, &req).await?;
        let decision = Self::decision(&req, &authority, &given);
        if decision.outcome == Outcome::NotAllowed {
            // A twin of this request may have been booked since the key was
            // looked up; its limit use is what refused this one.
            if let Some(entry) = self.replay(&key).await? {
                return Ok(ActionResult::Applied {
                    entry,
                    replayed: true,
                });
            }
            return Ok(ActionResult::NotAllowed(decision));
        }
        // 4. The entry, its guards and its key in one transaction.
        self.execute(actor, account, &req, authority.policy.as_ref(), Some(&key))
            .await
    }

    /// Book the request under `policy`'s monthly limit (checked again in
    /// the write transaction).
    async fn execute(
        &self,
        actor: &Actor,
        account: AccountId,
        req: &MoneyRequest,
        policy: Option<&Policy>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ActionResult> {
        let (entry, guard) = self.entry_for(actor, account, req, policy, None).await?;
        let audit = self.audit_for(actor, &entry, &req.reason);
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
                req.kind,
                req.money.minor,
                req.money.currency.as_str(),
                policy,
                used,
                None,
            ))),
            other => Err(refusal(other, req.money.currency.as_str())),
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

    /// The entry a request books and the guards its write must pass.
    pub(crate) async fn entry_for(
        &self,
        actor: &Actor,
        account: AccountId,
        req: &MoneyRequest,
        policy: Option<&Policy>,
        approval: Option<ApprovalId>,
    ) -> Result<(LedgerEntry, PostGuard)> {
        let kind = entry_kind(req.kind);
        let amount = req.money.minor;
        let currency = req.money.currency.as_str();
        let mut related = None;
        let mut charge_seen = None;
        let mut charge_words = None;
        let effective_on = match req.kind {
            // A credit appears on the next bill.
            MoneyActionKind::GoodwillCredit => rules::next_bill_date(today()),
            _ => today(),
        };
        if let Some(charge_id) = req.charge_id {
            let (seen, words) = self
                .charge_check(account, req.kind, charge_id, amount, currency)
                .await?;
            related = Some(charge_id);
            // The count read with what was given (the decision's basis).
            charge_seen = Some((charge_id, req.charge_seen.unwrap_or(seen)));
            charge_words = Some(words);
        } else if matches!(
            req.kind,
            MoneyActionKind::ChargeWaiver
                | MoneyActionKind::FeeReversal
                | MoneyActionKind::FreeItem
        ) {
            return Err(DomainError::invalid("charge_id", "name the charge"));
        }
        let label = req
            .label
            .clone()
            .or_else(|| match (req.kind, &charge_words) {
                (MoneyActionKind::ChargeWaiver, Some(w)) => Some(format!("Waived: {w}")),
                (MoneyActionKind::FeeReversal, Some(w)) => Some(format!("Refunded: {w}")),
                (MoneyActionKind::FreeItem, Some(w)) => Some(format!("Free of charge: {w}")),
                (MoneyActionKind::GoodwillCredit, Some(w)) => Some(format!("Credit for: {w}")),
                (MoneyActionKind::Refund, _) => req
                    .refund_words
                    .as_ref()
                    .map(|w| format!("Refund paid to you: {w}")),
                _ => None,
            });
        let reason_code = match req.kind {
            MoneyActionKind::Refund => req.refund_method.clone(),
            _ => req.credit_reason.clone(),
        };
        let guard = PostGuard {
            month: policy
                .and_then(|p| p.per_account_month_limit_minor)
                .map(|limit| (kind, month_start(), limit)),
            max_balance_after: (req.kind == MoneyActionKind::Refund).then_some(0),
            charge_seen,
        };
        Ok((
            LedgerEntry {
                id: LedgerEntryId::new(),
                account_id: account,
                kind,
                amount_minor: rules::signed(kind, amount),
                currency: currency.to_string(),
                reason_code,
                memo: req.reason.clone(),
                related_entry_id: related,
                external_id: None,
                effective_on,
                created_at: crate::time::now(),
                created_by: actor.id,
                created_by_name: actor.name.clone(),
                label,
                approval_id: approval,
            },
            guard,
        ))
    }

    /// A waiver, reversal or credit names a charge of this account and no
    /// more than what is left of it: a waiver or reversal at most what is
    /// still open, and neither more than was not yet made good (credits
    /// naming the charge count). Returns how many entries are about the
    /// charge (the write checks that none was added meanwhile) and the
    /// charge's bill words.
    async fn charge_check(
        &self,
        account: AccountId,
        action: MoneyActionKind,
        charge_id: LedgerEntryId,
        amount: i64,
        currency: &str,
    ) -> Result<(i64, String)> {
        let entries = self.store.charge_entries(account, charge_id).await?;
        let charge = entries
            .iter()
            .find(|e| e.id == charge_id && e.kind == EntryKind::Charge)
            .ok_or_else(|| {
                DomainError::invalid("charge_id", "no charge with this id on this account")
            })?;
        if action == MoneyActionKind::FeeReversal && charge.reason_code.as_deref() != Some("fee") {
            return Err(DomainError::invalid(
                "charge_id",
                "this charge is not a fee; waive it instead",
            ));
        }
        if action == MoneyActionKind::FreeItem
            && charge.reason_code.as_deref() != Some(crate::orders::ORDER_CHARGE)
        {
            return Err(DomainError::invalid(
                "charge_id",
                "only an order line's charge can be given free; credit or waive this one",
            ));
        }
        let given = rules::given_about(&entries)
            .remove(&charge_id)
            .unwrap_or_default();
        let left = (charge.amount_minor - given.minor).max(0);
        if amount > left {
            return Err(DomainError::invalid(
                "amount_minor",
                format!(
                    "{}; {} of it is left to make good",
                    given.describe(currency),
                    rules::format_money(left, currency)
                ),
            ));
        }
        let open = rules::charge_states(&entries)
            .get(&charge_id)
            .map_or(0, |s| s.0);
        if action != MoneyActionKind::GoodwillCredit && amount > open {
            return Err(DomainError::invalid(
                "amount_minor",
                format!(
                    "only {} of this charge is left to waive",
                    rules::format_money(open, currency)
                ),
            ));
        }
        Ok((about(&entries, charge_id), rules::bill_words(charge)))
    }
}

/// How many of `entries` are about the charge (waivers, reversals, dispute
/// steps).
pub(crate) fn about(entries: &[LedgerEntry], charge: LedgerEntryId) -> i64 {
    entries
        .iter()
        .filter(|e| e.related_entry_id == Some(charge))
        .count() as i64
}

/// The error for a write refused by a guard other than the monthly limit.
pub(crate) fn refusal(outcome: PostOutcome, currency: &str) -> DomainError {
    match outcome {
        PostOutcome::BalanceLimit { balance } => DomainError::invalid(
            "amount_minor",
            format!(
                "a refund pays out only what the customer has paid beyond what they owe ({} now; goodwill credits go on the bill, not back as cash)",
                rules::format_money((-balance).max(0), currency)
            ),
        ),
        PostOutcome::OtherCurrency(c) => {
            DomainError::invalid("currency", format!("this account is billed in {c}"))
        }
        PostOutcome::MonthLimit { used } => DomainError::Forbidden(format!(
            "this would pass the monthly limit ({} used)",
            rules::format_money(used, currency)
        )),
        PostOutcome::Existing(e, _) => DomainError::Conflict(format!(
            "this request was already applied ({} on {})",
            rules::format_money(e.amount_minor.abs(), &e.currency),
            e.created_at.strftime("%Y-%m-%d")
        )),
        PostOutcome::ChargeChanged => DomainError::Conflict(
            "this charge was waived or disputed by someone else just now; nothing was booked — reload and look again".into(),
        ),
        PostOutcome::Posted => DomainError::Store("posted is not a refusal".into()),
    }
}
