//! What supervisors watch (every queue, every agent) and what an agent
//! sees of their own availability.

use super::model::*;
use super::service::RoutingService;
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::error::{DomainError, Result};
use crate::live::LiveEvent;
use jiff::Timestamp;

impl RoutingService {
    /// Queue counts or agent availability changed: queue walls refresh.
    pub(super) fn queues_changed(&self) {
        self.notifier
            .publish(LiveEvent::everyone("queue", serde_json::json!({})));
    }

    pub async fn wall(&self, actor: &Actor) -> Result<QueueWall> {
        authorize(actor.role, Action::WatchQueues)?;
        Ok(QueueWall {
            queues: self.queues(actor).await?,
            agents: self.store.presence_board().await?,
        })
    }

    /// The queues I take work from (by my skills), with their counts.
    pub async fn my_queues(&self, actor: &Actor) -> Result<Vec<QueueSummary>> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("queues belong to a staff user".into()))?;
        let skills = self.store.skills(me).await?;
        Ok(self
            .queues(actor)
            .await?
            .into_iter()
            .filter(|q| skills.contains(&q.queue.skill))
            .collect())
    }

    /// My availability and since when; offline until I say otherwise.
    pub async fn my_availability(
        &self,
        actor: &Actor,
    ) -> Result<(Availability, Option<Timestamp>)> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("availability belongs to a staff user".into()))?;
        Ok(match self.store.presence(me).await? {
            Some((state, since)) => (state, Some(since)),
            None => (Availability::Offline, None),
        })
    }
}
