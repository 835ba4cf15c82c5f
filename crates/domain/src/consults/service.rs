//! Consult rules: the case owner asks, the department answers or joins.

use super::*;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::interactions::state::InteractionState;
use crate::interactions::{InteractionEvent, NewParticipant};
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct ConsultService {
    store: Arc<dyn Store>,
    interactions: crate::interactions::InteractionService,
    notifier: crate::live::SharedNotifier,
}

impl ConsultService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            interactions: crate::interactions::InteractionService::new(store.clone()),
            store,
            notifier: Arc::new(crate::live::Silent),
        }
    }

    /// Publish consult changes (and the contact timelines they touch).
    pub fn with_notifier(mut self, notifier: crate::live::SharedNotifier) -> Self {
        self.interactions = self.interactions.with_notifier(notifier.clone());
        self.notifier = notifier;
        self
    }

    /// Every screen may show a consult (the requester's contact and case,
    /// the department's inbox); each page keeps the ones it shows.
    fn announce(&self, c: &Consult) {
        self.notifier.publish(crate::live::LiveEvent::everyone(
            "consult",
            serde_json::json!({
                "consult_id": c.id,
                "case_id": c.case_id,
                "interaction_id": c.interaction_id,
                "team_id": c.team_id,
                "status": c.status,
            }),
        ));
    }

    /// Consults I picked up and have not answered, oldest first.
    pub async fn picked_by_me(&self, actor: &Actor) -> Result<Vec<ConsultView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("staff only".into()))?;
        let teams = self.store.teams().await?;
        Ok(self
            .store
            .picked_consults(me)
            .await?
            .into_iter()
            .map(|consult| ConsultView {
                team_name: teams
                    .iter()
                    .find(|t| t.id == consult.team_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                consult,
                position: 0,
            })
            .collect())
    }

    /// Every consult raised on a case, oldest first, with positions.
    pub async fn for_case(&self, actor: &Actor, case: CaseId) -> Result<Vec<ConsultView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let consults = self.store.case_consults(case).await?;
        self.with_positions(consults).await
    }

    /// Consults raised from a live contact, oldest first, with positions.
    pub async fn for_interaction(
        &self,
        actor: &Actor,
        id: InteractionId,
    ) -> Result<Vec<ConsultView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let consults = self.store.interaction_consults(id).await?;
        self.with_positions(consults).await
    }

    async fn with_positions(&self, consults: Vec<Consult>) -> Result<Vec<ConsultView>> {
        let teams = self.store.teams().await?;
        let mut out = Vec::with_capacity(consults.len());
        for consult in consults {
            // Waiting consults are few per case; their rank is one count each.
            let position = if consult.status == ConsultStatus::Waiting {
                self.store.consults_ahead(&consult).await? + 1
            } else {
                0
            };
            out.push(ConsultView {
                team_name: teams
                    .iter()
                    .find(|t| t.id == consult.team_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                consult,
                position,
            });
        }
        Ok(out)
    }

    /// `request` under an idempotency key: the same key again answers the
    /// consult it asked (false: not asked now).
    pub async fn request_once(
        &self,
        actor: &Actor,
        input: NewConsult,
        key: Option<&str>,
    ) -> Result<(ConsultView, bool)> {
        crate::workspace::keys::once(
            &*self.store,
            actor,
            key,
            "consult",
            || async {
                let v = self.request(actor, input).await?;
                let id = v.consult.id.to_string();
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

    pub async fn request(&self, actor: &Actor, input: NewConsult) -> Result<ConsultView> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor.id.ok_or_else(|| {
            DomainError::Forbidden("a consult is requested by a staff user".into())
        })?;
        let (case, _) = self
            .store
            .case(input.case_id)
            .await?
            .ok_or_else(|| DomainError::invalid("case_id", "no case with this id"))?;
        if case.owner_id != me && !matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin) {
            return Err(DomainError::Forbidden(
                "the case owner raises consults for it".into(),
            ));
        }
        if !self
            .store
            .teams()
            .await?
            .iter()
            .any(|t| t.id == input.team_id)
        {
            return Err(DomainError::invalid(
                "team_id",
                "no department with this id",
            ));
        }
        if let Some(i) = input.interaction_id {
            let v = self.store.interaction_view(i).await?.ok_or_else(|| {
                DomainError::invalid("interaction_id", "no interaction with this id")
            })?;
            if !v.interaction.state.is_live() {
                return Err(DomainError::invalid(
                    "interaction_id",
                    "the contact has ended",
                ));
            }
        }
        let c = Consult {
            id: ConsultId::new(),
            case_id: case.id,
            interaction_id: input.interaction_id,
            team_id: input.team_id,
            question: required_text("question", &input.question, 2000)?,
            status: ConsultStatus::Waiting,
            requested_by: me,
            requested_at: crate::time::now(),
            picked_by: None,
            picked_at: None,
            answer: None,
            answered_at: None,
            version: 1,
        };
        let ev = change(actor, "create", "consult", c.id.0)
            .account(Some(case.account_id))
            .summary(format!("Consult requested: {}", c.question))
            .after(&c)
            .build();
        self.store.insert_consult(&c, &ev).await?;
        let v = self.view(actor, c.id).await?;
        if let Some(i) = c.interaction_id {
            crate::workspace::note_on_timeline(
                &*self.store,
                i,
                actor,
                "consult_asked",
                format!("{}: {}", v.team_name, c.question),
            )
            .await;
        }
        self.announce(&c);
        Ok(v)
    }

    pub async fn view(&self, actor: &Actor, id: ConsultId) -> Result<ConsultView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let c = self
            .store
            .consult(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("consult".into()))?;
        let team_name = self
            .store
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id == c.team_id)
            .map(|t| t.name)
            .unwrap_or_default();
        let position = if c.status == ConsultStatus::Waiting {
            self.store.consults_ahead(&c).await? + 1
        } else {
            0
        };
        Ok(ConsultView {
            consult: c,
            team_name,
            position,
        })
    }

    /// Waiting consults of the caller's department, oldest first.
    pub async fn inbox(&self, actor: &Actor) -> Result<Vec<ConsultView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("staff only".into()))?;
        let team = self
            .store
            .staff(me)
            .await?
            .and_then(|u| u.team_id)
            .ok_or_else(|| DomainError::Conflict("you belong to no department".into()))?;
        // Oldest first, so a consult's position is its place in this list.
        let team_name = self
            .store
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id == team)
            .map(|t| t.name)
            .unwrap_or_default();
        let waiting = self.store.waiting_consults(team).await?;
        Ok(waiting
            .into_iter()
            .enumerate()
            .map(|(i, consult)| ConsultView {
                consult,
                team_name: team_name.clone(),
                position: i as i64 + 1,
            })
            .collect())
    }

    async fn step(
        &self,
        actor: &Actor,
        id: ConsultId,
        version: i64,
        to: ConsultStatus,
    ) -> Result<Consult> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .consult(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("consult".into()))?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("staff only".into()))?;
        let supervisor = matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin);
        let in_team = self.store.staff(me).await?.and_then(|u| u.team_id) == Some(before.team_id);
        let allowed = match to {
            ConsultStatus::Cancelled => before.requested_by == me || supervisor,
            ConsultStatus::PickedUp => in_team || supervisor,
            _ => before.picked_by == Some(me) || supervisor,
        };
        if !allowed {
            return Err(DomainError::Forbidden(match to {
                ConsultStatus::PickedUp => {
                    "only the department asked may pick up this consult".into()
                }
                ConsultStatus::Cancelled => "only the requester may cancel this consult".into(),
                _ => "only the specialist who picked up this consult may answer or join".into(),
            }));
        }
        crate::error::expect_version("consult", before.version, version)?;
        before.status.check(to)?;
        let mut after = before.clone();
        after.status = to;
        after.version += 1;
        if to == ConsultStatus::PickedUp {
            after.picked_by = Some(me);
            after.picked_at = Some(crate::time::now());
        }
        Ok(after)
    }

    async fn save(
        &self,
        actor: &Actor,
        before_status: ConsultStatus,
        c: &Consult,
        summary: String,
    ) -> Result<ConsultView> {
        let account = self.store.case(c.case_id).await?.map(|(k, _)| k.account_id);
        let ev = change(actor, c.status.as_str(), "consult", c.id.0)
            .account(account)
            .summary(summary)
            .reason(Some(format!("was {before_status}")))
            .after(c)
            .build();
        self.store.update_consult(c, &ev).await?;
        self.announce(c);
        self.view(actor, c.id).await
    }

    pub async fn pick_up(
        &self,
        actor: &Actor,
        id: ConsultId,
        input: ConsultStep,
    ) -> Result<ConsultView> {
        let c = self
            .step(actor, id, input.version, ConsultStatus::PickedUp)
            .await?;
        self.save(
            actor,
            ConsultStatus::Waiting,
            &c,
            format!("{} picked up the consult", actor.name),
        )
        .await
    }

    pub async fn cancel(
        &self,
        actor: &Actor,
        id: ConsultId,
        input: ConsultStep,
    ) -> Result<ConsultView> {
        let c = self
            .step(actor, id, input.version, ConsultStatus::Cancelled)
            .await?;
        self.save(
            actor,
            ConsultStatus::Waiting,
            &c,
            "Consult cancelled".into(),
        )
        .await
    }

    pub async fn answer(
        &self,
        actor: &Actor,
        id: ConsultId,
        input: ConsultAnswer,
    ) -> Result<ConsultView> {
        let mut c = self
            .step(actor, id, input.version, ConsultStatus::Answered)
            .await?;
        let before = if c.picked_by.is_some() && c.version > 2 {
            ConsultStatus::Joined
        } else {
            ConsultStatus::PickedUp
        };
        c.answer = Some(required_text("answer", &input.answer, 4000)?);
        c.answered_at = Some(crate::time::now());
        let v = self
            .save(
                actor,
                before,
                &c,
                format!("{} answered: {}", actor.name, input.answer.trim()),
            )
            .await?;
        if let Some(i) = c.interaction_id {
            crate::workspace::note_on_timeline(
                &*self.store,
                i,
                actor,
                "consult_answered",
                format!("{}: {}", v.team_name, input.answer.trim()),
            )
            .await;
        }
        Ok(v)
    }

    /// The specialist joins the customer's live contact as a participant:
    /// the contact gains a department without a transfer.
    pub async fn join(
        &self,
        actor: &Actor,
        id: ConsultId,
        input: ConsultStep,
    ) -> Result<ConsultView> {
        let c = self
            .step(actor, id, input.version, ConsultStatus::Joined)
            .await?;
        let interaction = c.interaction_id.ok_or_else(|| {
            DomainError::Conflict(
                "this consult has no live contact to join; answer it in writing".into(),
            )
        })?;
        let v = self
            .store
            .interaction_view(interaction)
            .await?
            .ok_or_else(|| DomainError::NotFound("interaction".into()))?;
        if !v.interaction.state.is_live() {
            return Err(DomainError::Conflict(
                "the contact has ended; answer in writing".into(),
            ));
        }
        // The requester adds the specialist, as a conference would.
        let requester = self
            .store
            .staff(c.requested_by)
            .await?
            .ok_or_else(|| DomainError::NotFound("staff user".into()))?;
        let as_requester = crate::admin::StaffService::actor(&requester);
        self.interactions
            .add_participant_as(
                &as_requester,
                actor,
                interaction,
                NewParticipant {
                    person_id: None,
                    staff_id: actor.id,
                    role: "specialist".into(),
                },
            )
            .await?;
        self.save(
            actor,
            ConsultStatus::PickedUp,
            &c,
            format!("{} joined the call", actor.name),
        )
        .await
    }

    /// Tell the customer side where things stand; it goes on the live
    /// contact's timeline.
    pub async fn post_update(
        &self,
        actor: &Actor,
        id: ConsultId,
        input: StatusUpdate,
    ) -> Result<ConsultView> {
        authorize(actor.role, Action::EditCustomer)?;
        let c = self
            .store
            .consult(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("consult".into()))?;
        if actor.id != Some(c.requested_by)
            && actor.id != c.picked_by
            && !matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin)
        {
            return Err(DomainError::Forbidden(
                "the requester or the specialist posts updates on this consult".into(),
            ));
        }
        let interaction = c.interaction_id.ok_or_else(|| {
            DomainError::invalid("message", "this consult has no live contact to update")
        })?;
        let v = self
            .store
            .interaction_view(interaction)
            .await?
            .ok_or_else(|| DomainError::NotFound("interaction".into()))?;
        if v.interaction.state == InteractionState::Ended {
            return Err(DomainError::Conflict("the contact has ended".into()));
        }
        let ev = InteractionEvent {
            id: crate::ids::InteractionEventId::new(),
            interaction_id: interaction,
            at: crate::time::now(),
            kind: "status_update".into(),
            actor_name: actor.name.clone(),
            detail: required_text("message", &input.message, 300)?,
        };
        let audit = change(actor, "status_update", "consult", c.id.0)
            .summary(ev.detail.clone())
            .build();
        self.store.append_event(&ev, &audit).await?;
        self.interactions.announce(&v);
        self.announce(&c);
        self.view(actor, id).await
    }
}
