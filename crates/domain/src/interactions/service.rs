//! Interaction rules: who may act, state changes, participants joining and
//! leaving, verification once per person, wrap-up.

use super::model::*;
use super::state::InteractionState;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, AuditEvent, change};
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::live::{LiveEvent, SharedNotifier, Silent};
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct InteractionService {
    pub(super) store: Arc<dyn Store>,
    pub(super) notifier: SharedNotifier,
}

fn staff_role(r: StaffRole) -> ParticipantRole {
    match r {
        StaffRole::Agent => ParticipantRole::Agent,
        StaffRole::Supervisor | StaffRole::Admin => ParticipantRole::Supervisor,
        StaffRole::Specialist
        | StaffRole::Dispatcher
        | StaffRole::Technician
        | StaffRole::Integration => ParticipantRole::Specialist,
    }
}

/// The owner, a current staff participant, or a supervisor or admin.
pub fn may_act_on(actor: &Actor, v: &InteractionView) -> Result<()> {
    if matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin) {
        return Ok(());
    }
    let me = actor.id;
    let owner = me.is_some() && v.interaction.owner_id == me;
    let participant = v
        .participants
        .iter()
        .any(|p| p.left_at.is_none() && p.staff_id.is_some() && p.staff_id == me);
    if owner || participant {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "only the interaction's owner, a staff participant or a supervisor may act on it"
                .into(),
        ))
    }
}

pub(super) fn event(
    id: InteractionId,
    actor: &Actor,
    kind: &str,
    detail: impl Into<String>,
) -> InteractionEvent {
    InteractionEvent {
        id: InteractionEventId::new(),
        interaction_id: id,
        at: crate::time::now(),
        kind: kind.into(),
        actor_name: actor.name.clone(),
        detail: detail.into(),
    }
}

pub(super) fn audit(
    actor: &Actor,
    i: &Interaction,
    action: &str,
    summary: String,
    before: Option<&Interaction>,
) -> AuditEvent {
    let mut c = change(actor, action, "interaction", i.id.0)
        .account(i.account_id)
        .summary(summary)
        .after(i);
    if let Some(b) = before {
        c = c.before(b);
    }
    c.build()
}

