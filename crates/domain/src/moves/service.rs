//! Planning, completing and cancelling moves.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::CustomerService;
use crate::customers::model::{ProductKind, ServiceLocation, Subscription, SubscriptionStatus};
use crate::customers::values::{optional_text, parse_date, required_text};
use crate::error::{DomainError, Result};
use crate::fieldwork::{FieldService, NewWorkOrder, WorkOrder, WorkOrderKind};
use crate::ids::*;
use crate::store::Store;
use crate::time::Clock;
use std::sync::Arc;

#[derive(Clone)]
pub struct MoveService {
    pub(super) store: Arc<dyn Store>,
    pub(super) field: FieldService,
    customers: CustomerService,
    clock: Clock,
    notifier: crate::live::SharedNotifier,
}

fn metered(kind: ProductKind) -> bool {
    matches!(kind, ProductKind::Water | ProductKind::Energy)
}

fn wired(kind: ProductKind) -> bool {
    matches!(
        kind,
        ProductKind::Internet | ProductKind::Tv | ProductKind::Phone
    )
}

/// "18342.5 kWh on 1 Nov 2026"
fn reading_words(r: &MeterReading) -> String {
    format!(
        "{} {} on {}",
        r.value,
        r.unit,
        r.read_on.strftime("%-d %b %Y")
    )
}

impl MoveService {
    pub fn new(
        store: Arc<dyn Store>,
        field: FieldService,
        customers: CustomerService,
        clock: Clock,
        notifier: crate::live::SharedNotifier,
    ) -> Self {
        Self {
            store,
            field,
            customers,
            clock,
            notifier,
        }
    }

    /// The field service with the provider's settings.
    pub fn with_field(mut self, field: FieldService) -> Self {
        self.field = field;
        self
    }

    pub(super) fn now(&self) -> jiff::Timestamp {
        (self.clock)()
    }

    pub(super) fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    pub(super) async fn load(&self, id: MoveId) -> Result<Move> {
        self.store
            .move_by_id(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("move".into()))
    }

