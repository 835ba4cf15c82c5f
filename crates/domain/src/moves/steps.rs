//! A planned move completed (the services and equipment go to the new
//! address; the billing system is told) or cancelled (its visits called
//! off first); what integrations are told.

use super::model::*;
use super::service::MoveService;
use crate::access::{Action, allowed, authorize};
use crate::audit::{Actor, change};
use crate::customers::model::{Subscription, SubscriptionEvent};
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::fieldwork::{WorkOrderState, WorkOrderStep};
use crate::ids::*;
use crate::resources::{EquipmentState, EquipmentWrite, ResourceEvent, ResourceWrites};

impl MoveService {
    /// Completed (the services and equipment move; the billing system is
    /// told) or cancelled (its open visits with it).
    pub async fn step(&self, actor: &Actor, id: MoveId, input: MoveStep) -> Result<MoveView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self.load(id).await?;
        let to = MoveState::parse("to", input.to.trim())?;
        if before.state == to && input.version == before.version - 1 {
            return self.view(before).await;
        }
        crate::error::expect_version("move", before.version, input.version)?;
        if before.state != MoveState::Planned || to == MoveState::Planned {
            return Err(DomainError::Conflict(format!(
                "the move is {}: it cannot become {}",
                before.state, to
            )));
        }
        match to {
            MoveState::Completed => self.complete(actor, before).await,
            _ => {
                let reason =
                    optional_text("reason", input.reason.as_deref(), 300)?.ok_or_else(|| {
                        DomainError::invalid("reason", "say why the move is cancelled")
                    })?;
                self.cancel(actor, before, reason).await
            }
        }
    }

    async fn complete(&self, actor: &Actor, before: Move) -> Result<MoveView> {
        let now = self.now();
        if let Some(c) = self.visit(before.connect_work_order_id).await? {
            if !matches!(
                c.state,
                WorkOrderState::Completed | WorkOrderState::PartiallyCompleted
            ) {
                return Err(DomainError::Conflict(format!(
                    "the connect visit at {} is {}: the move is completed once it is done",
                    c.address,
                    c.state.as_str().replace('_', " ")
                )));
            }
        } else if self.today() < before.start_date {
            return Err(DomainError::Conflict(format!(
                "the move is on {}: complete it then",
                before.start_date.strftime("%a %-d %b %Y")
            )));
        }
        let mut subs: Vec<(Subscription, SubscriptionEvent)> = Vec::new();
        for id in &before.subscriptions {
            let Some(s) = self.store.subscription(*id).await? else {
                continue;
            };
            if s.location_id != before.from_location_id {
                continue;
            }
            let mut after = s.clone();
            after.location_id = before.to_location_id;
            after.version += 1;
            subs.push((
                after,
                SubscriptionEvent {
                    id: SubscriptionEventId::new(),
                    subscription_id: s.id,
                    at: now,
                    kind: "moved".into(),
                    description: format!(
                        "Moved from {} to {} on {}",
                        before.from_address, before.to_address, before.move_date
                    ),
                    actor_name: actor.name.clone(),
                },
            ));
        }
        let mut res = ResourceWrites::default();
        for e in self.store.account_equipment(before.account_id).await? {
            // Only what serves the services that move.
            if e.location_id != Some(before.from_location_id)
                || e.state != EquipmentState::Assigned
                || !e
                    .subscription_id
                    .is_some_and(|s| before.subscriptions.contains(&s))
            {
                continue;
            }
            let mut after = e.clone();
            after.location_id = Some(before.to_location_id);
            after.version += 1;
            after.updated_at = now;
            res.equipment.push(EquipmentWrite {
                event: ResourceEvent {
                    subject: e.serial.clone(),
                    at: now,
                    kind: "moved".into(),
                    description: format!("Moved with the customer to {}", before.to_address),
                    account_id: Some(before.account_id),
                    actor_name: actor.name.clone(),
                },
                equipment: after,
            });
        }
        let numbers: Vec<String> = self
            .store
            .subscription_numbers(&before.subscriptions)
            .await?
            .into_iter()
            .map(|n| n.number)
            .collect();
        let account_number = self
            .store
            .account(before.account_id)
            .await?
            .map(|a| a.number)
            .unwrap_or_default();
        let payload = serde_json::json!({
            "move_id": before.id,
            "account_id": before.account_id,
            "account_number": account_number,
            "from": {"location_id": before.from_location_id, "address": before.from_address},
            "to": {"location_id": before.to_location_id, "address": before.to_address},
            "move_date": before.move_date,
            "start_date": before.start_date,
            "subscriptions": subs.iter().map(|(s, _)| s.id).collect::<Vec<_>>(),
            "numbers": numbers,
            "equipment": res.equipment.iter().map(|e| e.equipment.serial.clone()).collect::<Vec<_>>(),
            "final_reading": before.reading,
        });
        let mut after = before.clone();
        after.state = MoveState::Completed;
        after.completed_at = Some(now);
        after.version += 1;
        let ev = change(actor, "complete", "move", before.id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "Moved to {}: {} service(s), {} piece(s) of equipment{}",
                before.to_address,
                subs.len(),
                res.equipment.len(),
                if numbers.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", numbers kept: {}",
                        numbers
                            .iter()
                            .map(|n| crate::resources::rules::display(n))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ))
            .before(&before)
            .after(&after)
            .build();
        self.store
            .write_move(&after, &subs, &res, Some(("move.completed", &payload)), &ev)
            .await?;
        self.announce(&after);
        self.view(after).await
    }

    async fn cancel(&self, actor: &Actor, before: Move, reason: String) -> Result<MoveView> {
        // A visit under way is finished or called off on its own first; a
        // disconnect already done is not undone by cancelling the move.
        let mut open = Vec::new();
        for (w, is_disconnect) in [
            (before.disconnect_work_order_id, true),
            (before.connect_work_order_id, false),
        ] {
            let Some(v) = self.visit(w).await? else {
                continue;
            };
            match v.state {
                WorkOrderState::Dispatched | WorkOrderState::OnSite => {
                    return Err(DomainError::Conflict(format!(
                        "the visit at {} is {}: finish it or call it off on its page first",
                        v.address,
                        v.state.as_str().replace('_', " ")
                    )));
                }
                WorkOrderState::Completed | WorkOrderState::PartiallyCompleted if is_disconnect => {
                    return Err(DomainError::Conflict(format!(
                        "the service at {} was already disconnected: ask for a reconnect visit instead of cancelling the move",
                        v.address
                    )));
                }
                s if !crate::fieldwork::rules::is_final(s) => open.push(v),
                _ => {}
            }
        }
        // The visits first: if one cannot be called off, the move stays
        // planned and the same request can be sent again.
        for v in open {
            self.field
                .step(
                    actor,
                    v.id,
                    WorkOrderStep {
                        to: WorkOrderState::Cancelled.as_str().into(),
                        version: v.version,
                        reason: Some(format!("the move was cancelled: {reason}")),
                        override_report: false,
                        confirm: true,
                        subscription_id: None,
                    },
                )
                .await?;
        }
        let mut after = before.clone();
        after.state = MoveState::Cancelled;
        after.cancel_reason = Some(reason.clone());
        after.version += 1;
        let ev = change(actor, "cancel", "move", before.id.0)
            .account(Some(before.account_id))
            .summary(format!("Move to {} cancelled", before.to_address))
            .reason(Some(reason))
            .before(&before)
            .after(&after)
            .build();
        self.store
            .write_move(&after, &[], &ResourceWrites::default(), None, &ev)
            .await?;
        self.announce(&after);
        self.view(after).await
    }

    /// What integrations are told, after the last one they saw.
    pub async fn events(
        &self,
        actor: &Actor,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IntegrationEvent>> {
        if !(allowed(actor.role, Action::PostBilling) || allowed(actor.role, Action::RunOperations))
        {
            return Err(DomainError::Forbidden(
                "integration events are read by the billing system's integration user or admins"
                    .into(),
            ));
        }
        self.store
            .integration_events(after, limit.clamp(1, 500))
            .await
    }
}
