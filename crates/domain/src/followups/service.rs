//! Scheduling, listing and doing follow-ups.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, AuditEvent, change};
use crate::customers::values::{optional_text, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::interactions::{InteractionService, InteractionView, NewInteraction};
use crate::jobs::{NewJob, kinds};
use crate::live::{LiveEvent, SharedNotifier};
use crate::store::Store;
use crate::time::Clock;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::sync::Arc;

/// The longest list a page or API call gets.
pub const LIST_LIMIT: u32 = 200;

/// Which follow-ups to read, with their names.
#[derive(Clone, Debug, Default)]
pub struct FollowUpFilter {
    pub id: Option<FollowUpId>,
    pub owner: Option<StaffId>,
    /// Owned by members of this team.
    pub team: Option<TeamId>,
    pub account: Option<AccountId>,
    /// Scheduled or due only.
    pub open_only: bool,
    /// Due on or before this day.
    pub due_through: Option<Date>,
    pub limit: u32,
}

#[derive(Clone)]
pub struct FollowUpService {
    store: Arc<dyn Store>,
    notifier: SharedNotifier,
    clock: Clock,
    /// The provider's zone: "today" for staff without their own.
    zone: TimeZone,
    /// The provider's calendar region ("US"); holidays of its subregions
    /// ("US-TX") apply to customers located there.
    region: String,
    interactions: InteractionService,
}

impl FollowUpService {
    pub fn new(
        store: Arc<dyn Store>,
        notifier: SharedNotifier,
        clock: Clock,
        interactions: InteractionService,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            zone: TimeZone::UTC,
            region: "US".into(),
            interactions,
        }
    }

    pub fn with_calendar(mut self, zone: TimeZone, region: &str) -> Self {
        self.zone = zone;
        self.region = region.to_ascii_uppercase();
        self
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    fn zone_named(&self, name: Option<&str>) -> TimeZone {
        name.and_then(|z| TimeZone::get(z).ok())
            .unwrap_or_else(|| self.zone.clone())
    }

    /// Today in a staff member's zone.
    pub async fn today_for(&self, staff: StaffId) -> Result<Date> {
        let tz = self
            .store
            .staff(staff)
            .await?
            .and_then(|u| u.time_zone)
            .map(|z| self.zone_named(Some(&z)))
            .unwrap_or_else(|| self.zone.clone());
        Ok((self.clock)().to_zoned(tz).date())
    }

    /// The job that turns it due at the start of its day in the owner's zone.
    fn due_job(&self, f: &FollowUp, owner_zone: &TimeZone) -> NewJob {
        let start = f
            .due_on
            .to_zoned(owner_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| (self.clock)());
        NewJob::new(
            kinds::FOLLOW_UP_DUE,
            serde_json::json!({ "follow_up_id": f.id.to_string() }),
            start,
        )
    }

    async fn owner_zone(&self, owner: StaffId) -> Result<TimeZone> {
        let u = self.store.staff(owner).await?;
        Ok(self.zone_named(u.and_then(|u| u.time_zone).as_deref()))
    }

    fn event(&self, f: &FollowUp, actor: &Actor, action: &str, detail: String) -> FollowUpEvent {
        FollowUpEvent {
            id: FollowUpEventId::new(),
            follow_up_id: f.id,
            at: (self.clock)(),
            actor_id: actor.id,
            action: action.into(),
            detail,
        }
    }

    fn audit(
        &self,
        actor: &Actor,
        f: &FollowUp,
        action: &str,
        summary: String,
        before: Option<&FollowUp>,
    ) -> AuditEvent {
        let mut c = change(actor, action, "follow_up", f.id.0)
            .account(Some(f.account_id))
            .summary(summary)
            .after(f);
        if let Some(b) = before {
            c = c.before(b);
        }
        c.build()
    }

    fn announce(&self, f: &FollowUp, kind: &str) {
        self.notifier.publish(LiveEvent::for_staff(
            f.owner_id,
            kind,
            serde_json::json!({ "follow_up_id": f.id, "due_on": f.due_on.to_string(), "purpose": f.purpose }),
        ));
    }

    /// Schedule a follow-up (from a contact, a case or the account).
    pub async fn schedule(&self, actor: &Actor, input: NewFollowUp) -> Result<FollowUp> {
        authorize(actor.role, Action::EditCustomer)?;
        let by = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("follow-ups are scheduled by a person".into()))?;
        self.store
            .account(input.account_id)
            .await?
            .ok_or_else(|| DomainError::invalid("account_id", "no account with this id"))?;
        let on_account = self
            .store
            .person_accounts(input.person_id)
            .await?
            .iter()
            .any(|(role, a)| a.id == input.account_id && role.ended_on.is_none());
        if !on_account {
            return Err(DomainError::invalid(
                "person_id",
                "is not a current holder or representative of this account",
            ));
        }
        if let Some(cp) = input.contact_point_id {
            let c = self.store.contact_point(cp).await?;
            if c.is_none_or(|c| c.person_id != input.person_id) {
                return Err(DomainError::invalid(
                    "contact_point_id",
                    "is not one of this person's phones or e-mails",
                ));
            }
        }
        let owner_id = input.owner_id.unwrap_or(by);
        let owner = self
            .store
            .staff(owner_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                DomainError::invalid("owner_id", "no active staff member with this id")
            })?;
        if let Some(c) = input.case_id {
            let (case, _) = self
                .store
                .case(c)
                .await?
                .ok_or_else(|| DomainError::invalid("case_id", "no case with this id"))?;
            if case.account_id != input.account_id {
                return Err(DomainError::invalid(
                    "case_id",
                    "is a case of another account",
                ));
            }
        }
        if let Some(i) = input.interaction_id {
            let v =
                self.store.interaction_view(i).await?.ok_or_else(|| {
                    DomainError::invalid("interaction_id", "no contact with this id")
                })?;
            if v.interaction
                .account_id
                .is_some_and(|a| a != input.account_id)
            {
                return Err(DomainError::invalid(
                    "interaction_id",
                    "is a contact about another account",
                ));
            }
        }
        let zone = self.zone_named(owner.time_zone.as_deref());
        let today = (self.clock)().to_zoned(zone.clone()).date();
        let due_on = rules::check_due("due_on", &input.due_on, today)?;
        let (window_start, window_end) =
            rules::check_window(input.window_start.as_deref(), input.window_end.as_deref())?;
        let f = FollowUp {
            id: FollowUpId::new(),
            account_id: input.account_id,
            person_id: input.person_id,
            contact_point_id: input.contact_point_id,
            owner_id,
            case_id: input.case_id,
            created_from: input.interaction_id,
            purpose: required_text("purpose", &input.purpose, 500)?,
            due_on,
            window_start,
            window_end,
            state: FollowUpState::Scheduled,
            outcome: None,
            outcome_note: None,
            cancel_reason: None,
            reschedules: 0,
            calling_interaction: None,
            created_by: by,
            created_at: (self.clock)(),
            done_by: None,
            done_at: None,
            version: 1,
        };
        let ev = self.event(
            &f,
            actor,
            "scheduled",
            format!("for {due_on}{}", window_words(&f)),
        );
        let a = self.audit(
            actor,
            &f,
            "create",
            format!("Follow-up scheduled for {due_on}: {}", f.purpose),
            None,
        );
        let job = self.due_job(&f, &zone);
        self.store.insert_follow_up(&f, &ev, &[job], &a).await?;
        if owner_id != by {
            self.announce(&f, "follow_up_assigned");
        }
        Ok(f)
    }

    /// Schedule once per key: a retried request answers the first one's
    /// follow-up (and `false`).
    pub async fn schedule_once(
        &self,
        actor: &Actor,
        input: NewFollowUp,
        key: Option<&str>,
    ) -> Result<(FollowUp, bool)> {
        crate::workspace::keys::once(
            &*self.store,
            actor,
            key,
            "follow_up",
            || async {
                let f = self.schedule(actor, input).await?;
                let id = f.id.to_string();
                Ok((f, id))
            },
            |id| async move {
                let id: FollowUpId = id
                    .parse()
                    .map_err(|_| DomainError::Store("bad key result".into()))?;
                self.load(id).await
            },
        )
        .await
    }

    async fn load(&self, id: FollowUpId) -> Result<FollowUp> {
        self.store
            .follow_up(id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("follow-up {id}")))
    }

    /// Read with its names, its history and the decorations of a list.
    pub async fn get(
        &self,
        actor: &Actor,
        id: FollowUpId,
    ) -> Result<(FollowUpItem, Vec<FollowUpEvent>)> {
        authorize(actor.role, Action::ViewCustomer)?;
        let mut items = self
            .list(
                actor,
                FollowUpFilter {
                    id: Some(id),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await?;
        let item = items
            .pop()
            .ok_or_else(|| DomainError::NotFound(format!("follow-up {id}")))?;
        let history = self.store.follow_up_events(id).await?;
        Ok((item, history))
    }

    /// Read a list, marking holidays, overdue ones and who is covered for.
    pub async fn list(
        &self,
        actor: &Actor,
        mut filter: FollowUpFilter,
    ) -> Result<Vec<FollowUpItem>> {
        authorize(actor.role, Action::ViewCustomer)?;
        filter.limit = filter.limit.clamp(1, LIST_LIMIT);
        let mut items = self.store.follow_up_items(&filter).await?;
        if items.is_empty() {
            return Ok(items);
        }
        let (lo, hi) = items.iter().fold((Date::MAX, Date::MIN), |(lo, hi), i| {
            (lo.min(i.follow_up.due_on), hi.max(i.follow_up.due_on))
        });
        let holidays = self.store.holidays(&self.region, lo, hi).await?;
        for item in &mut items {
            let zone = self.zone_named(item.owner_time_zone.as_deref());
            let today = (self.clock)().to_zoned(zone).date();
            let f = &item.follow_up;
            item.overdue = rules::overdue(f, today);
            let local = item
                .customer_region
                .as_deref()
                .map(|r| format!("{}-{}", self.region, r.to_ascii_uppercase()));
            item.holiday = holidays
                .iter()
                .find(|h| {
                    h.on == f.due_on
                        && (h.region == self.region || Some(&h.region) == local.as_ref())
                })
                .map(|h| h.name.clone());
            if actor.id != Some(f.owner_id)
                && rules::covering(f, item.owner_presence.as_deref(), today)
            {
                item.covering_for = Some(item.owner_name.clone());
            }
        }
        Ok(items)
    }

    /// My open follow-ups: overdue and due first, then by day.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<FollowUpItem>> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a person's list".into()))?;
        self.list(
            actor,
            FollowUpFilter {
                owner: Some(me),
                open_only: true,
                limit: LIST_LIMIT,
                ..Default::default()
            },
        )
        .await
    }

    /// My team's follow-ups due today or earlier that someone must cover
    /// (their owner is away or offline), or all of them for a supervisor.
    pub async fn team(&self, actor: &Actor) -> Result<Vec<FollowUpItem>> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a person's list".into()))?;
        let Some(team) = self.store.staff(me).await?.and_then(|u| u.team_id) else {
            return Ok(Vec::new());
        };
        let today = self.today_for(me).await?;
        let all = self
            .list(
                actor,
                FollowUpFilter {
                    team: Some(team),
                    open_only: true,
                    due_through: Some(today),
                    limit: LIST_LIMIT,
                    ..Default::default()
                },
            )
            .await?;
        let supervisor = crate::access::allowed(actor.role, Action::WatchQueues);
        Ok(all
            .into_iter()
            .filter(|i| i.follow_up.owner_id != me && (supervisor || i.covering_for.is_some()))
            .collect())
    }

    pub async fn for_account(
        &self,
        actor: &Actor,
        account: AccountId,
    ) -> Result<Vec<FollowUpItem>> {
        self.list(
            actor,
            FollowUpFilter {
                account: Some(account),
                limit: LIST_LIMIT,
                ..Default::default()
            },
        )
        .await
    }

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

    fn check_version(f: &FollowUp, version: i64) -> Result<()> {
        crate::error::expect_version("follow-up", f.version, version)
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
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        Self::check_version(&f, input.version)?;
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
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        Self::check_version(&f, input.version)?;
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
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        Self::check_version(&f, input.version)?;
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
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        Self::check_version(&f, input.version)?;
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
        let f = self.load(id).await?;
        self.may_change(actor, &f).await?;
        Self::check_version(&f, input.version)?;
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

    pub async fn holidays(&self, actor: &Actor, from: Date, to: Date) -> Result<Vec<Holiday>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.holidays(&self.region, from, to).await
    }

    /// The first working day on or after `d` in the provider's calendar.
    pub async fn next_working_day(&self, d: Date) -> Result<Date> {
        let until = d.saturating_add(jiff::Span::new().days(31));
        let hs = self.store.holidays(&self.region, d, until).await?;
        let days: Vec<Date> = hs
            .iter()
            .filter(|h| h.region == self.region)
            .map(|h| h.on)
            .collect();
        Ok(rules::next_working_day(d, &days))
    }

    pub async fn put_holiday(&self, actor: &Actor, input: HolidayInput) -> Result<Holiday> {
        authorize(actor.role, Action::RunOperations)?;
        let region = input.region.trim().to_ascii_uppercase();
        let ok = region.len() <= 10
            && !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(DomainError::invalid(
                "region",
                "must be a country or region code like US or US-TX",
            ));
        }
        let h = Holiday {
            region,
            on: crate::customers::values::parse_date("on", &input.on)?,
            name: required_text("name", &input.name, 120)?,
        };
        let a = change(actor, "put", "holiday", uuid::Uuid::nil())
            .summary(format!("Holiday {} on {} ({})", h.name, h.on, h.region))
            .after(&h)
            .build();
        self.store.put_holiday(&h, &a).await?;
        Ok(h)
    }

    pub async fn delete_holiday(&self, actor: &Actor, region: &str, on: &str) -> Result<()> {
        authorize(actor.role, Action::RunOperations)?;
        let on = crate::customers::values::parse_date("on", on)?;
        let region = region.trim().to_ascii_uppercase();
        let a = change(actor, "delete", "holiday", uuid::Uuid::nil())
            .summary(format!("Holiday on {on} ({region}) removed"))
            .build();
        if self.store.delete_holiday(&region, on, &a).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(format!(
                "holiday on {on} in {region}"
            )))
        }
    }
}

fn window_words(f: &FollowUp) -> String {
    match (f.window_start, f.window_end) {
        (Some(a), Some(b)) => format!(
            ", between {} and {}",
            a.strftime("%H:%M"),
            b.strftime("%H:%M")
        ),
        _ => String::new(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