    pub async fn get(&self, actor: &Actor, id: MoveId) -> Result<MoveView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let m = self.load(id).await?;
        self.view(m).await
    }

    /// Newest first, at most `limit` (each reads its two visits).
    pub async fn for_account(
        &self,
        actor: &Actor,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<MoveView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let mut out = Vec::new();
        for m in self
            .store
            .account_moves(account, limit.clamp(1, 20))
            .await?
        {
            out.push(self.view(m).await?);
        }
        Ok(out)
    }

    pub(super) async fn visit(&self, id: Option<WorkOrderId>) -> Result<Option<WorkOrder>> {
        match id {
            Some(id) => self.store.work_order(id).await,
            None => Ok(None),
        }
    }

    pub(super) async fn view(&self, m: Move) -> Result<MoveView> {
        let disconnect = self.visit(m.disconnect_work_order_id).await?;
        let connect = self.visit(m.connect_work_order_id).await?;
        let day = |d: jiff::civil::Date| d.strftime("%a %-d %b %Y").to_string();
        let status = match m.state {
            MoveState::Planned => {
                let mut s = format!(
                    "Moving from {} to {} on {}",
                    m.from_address,
                    m.to_address,
                    day(m.move_date)
                );
                if m.start_date != m.move_date {
                    s.push_str(&format!(" (service starts {})", day(m.start_date)));
                }
                if let Some(c) = &connect {
                    s.push_str(&format!(
                        "; connect visit {}",
                        match (c.day, c.window_start, c.window_end) {
                            (Some(d), Some(a), Some(b)) => format!(
                                "{} {} {}–{}",
                                c.state.as_str().replace('_', " "),
                                day(d),
                                a.strftime("%H:%M"),
                                b.strftime("%H:%M")
                            ),
                            _ => c.state.as_str().replace('_', " "),
                        }
                    ));
                }
                s
            }
            MoveState::Completed => format!("Moved to {} on {}", m.to_address, day(m.move_date)),
            MoveState::Cancelled => format!(
                "Move to {} cancelled: {}",
                m.to_address,
                m.cancel_reason.clone().unwrap_or_default()
            ),
        };
        Ok(MoveView {
            disconnect_state: disconnect.map(|w| w.state.as_str().to_string()),
            connect_state: connect.map(|w| w.state.as_str().to_string()),
            status,
            r#move: m,
        })
    }

    /// Plan a move: checked, with its final reading and the visits it
    /// needs written in one transaction.
    pub async fn create(
        &self,
        actor: &Actor,
        account: AccountId,
        input: NewMove,
    ) -> Result<MoveView> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("moves are planned by staff".into()))?;
        let acc = self
            .store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        if acc.status == crate::customers::model::AccountStatus::Closed {
            return Err(DomainError::Conflict(format!(
                "account {} is closed",
                acc.number
            )));
        }
        let from = self
            .store
            .location(input.from_location_id)
            .await?
            .filter(|l| l.account_id == account)
            .ok_or_else(|| {
                DomainError::invalid("from_location_id", "not a service location of this account")
            })?;
        let (to, new_location): (ServiceLocation, Option<ServiceLocation>) =
            match (input.to_location_id, input.to_address.clone()) {
                (Some(id), _) => {
                    let l = self
                        .store
                        .location(id)
                        .await?
                        .filter(|l| l.account_id == account)
                        .ok_or_else(|| {
                            DomainError::invalid(
                                "to_location_id",
                                "not a service location of this account",
                            )
                        })?;
                    (l, None)
                }
                (None, Some(a)) => {
                    let l = self
                        .customers
                        .location_from(account, a)
                        .map_err(|e| e.within("to_address"))?;
                    (l.clone(), Some(l))
                }
                (None, None) => {
                    return Err(DomainError::invalid(
                        "to_location_id",
                        "choose the new address or give it",
                    ));
                }
            };
        if to.id == from.id {
            return Err(DomainError::invalid(
                "to_location_id",
                "is the address they move from",
            ));
        }
        let today = self.today();
        let move_date = parse_date("move_date", &input.move_date)?;
        if move_date < today {
            return Err(DomainError::invalid("move_date", "is before today"));
        }
        let start_date = match input
            .start_date
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => parse_date("start_date", s)?,
            None => move_date,
        };
        if start_date < today {
            return Err(DomainError::invalid("start_date", "is before today"));
        }
        if input.subscription_ids.is_empty() {
            return Err(DomainError::invalid(
                "subscription_ids",
                "choose the services that move",
            ));
        }
        let mut moving: Vec<(Subscription, String, ProductKind)> = Vec::new();
        for (i, s) in input.subscription_ids.iter().enumerate() {
            let field = format!("subscription_ids[{i}]");
            let sub = self
                .store
                .subscription(*s)
                .await?
                .filter(|x| x.account_id == account)
                .ok_or_else(|| DomainError::invalid(&field, "not a service of this account"))?;
            let p = self
                .store
                .product(sub.product_id)
                .await?
                .ok_or_else(|| DomainError::invalid(&field, "no such product"))?;
            if moving.iter().any(|(x, _, _)| x.id == sub.id) {
                return Err(DomainError::invalid(&field, "named twice"));
            }
            if sub.location_id != from.id {
                return Err(DomainError::invalid(
                    &field,
                    format!("{} is not at {}", p.name, from.one_line()),
                ));
            }
            if sub.status != SubscriptionStatus::Active {
                return Err(DomainError::invalid(
                    &field,
                    format!(
                        "{} is {}: only active services move",
                        p.name,
                        sub.status.as_str().replace('_', " ")
                    ),
                ));
            }
            moving.push((sub, p.name, p.kind));
        }
        // The final reading at the old address.
        let needs_reading: Vec<&str> = moving
            .iter()
            .filter(|(_, _, k)| metered(*k))
            .map(|(_, n, _)| n.as_str())
            .collect();
        let reading = match &input.reading {
            None if !needs_reading.is_empty() => {
                return Err(DomainError::invalid(
                    "reading",
                    format!(
                        "a final reading of the meter at the old address is needed for {}",
                        needs_reading.join(", ")
                    ),
                ));
            }
            None => None,
            Some(r) => {
                let meter_id = required_text("reading.meter_id", &r.meter_id, 60)?;
                let unit = required_text("reading.unit", &r.unit, 20)?;
                let value = rules::milli("reading.value", &r.value)?;
                let read_on = match r
                    .read_on
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    Some(d) => parse_date("reading.read_on", d)?,
                    None => today,
                };
                if read_on > today {
                    return Err(DomainError::invalid("reading.read_on", "is in the future"));
                }
                let last = self.store.last_reading(&meter_id).await?;
                let shown = last
                    .as_ref()
                    .filter(|(_, _, a)| *a == account)
                    .map(|(_, r, _)| reading_words(r));
                rules::check_reading(
                    value,
                    last.as_ref().map(|(v, _, _)| (*v, shown.as_deref())),
                    r.meter_change,
                )?;
                Some((
                    value,
                    MeterReading {
                        meter_id,
                        value: r.value.trim().to_string(),
                        unit,
                        read_on,
                        meter_change: r.meter_change,
                        photo_ref: optional_text("reading.photo_ref", r.photo_ref.as_deref(), 300)?,
                    },
                ))
            }
        };
        if let Some(words) = rules::gap(move_date, start_date)
            && !input.accept_gap
        {
            return Err(DomainError::invalid(
                "start_date",
                format!("{words}; accept it to go on"),
            ));
        }
        // A service is in one planned move at a time.
        for m in self.store.account_moves(account, 200).await? {
            if m.state != MoveState::Planned {
                continue;
            }
            if let Some(i) = moving
                .iter()
                .position(|(x, _, _)| m.subscriptions.contains(&x.id))
            {
                return Err(DomainError::invalid(
                    format!("subscription_ids[{i}]"),
                    format!(
                        "{} is already in the move to {} on {} (planned): change or cancel that one",
                        moving[i].1,
                        m.to_address,
                        m.move_date.strftime("%a %-d %b %Y")
                    ),
                ));
            }
        }
        // Visits for the wired services: off at the old address, on at the
        // new one.
        let wired_subs: Vec<SubscriptionId> = moving
            .iter()
            .filter(|(_, _, k)| wired(*k))
            .map(|(s, _, _)| s.id)
            .collect();
        let mut visits = Vec::new();
        if !wired_subs.is_empty() {
            for kind in [WorkOrderKind::Disconnect, WorkOrderKind::Reconnect] {
                let (mut w, _) = self
                    .field
                    .draft(
                        actor,
                        account,
                        NewWorkOrder {
                            kind: kind.as_str().into(),
                            location_id: from.id,
                            product_ids: Vec::new(),
                            subscription_ids: wired_subs.clone(),
                            case_id: input.case_id,
                            access_notes: input.access_notes.clone(),
                        },
                        None,
                    )
                    .await?;
                if kind == WorkOrderKind::Reconnect {
                    w.location_id = to.id;
                    w.address = to.one_line();
                }
                visits.push(w);
            }
        }
        let m = Move {
            id: MoveId::new(),
            account_id: account,
            from_location_id: from.id,
            to_location_id: to.id,
            move_date,
            start_date,
            subscriptions: moving.iter().map(|(s, _, _)| s.id).collect(),
            reading: reading.as_ref().map(|(_, r)| r.clone()),
            disconnect_work_order_id: visits.first().map(|w| w.id),
            connect_work_order_id: visits.get(1).map(|w| w.id),
            state: MoveState::Planned,
            cancel_reason: None,
            created_by: me,
            created_at: self.now(),
            completed_at: None,
            version: 1,
            from_address: from.one_line(),
            to_address: to.one_line(),
        };
        let names: Vec<&str> = moving.iter().map(|(_, n, _)| n.as_str()).collect();
        let mut audits = vec![
            change(actor, "create", "move", m.id.0)
                .account(Some(account))
                .summary(format!(
                    "Move planned: {} from {} to {} on {}{}",
                    names.join(", "),
                    m.from_address,
                    m.to_address,
                    move_date,
                    m.reading
                        .as_ref()
                        .map(|r| format!("; final reading {} ({})", reading_words(r), r.meter_id))
                        .unwrap_or_default()
                ))
                .after(&m)
                .build(),
        ];
        if let Some(l) = &new_location {
            audits.push(
                change(actor, "create", "service_location", l.id.0)
                    .account(Some(account))
                    .summary(format!("Added service location {}", l.one_line()))
                    .after(l)
                    .build(),
            );
        }
        for w in &visits {
            audits.push(
                change(actor, "create", "work_order", w.id.0)
                    .account(Some(account))
                    .summary(format!(
                        "Work order: {} at {} for the move",
                        w.kind.as_str(),
                        w.address
                    ))
                    .after(w)
                    .build(),
            );
        }
        self.store
            .create_move(
                &m,
                new_location.as_ref(),
                reading.as_ref().map(|(v, _)| *v),
                &visits,
                &audits,
            )
            .await?;
        self.announce(&m);
        self.view(m).await
    }

    pub(super) fn announce(&self, m: &Move) {
        self.notifier.publish(crate::live::LiveEvent::everyone(
            "move",
            serde_json::json!({"move_id": m.id, "account_id": m.account_id, "state": m.state}),
        ));
    }
}
