//! Ledger services: the account's money view, billing-system entries,
//! staff money actions checked against authority, disputes.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::authority::{Decision, MoneyActionKind};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::{IdempotencyKey, PostGuard, PostOutcome, Store};
use jiff::Timestamp;
use jiff::civil::Date;
use std::sync::Arc;

#[derive(Clone)]
pub struct LedgerService {
    pub(crate) store: Arc<dyn Store>,
    /// The provider's currency, for accounts without entries yet.
    pub(crate) currency: String,
    pub(crate) threshold: i64,
    pub(crate) notifier: crate::live::SharedNotifier,
}

/// The provider's money settings (configuration).
#[derive(Clone, Debug, PartialEq)]
pub struct MoneySettings {
    /// For accounts without entries yet.
    pub currency: String,
    /// In credit beyond this, a refund is offered.
    pub overpayment_threshold_minor: i64,
    /// An undecided approval request escalates after this long.
    pub escalate_after: jiff::SignedDuration,
}

impl Default for MoneySettings {
    fn default() -> Self {
        Self {
            currency: "USD".into(),
            overpayment_threshold_minor: rules::DEFAULT_OVERPAYMENT_THRESHOLD,
            escalate_after: jiff::SignedDuration::from_mins(15),
        }
    }
}

impl MoneySettings {
    /// Checked values: a currency code, a threshold of zero or more, at
    /// least a minute before escalation.
    pub fn new(currency: &str, threshold_minor: i64, escalate_minutes: i64) -> Result<Self> {
        if !(0..=rules::MAX_AMOUNT_MINOR).contains(&threshold_minor) {
            return Err(DomainError::invalid(
                "overpayment_threshold_cents",
                "must be zero or more, in cents",
            ));
        }
        if !(1..=60 * 24 * 30).contains(&escalate_minutes) {
            return Err(DomainError::invalid(
                "approval_escalate_minutes",
                "must be between 1 and 43200 (30 days)",
            ));
        }
        Ok(Self {
            currency: rules::currency("currency", currency)?,
            overpayment_threshold_minor: threshold_minor,
            escalate_after: jiff::SignedDuration::from_mins(escalate_minutes),
        })
    }
}

/// An account's money in one line.
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    pub balance_minor: i64,
    pub overpayment_minor: Option<i64>,
    pub currency: String,
}

/// What a staff money action led to.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // built once per request and matched at once
pub enum ActionResult {
    /// Booked now, or earlier under the same idempotency key (`replayed`).
    Applied { entry: LedgerEntry, replayed: bool },
    /// Beyond authority: why, what can be done instead, whether to ask.
    NotAllowed(Decision),
}

/// Entries the view returns beyond the current period's.
pub const NEWEST: u32 = 200;

