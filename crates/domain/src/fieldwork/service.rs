//! Creating, scheduling and working work orders; the completion report;
//! cancelling guarded by what the report says.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::admin::StaffRole;
use crate::audit::{Actor, change};
use crate::customers::model::{Subscription, SubscriptionEvent, SubscriptionStatus};
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::resources::ResourceWrites;
use crate::store::{Store, SubscriptionWrite};
use crate::time::Clock;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// An account's work orders on its page.
pub const ACCOUNT_WORK_ORDERS: u32 = 50;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewWorkOrder {
    /// install, repair, disconnect, reconnect, equipment_pickup
    pub kind: String,
    pub location_id: LocationId,
    /// Installs: the service products to install (each becomes a pending
    /// subscription, active once the report says installed).
    #[serde(default)]
    pub product_ids: Vec<ProductId>,
    /// Other kinds: the account's subscriptions it concerns.
    #[serde(default)]
    pub subscription_ids: Vec<SubscriptionId>,
    #[serde(default)]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub access_notes: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ScheduleInput {
    pub version: i64,
    /// YYYY-MM-DD
    pub day: String,
    /// HH:MM, the arrival window promised to the customer.
    pub window_start: String,
    pub window_end: String,
    pub technician_ids: Vec<StaffId>,
    /// Expected minutes of the visit (the kind's when left out).
    #[serde(default)]
    pub minutes: Option<i64>,
}

/// dispatched, on_site or cancelled (with a reason; a supervisor's
/// override when the report says products are installed).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct WorkOrderStep {
    pub to: String,
    pub version: i64,
    #[serde(default)]
    pub reason: Option<String>,
    /// A supervisor cancelling what a completion report says is installed.
    #[serde(default)]
    pub override_report: bool,
    /// Cancelling is done only once confirmed: without it the answer (422
    /// on `confirm`) says what it would do.
    #[serde(default)]
    pub confirm: bool,
    /// Cancel only this service (one not installed yet), not the work
    /// order: after a partial visit, the product left out alone.
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
}

/// A work order with what its page needs.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct WorkOrderView {
    pub work_order: WorkOrder,
    pub report: Option<CompletionReport>,
    /// (subscription, product name, status)
    pub services: Vec<ServiceLine>,
    pub technician_names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ServiceLine {
    pub subscription_id: SubscriptionId,
    pub product_name: String,
    pub status: SubscriptionStatus,
}

#[derive(Clone)]
pub struct FieldService {
    pub(super) store: Arc<dyn Store>,
    clock: Clock,
    notifier: crate::live::SharedNotifier,
    /// How long services put in pending cancellation can come back.
    pub(super) grace: jiff::SignedDuration,
    /// How long a cancelled service's numbers stay with its account.
    pub(super) aging: crate::resources::rules::AgingPolicy,
}

/// One technician's day on the dispatch board.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct BoardRow {
    pub technician_id: StaffId,
    pub name: String,
    /// Their visits that day, by arrival window.
    pub jobs: Vec<WorkOrder>,
    /// Free windows of the working day, "HH:MM".
    pub free: Vec<(String, String)>,
}

/// Technicians × one day, and what waits for a technician.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Board {
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    pub rows: Vec<BoardRow>,
    /// Requested, not yet scheduled, oldest first (at most 200).
    pub unassigned: Vec<WorkOrder>,
}

fn parse_time(field: &str, v: &str) -> Result<Time> {
    v.trim()
        .parse::<Time>()
        .map_err(|_| DomainError::invalid(field, "a time like 08:00"))
}

