//! Moving a work order on and cancelling it safely: dispatch and arrival,
//! cancelling (what it will do said first and confirmed; refused by what
//! the completion report says unless a supervisor overrides), one service
//! alone after a partial visit, restore, and the grace period's end.

use super::model::*;
use super::rules;
use super::service::{FieldService, WorkOrderStep, WorkOrderView};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::model::SubscriptionStatus;
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::resources::ResourceWrites;
use crate::store::SubscriptionWrite;

impl FieldService {
    /// What cancelling this work order would do, in words, before it is
    /// done.
    pub async fn cancel_preview(&self, actor: &Actor, id: WorkOrderId) -> Result<String> {
        authorize(actor.role, Action::ViewCustomer)?;
        let w = self.load(id).await?;
        let report = self.store.completion_report(id).await?;
        self.preview(&w, report.as_ref()).await
    }

    pub(super) async fn cancel_preview_of(
        &self,
        w: &WorkOrder,
        report: Option<&CompletionReport>,
    ) -> Result<String> {
        self.preview(w, report).await
    }

    async fn preview(&self, w: &WorkOrder, report: Option<&CompletionReport>) -> Result<String> {
        let until = self
            .now()
            .checked_add(self.grace)
            .unwrap_or_else(|_| self.now())
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%-d %b %Y")
            .to_string();
        match report.filter(|r| r.lines.iter().any(|l| l.installed)) {
            Some(r) => {
                let mut words = format!(
                    "This puts {} in pending cancellation until {until} (one action restores them until then; after it they are cancelled)",
                    r.installed_words()
                );
                if !r.equipment_serials.is_empty() {
                    words.push_str(&format!(
                        "; equipment to collect: {}",
                        r.equipment_serials.join(", ")
                    ));
                }
                if !r.numbers.is_empty() {
                    words.push_str(&format!(
                        "; numbers to age (quarantined to this account, no one else can have them): {}",
                        r.numbers
                            .iter()
                            .map(|n| crate::resources::rules::display(n))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Ok(words)
            }
            None => {
                let mut pending = Vec::new();
                for s in &w.subscriptions {
                    if let Some(sub) = self.store.subscription(*s).await?
                        && sub.status == SubscriptionStatus::PendingInstall
                    {
                        pending.push(
                            self.store
                                .product(sub.product_id)
                                .await?
                                .map(|p| p.name)
                                .unwrap_or_default(),
                        );
                    }
                }
                let held: Vec<String> = self
                    .held_numbers(w)
                    .await?
                    .iter()
                    .map(|n| crate::resources::rules::display(&n.number))
                    .collect();
                let mut words = if pending.is_empty() {
                    "This cancels the visit; no service changes".to_string()
                } else {
                    format!(
                        "This cancels the visit and the services waiting for it: {}",
                        pending.join(", ")
                    )
                };
                if let Some(o) = w.order_id {
                    words.push_str(&format!(
                        " (the install order {} with it)",
                        crate::orders::reference_of(o)
                    ));
                }
                if !held.is_empty() {
                    words.push_str(&format!(
                        "; the numbers held for it are released: {}",
                        held.join(", ")
                    ));
                }
                Ok(words)
            }
        }
    }

    /// At the end of the grace period: what is still pending cancellation
    /// is cancelled for good (a restore meanwhile leaves nothing to do).
    /// When a later override moved the end (restored, then overridden
    /// again), the new end is returned for the job to look again then.
    pub async fn finalise(&self, id: WorkOrderId) -> Result<Option<jiff::Timestamp>> {
        let before = self.load(id).await?;
        let Some(until) = before.grace_until else {
            return Ok(None);
        };
        if until > self.now() {
            return Ok(Some(until));
        }
        let system = Actor::system();
        let changed = self
            .moved(
                &before.subscriptions,
                SubscriptionStatus::PendingCancellation,
                SubscriptionStatus::Cancelled,
            )
            .await?;
        let subs = self.writes(
            &system,
            &changed,
            "cancelled",
            "Cancelled at the end of the grace period",
        );
        let mut after = before.clone();
        after.grace_until = None;
        after.version += 1;
        let ev = change(&system, "finalise", "work_order", id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "Grace period over: {} service(s) cancelled for good",
                changed.len()
            ))
            .before(&before)
            .after(&after)
            .build();
        self.store
            .write_work_order(
                &after,
                false,
                &subs,
                None,
                &ResourceWrites::default(),
                &[],
                &ev,
            )
            .await?;
        self.announce(&after);
        Ok(None)
    }

    /// Dispatched, on site, or cancelled (with a reason). Cancelling a work
    /// order whose completion report says products are installed is refused
    /// with what it says; a supervisor may override with a reason.
    pub async fn step(
        &self,
        actor: &Actor,
        id: WorkOrderId,
        input: WorkOrderStep,
    ) -> Result<WorkOrderView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let before = self.load(id).await?;
        let to = WorkOrderState::parse("to", input.to.trim())?;
        if !matches!(
            to,
            WorkOrderState::Dispatched | WorkOrderState::OnSite | WorkOrderState::Cancelled
        ) {
            return Err(DomainError::invalid(
                "to",
                "must be one of: dispatched, on_site, cancelled (schedule with a day, window and technician; complete with a report)",
            ));
        }
        // A technician on the work order starts travelling (dispatched)
        // and says they arrived; the rest is for those who change customer
        // records (dispatchers among them).
        let own = actor.id.is_some_and(|me| before.technicians.contains(&me));
        if !(own && matches!(to, WorkOrderState::Dispatched | WorkOrderState::OnSite)) {
            authorize(actor.role, Action::EditCustomer)?;
        }
        if before.state == to && input.version == before.version - 1 {
            return self.view(before).await;
        }
        crate::error::expect_version("work order", before.version, input.version)?;
        let reason = optional_text("reason", input.reason.as_deref(), 300)?;
        if let Some(one) = input.subscription_id {
            if to != WorkOrderState::Cancelled {
                return Err(DomainError::invalid(
                    "subscription_id",
                    "only with to: cancelled",
                ));
            }
            return self
                .cancel_one(actor, before, one, reason, input.confirm)
                .await;
        }
        if to == WorkOrderState::Cancelled {
            let report = self.store.completion_report(id).await?;
            if let Some(r) = report.filter(|r| r.lines.iter().any(|l| l.installed)) {
                return self
                    .cancel_installed(
                        actor,
                        before,
                        r,
                        reason,
                        input.override_report,
                        input.confirm,
                    )
                    .await;
            }
            if reason.is_none() {
                return Err(DomainError::invalid("reason", "say why it is cancelled"));
            }
            rules::check(before.state, to)?;
            if !input.confirm {
                return Err(DomainError::invalid(
                    "confirm",
                    format!("{}. Confirm to go on", self.preview(&before, None).await?),
                ));
            }
        }
        rules::check(before.state, to)?;
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        after.cancel_reason = reason.clone().filter(|_| to == WorkOrderState::Cancelled);
        // Cancelling an install before it happened: its pending services go.
        let changed = if to == WorkOrderState::Cancelled && before.kind == WorkOrderKind::Install {
            self.moved(
                &before.subscriptions,
                SubscriptionStatus::PendingInstall,
                SubscriptionStatus::Cancelled,
            )
            .await?
        } else {
            Vec::new()
        };
        let subs = self.writes(
            actor,
            &changed,
            "cancelled",
            "Install cancelled before it took place",
        );
        let res = if to == WorkOrderState::Cancelled {
            self.release_held(actor, &before).await?
        } else {
            ResourceWrites::default()
        };
        let ev = change(actor, to.as_str(), "work_order", id.0)
            .account(Some(before.account_id))
            .summary(format!("Work order {}", to.as_str().replace('_', " ")))
            .reason(reason)
            .before(&before)
            .after(&after)
            .build();
        self.commit(after, &subs, None, &res, &[], &ev).await
    }

    /// Cancel one service not installed yet (after a partial visit, the
    /// product left out), leaving the work order and the rest as they are.
    async fn cancel_one(
        &self,
        actor: &Actor,
        before: WorkOrder,
        one: SubscriptionId,
        reason: Option<String>,
        confirm: bool,
    ) -> Result<WorkOrderView> {
        if !before.subscriptions.contains(&one) {
            return Err(DomainError::invalid(
                "subscription_id",
                "not a service of this work order",
            ));
        }
        let mut sub = self
            .store
            .subscription(one)
            .await?
            .ok_or_else(|| DomainError::invalid("subscription_id", "no such service"))?;
        let name = self
            .store
            .product(sub.product_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        if sub.status != SubscriptionStatus::PendingInstall {
            return Err(DomainError::Conflict(format!(
                "{name} is {}: only a service not installed yet is cancelled alone; what the report says is installed needs a supervisor's override of the whole work order",
                sub.status.as_str().replace('_', " ")
            )));
        }
        let reason =
            reason.ok_or_else(|| DomainError::invalid("reason", "say why it is cancelled"))?;
        if !confirm {
            return Err(DomainError::invalid(
                "confirm",
                format!(
                    "This cancels {name} alone (it was never installed); the rest stays as it is. Confirm to go on"
                ),
            ));
        }
        sub.status = SubscriptionStatus::Cancelled;
        sub.version += 1;
        let subs = [SubscriptionWrite {
            sub: &sub,
            insert: false,
            event: self.event(
                actor,
                sub.id,
                "cancelled",
                format!("Cancelled before its install: {reason}"),
            ),
        }];
        let mut after = before.clone();
        after.version += 1;
        let ev = change(actor, "cancel_service", "work_order", before.id.0)
            .account(Some(before.account_id))
            .summary(format!("Cancelled {name} alone (not installed)"))
            .reason(Some(reason))
            .before(&before)
            .after(&after)
            .build();
        self.commit(after, &subs, None, &ResourceWrites::default(), &[], &ev)
            .await
    }

    /// The heart of S3: the report says installed; only a supervisor's
    /// written override goes on, and then nothing is deleted: the installed
    /// services enter pending cancellation (restorable).
    async fn cancel_installed(
        &self,
        actor: &Actor,
        before: WorkOrder,
        report: CompletionReport,
        reason: Option<String>,
        override_report: bool,
        confirm: bool,
    ) -> Result<WorkOrderView> {
        let said = super::account::report_says(&report);
        if !override_report || !crate::access::allowed(actor.role, Action::DecideApprovals) {
            return Err(DomainError::Conflict(format!(
                "Refused: {said}; a supervisor can override with a written reason"
            )));
        }
        let reason = reason
            .ok_or_else(|| DomainError::invalid("reason", "an override needs a written reason"))?;
        if before.grace_until.is_some() {
            return Err(DomainError::Conflict(
                "its services are already pending cancellation: restore them first, or let the grace period end".into(),
            ));
        }
        if !confirm {
            return Err(DomainError::invalid(
                "confirm",
                format!(
                    "{}. Confirm to go on",
                    self.preview(&before, Some(&report)).await?
                ),
            ));
        }
        self.override_installed(actor, before, report, reason).await
    }

    /// The override itself (checked and confirmed by the caller): the
    /// installed services to pending cancellation for the grace period,
    /// numbers aging, equipment to collect, and the job that ends it.
    pub(super) async fn override_installed(
        &self,
        actor: &Actor,
        before: WorkOrder,
        report: CompletionReport,
        reason: String,
    ) -> Result<WorkOrderView> {
        let said = super::account::report_says(&report);
        let installed: Vec<SubscriptionId> = report
            .lines
            .iter()
            .filter(|l| l.installed)
            .map(|l| l.subscription_id)
            .collect();
        let changed = self
            .moved(
                &installed,
                SubscriptionStatus::Active,
                SubscriptionStatus::PendingCancellation,
            )
            .await?;
        if changed.is_empty() {
            return Err(DomainError::Conflict(
                "none of what the report says is installed is active any more: nothing to cancel"
                    .into(),
            ));
        }
        let subs = self.writes(
            actor,
            &changed,
            "pending_cancellation",
            &format!("Pending cancellation by override: {reason}"),
        );
        let mut after = before.clone();
        after.version += 1;
        let until = self
            .now()
            .checked_add(self.grace)
            .unwrap_or_else(|_| self.now());
        after.grace_until = Some(until);
        let finalise = crate::jobs::NewJob::new(
            crate::jobs::kinds::FINALISE_CANCELLATION,
            serde_json::json!({"work_order_id": before.id}),
            until,
        )
        .keyed(format!("finalise:{}", before.id));
        let res = self
            .resources_moved(
                actor,
                &before,
                Some(&report),
                false,
                "Pending cancellation by override",
            )
            .await?;
        let ev = change(actor, "override_cancel", "work_order", before.id.0)
            .account(Some(before.account_id))
            .summary(format!("Override: cancelled although {said}"))
            .reason(Some(reason))
            .before(&before)
            .after(&after)
            .build();
        self.store
            .write_work_order(
                &after,
                false,
                &subs,
                None,
                &res,
                std::slice::from_ref(&finalise),
                &ev,
            )
            .await?;
        self.announce(&after);
        self.view(after).await
    }

    /// Bring back what an override put in pending cancellation: the same
    /// subscriptions, active again, recorded in their history.
    pub async fn restore(
        &self,
        actor: &Actor,
        id: WorkOrderId,
        version: i64,
    ) -> Result<WorkOrderView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self.load(id).await?;
        if before.grace_until.is_none() && version == before.version - 1 {
            // The same restore twice (a double click): the first stands.
            return self.view(before).await;
        }
        crate::error::expect_version("work order", before.version, version)?;
        if before.grace_until.is_none() {
            return Err(DomainError::Conflict(
                "nothing of this work order is pending cancellation".into(),
            ));
        }
        if let Some(until) = before.grace_until
            && until <= self.now()
        {
            return Err(DomainError::Conflict(format!(
                "the grace period ended on {}; the services are being cancelled",
                until
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .strftime("%-d %b %Y")
            )));
        }
        if self
            .store
            .account(before.account_id)
            .await?
            .is_some_and(|a| a.status == crate::customers::model::AccountStatus::Closed)
        {
            return Err(DomainError::Conflict(
                "the account is closed: its services cannot come back on it".into(),
            ));
        }
        let changed = self
            .moved(
                &before.subscriptions,
                SubscriptionStatus::PendingCancellation,
                SubscriptionStatus::Active,
            )
            .await?;
        if changed.is_empty() {
            return Err(DomainError::Conflict(
                "nothing of this work order is pending cancellation".into(),
            ));
        }
        let subs = self.writes(
            actor,
            &changed,
            "restored",
            "Restored: the cancellation was undone",
        );
        let report = self.store.completion_report(id).await?;
        let res = self
            .resources_moved(actor, &before, report.as_ref(), true, "Restored")
            .await?;
        let mut after = before.clone();
        after.grace_until = None;
        after.version += 1;
        let ev = change(actor, "restore", "work_order", id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "Restored {} service(s), {} number(s) and {} piece(s) of equipment of the work order",
                changed.len(),
                res.numbers.len(),
                res.equipment.len()
            ))
            .before(&before)
            .after(&after)
            .build();
        let view = self.commit(after, &subs, None, &res, &[], &ev).await?;
        self.reopen_account(actor, before.account_id).await?;
        Ok(view)
    }
}
