//! Presence follows the calls a staff member owns (see
//! `routing::presence` for the rule): moved after the contact's own change
//! is saved, never failing it.

use super::model::*;
use super::service::InteractionService;
use super::state::InteractionState;
use crate::error::Result;
use crate::ids::*;
use crate::live::LiveEvent;

impl InteractionService {
    /// A call handed from one owner to another: the sender is free of it,
    /// the receiver is on it.
    pub(super) async fn handed_over(
        &self,
        from: Option<StaffId>,
        to: StaffId,
        id: InteractionId,
        channel: Channel,
    ) {
        use crate::routing::presence::Step;
        if let Some(from) = from.filter(|f| *f != to) {
            self.presence_step(from, id, channel, Step::WrappedUp).await;
        }
        self.presence_step(to, id, channel, Step::Answered).await;
    }

    /// Move the owner's presence with the call (see `routing::presence`).
    /// Best effort: the contact's change is already saved, so a failure
    /// here is logged, not answered.
    pub(super) async fn presence_step(
        &self,
        owner: StaffId,
        id: InteractionId,
        channel: Channel,
        step: crate::routing::presence::Step,
    ) {
        if let Err(e) = self.try_presence_step(owner, id, channel, step).await {
            tracing::warn!(error = %e, "presence did not follow the call");
        }
    }

    /// Becoming available offers them the next waiting contact; someone
    /// still on another call stays busy.
    async fn try_presence_step(
        &self,
        owner: StaffId,
        id: InteractionId,
        channel: Channel,
        step: crate::routing::presence::Step,
    ) -> Result<()> {
        use crate::routing::presence::{Change, after};
        if !crate::routing::presence::is_voice(channel) {
            return Ok(());
        }
        let now_state = self.store.presence(owner).await?.map(|(s, _)| s);
        if step == crate::routing::presence::Step::WrappedUp {
            let on_another = self.store.staff_interactions(owner).await?.iter().any(|x| {
                let i = &x.interaction;
                i.id != id
                    && i.owner_id == Some(owner)
                    && crate::routing::presence::is_voice(i.channel)
                    && matches!(
                        i.state,
                        InteractionState::Connected
                            | InteractionState::OnHold
                            | InteractionState::WrapUp
                    )
            });
            if on_another {
                return Ok(());
            }
        }
        let after_call = match step {
            crate::routing::presence::Step::WrappedUp => match self.store.queue_entry(id).await? {
                Some(e) => self
                    .store
                    .queue(e.queue_id)
                    .await?
                    .map_or(0, |q| q.after_call_secs),
                None => 0,
            },
            crate::routing::presence::Step::Answered => 0,
        };
        let now = crate::time::now();
        let routing = || {
            crate::routing::RoutingService::new(
                self.store.clone(),
                crate::time::system_clock(),
                self.notifier.clone(),
            )
        };
        match after(channel, step, now_state, after_call) {
            None => return Ok(()),
            Some(Change::Busy) => {
                self.store
                    .set_presence(owner, crate::routing::Availability::Busy, now)
                    .await?;
            }
            Some(Change::AfterCall(secs)) => {
                let until = now
                    .checked_add(jiff::SignedDuration::from_secs(secs))
                    .unwrap_or(now);
                self.store.set_after_call(owner, now, until).await?;
            }
            Some(Change::Available) => {
                self.store
                    .set_presence(owner, crate::routing::Availability::Available, now)
                    .await?;
                routing().route_all().await?;
            }
        }
        self.notifier.publish(LiveEvent::for_staff(
            owner,
            "presence",
            serde_json::json!({"staff_id": owner}),
        ));
        self.notifier
            .publish(LiveEvent::everyone("queue", serde_json::json!({})));
        Ok(())
    }
}
