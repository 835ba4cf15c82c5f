//! Scheduling, listing and doing follow-ups.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, AuditEvent, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::interactions::InteractionService;
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
    pub(super) store: Arc<dyn Store>,
    notifier: SharedNotifier,
    pub(super) clock: Clock,
    /// The provider's zone: "today" for staff without their own.
    zone: TimeZone,
    /// The provider's calendar region ("US"); holidays of its subregions
    /// ("US-TX") apply to customers located there.
    pub(super) region: String,
    pub(super) interactions: InteractionService,
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

    /// The clock follow-ups go by (the state's, for other services).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub(super) fn zone_named(&self, name: Option<&str>) -> TimeZone {
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
    pub(super) fn due_job(&self, f: &FollowUp, owner_zone: &TimeZone) -> NewJob {
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

    pub(super) async fn owner_zone(&self, owner: StaffId) -> Result<TimeZone> {
        let u = self.store.staff(owner).await?;
        Ok(self.zone_named(u.and_then(|u| u.time_zone).as_deref()))
    }

    pub(super) fn event(
        &self,
        f: &FollowUp,
        actor: &Actor,
        action: &str,
        detail: String,
    ) -> FollowUpEvent {
        FollowUpEvent {
            id: FollowUpEventId::new(),
            follow_up_id: f.id,
            at: (self.clock)(),
            actor_id: actor.id,
            action: action.into(),
            detail,
        }
    }

    pub(super) fn audit(
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

    pub(super) fn announce(&self, f: &FollowUp, kind: &str) {
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

    pub(super) async fn load(&self, id: FollowUpId) -> Result<FollowUp> {
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
}

pub(super) fn window_words(f: &FollowUp) -> String {
    match (f.window_start, f.window_end) {
        (Some(a), Some(b)) => format!(
            ", between {} and {}",
            a.strftime("%H:%M"),
            b.strftime("%H:%M")
        ),
        _ => String::new(),
    }
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