impl InteractionService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            notifier: Arc::new(Silent),
        }
    }

    /// Publish changes to the screens of the staff on each contact.
    pub fn with_notifier(mut self, notifier: SharedNotifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// Tell every staff member on the contact (owner, participants past and
    /// present, a warm transfer's receiver) that it changed.
    pub fn announce(&self, v: &InteractionView) {
        let mut staff: Vec<StaffId> = Vec::new();
        let all = v
            .participants
            .iter()
            .filter_map(|p| p.staff_id)
            .chain(v.interaction.owner_id)
            .chain(v.interaction.pending_transfer_to);
        for s in all {
            if !staff.contains(&s) {
                staff.push(s);
            }
        }
        let data = serde_json::json!({
            "interaction_id": v.interaction.id,
            "state": v.interaction.state,
        });
        for s in staff {
            self.notifier
                .publish(LiveEvent::for_staff(s, "interaction", data.clone()));
        }
    }

    /// The contact as it is now, announced to those on it.
    pub(super) async fn changed(
        &self,
        actor: &Actor,
        id: InteractionId,
    ) -> Result<InteractionView> {
        let v = self.view(actor, id).await?;
        self.announce(&v);
        Ok(v)
    }

    pub(super) fn staff_participant(
        &self,
        id: InteractionId,
        actor: &Actor,
        staff: StaffId,
    ) -> Participant {
        Participant {
            id: ParticipantId::new(),
            interaction_id: id,
            person_id: None,
            staff_id: Some(staff),
            role: staff_role(actor.role),
            display_name: actor.name.clone(),
            joined_at: crate::time::now(),
            left_at: None,
        }
    }

    /// Customer-side role of a person: representative when they represent
    /// the account, customer otherwise.
    async fn customer_role(
        &self,
        account: Option<AccountId>,
        person: PersonId,
    ) -> Result<ParticipantRole> {
        if let Some(a) = account {
            let roles = self.store.account_roles(a).await?;
            if roles.iter().any(|r| {
                r.person_id == person
                    && r.ended_on.is_none()
                    && r.kind == crate::customers::model::RoleKind::AuthorizedRepresentative
            }) {
                return Ok(ParticipantRole::Representative);
            }
        }
        Ok(ParticipantRole::Customer)
    }

    /// `create` under an idempotency key: the same key again answers the
    /// contact it created (false: not created now).
    pub async fn create_once(
        &self,
        actor: &Actor,
        input: NewInteraction,
        key: Option<&str>,
    ) -> Result<(InteractionView, bool)> {
        crate::workspace::keys::once(
            &*self.store,
            actor,
            key,
            "interaction",
            || async {
                let v = self.create(actor, input).await?;
                let id = v.interaction.id.to_string();
                Ok((v, id))
            },
            |id| async move {
                let id = id
                    .parse()
                    .map_err(|_| DomainError::Store("bad key result".into()))?;
                self.view(actor, id).await
            },
        )
        .await
    }

    pub async fn create(&self, actor: &Actor, input: NewInteraction) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let channel = Channel::parse("channel", input.channel.trim())?;
        if let Some(a) = input.account_id {
            self.store
                .account(a)
                .await?
                .ok_or_else(|| DomainError::invalid("account_id", "no account with this id"))?;
        }
        let now = crate::time::now();
        // Contacts the agent starts are connected from the first moment.
        let agent_started = input.in_progress == Some(true)
            || matches!(
                channel,
                Channel::OutboundCall | Channel::FollowUpCall | Channel::InPerson
            );
        let mut i = Interaction {
            id: InteractionId::new(),
            channel,
            state: if agent_started {
                InteractionState::Connected
            } else {
                InteractionState::Offered
            },
            account_id: input.account_id,
            owner_id: None,
            subject: optional_text("subject", input.subject.as_deref(), 200)?,
            started_at: now,
            answered_at: None,
            ended_at: None,
            outcome: None,
            disposition: None,
            wrap_notes: None,
            transfers: 0,
            pending_transfer_to: None,
            pending_transfer_note: None,
            version: 1,
        };
        let mut participants = Vec::new();
        let mut events = vec![event(
            i.id,
            actor,
            "offered",
            format!("{} contact", channel.as_str().replace('_', " ")),
        )];
        if let Some(pid) = input.person_id {
            let person = self
                .store
                .person(pid)
                .await?
                .ok_or_else(|| DomainError::invalid("person_id", "no person with this id"))?;
            participants.push(Participant {
                id: ParticipantId::new(),
                interaction_id: i.id,
                person_id: Some(pid),
                staff_id: None,
                role: self.customer_role(i.account_id, pid).await?,
                display_name: person.full_name(),
                joined_at: now,
                left_at: None,
            });
        }
        if agent_started {
            if let Some(staff) = actor.id {
                i.owner_id = Some(staff);
                i.answered_at = Some(now);
                participants.push(self.staff_participant(i.id, actor, staff));
            }
            events.push(event(
                i.id,
                actor,
                "answered",
                format!("started by {}", actor.name),
            ));
        }
        let a = audit(
            actor,
            &i,
            "create",
            format!("{} contact", channel.as_str().replace('_', " ")),
            None,
        );
        self.store
            .insert_interaction(&i, &participants, &events, &[a])
            .await?;
        if agent_started && let Some(owner) = i.owner_id {
            self.presence_step(
                owner,
                i.id,
                channel,
                crate::routing::presence::Step::Answered,
            )
            .await;
        }
        // Answer with what was just written; reading it back costs four queries.
        let v = InteractionView {
            interaction: i,
            participants,
            verifications: Vec::new(),
            events,
        };
        self.announce(&v);
        Ok(v)
    }

    /// My work: contacts I own, take part in, was offered or am asked to
    /// accept, oldest first.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<InteractionSummary>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a work list belongs to a staff user".into()))?;
        self.store.staff_interactions(me).await
    }

    /// The account's recent contacts, newest first.
    pub async fn for_account(&self, actor: &Actor, account: AccountId) -> Result<Vec<Interaction>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.account_interactions(account, 50).await
    }

    pub async fn view(&self, actor: &Actor, id: InteractionId) -> Result<InteractionView> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .interaction_view(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("interaction".into()))
    }

    /// Queue, answer, hold, resume, move to wrap-up, or end an unanswered
    /// contact (abandoned). Answering an unowned contact makes the actor
    /// its owner.
    pub async fn change_state(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: StateChange,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        let before = v.interaction.clone();
        let to = InteractionState::parse("state", input.state.trim())?;
        let answering = to == InteractionState::Connected
            && matches!(
                before.state,
                InteractionState::Offered | InteractionState::Queued
            );
        if !(answering && before.owner_id.is_none()) {
            may_act_on(actor, &v)?;
        }
        // A routed contact is answered by the agent it was offered to.
        if answering
            && !matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin)
            && let Some(offered) = self.store.queue_entry(id).await?.and_then(|e| e.offered_to)
            && Some(offered) != actor.id
        {
            return Err(DomainError::Forbidden(
                "this contact was routed to another agent".into(),
            ));
        }
        crate::error::expect_version("interaction", before.version, input.version)?;
        before.state.check(to)?;
        if to == InteractionState::Ended
            && !matches!(
                before.state,
                InteractionState::Offered | InteractionState::Queued
            )
        {
            return Err(DomainError::Conflict(
                "an answered interaction ends with its wrap-up".into(),
            ));
        }
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        let mut events = Vec::new();
        let now = crate::time::now();
        let kind = match (before.state, to) {
            (_, InteractionState::Queued) => "queued",
            (InteractionState::OnHold, InteractionState::Connected) => "resumed",
            (_, InteractionState::Connected) => "answered",
            (_, InteractionState::OnHold) => "held",
            (_, InteractionState::WrapUp) => "customer_left",
            _ => "ended",
        };
        let mut join = None;
        let mut audits = Vec::new();
        if answering {
            after.answered_at = Some(now);
            if let Some(staff) = actor.id {
                if after.owner_id.is_none() {
                    after.owner_id = Some(staff);
                }
                if !v
                    .participants
                    .iter()
                    .any(|p| p.left_at.is_none() && p.staff_id == Some(staff))
                {
                    // Joins in the same transaction as the answer: a stale
                    // answer adds nobody.
                    let p = self.staff_participant(id, actor, staff);
                    events.push(event(
                        id,
                        actor,
                        "participant_joined",
                        format!("{} ({})", p.display_name, p.role),
                    ));
                    audits.push(audit(
                        actor,
                        &before,
                        "join",
                        format!("{} joined", actor.name),
                        None,
                    ));
                    join = Some(p);
                }
            }
        }
        if to == InteractionState::Ended {
            after.ended_at = Some(now);
            after.outcome = Some("abandoned".into());
        }
        events.push(event(id, actor, kind, format!("by {}", actor.name)));
        audits.push(audit(
            actor,
            &after,
            "update",
            format!("Interaction {kind}"),
            Some(&before),
        ));
        self.store
            .update_interaction(&after, join.as_ref(), &events, &audits)
            .await?;
        if answering && let Some(owner) = after.owner_id {
            self.presence_step(
                owner,
                id,
                after.channel,
                crate::routing::presence::Step::Answered,
            )
            .await;
        }
        if before.state == InteractionState::Queued {
            // Answered or abandoned: it no longer waits in its queue.
            self.notifier
                .publish(LiveEvent::everyone("queue", serde_json::json!({})));
        }
        self.changed(actor, id).await
    }

    /// Record outcome, disposition and notes, and end the interaction.
    pub async fn wrap_up(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: WrapUpInput,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        may_act_on(actor, &v)?;
        let before = v.interaction.clone();
        crate::error::expect_version("interaction", before.version, input.version)?;
        if !matches!(
            before.state,
            InteractionState::Connected | InteractionState::OnHold | InteractionState::WrapUp
        ) {
            return Err(DomainError::Conflict(format!(
                "an interaction that is {} has nothing to wrap up",
                before.state.as_str().replace('_', " ")
            )));
        }
        let mut after = before.clone();
        let lists = crate::workspace::PickLists::new(self.store.clone());
        after.outcome = Some(
            lists
                .check(
                    crate::workspace::ListKind::Outcome,
                    "outcome",
                    &input.outcome,
                )
                .await?,
        );
        after.disposition = Some(
            lists
                .check(
                    crate::workspace::ListKind::WrapReason,
                    "disposition",
                    &input.disposition,
                )
                .await?,
        );
        after.wrap_notes = optional_text("notes", input.notes.as_deref(), 4000)?;
        after.state = InteractionState::Ended;
        after.ended_at = Some(crate::time::now());
        after.version += 1;
        let events = vec![
            event(
                id,
                actor,
                "wrapped_up",
                format!("{} / {}", input.outcome.trim(), input.disposition.trim()),
            ),
            event(id, actor, "ended", String::new()),
        ];
        let a = audit(
            actor,
            &after,
            "wrap_up",
            format!("Wrapped up: {}", input.outcome.trim()),
            Some(&before),
        );
        self.store
            .update_interaction(&after, None, &events, &[a])
            .await?;
        if let Some(owner) = after.owner_id {
            self.presence_step(
                owner,
                id,
                after.channel,
                crate::routing::presence::Step::WrappedUp,
            )
            .await;
        }
        self.changed(actor, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn view(owner: Option<StaffId>, staff_participant: Option<StaffId>) -> InteractionView {
        let id = InteractionId::new();
        InteractionView {
            interaction: Interaction {
                id,
                channel: Channel::InboundCall,
                state: InteractionState::Connected,
                account_id: None,
                owner_id: owner,
                subject: None,
                started_at: Timestamp::UNIX_EPOCH,
                answered_at: None,
                ended_at: None,
                outcome: None,
                disposition: None,
                wrap_notes: None,
                transfers: 0,
                pending_transfer_to: None,
                pending_transfer_note: None,
                version: 1,
            },
            participants: staff_participant
                .into_iter()
                .map(|s| Participant {
                    id: ParticipantId::new(),
                    interaction_id: id,
                    person_id: None,
                    staff_id: Some(s),
                    role: ParticipantRole::Specialist,
                    display_name: "Bea".into(),
                    joined_at: Timestamp::UNIX_EPOCH,
                    left_at: None,
                })
                .collect(),
            verifications: vec![],
            events: vec![],
        }
    }

    fn actor(role: StaffRole) -> Actor {
        Actor {
            id: Some(StaffId::new()),
            name: "x".into(),
            role,
        }
    }

    #[test]
    fn owner_participant_and_supervisor_may_act_nobody_else() {
        let me = actor(StaffRole::Agent);
        assert!(may_act_on(&me, &view(me.id, None)).is_ok());
        assert!(may_act_on(&me, &view(Some(StaffId::new()), me.id)).is_ok());
        assert!(matches!(
            may_act_on(&me, &view(Some(StaffId::new()), None)),
            Err(DomainError::Forbidden(_))
        ));
        assert!(
            may_act_on(
                &actor(StaffRole::Supervisor),
                &view(Some(StaffId::new()), None)
            )
            .is_ok()
        );
        let mut left = view(Some(StaffId::new()), me.id);
        left.participants[0].left_at = Some(Timestamp::UNIX_EPOCH);
        assert!(
            may_act_on(&me, &left).is_err(),
            "a participant who left no longer acts"
        );
    }
}