pub(crate) fn today() -> Date {
    crate::time::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

pub(crate) fn month_start() -> Timestamp {
    today()
        .first_of_month()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) fn entry_kind(a: MoneyActionKind) -> EntryKind {
    match a {
        MoneyActionKind::GoodwillCredit => EntryKind::Credit,
        MoneyActionKind::ChargeWaiver => EntryKind::ChargeWaiver,
        MoneyActionKind::FeeReversal => EntryKind::FeeReversal,
        MoneyActionKind::Refund => EntryKind::Refund,
        MoneyActionKind::FreeItem => EntryKind::FreeItem,
    }
}

pub(crate) fn staff_of(actor: &Actor) -> Result<StaffId> {
    actor
        .id
        .ok_or_else(|| DomainError::Forbidden("money is moved by a staff user".into()))
}

impl LedgerService {
    /// The provider's currency (for accounts without entries yet).
    pub fn currency(&self) -> &str {
        &self.currency
    }

    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            currency: "USD".into(),
            threshold: rules::DEFAULT_OVERPAYMENT_THRESHOLD,
            notifier: Arc::new(crate::live::Silent),
        }
    }

    pub fn with_notifier(mut self, notifier: crate::live::SharedNotifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// The provider's currency and the overpayment threshold.
    pub fn with_settings(mut self, m: &MoneySettings) -> Self {
        self.currency = m.currency.clone();
        self.threshold = m.overpayment_threshold_minor;
        self
    }

    /// The provider's currency (accounts without entries are billed in it).
    pub fn provider_currency(&self) -> &str {
        &self.currency
    }

    /// Tell open pages of the account that its money changed.
    pub(crate) fn announce(&self, e: &LedgerEntry) {
        self.notifier.publish(crate::live::LiveEvent::everyone(
            "ledger",
            serde_json::json!({"account_id": e.account_id, "entry_id": e.id, "kind": e.kind}),
        ));
    }

    /// The account's currency: its first entry's, else the provider's.
    pub(crate) async fn account_currency(&self, account: AccountId) -> Result<String> {
        self.store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        Ok(self
            .store
            .ledger_currency(account)
            .await?
            .unwrap_or_else(|| self.currency.clone()))
    }

    /// Balance, next-bill preview, overpayment and the newest entries
    /// (`NEWEST`, plus every entry of the current period). Its cost does not
    /// grow with the account's history.
    pub async fn view(&self, actor: &Actor, account: AccountId) -> Result<LedgerView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let currency = self.account_currency(account).await?;
        let today = today();
        let window = self
            .store
            .ledger_window(account, today.first_of_month(), NEWEST)
            .await?;
        let recurring: Vec<(String, i64)> = self
            .store
            .recurring_charges(account)
            .await?
            .into_iter()
            .filter(|(_, _, c)| *c == currency)
            .map(|(name, price, _)| (name, price))
            .collect();
        Ok(rules::view_window(
            account,
            &currency,
            window,
            &recurring,
            today,
            self.threshold,
        ))
    }

    /// The balance and, when the customer is in credit beyond the
    /// threshold, the refund to offer: for the account's header.
    pub async fn standing(&self, actor: &Actor, account: AccountId) -> Result<Standing> {
        authorize(actor.role, Action::ViewCustomer)?;
        let currency = self.account_currency(account).await?;
        let w = self
            .store
            .ledger_window(account, rules::next_bill_date(today()), 0)
            .await?;
        Ok(Standing {
            balance_minor: w.balance_minor,
            overpayment_minor: rules::overpayment(w.balance_minor, w.credits_minor, self.threshold),
            currency,
        })
    }

    /// A charge or payment from the billing system; the same external id
    /// twice is one entry (the second answer says `created: false`).
    pub async fn post_billing(
        &self,
        actor: &Actor,
        account: AccountId,
        input: BillingEntryInput,
    ) -> Result<(LedgerEntry, bool)> {
        authorize(actor.role, Action::PostBilling)?;
        let kind = match input.kind.trim() {
            "charge" => EntryKind::Charge,
            "payment" => EntryKind::Payment,
            _ => {
                return Err(DomainError::invalid(
                    "kind",
                    "must be one of: charge, payment",
                ));
            }
        };
        let amount = rules::amount("amount_minor", input.amount_minor)?;
        let currency = rules::currency("currency", &input.currency)?;
        // The first entry of an account sets its currency; the write checks
        // it again in its transaction.
        self.store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        if let Some(billed) = self.store.ledger_currency(account).await?
            && billed != currency
        {
            return Err(DomainError::invalid(
                "currency",
                format!("this account is billed in {billed}"),
            ));
        }
        let e = LedgerEntry {
            id: LedgerEntryId::new(),
            account_id: account,
            kind,
            amount_minor: rules::signed(kind, amount),
            currency,
            reason_code: crate::customers::values::optional_text(
                "reason_code",
                input.reason_code.as_deref(),
                40,
            )?,
            memo: required_text("memo", &input.memo, 200)?,
            related_entry_id: None,
            external_id: Some(required_text("external_id", &input.external_id, 100)?),
            effective_on: match input.effective_on {
                Some(d) => crate::customers::values::check_date("effective_on", d)?,
                None => today(),
            },
            created_at: crate::time::now(),
            created_by: None,
            created_by_name: actor.name.clone(),
            label: None,
            approval_id: None,
        };
        let audit = change(actor, kind.as_str(), "ledger_entry", e.id.0)
            .account(Some(account))
            .summary(format!(
                "{}: {} {}",
                e.memo,
                kind,
                rules::format_money(amount, &e.currency)
            ))
            .after(&e)
            .build();
        match self
            .store
            .post_entry(&e, &audit, &PostGuard::default(), None)
            .await?
        {
            PostOutcome::Posted => {
                self.announce(&e);
                Ok((e, true))
            }
            PostOutcome::Existing(old, _)
                if old.account_id == account
                    && old.amount_minor == e.amount_minor
                    && old.kind == kind =>
            {
                Ok((*old, false))
            }
            PostOutcome::Existing(..) => Err(DomainError::invalid(
                "external_id",
                "this external id was already used for a different entry",
            )),
            other => Err(super::actions::refusal(other, &e.currency)),
        }
    }

    /// Hold a charge in dispute (left out of the amount due), or uphold it.
    pub async fn dispute(
        &self,
        actor: &Actor,
        account: AccountId,
        input: DisputeInput,
        hold: bool,
    ) -> Result<(LedgerEntry, bool)> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = staff_of(actor)?;
        let key = required_text("idempotency_key", &input.idempotency_key, 100)?;
        let reason = required_text("reason", &input.reason, 300)?;
        let digest = crate::admin::secret_digest(&format!(
            "{account}|{}|{}|{hold}",
            input.charge_id, reason
        ));
        let key = IdempotencyKey {
            actor: me,
            key,
            digest,
        };
        // The key first: a retried hold is not "already in dispute".
        if let Some(old) = self.replay(&key).await? {
            return Ok((old, false));
        }
        let currency = self.account_currency(account).await?;
        let entries = self.store.charge_entries(account, input.charge_id).await?;
        let states = rules::charge_states(&entries);
        let (_, state) = states.get(&input.charge_id).ok_or_else(|| {
            DomainError::invalid("charge_id", "no charge with this id on this account")
        })?;
        match (hold, state) {
            (true, DisputeState::None | DisputeState::Upheld) | (false, DisputeState::Held) => {}
            (true, _) => {
                return Err(DomainError::Conflict(
                    "this charge is already in dispute or waived".into(),
                ));
            }
            (false, _) => {
                return Err(DomainError::Conflict(
                    "this charge is not held in dispute".into(),
                ));
            }
        }
        let kind = if hold {
            EntryKind::DisputeHold
        } else {
            EntryKind::DisputeUpheld
        };
        let e = LedgerEntry {
            id: LedgerEntryId::new(),
            account_id: account,
            kind,
            amount_minor: 0,
            currency,
            reason_code: None,
            memo: reason.clone(),
            related_entry_id: Some(input.charge_id),
            external_id: None,
            effective_on: today(),
            created_at: crate::time::now(),
            created_by: Some(me),
            created_by_name: actor.name.clone(),
            label: None,
            approval_id: None,
        };
        let audit = self.audit_for(actor, &e, &reason);
        let guard = PostGuard {
            charge_seen: Some((
                input.charge_id,
                super::actions::about(&entries, input.charge_id),
            )),
            ..PostGuard::default()
        };
        match self
            .store
            .post_entry(&e, &audit, &guard, Some(&key))
            .await?
        {
            PostOutcome::Posted => {
                self.announce(&e);
                Ok((e, true))
            }
            PostOutcome::Existing(old, d) if d.as_deref() == Some(key.digest.as_str()) => {
                Ok((*old, false))
            }
            PostOutcome::Existing(..) => Err(DomainError::invalid(
                "idempotency_key",
                "this key was already used for a different request",
            )),
            other => Err(super::actions::refusal(other, &e.currency)),
        }
    }
}
