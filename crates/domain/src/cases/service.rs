//! Case rules: one owner, status machine, confirmed resolution, handover,
//! escalation, SLA and waiting clocks.

use super::model::*;
use super::state::{CaseStatus, Priority};
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::customers::values::{optional_text, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::Store;
use jiff::Timestamp;
use std::sync::Arc;

#[derive(Clone)]
pub struct CaseService {
    pub(super) store: Arc<dyn Store>,
    notifier: crate::live::SharedNotifier,
    /// Opening times and the waiting clock read it (tests move it).
    clock: crate::time::Clock,
}

fn clock(done: Option<Timestamp>, due: Timestamp, now: Timestamp) -> ClockState {
    match done {
        Some(at) if at <= due => ClockState::Met,
        Some(_) => ClockState::Breached,
        None if now > due => ClockState::Breached,
        None => ClockState::Running,
    }
}

/// SLA clocks and waiting time of a case as of `now`.
pub fn sla_view(c: &Case, now: Timestamp) -> SlaView {
    let (respond, resolve) = c.priority.targets();
    let first_response_due = c.opened_at.checked_add(respond).unwrap_or(c.opened_at);
    let resolution_due = c.opened_at.checked_add(resolve).unwrap_or(c.opened_at);
    let end = c.resolved_at.unwrap_or(now);
    SlaView {
        first_response_due,
        first_response: clock(c.first_response_at, first_response_due, now),
        resolution_due,
        resolution: clock(c.resolved_at, resolution_due, now),
        customer_waiting_secs: (end - c.opened_at).get_seconds().max(0),
    }
}

/// The owner acts on a case; so do supervisors and admins.
fn may_act(actor: &Actor, c: &Case) -> Result<()> {
    if actor.id == Some(c.owner_id)
        || matches!(actor.role, StaffRole::Supervisor | StaffRole::Admin)
    {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only the case owner or a supervisor may change this case; ask the owner, or raise a consult".into()))
    }
}

fn version_check(c: &Case, sent: i64) -> Result<()> {
    crate::error::expect_version("case", c.version, sent)
}

impl CaseService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            notifier: Arc::new(crate::live::Silent),
            clock: crate::time::system_clock(),
        }
    }

    pub fn with_clock(mut self, clock: crate::time::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Publish case changes to the owners' screens.
    pub fn with_notifier(mut self, notifier: crate::live::SharedNotifier) -> Self {
        self.notifier = notifier;
        self
    }

    fn announce(&self, c: &Case, also: Option<StaffId>) {
        let data = serde_json::json!({"case_id": c.id, "status": c.status});
        for s in std::iter::once(c.owner_id).chain(also.filter(|a| *a != c.owner_id)) {
            self.notifier
                .publish(crate::live::LiveEvent::for_staff(s, "case", data.clone()));
        }
    }

    /// `open` under an idempotency key: the same key again answers the
    /// case it opened (false: not opened now).
    pub async fn open_once(
        &self,
        actor: &Actor,
        input: NewCase,
        key: Option<&str>,
    ) -> Result<(CaseView, bool)> {
        crate::workspace::keys::once(
            &*self.store,
            actor,
            key,
            "case",
            || async {
                let v = self.open(actor, input).await?;
                let id = v.case.id.to_string();
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

    pub async fn open(&self, actor: &Actor, input: NewCase) -> Result<CaseView> {
        authorize(actor.role, Action::EditCustomer)?;
        let owner = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a case is owned by a staff user".into()))?;
        self.store
            .account(input.account_id)
            .await?
            .ok_or_else(|| DomainError::invalid("account_id", "no account with this id"))?;
        if let Some(i) = input.interaction_id {
            self.store.interaction_view(i).await?.ok_or_else(|| {
                DomainError::invalid("interaction_id", "no interaction with this id")
            })?;
        }
        let c = Case {
            id: CaseId::new(),
            account_id: input.account_id,
            owner_id: owner,
            status: CaseStatus::New,
            priority: match input.priority.as_deref() {
                Some(p) => Priority::parse("priority", p.trim())?,
                None => Priority::Normal,
            },
            category: crate::workspace::PickLists::new(self.store.clone())
                .check(
                    crate::workspace::ListKind::CaseCategory,
                    "category",
                    &input.category,
                )
                .await?,
            title: required_text("title", &input.title, 200)?,
            description: optional_text("description", input.description.as_deref(), 4000)?,
            opened_at: (self.clock)(),
            first_response_at: None,
            resolved_at: None,
            confirmed_by_customer: false,
            resolution_note: None,
            escalated_to: None,
            escalation_note: None,
            handovers: 0,
            version: 1,
        };
        let ev = change(actor, "create", "case", c.id.0)
            .account(Some(c.account_id))
            .summary(format!("Opened case: {}", c.title))
            .after(&c)
            .build();
        self.store
            .insert_case(&c, input.interaction_id, &ev)
            .await?;
        if let Some(i) = input.interaction_id {
            crate::workspace::note_on_timeline(
                &*self.store,
                i,
                actor,
                "case_opened",
                c.title.clone(),
            )
            .await;
        }
        self.announce(&c, None);
        // Answer with what was just written: a new case is unresolved.
        let now = (self.clock)();
        Ok(CaseView {
            sla: sla_view(&c, now),
            interactions: input.interaction_id.into_iter().collect(),
            first_contact_resolution: super::fcr::FirstContactResolution::NotResolved,
            case: c,
        })
    }

    pub async fn view(&self, actor: &Actor, id: CaseId) -> Result<CaseView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let (case, interactions) = self
            .store
            .case(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("case".into()))?;
        let now = (self.clock)();
        let fcr = if case.resolved_at.is_some() {
            let later = self
                .store
                .account_contacts_since(case.account_id, case.opened_at)
                .await?;
            super::fcr::first_contact_resolution(&case, &interactions, &later, now)
        } else {
            super::fcr::FirstContactResolution::NotResolved
        };
        Ok(CaseView {
            sla: sla_view(&case, now),
            case,
            interactions,
            first_contact_resolution: fcr,
        })
    }

    async fn save(
        &self,
        actor: &Actor,
        before: &Case,
        after: Case,
        action: &str,
        summary: String,
        reason: Option<String>,
    ) -> Result<CaseView> {
        let ev = change(actor, action, "case", after.id.0)
            .account(Some(after.account_id))
            .summary(summary)
            .reason(reason)
            .before(before)
            .after(&after)
            .build();
        self.store.update_case(&after, &ev).await?;
        self.announce(&after, Some(before.owner_id));
        self.view(actor, after.id).await
    }

    async fn load(&self, actor: &Actor, id: CaseId) -> Result<Case> {
        authorize(actor.role, Action::EditCustomer)?;
        Ok(self
            .store
            .case(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("case".into()))?
            .0)
    }

    pub async fn change_status(
        &self,
        actor: &Actor,
        id: CaseId,
        input: CaseStatusChange,
    ) -> Result<CaseView> {
        let before = self.load(actor, id).await?;
        may_act(actor, &before)?;
        version_check(&before, input.version)?;
        let to = CaseStatus::parse("status", input.status.trim())?;
        if to == CaseStatus::Resolved {
            return Err(DomainError::invalid(
                "status",
                "resolve a case with its confirmation: POST /cases/{id}/resolve",
            ));
        }
        before.status.check(to)?;
        let mut after = before.clone();
        after.status = to;
        after.version += 1;
        if after.first_response_at.is_none() {
            after.first_response_at = Some((self.clock)());
        }
        if before.status == CaseStatus::Resolved && to == CaseStatus::Open {
            after.resolved_at = None;
            after.confirmed_by_customer = false;
        }
        let summary = format!(
            "Case {} → {}",
            before.status.as_str().replace('_', " "),
            to.as_str().replace('_', " ")
        );
        self.save(actor, &before, after, "update", summary, None)
            .await
    }

    /// Resolved only with the customer's confirmation, or the reason it
    /// could not be obtained.
    pub async fn resolve(
        &self,
        actor: &Actor,
        id: CaseId,
        input: ResolveInput,
    ) -> Result<CaseView> {
        let before = self.load(actor, id).await?;
        may_act(actor, &before)?;
        version_check(&before, input.version)?;
        before.status.check(CaseStatus::Resolved)?;
        let note = optional_text("note", input.note.as_deref(), 2000)?;
        // A confirmation is the customer's words, not a click.
        match (input.confirmed_by_customer, &note) {
            (true, None) => {
                return Err(DomainError::invalid(
                    "note",
                    "write what the customer said to confirm it",
                ));
            }
            (false, None) => {
                return Err(DomainError::invalid(
                    "note",
                    "without the customer's confirmation, say why it could not be obtained",
                ));
            }
            _ => {}
        }
        let now = (self.clock)();
        let mut after = before.clone();
        after.status = CaseStatus::Resolved;
        after.resolved_at = Some(now);
        after.first_response_at.get_or_insert(now);
        after.confirmed_by_customer = input.confirmed_by_customer;
        after.resolution_note = note.clone();
        after.version += 1;
        let summary = if input.confirmed_by_customer {
            "Resolved, confirmed by the customer".to_string()
        } else {
            "Resolved without the customer's confirmation".to_string()
        };
        self.save(actor, &before, after, "resolve", summary, note)
            .await
    }

    /// Hand the case to a new owner with a note; audited and counted.
    pub async fn handover(
        &self,
        actor: &Actor,
        id: CaseId,
        input: HandoverInput,
    ) -> Result<CaseView> {
        let before = self.load(actor, id).await?;
        may_act(actor, &before)?;
        version_check(&before, input.version)?;
        if !before.status.is_active() {
            return Err(DomainError::Conflict(
                "a resolved or closed case is not handed over".into(),
            ));
        }
        let to = self
            .store
            .staff(input.new_owner_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                DomainError::invalid("new_owner_id", "no active staff user with this id")
            })?;
        if to.id == before.owner_id {
            return Err(DomainError::invalid(
                "new_owner_id",
                "this staff user already owns the case",
            ));
        }
        let note = required_text("note", &input.note, 2000)?;
        let mut after = before.clone();
        after.owner_id = to.id;
        after.handovers += 1;
        after.version += 1;
        self.save(
            actor,
            &before,
            after,
            "handover",
            format!("Handed over to {}", to.name),
            Some(note),
        )
        .await
    }

    /// Bring a department in; the owner keeps the case.
    pub async fn escalate(
        &self,
        actor: &Actor,
        id: CaseId,
        input: EscalateInput,
    ) -> Result<CaseView> {
        let before = self.load(actor, id).await?;
        may_act(actor, &before)?;
        version_check(&before, input.version)?;
        let team = self
            .store
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id == input.team_id)
            .ok_or_else(|| DomainError::invalid("team_id", "no department with this id"))?;
        let mut after = before.clone();
        after.escalated_to = Some(team.id);
        after.escalation_note = Some(required_text("note", &input.note, 2000)?);
        after.version += 1;
        self.save(
            actor,
            &before,
            after,
            "escalate",
            format!("Escalated to {}", team.name),
            None,
        )
        .await
    }

    /// Link another contact to the case.
    pub async fn link_interaction(
        &self,
        actor: &Actor,
        id: CaseId,
        interaction: InteractionId,
    ) -> Result<CaseView> {
        let c = self.load(actor, id).await?;
        let v = self
            .store
            .interaction_view(interaction)
            .await?
            .ok_or_else(|| DomainError::invalid("interaction_id", "no interaction with this id"))?;
        if v.interaction.account_id.is_some_and(|a| a != c.account_id) {
            return Err(DomainError::invalid(
                "interaction_id",
                "this contact is about another account",
            ));
        }
        let ev = change(actor, "link", "case", c.id.0)
            .account(Some(c.account_id))
            .summary("Linked a contact")
            .build();
        self.store
            .link_case_interaction(id, interaction, &ev)
            .await?;
        self.announce(&c, None);
        self.view(actor, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn case(priority: Priority) -> Case {
        Case {
            id: CaseId::new(),
            account_id: AccountId::new(),
            owner_id: StaffId::new(),
            status: CaseStatus::New,
            priority,
            category: "billing".into(),
            title: "t".into(),
            description: None,
            opened_at: Timestamp::UNIX_EPOCH,
            first_response_at: None,
            resolved_at: None,
            confirmed_by_customer: false,
            resolution_note: None,
            escalated_to: None,
            escalation_note: None,
            handovers: 0,
            version: 1,
        }
    }

    #[test]
    fn clocks_run_then_breach_or_are_met() {
        let mut c = case(Priority::Urgent);
        let at = |h: i64| {
            Timestamp::UNIX_EPOCH
                .checked_add(SignedDuration::from_mins(h))
                .unwrap()
        };
        let v = sla_view(&c, at(30));
        assert_eq!(
            (v.first_response, v.resolution, v.customer_waiting_secs),
            (ClockState::Running, ClockState::Running, 1800)
        );
        assert_eq!(sla_view(&c, at(61)).first_response, ClockState::Breached);
        c.first_response_at = Some(at(20));
        c.resolved_at = Some(at(300));
        let v = sla_view(&c, at(10_000));
        assert_eq!(
            (v.first_response, v.resolution),
            (ClockState::Met, ClockState::Breached)
        );
        assert_eq!(
            v.customer_waiting_secs,
            300 * 60,
            "the waiting clock stops at resolution"
        );
    }

    #[test]
    fn only_owner_or_supervisor_changes_a_case() {
        let c = case(Priority::Normal);
        let owner = Actor {
            id: Some(c.owner_id),
            name: "o".into(),
            role: StaffRole::Agent,
        };
        let other = Actor {
            id: Some(StaffId::new()),
            name: "x".into(),
            role: StaffRole::Agent,
        };
        let sup = Actor {
            id: Some(StaffId::new()),
            name: "s".into(),
            role: StaffRole::Supervisor,
        };
        assert!(may_act(&owner, &c).is_ok() && may_act(&sup, &c).is_ok());
        assert!(matches!(
            may_act(&other, &c),
            Err(DomainError::Forbidden(_))
        ));
    }
}
