//! Doing follow-ups: reschedule, reassign, cancel, close as missed, call,
//! record the outcome (by hand or at the call's wrap-up), and the due job.

use super::model::*;
use super::rules;
use super::service::{FollowUpService, truncate, window_words};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::{optional_text, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::interactions::{InteractionView, NewInteraction};
use crate::jobs::NewJob;

impl FollowUpService {
    async fn save(
        &self,
        actor: &Actor,
        before: &FollowUp,
        after: &FollowUp,
        action: &str,
        detail: String,
        jobs: &[NewJob],
    ) -> Result<()> {
        let ev = self.event(after, actor, action, detail.clone());
        let a = self.audit(
            actor,
            after,
            action,
            format!("Follow-up {action}: {detail}"),
            Some(before),
        );
        self.store.update_follow_up(after, &ev, jobs, &a).await
    }

    /// The follow-up to change: it exists, the actor may change it, and
    /// it is still at the version they read.
    async fn to_change(&self, actor: &Actor, id: FollowUpId, version: i64) -> Result<FollowUp> {
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        crate::error::expect_version("follow-up", f.version, version)?;
        Ok(f)
    }

    /// Owner, the owner's team and supervisors may change it.
    async fn may_change(&self, actor: &Actor, f: &FollowUp) -> Result<()> {
        authorize(actor.role, Action::EditCustomer)?;
        if actor.id == Some(f.owner_id) || crate::access::allowed(actor.role, Action::WatchQueues) {
            return Ok(());
        }
        let (me, owner) = match actor.id {
            Some(me) => (
                self.store.staff(me).await?,
                self.store.staff(f.owner_id).await?,
            ),
            None => (None, None),
        };
        let same_team = me
            .and_then(|m| m.team_id)
            .is_some_and(|t| owner.and_then(|o| o.team_id) == Some(t));
        if same_team {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "only its owner, their team or a supervisor may change this follow-up".into(),
            ))
        }
    }

    pub async fn reschedule(
        &self,
        actor: &Actor,
        id: FollowUpId,
        input: RescheduleInput,
    ) -> Result<FollowUp> {
        let f = self.to_change(actor, id, input.version).await?;
        let zone = self.owner_zone(f.owner_id).await?;
        let today = (self.clock)().to_zoned(zone.clone()).date();
        let due_on = rules::check_due("due_on", &input.due_on, today)?;
        let window =
            rules::check_window(input.window_start.as_deref(), input.window_end.as_deref())?;
        let reason = required_text("reason", &input.reason, 500)?;
        let g = rules::reschedule(&f, due_on, window, &reason)?;
        let detail = format!(
            "from {} to {}{} — {reason}",
            f.due_on,
            g.due_on,
            window_words(&g)
        );
        self.save(
            actor,
            &f,
            &g,
            "rescheduled",
            detail,
            &[self.due_job(&g, &zone)],
        )
        .await?;
        Ok(g)
    }

    pub async fn reassign(
        &self,
        actor: &Actor,
        id: FollowUpId,
        input: ReassignInput,
    ) -> Result<FollowUp> {
        let f = self.to_change(actor, id, input.version).await?;
        let to = self
            .store
            .staff(input.owner_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                DomainError::invalid("owner_id", "no active staff member with this id")
            })?;
        let g = rules::reassign(&f, to.id)?;
        let reason = optional_text("reason", input.reason.as_deref(), 500)?;
        let detail = match reason {
            Some(r) => format!("to {} — {r}", to.name),
            None => format!("to {}", to.name),
        };
        // Its due day in the new owner's zone.
        let zone = self.zone_named(to.time_zone.as_deref());
        self.save(
            actor,
            &f,
            &g,
            "reassigned",
            detail,
            &[self.due_job(&g, &zone)],
        )
        .await?;
        self.announce(&g, "follow_up_assigned");
        Ok(g)
    }

    pub async fn cancel(
        &self,
        actor: &Actor,
        id: FollowUpId,
        input: CancelInput,
    ) -> Result<FollowUp> {
        let f = self.to_change(actor, id, input.version).await?;
        let reason = required_text("reason", &input.reason, 500)?;
        let g = rules::cancel(&f, &reason)?;
        self.save(actor, &f, &g, "cancelled", reason, &[]).await?;
        Ok(g)
    }

    pub async fn miss(
        &self,
        actor: &Actor,
        id: FollowUpId,
        input: CancelInput,
    ) -> Result<FollowUp> {
        let f = self.to_change(actor, id, input.version).await?;
        let today = (self.clock)()
            .to_zoned(self.owner_zone(f.owner_id).await?)
            .date();
        let reason = required_text("reason", &input.reason, 500)?;
        let g = rules::miss(&f, &reason, today)?;
        self.save(actor, &f, &g, "missed", reason, &[]).await?;
        Ok(g)
    }

    /// "Call now": an outbound contact with the person, linked to the
    /// follow-up and its case. Whoever calls gets the credit.
    pub async fn start_call(&self, actor: &Actor, id: FollowUpId) -> Result<InteractionView> {
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        if !rules::is_open(f.state) {
            return Err(DomainError::Conflict(format!(
                "a follow-up that is {} needs no call",
                f.state
            )));
        }
        if let Some(i) = f.calling_interaction
            && let Some(v) = self.store.interaction_view(i).await?
            && v.interaction.state != crate::interactions::state::InteractionState::Ended
        {
            // A second click: the call already under way.
            return Ok(v);
        }
        let v = self
            .interactions
            .create(
                actor,
                NewInteraction {
                    channel: "follow_up_call".into(),
                    account_id: Some(f.account_id),
                    person_id: Some(f.person_id),
                    subject: Some(format!("Follow-up: {}", truncate(&f.purpose, 180))),
                    in_progress: Some(true),
                },
            )
            .await?;
        if let Some(c) = f.case_id {
            let a = change(actor, "link_interaction", "case", c.0)
                .account(Some(f.account_id))
                .summary("Follow-up call linked to the case")
                .build();
            self.store
                .link_case_interaction(c, v.interaction.id, &a)
                .await?;
        }
        let mut g = f.clone();
        g.calling_interaction = Some(v.interaction.id);
        g.version += 1;
        self.save(actor, &f, &g, "called", format!("by {}", actor.name), &[])
            .await?;
        Ok(v)
    }

    /// Record the outcome (the wrap-up of its call, or by hand).
    pub async fn complete(
        &self,
        actor: &Actor,
        id: FollowUpId,
        input: CompleteInput,
    ) -> Result<FollowUp> {
        let f = self.to_change(actor, id, input.version).await?;
        self.record_outcome(actor, f, &input.outcome, input.note.as_deref())
            .await
    }

    pub(crate) async fn record_outcome(
        &self,
        actor: &Actor,
        f: FollowUp,
        outcome: &str,
        note: Option<&str>,
    ) -> Result<FollowUp> {
        let by = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("an outcome is recorded by a person".into()))?;
        let outcome = FollowUpOutcome::parse("follow_up_outcome", outcome.trim())?;
        let note = optional_text("note", note, 2000)?;
        let g = rules::complete(&f, outcome, note.clone(), by, (self.clock)())?;
        let action = if outcome == FollowUpOutcome::NoAnswer {
            "attempted"
        } else {
            "done"
        };
        let mut detail = format!("{} by {}", outcome.words(), actor.name);
        if by != f.owner_id {
            detail.push_str(" (covering)");
        }
        if let Some(n) = note {
            detail.push_str(" — ");
            detail.push_str(&n);
        }
        self.save(actor, &f, &g, action, detail, &[]).await?;
        Ok(g)
    }

    /// Wrap up a contact; when it is a follow-up's call, its outcome is
    /// required and recorded on the follow-up (checked before anything).
    pub async fn wrap_up(
        &self,
        actor: &Actor,
        id: InteractionId,
        input: crate::interactions::WrapUpInput,
    ) -> Result<InteractionView> {
        let open = self
            .store
            .follow_up_by_call(id)
            .await?
            .filter(|f| rules::is_open(f.state));
        let Some(f) = open else {
            return self.interactions.wrap_up(actor, id, input).await;
        };
        let outcome = input
            .follow_up_outcome
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .ok_or_else(|| {
                DomainError::invalid(
                    "follow_up_outcome",
                    "choose one (this call keeps a promise)",
                )
            })?
            .to_string();
        FollowUpOutcome::parse("follow_up_outcome", &outcome)?;
        let note = input.notes.clone();
        let v = self.interactions.wrap_up(actor, id, input).await?;
        self.record_outcome(actor, f, &outcome, note.as_deref())
            .await?;
        Ok(v)
    }

    /// The follow-up a contact is the call of, if any.
    pub async fn by_call(&self, interaction: InteractionId) -> Result<Option<FollowUp>> {
        self.store.follow_up_by_call(interaction).await
    }

    /// The due job: scheduled → due when its day has started in the owner's
    /// zone; the owner is told live. Idempotent. When the day has not
    /// started yet where the owner is now (their zone changed, a node's
    /// clock ran ahead), answers when to look again.
    pub async fn fall_due(&self, id: FollowUpId) -> Result<Option<jiff::Timestamp>> {
        let Some(f) = self.store.follow_up(id).await? else {
            return Ok(None);
        };
        let zone = self.owner_zone(f.owner_id).await?;
        let today = (self.clock)().to_zoned(zone.clone()).date();
        if f.state == FollowUpState::Scheduled && f.due_on > today {
            return Ok(Some(self.due_job(&f, &zone).run_at));
        }
        let Some(g) = rules::fall_due(&f, today) else {
            return Ok(None);
        };
        let system = Actor::system();
        match self
            .save(
                &system,
                &f,
                &g,
                "due",
                format!("due today for its owner ({})", g.due_on),
                &[],
            )
            .await
        {
            Ok(()) => {}
            // Changed meanwhile (rescheduled, done): that change wins.
            Err(DomainError::Conflict(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        self.announce(&g, "follow_up_due");
        Ok(None)
    }
}
