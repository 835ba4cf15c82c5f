//! Queues, skills, availability and routing.

use super::hours::{Hours, time_zone};
use super::model::*;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::interactions::state::InteractionState;
use crate::interactions::{InteractionEvent, may_act_on};
use crate::store::Store;
use std::sync::Arc;

/// Average handle time used for the expected-wait estimate until reports
/// measure the real one.
pub const AVERAGE_HANDLE_SECS: i64 = 300;

/// Waiting contacts read per routing pass.
const ROUTE_PAGE: u32 = 50;

/// Longest idle first among available agents with the skill.
pub fn pick_agent(candidates: &[Candidate]) -> Option<StaffId> {
    candidates
        .iter()
        .min_by_key(|c| (c.idle_since, c.staff_id))
        .map(|c| c.staff_id)
}

#[derive(Clone)]
pub struct RoutingService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: crate::time::Clock,
    pub(super) notifier: crate::live::SharedNotifier,
}

fn normalize_skill(s: &str) -> Result<String> {
    let v = required_text("skill", s, 40)?.to_lowercase();
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(DomainError::invalid(
            "skill",
            "a skill is a word like billing or number_porting",
        ));
    }
    Ok(v)
}

impl RoutingService {
    pub fn new(
        store: Arc<dyn Store>,
        clock: crate::time::Clock,
        notifier: crate::live::SharedNotifier,
    ) -> Self {
        Self {
            store,
            clock,
            notifier,
        }
    }

    pub async fn create_queue(&self, actor: &Actor, input: NewQueue) -> Result<Queue> {
        authorize(actor.role, Action::ManageStaff)?;
        Hours::parse(&input.hours)?;
        time_zone(&input.time_zone)?;
        if let Some(t) = input.team_id
            && !self.store.teams().await?.iter().any(|x| x.id == t)
        {
            return Err(DomainError::invalid(
                "team_id",
                "no department with this id",
            ));
        }
        let q = Queue {
            id: QueueId::new(),
            team_id: input.team_id,
            name: required_text("name", &input.name, 100)?,
            skill: normalize_skill(&input.skill)?,
            time_zone: input.time_zone.trim().into(),
            hours: input.hours.trim().into(),
            created_at: crate::time::now(),
            after_call_secs: match input.after_call_secs.unwrap_or(0) {
                s @ 0..=3600 => s,
                _ => {
                    return Err(DomainError::invalid(
                        "after_call_secs",
                        "between 0 and 3600 seconds",
                    ));
                }
            },
        };
        let ev = change(actor, "create", "queue", q.id.0)
            .summary(format!("Added queue {} ({})", q.name, q.hours))
            .after(&q)
            .build();
        self.store.insert_queue(&q, &ev).await?;
        Ok(q)
    }

