//! Handing a contact to another staff user, warm or cold.

use super::InteractionService;
use super::model::*;
use super::service::{audit, event, may_act_on};
use super::state::InteractionState;
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;

impl InteractionService {
    /// Hand the contact to another staff user. Cold: ownership moves now.
    /// Warm: the receiver joins, reads the note and accepts; only then does
    /// ownership move. Either way the transfer is counted.
    pub async fn transfer(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: TransferInput,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        may_act_on(actor, &v)?;
        let before = v.interaction.clone();
        crate::error::expect_version("interaction", before.version, input.version)?;
        if !matches!(
            before.state,
            InteractionState::Connected | InteractionState::OnHold
        ) {
            return Err(DomainError::Conflict(
                "only a connected contact is transferred".into(),
            ));
        }
        if before.pending_transfer_to.is_some() {
            return Err(DomainError::Conflict(
                "a warm transfer is already waiting to be accepted".into(),
            ));
        }
        let to = self
            .store
            .staff(input.to_staff_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                DomainError::invalid("to_staff_id", "no active staff user with this id")
            })?;
        if Some(to.id) == before.owner_id {
            return Err(DomainError::invalid(
                "to_staff_id",
                "this staff user already owns the contact",
            ));
        }
        let warm = match input.mode.trim() {
            "warm" => true,
            "cold" => false,
            _ => return Err(DomainError::invalid("mode", "must be one of: cold, warm")),
        };
        let note = optional_text("note", input.note.as_deref(), 1000)?;
        if warm && note.is_none() {
            return Err(DomainError::invalid(
                "note",
                "a warm transfer tells the receiver what it is about",
            ));
        }
        let receiver = crate::admin::StaffService::actor(&to);
        let already_on = v
            .participants
            .iter()
            .any(|p| p.left_at.is_none() && p.staff_id == Some(to.id));
        let join = (!already_on).then(|| self.staff_participant(id, &receiver, to.id));
        let owner_part = v
            .participants
            .iter()
            .find(|p| {
                p.left_at.is_none() && before.owner_id.is_some() && p.staff_id == before.owner_id
            })
            .map(|p| p.id);
        let mut after = before.clone();
        after.version += 1;
        let (events, leave, summary) = if warm {
            after.pending_transfer_to = Some(to.id);
            after.pending_transfer_note = note.clone();
            (
                vec![event(
                    id,
                    actor,
                    "transfer_offered",
                    format!("warm to {}: {}", to.name, note.clone().unwrap_or_default()),
                )],
                None,
                format!("Warm transfer offered to {}", to.name),
            )
        } else {
            after.owner_id = Some(to.id);
            after.transfers += 1;
            let detail = format!(
                "cold to {}{}",
                to.name,
                note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
            );
            (
                vec![event(id, actor, "transferred", detail)],
                owner_part,
                format!("Cold transfer to {}", to.name),
            )
        };
        let a = audit(actor, &after, "transfer", summary, Some(&before));
        self.store
            .transfer(&after, join.as_ref(), leave, &events, &a)
            .await?;
        if !warm {
            // The call moves: the receiver is on it, the sender is free.
            self.handed_over(before.owner_id, to.id, id, before.channel)
                .await;
        }
        self.changed(actor, id).await
    }

    /// The receiver of a warm transfer takes the contact over.
    pub async fn accept_transfer(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: AcceptTransfer,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        let before = v.interaction.clone();
        if before.pending_transfer_to.is_none() || before.pending_transfer_to != actor.id {
            return Err(DomainError::Forbidden(
                "only the receiver of a pending warm transfer accepts it".into(),
            ));
        }
        crate::error::expect_version("interaction", before.version, input.version)?;
        let mut after = before.clone();
        after.owner_id = actor.id;
        after.transfers += 1;
        after.pending_transfer_to = None;
        after.pending_transfer_note = None;
        after.version += 1;
        let leave = v
            .participants
            .iter()
            .find(|p| {
                p.left_at.is_none() && before.owner_id.is_some() && p.staff_id == before.owner_id
            })
            .map(|p| p.id);
        let events = vec![event(
            id,
            actor,
            "transferred",
            format!("warm to {}", actor.name),
        )];
        let a = audit(
            actor,
            &after,
            "transfer",
            format!("{} accepted the warm transfer", actor.name),
            Some(&before),
        );
        self.store
            .transfer(&after, None, leave, &events, &a)
            .await?;
        if let Some(me) = actor.id {
            self.handed_over(before.owner_id, me, id, before.channel)
                .await;
        }
        self.changed(actor, id).await
    }
}