impl FieldService {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            notifier: Arc::new(crate::live::Silent),
            grace: jiff::SignedDuration::from_hours(24 * 30),
            aging: Default::default(),
        }
    }

    /// Number aging (settings `number_aging_residential_days`,
    /// `number_aging_business_days`).
    pub fn with_aging(mut self, aging: crate::resources::rules::AgingPolicy) -> Self {
        self.aging = aging;
        self
    }

    /// The grace period in days (setting `cancellation_grace_days`).
    pub fn with_grace_days(mut self, days: i64) -> Self {
        self.grace = jiff::SignedDuration::from_hours(24 * days.clamp(1, 365));
        self
    }

    pub fn with_notifier(mut self, n: crate::live::SharedNotifier) -> Self {
        self.notifier = n;
        self
    }

    pub(super) fn announce(&self, w: &WorkOrder) {
        self.notifier.publish(crate::live::LiveEvent::everyone(
            "work_order",
            serde_json::json!({"work_order_id": w.id, "account_id": w.account_id, "state": w.state, "day": w.day}),
        ));
    }

    /// The dispatch board: every active technician's visits and free
    /// windows on `day`, and the work orders waiting to be scheduled.
    pub async fn board(&self, actor: &Actor, day: Date) -> Result<Board> {
        authorize(actor.role, Action::EditCustomer)?;
        let techs: Vec<_> = self
            .store
            .list_staff()
            .await?
            .into_iter()
            .filter(|u| u.active && u.role == StaffRole::Technician)
            .collect();
        let ids: Vec<StaffId> = techs.iter().map(|t| t.id).collect();
        let jobs = self.store.technicians_day(&ids, day).await?;
        let working_day = !matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        );
        let mut rows: Vec<BoardRow> = techs
            .into_iter()
            .map(|t| {
                let mut mine: Vec<WorkOrder> = jobs
                    .iter()
                    .filter(|w| w.technicians.contains(&t.id))
                    .cloned()
                    .collect();
                mine.sort_by_key(|w| w.window_start);
                let busy = mine
                    .iter()
                    .filter_map(|w| Some(rules::busy(w.window_start?, w.window_end?, w.minutes)))
                    .collect();
                BoardRow {
                    technician_id: t.id,
                    name: t.name,
                    // Nobody is free on a day off.
                    free: if working_day {
                        rules::free_windows(busy, 30)
                    } else {
                        Vec::new()
                    }
                    .into_iter()
                    .map(|(a, b)| (rules::hm(a), rules::hm(b)))
                    .collect(),
                    jobs: mine,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Board {
            day,
            rows,
            unassigned: self.store.unassigned_work_orders(200).await?,
        })
    }

    /// A technician's visits on `day`, by arrival window.
    pub async fn my_day(&self, actor: &Actor, day: Date) -> Result<Vec<WorkOrderView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a staff user's own day".into()))?;
        let mut jobs = self.store.technicians_day(&[me], day).await?;
        jobs.sort_by_key(|w| w.window_start);
        let mut out = Vec::new();
        for w in jobs {
            // With its services (a technician's few visits of the day).
            let full = self.load(w.id).await?;
            out.push(self.view(full).await?);
        }
        Ok(out)
    }

    pub(super) fn now(&self) -> jiff::Timestamp {
        (self.clock)()
    }

    pub(super) fn event(
        &self,
        actor: &Actor,
        s: SubscriptionId,
        kind: &str,
        words: String,
    ) -> SubscriptionEvent {
        SubscriptionEvent {
            id: SubscriptionEventId::new(),
            subscription_id: s,
            at: self.now(),
            kind: kind.into(),
            description: words,
            actor_name: actor.name.clone(),
        }
    }

    /// Those of `ids` whose status is `from`, moved to `to` (their
    /// version one up, for the write's check).
    pub(super) async fn moved(
        &self,
        ids: &[SubscriptionId],
        from: SubscriptionStatus,
        to: SubscriptionStatus,
    ) -> Result<Vec<Subscription>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(mut sub) = self.store.subscription(*id).await?
                && sub.status == from
            {
                sub.status = to;
                sub.version += 1;
                out.push(sub);
            }
        }
        Ok(out)
    }

    /// Their writes, each with its line in the subscription's history.
    pub(super) fn writes<'a>(
        &self,
        actor: &Actor,
        subs: &'a [Subscription],
        kind: &str,
        words: &str,
    ) -> Vec<SubscriptionWrite<'a>> {
        subs.iter()
            .map(|sub| SubscriptionWrite {
                sub,
                insert: false,
                event: self.event(actor, sub.id, kind, words.to_string()),
            })
            .collect()
    }

    /// Write a changed work order with what goes with it, tell open pages,
    /// and answer its view.
    pub(super) async fn commit(
        &self,
        after: WorkOrder,
        subs: &[SubscriptionWrite<'_>],
        report: Option<&CompletionReport>,
        res: &ResourceWrites,
        jobs: &[crate::jobs::NewJob],
        ev: &crate::audit::AuditEvent,
    ) -> Result<WorkOrderView> {
        self.store
            .write_work_order(&after, false, subs, report, res, jobs, ev)
            .await?;
        self.announce(&after);
        self.view(after).await
    }

    pub(super) async fn load(&self, id: WorkOrderId) -> Result<WorkOrder> {
        self.store
            .work_order(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("work order".into()))
    }

    /// A work order with its report, its services and technicians by name.
    pub async fn get(&self, actor: &Actor, id: WorkOrderId) -> Result<WorkOrderView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let w = self.load(id).await?;
        self.view(w).await
    }

    pub(super) async fn view(&self, w: WorkOrder) -> Result<WorkOrderView> {
        let report = self.store.completion_report(w.id).await?;
        let mut services = Vec::new();
        for s in &w.subscriptions {
            if let Some(sub) = self.store.subscription(*s).await? {
                let name = self
                    .store
                    .product(sub.product_id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default();
                services.push(ServiceLine {
                    subscription_id: sub.id,
                    product_name: name,
                    status: sub.status,
                });
            }
        }
        let mut technician_names = Vec::new();
        for t in &w.technicians {
            if let Some(u) = self.store.staff(*t).await? {
                technician_names.push(u.name);
            }
        }
        Ok(WorkOrderView {
            work_order: w,
            report,
            services,
            technician_names,
        })
    }

    pub async fn for_account(&self, actor: &Actor, account: AccountId) -> Result<Vec<WorkOrder>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .account_work_orders(account, ACCOUNT_WORK_ORDERS)
            .await
    }

    /// A new work order (requested). An install makes each product a
    /// pending subscription at the location, in the same transaction.
    pub async fn create(
        &self,
        actor: &Actor,
        account: AccountId,
        input: NewWorkOrder,
    ) -> Result<WorkOrderView> {
        let (w, new_subs) = self.draft(actor, account, input, None).await?;
        let writes = self.ordered(actor, &new_subs);
        let ev = self.created_event(actor, &w, &new_subs);
        self.store
            .write_work_order(
                &w,
                true,
                &writes,
                None,
                &ResourceWrites::default(),
                &[],
                &ev,
            )
            .await?;
        self.announce(&w);
        self.view(w).await
    }

    /// The pending services' writes with their first history line.
    pub(super) fn ordered<'a>(
        &self,
        actor: &Actor,
        new_subs: &'a [(Subscription, String)],
    ) -> Vec<SubscriptionWrite<'a>> {
        new_subs
            .iter()
            .map(|(s, name)| SubscriptionWrite {
                sub: s,
                insert: true,
                event: self.event(
                    actor,
                    s.id,
                    "ordered",
                    format!("{name} ordered: pending its install"),
                ),
            })
            .collect()
    }

    pub(super) fn created_event(
        &self,
        actor: &Actor,
        w: &WorkOrder,
        new_subs: &[(Subscription, String)],
    ) -> crate::audit::AuditEvent {
        let names: Vec<&str> = new_subs.iter().map(|(_, n)| n.as_str()).collect();
        change(actor, "create", "work_order", w.id.0)
            .account(Some(w.account_id))
            .summary(format!(
                "Work order: {}{}",
                w.kind.as_str().replace('_', " "),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" of {}", names.join(", "))
                }
            ))
            .after(w)
            .build()
    }

    /// A work order checked and built, not written: with the pending
    /// services an install makes (and their product names).
    pub(crate) async fn draft(
        &self,
        actor: &Actor,
        account: AccountId,
        input: NewWorkOrder,
        order: Option<OrderId>,
    ) -> Result<(WorkOrder, Vec<(Subscription, String)>)> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("work orders are made by staff".into()))?;
        let acc = self
            .store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        let kind = WorkOrderKind::parse("kind", input.kind.trim())?;
        let loc = self
            .store
            .location(input.location_id)
            .await?
            .filter(|l| l.account_id == account)
            .ok_or_else(|| {
                DomainError::invalid("location_id", "not a service location of this account")
            })?;
        if let Some(c) = input.case_id {
            self.store
                .case(c)
                .await?
                .filter(|(c, _)| c.account_id == account)
                .ok_or_else(|| DomainError::invalid("case_id", "not a case of this account"))?;
        }
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut new_subs = Vec::new();
        let mut subs = Vec::new();
        if kind == WorkOrderKind::Install {
            if input.product_ids.is_empty() {
                return Err(DomainError::invalid(
                    "product_ids",
                    "choose what to install",
                ));
            }
            if input.product_ids.len() > 20 {
                return Err(DomainError::invalid(
                    "product_ids",
                    "at most 20 services a visit",
                ));
            }
            for (i, p) in input.product_ids.iter().enumerate() {
                let field = format!("product_ids[{i}]");
                if input.product_ids[..i].contains(p) {
                    return Err(DomainError::invalid(&field, "named twice"));
                }
                let product = self
                    .store
                    .product(*p)
                    .await?
                    .ok_or_else(|| DomainError::invalid(&field, "no product with this id"))?;
                if product.kind.is_goods() {
                    return Err(DomainError::invalid(
                        &field,
                        format!(
                            "{} is {}: order it; a technician installs services",
                            product.name, product.kind
                        ),
                    ));
                }
                let s = Subscription {
                    id: SubscriptionId::new(),
                    account_id: account,
                    location_id: input.location_id,
                    product_id: product.id,
                    status: SubscriptionStatus::PendingInstall,
                    start_date: today,
                    version: 1,
                };
                subs.push(s.id);
                new_subs.push((s, product.name));
            }
        } else {
            if input.subscription_ids.is_empty() {
                return Err(DomainError::invalid(
                    "subscription_ids",
                    "choose the services it is about",
                ));
            }
            if input.subscription_ids.len() > 50 {
                return Err(DomainError::invalid(
                    "subscription_ids",
                    "at most 50 services a visit",
                ));
            }
            for (i, s) in input.subscription_ids.iter().enumerate() {
                if input.subscription_ids[..i].contains(s) {
                    return Err(DomainError::invalid(
                        format!("subscription_ids[{i}]"),
                        "named twice",
                    ));
                }
                self.store
                    .subscription(*s)
                    .await?
                    .filter(|x| x.account_id == account)
                    .ok_or_else(|| {
                        DomainError::invalid(
                            format!("subscription_ids[{i}]"),
                            "not a service of this account",
                        )
                    })?;
                subs.push(*s);
            }
        }
        let w = WorkOrder {
            id: WorkOrderId::new(),
            account_id: account,
            location_id: input.location_id,
            kind,
            order_id: order,
            case_id: input.case_id,
            subscriptions: subs,
            day: None,
            window_start: None,
            window_end: None,
            minutes: rules::expected_minutes(kind),
            technicians: Vec::new(),
            access_notes: optional_text("access_notes", input.access_notes.as_deref(), 500)?,
            state: WorkOrderState::Requested,
            not_completed_reason: None,
            cancel_reason: None,
            grace_until: None,
            created_by: me,
            created_at: self.now(),
            version: 1,
            account_number: acc.number,
            account_name: acc.name,
            address: loc.one_line(),
        };
        Ok((w, new_subs))
    }

    /// Give it a day, an arrival window and technicians. Refused with the
    /// reason: someone not a technician, a technician already booked then.
    pub async fn schedule(
        &self,
        actor: &Actor,
        id: WorkOrderId,
        input: ScheduleInput,
    ) -> Result<WorkOrderView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self.load(id).await?;
        let day: Date = crate::customers::values::parse_date("day", &input.day)?;
        let (start, end) = (
            parse_time("window_start", &input.window_start)?,
            parse_time("window_end", &input.window_end)?,
        );
        if before.state == WorkOrderState::Scheduled
            && input.version == before.version - 1
            && before.day == Some(day)
            && before.window_start == Some(start)
            && before.window_end == Some(end)
            && before.technicians == input.technician_ids
        {
            // The same schedule twice (a double click): the first stands.
            return self.view(before).await;
        }
        crate::error::expect_version("work order", before.version, input.version)?;
        rules::check(before.state, WorkOrderState::Scheduled)?;
        if end <= start {
            return Err(DomainError::invalid(
                "window_end",
                "must be after the window's start",
            ));
        }
        let minutes = match input.minutes {
            Some(m) if (10..=600).contains(&m) => m,
            Some(_) => return Err(DomainError::invalid("minutes", "between 10 and 600")),
            None => rules::expected_minutes(before.kind),
        };
        if input.technician_ids.is_empty() {
            return Err(DomainError::invalid(
                "technician_ids",
                "choose a technician",
            ));
        }
        for (i, t) in input.technician_ids.iter().enumerate() {
            if input.technician_ids[..i].contains(t) {
                return Err(DomainError::invalid(
                    format!("technician_ids[{i}]"),
                    "named twice",
                ));
            }
        }
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        if day < today.yesterday().unwrap_or(today) {
            return Err(DomainError::invalid("day", "is in the past"));
        }
        let mut names = Vec::new();
        for (i, t) in input.technician_ids.iter().enumerate() {
            let u = self
                .store
                .staff(*t)
                .await?
                .filter(|u| u.active && u.role == StaffRole::Technician)
                .ok_or_else(|| {
                    DomainError::invalid(format!("technician_ids[{i}]"), "not an active technician")
                })?;
            names.push(u.name);
        }
        let mine = rules::busy(start, end, minutes);
        rules::within_hours(day, mine)?;
        for other in self
            .store
            .technicians_day(&input.technician_ids, day)
            .await?
        {
            if other.id == id {
                continue;
            }
            let (Some(s), Some(e)) = (other.window_start, other.window_end) else {
                continue;
            };
            if rules::overlaps(mine, rules::busy(s, e, other.minutes)) {
                let who = input
                    .technician_ids
                    .iter()
                    .position(|t| other.technicians.contains(t))
                    .and_then(|i| names.get(i).cloned())
                    .unwrap_or_default();
                return Err(DomainError::Conflict(format!(
                    "{who} is already booked {}–{} on {day} ({} at another address): choose another window or technician",
                    s.strftime("%H:%M"),
                    e.strftime("%H:%M"),
                    other.kind.as_str().replace('_', " ")
                )));
            }
        }
        let mut after = before.clone();
        after.state = WorkOrderState::Scheduled;
        after.day = Some(day);
        after.window_start = Some(start);
        after.window_end = Some(end);
        after.minutes = minutes;
        after.technicians = input.technician_ids.clone();
        after.version += 1;
        let ev = change(actor, "schedule", "work_order", id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "Work order scheduled {day} {}–{} with {}",
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                names.join(", ")
            ))
            .before(&before)
            .after(&after)
            .build();
        self.commit(after, &[], None, &ResourceWrites::default(), &[], &ev)
            .await
    }
}