    pub async fn queues(&self, actor: &Actor) -> Result<Vec<QueueSummary>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let now = (self.clock)();
        let waiting = self.store.waiting_counts().await?;
        let waiting_in = |q: QueueId| waiting.iter().find(|w| w.queue_id == q);
        let agents = self.store.available_by_skill().await?;
        let mut out = Vec::new();
        for q in self.store.queues().await? {
            let (hours, tz) = (Hours::parse(&q.hours)?, time_zone(&q.time_zone)?);
            let open_now = hours.is_open(&tz, now);
            out.push(QueueSummary {
                open_now,
                next_opening: if open_now {
                    None
                } else {
                    hours
                        .next_opening(&tz, now)
                        .map(|z| z.strftime("%a %Y-%m-%d %H:%M %Z").to_string())
                },
                waiting: waiting_in(q.id).map_or(0, |w| w.waiting),
                oldest_waiting_since: waiting_in(q.id).map(|w| w.oldest),
                available_agents: agents
                    .iter()
                    .find(|(s, _)| *s == q.skill)
                    .map_or(0, |(_, n)| *n),
                queue: q,
            });
        }
        Ok(out)
    }

    pub async fn set_skills(
        &self,
        actor: &Actor,
        staff: StaffId,
        input: SkillsInput,
    ) -> Result<Vec<String>> {
        authorize(actor.role, Action::ManageStaff)?;
        let user = self
            .store
            .staff(staff)
            .await?
            .ok_or_else(|| DomainError::NotFound("staff user".into()))?;
        let mut skills = input
            .skills
            .iter()
            .map(|s| normalize_skill(s))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.within("skills"))?;
        skills.sort();
        skills.dedup();
        let ev = change(actor, "update", "staff_skills", user.id.0)
            .summary(format!("{} skills: {}", user.name, skills.join(", ")))
            .after(&skills)
            .build();
        self.store.set_skills(user.id, &skills, &ev).await?;
        Ok(skills)
    }

    /// End after-call work that is over (the background sweep): those
    /// agents are available and waiting contacts are offered to them.
    pub async fn end_after_call(&self) -> Result<u64> {
        let n = self.store.end_after_call((self.clock)()).await?;
        if n > 0 {
            self.route_all().await?;
            self.queues_changed();
        }
        Ok(n)
    }

    /// An agent says whether they can take work; becoming available routes
    /// waiting contacts at once.
    pub async fn set_availability(
        &self,
        actor: &Actor,
        input: AvailabilityInput,
    ) -> Result<Availability> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("availability belongs to a staff user".into()))?;
        let state = Availability::parse("state", input.state.trim())?;
        self.store.set_presence(me, state, (self.clock)()).await?;
        if state == Availability::Available {
            self.route_all().await?;
        }
        self.queues_changed();
        Ok(state)
    }

    /// Put a contact in a queue. A closed queue refuses with its next
    /// opening time; the contact stays where it was.
    pub async fn enqueue(
        &self,
        actor: &Actor,
        interaction: InteractionId,
        input: EnqueueInput,
    ) -> Result<QueuePosition> {
        authorize(actor.role, Action::EditCustomer)?;
        let q = self
            .store
            .queue(input.queue_id)
            .await?
            .ok_or_else(|| DomainError::invalid("queue_id", "no queue with this id"))?;
        let v = self
            .store
            .interaction_view(interaction)
            .await?
            .ok_or_else(|| DomainError::NotFound("interaction".into()))?;
        if v.interaction.owner_id.is_some() {
            may_act_on(actor, &v)?;
        }
        let (hours, tz) = (Hours::parse(&q.hours)?, time_zone(&q.time_zone)?);
        let now = (self.clock)();
        if !hours.is_open(&tz, now) {
            let next = hours
                .next_opening(&tz, now)
                .map(|z| z.strftime("%A %H:%M %Z").to_string())
                .unwrap_or_else(|| "at a time not yet set".into());
            return Err(DomainError::Conflict(format!(
                "{} is closed now; it opens {next}",
                q.name
            )));
        }
        v.interaction.state.check(InteractionState::Queued)?;
        let mut after = v.interaction.clone();
        after.state = InteractionState::Queued;
        after.version += 1;
        let entry = QueueEntry {
            interaction_id: interaction,
            queue_id: q.id,
            queued_at: now,
            offered_to: None,
            offered_at: None,
        };
        let ev = InteractionEvent {
            id: InteractionEventId::new(),
            interaction_id: interaction,
            at: now,
            kind: "queued".into(),
            actor_name: actor.name.clone(),
            detail: q.name.clone(),
        };
        let audit = change(actor, "enqueue", "interaction", interaction.0)
            .account(after.account_id)
            .summary(format!("Queued in {}", q.name))
            .before(&v.interaction)
            .after(&after)
            .build();
        self.store.enqueue(&after, &entry, &ev, &audit).await?;
        self.route_queue(&q).await?;
        self.queues_changed();
        self.position(actor, interaction).await
    }

    pub async fn position(
        &self,
        actor: &Actor,
        interaction: InteractionId,
    ) -> Result<QueuePosition> {
        authorize(actor.role, Action::ViewCustomer)?;
        let e = self
            .store
            .queue_entry(interaction)
            .await?
            .ok_or_else(|| DomainError::NotFound("queued contact".into()))?;
        let q = self
            .store
            .queue(e.queue_id)
            .await?
            .ok_or_else(|| DomainError::NotFound("queue".into()))?;
        if e.offered_to.is_some() {
            return Ok(QueuePosition {
                queue_id: q.id,
                queue_name: q.name,
                position: 0,
                expected_wait_secs: 0,
                offered_to: e.offered_to,
            });
        }
        let ahead = self.store.waiting_ahead(&e).await?;
        let agents = self.store.available_count(&q.skill).await?;
        let position = ahead + 1;
        Ok(QueuePosition {
            queue_id: q.id,
            queue_name: q.name,
            position,
            expected_wait_secs: position * AVERAGE_HANDLE_SECS / agents.max(1),
            offered_to: None,
        })
    }

    /// Offer waiting contacts in every queue to whoever is free.
    pub async fn route_all(&self) -> Result<()> {
        for q in self.store.queues().await? {
            self.route_queue(&q).await?;
        }
        Ok(())
    }

    /// Offer waiting contacts, oldest first, to the longest-idle available
    /// agent with the skill. Claims are atomic in the store, so two nodes
    /// routing at once never offer one contact twice or one agent two.
    async fn route_queue(&self, q: &Queue) -> Result<()> {
        // Oldest first, a page at a time: routing stops at the first
        // contact no agent is free for, so it rarely reads past the first.
        loop {
            let page = self.store.waiting(q.id, ROUTE_PAGE).await?;
            let full = page.len() == ROUTE_PAGE as usize;
            if !self.route_entries(q, page).await? || !full {
                return Ok(());
            }
        }
    }

    /// Offer each entry in turn; false once no agent is free.
    async fn route_entries(&self, q: &Queue, entries: Vec<QueueEntry>) -> Result<bool> {
        for entry in entries {
            loop {
                let candidates = self.store.candidates(&q.skill).await?;
                let Some(agent) = pick_agent(&candidates) else {
                    return Ok(false);
                };
                let ev = InteractionEvent {
                    id: InteractionEventId::new(),
                    interaction_id: entry.interaction_id,
                    at: (self.clock)(),
                    kind: "offered_to_agent".into(),
                    actor_name: "routing".into(),
                    detail: format!("{} queue", q.name),
                };
                match self.store.claim(entry.interaction_id, agent, &ev).await? {
                    true => {
                        self.notifier.publish(crate::live::LiveEvent::for_staff(agent, "offer", serde_json::json!({"interaction_id": entry.interaction_id, "queue": q.name})));
                        break;
                    }
                    // The agent or the contact was taken meanwhile: look again.
                    false
                        if self
                            .store
                            .queue_entry(entry.interaction_id)
                            .await?
                            .is_some_and(|e| e.offered_to.is_some()) =>
                    {
                        break;
                    }
                    false => continue,
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    #[test]
    fn the_longest_idle_agent_gets_the_contact() {
        let (a, b) = (StaffId::new(), StaffId::new());
        let t = |s| Timestamp::from_second(s).unwrap();
        assert_eq!(
            pick_agent(&[
                Candidate {
                    staff_id: a,
                    idle_since: t(200)
                },
                Candidate {
                    staff_id: b,
                    idle_since: t(100)
                }
            ]),
            Some(b)
        );
        assert_eq!(pick_agent(&[]), None);
    }
}
