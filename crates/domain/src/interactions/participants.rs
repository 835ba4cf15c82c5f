//! Who is on a contact: joining, leaving, and identity verified once.

use super::InteractionService;
use super::model::*;
use super::service::{audit, event, may_act_on};
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::error::{DomainError, Result};
use crate::ids::*;

impl InteractionService {
    pub async fn add_participant(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: NewParticipant,
    ) -> Result<InteractionView> {
        self.add_participant_as(actor, actor, id, input).await
    }

    /// `add_participant` allowed by `allowed_by` (who may act on the
    /// contact) but done by `actor`, whom the timeline and the audit name:
    /// a specialist joining the call through a consult the owner asked.
    pub(crate) async fn add_participant_as(
        &self,
        allowed_by: &Actor,
        actor: &Actor,
        id: InteractionId,
        input: NewParticipant,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(allowed_by, id).await?;
        may_act_on(allowed_by, &v)?;
        if !v.interaction.state.is_live() {
            return Err(DomainError::Conflict(
                "participants join only while the contact is live".into(),
            ));
        }
        let role = ParticipantRole::parse("role", input.role.trim())?;
        let (person_id, staff_id, name) = match (input.person_id, input.staff_id) {
            (Some(p), None) => {
                if matches!(
                    role,
                    ParticipantRole::Agent
                        | ParticipantRole::Specialist
                        | ParticipantRole::Supervisor
                ) {
                    return Err(DomainError::invalid(
                        "role",
                        "a person joins as customer or representative",
                    ));
                }
                let person =
                    self.store.person(p).await?.ok_or_else(|| {
                        DomainError::invalid("person_id", "no person with this id")
                    })?;
                (Some(p), None, person.full_name())
            }
            (None, Some(s)) => {
                if matches!(
                    role,
                    ParticipantRole::Customer | ParticipantRole::Representative
                ) {
                    return Err(DomainError::invalid(
                        "role",
                        "a staff user joins as agent, specialist or supervisor",
                    ));
                }
                let staff = self.store.staff(s).await?.ok_or_else(|| {
                    DomainError::invalid("staff_id", "no staff user with this id")
                })?;
                (None, Some(s), staff.name)
            }
            _ => {
                return Err(DomainError::invalid(
                    "person_id",
                    "give exactly one of person_id and staff_id",
                ));
            }
        };
        if v.participants.iter().any(|p| {
            p.left_at.is_none()
                && ((person_id.is_some() && p.person_id == person_id)
                    || (staff_id.is_some() && p.staff_id == staff_id))
        }) {
            return Err(DomainError::Conflict(format!(
                "{name} is already on this interaction"
            )));
        }
        let p = Participant {
            id: ParticipantId::new(),
            interaction_id: id,
            person_id,
            staff_id,
            role,
            display_name: name.clone(),
            joined_at: crate::time::now(),
            left_at: None,
        };
        let ev = event(id, actor, "participant_joined", format!("{name} ({role})"));
        let a = audit(
            actor,
            &v.interaction,
            "join",
            format!("{name} joined as {role}"),
            None,
        );
        self.store.insert_participant(&p, &ev, &a).await?;
        self.changed(actor, id).await
    }

    pub async fn remove_participant(
        &self,
        actor: &Actor,
        id: InteractionId,
        participant: ParticipantId,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        let p = v
            .participants
            .iter()
            .find(|p| p.id == participant)
            .ok_or_else(|| DomainError::NotFound("participant".into()))?;
        // Anyone may leave on their own; removing others needs the right to act.
        if p.staff_id.is_none() || p.staff_id != actor.id {
            may_act_on(actor, &v)?;
        }
        if p.left_at.is_some() {
            return Err(DomainError::Conflict(format!(
                "{} has already left",
                p.display_name
            )));
        }
        let ev = event(id, actor, "participant_left", p.display_name.clone());
        let a = audit(
            actor,
            &v.interaction,
            "leave",
            format!("{} left", p.display_name),
            None,
        );
        self.store
            .end_participant(participant, crate::time::now(), &ev, &a)
            .await?;
        self.changed(actor, id).await
    }

    /// Record that a customer-side participant proved who they are. Once
    /// per person per interaction; everyone who joins later sees it.
    pub async fn verify(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: VerifyInput,
    ) -> Result<InteractionView> {
        authorize(actor.role, Action::EditCustomer)?;
        let v = self.view(actor, id).await?;
        may_act_on(actor, &v)?;
        let method = VerificationMethod::parse("method", input.method.trim())?;
        let Some(p) = v
            .participants
            .iter()
            .find(|p| p.left_at.is_none() && p.person_id == Some(input.person_id))
        else {
            return Err(DomainError::invalid(
                "person_id",
                "only a customer on this interaction can be verified",
            ));
        };
        if let Some(done) = v
            .verifications
            .iter()
            .find(|x| x.person_id == input.person_id)
        {
            return Err(DomainError::Conflict(format!(
                "{} was already verified by {} at {} ({}); no need to ask again",
                p.display_name,
                done.verified_by_name,
                done.at.strftime("%H:%M UTC"),
                done.method.as_str().replace('_', " ")
            )));
        }
        let ver = Verification {
            id: VerificationId::new(),
            interaction_id: id,
            person_id: input.person_id,
            method,
            verified_by: actor.id,
            verified_by_name: actor.name.clone(),
            at: crate::time::now(),
        };
        let ev = event(
            id,
            actor,
            "verified",
            format!(
                "{} by {}",
                p.display_name,
                method.as_str().replace('_', " ")
            ),
        );
        let a = audit(
            actor,
            &v.interaction,
            "verify",
            format!("Verified {}", p.display_name),
            None,
        );
        self.store.insert_verification(&ver, &ev, &a).await?;
        self.changed(actor, id).await
    }
}
