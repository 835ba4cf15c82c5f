//! Cancelling an account safely: refused while a completion report says
//! its services are installed and active, unless a supervisor overrides
//! with a written reason; then nothing is deleted — each work order's
//! installed services go to pending cancellation (restorable) and the
//! account to pending cancellation. Said first, then confirmed.

use super::model::*;
use super::service::FieldService;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::model::{Account, AccountStatus, SubscriptionStatus};
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::Store;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AccountCancel {
    pub version: i64,
    pub reason: Option<String>,
    /// A supervisor cancelling what completion reports say is installed.
    #[serde(default)]
    pub override_report: bool,
    /// Done only once confirmed (the 422 on `confirm` says what it does).
    #[serde(default)]
    pub confirm: bool,
}

/// Work orders of the account whose completion report says services are
/// installed that are still active, with the report.
pub async fn installed_on_account(
    store: &dyn Store,
    account: AccountId,
) -> Result<Vec<(WorkOrder, CompletionReport)>> {
    let mut out = Vec::new();
    for w in store.account_work_orders(account, 500).await? {
        if !matches!(
            w.state,
            WorkOrderState::Completed | WorkOrderState::PartiallyCompleted
        ) || w.grace_until.is_some()
        {
            continue;
        }
        let Some(r) = store.completion_report(w.id).await? else {
            continue;
        };
        let mut active = false;
        for l in r.lines.iter().filter(|l| l.installed) {
            if store
                .subscription(l.subscription_id)
                .await?
                .is_some_and(|s| s.status == SubscriptionStatus::Active)
            {
                active = true;
            }
        }
        if active {
            out.push((w, r));
        }
    }
    Ok(out)
}

/// "the completion report of 1 Dec 2026 says Internet 100 and TV Basic
/// are installed".
pub fn report_says(r: &CompletionReport) -> String {
    format!(
        "the completion report of {} says {} {} installed",
        r.filed_at
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%-d %b %Y"),
        r.installed_words(),
        if r.lines.iter().filter(|l| l.installed).count() == 1 {
            "is"
        } else {
            "are"
        }
    )
}

/// The refusal when an account is cancelled while reports say installed.
pub fn refused(found: &[(WorkOrder, CompletionReport)]) -> DomainError {
    let said: Vec<String> = found.iter().map(|(_, r)| report_says(r)).collect();
    DomainError::Conflict(format!(
        "Refused: {}; a supervisor can override with a written reason",
        said.join("; ")
    ))
}

impl FieldService {
    pub async fn cancel_account(
        &self,
        actor: &Actor,
        id: AccountId,
        input: AccountCancel,
    ) -> Result<Account> {
        authorize(actor.role, Action::EditCustomer)?;
        if actor.role == crate::admin::StaffRole::Dispatcher {
            return Err(DomainError::Forbidden(
                "accounts are cancelled by customer care, not dispatch".into(),
            ));
        }
        let before = self
            .store
            .account(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        if before.status == AccountStatus::Closed {
            return Err(DomainError::Conflict(
                "the account is already closed".into(),
            ));
        }
        // Pending already: the same request again finishes what an earlier
        // one could not (services still active), else answers the account.
        let retry = before.status == AccountStatus::PendingCancellation;
        if retry
            && installed_on_account(self.store.as_ref(), id)
                .await?
                .is_empty()
        {
            return Ok(before);
        }
        if !retry {
            crate::error::expect_version("account", before.version, input.version)?;
        }
        let reason = optional_text("reason", input.reason.as_deref(), 500)?
            .ok_or_else(|| DomainError::invalid("reason", "say why the account is cancelled"))?;
        let found = installed_on_account(self.store.as_ref(), id).await?;
        let overridden =
            input.override_report && crate::access::allowed(actor.role, Action::DecideApprovals);
        if !(found.is_empty() || overridden) {
            return Err(refused(&found));
        }
        if !input.confirm {
            let mut words = format!(
                "This puts account {} in pending cancellation",
                before.number
            );
            for (w, r) in &found {
                words.push_str(&format!("; {}", self.cancel_preview_of(w, Some(r)).await?));
            }
            return Err(DomainError::invalid(
                "confirm",
                format!("{words}. Confirm to go on"),
            ));
        }
        let mut after = before.clone();
        after.status = AccountStatus::PendingCancellation;
        after.version += 1;
        let ev = change(actor, "cancel", "account", id.0)
            .account(Some(id))
            .summary(format!(
                "Account {} pending cancellation{}",
                before.number,
                if input.override_report {
                    " (override of the completion reports)"
                } else {
                    ""
                }
            ))
            .reason(Some(reason.clone()))
            .before(&before)
            .after(&after)
            .build();
        // The account first, under its version: a change meanwhile stops
        // everything here, before any service is touched.
        let after = if retry {
            before.clone()
        } else {
            self.store.update_account(&after, &ev).await?;
            after
        };
        // Then each work order's installed services still active,
        // restorable from it (one service in two reports is moved once).
        for (w, r) in found {
            let mut active = false;
            for l in r.lines.iter().filter(|l| l.installed) {
                active |= self
                    .store
                    .subscription(l.subscription_id)
                    .await?
                    .is_some_and(|s| s.status == SubscriptionStatus::Active);
            }
            if !active {
                continue;
            }
            self.override_installed(actor, w, r, reason.clone())
                .await
                .map_err(|e| match e {
                    DomainError::Throttled { .. } | DomainError::Store(_) => e,
                    e => DomainError::Conflict(format!(
                        "the account is pending cancellation, but the services of one work order could not be: {e}; send the same request again to finish"
                    )),
                })?;
        }
        Ok(after)
    }

    /// After a restore: an account put in pending cancellation is active
    /// again.
    pub(super) async fn reopen_account(&self, actor: &Actor, id: AccountId) -> Result<()> {
        let Some(before) = self.store.account(id).await? else {
            return Ok(());
        };
        if before.status != AccountStatus::PendingCancellation {
            return Ok(());
        }
        let mut after = before.clone();
        after.status = AccountStatus::Active;
        after.version += 1;
        let ev = change(actor, "restore", "account", id.0)
            .account(Some(id))
            .summary(format!("Account {} active again (restored)", before.number))
            .before(&before)
            .after(&after)
            .build();
        self.store.update_account(&after, &ev).await
    }
}
