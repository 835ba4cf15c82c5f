//! Install orders: one order with service lines (and the new numbers it
//! holds) and its install work order, written together; cancelling one
//! goes through its work order, guarded by the completion report.

use super::model::*;
use super::service::{FieldService, NewWorkOrder, WorkOrderStep};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::model::ProductKind;
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::orders::{Fulfilment, NewOrder, Order, OrderLine, OrderState, OrderStep};
use crate::resources::rules as numbers;
use crate::resources::{NumberState, NumberWrite, ResourceEvent, ResourceWrites};

/// The note on a number an install order holds.
pub(super) fn held_note(order: OrderId) -> String {
    format!(
        "held for install order {}",
        crate::orders::reference_of(order)
    )
}

/// How long an install order holds its new numbers.
const HOLD_DAYS: i64 = 30;

impl FieldService {
    /// Place an install order: its lines become pending services, an
    /// install work order is requested for them, and the chosen numbers are
    /// reserved for the account, all in one transaction. The same key
    /// again answers the first order (`true`).
    pub async fn place_install(
        &self,
        actor: &Actor,
        account: AccountId,
        input: NewOrder,
    ) -> Result<(OrderId, bool)> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("orders are placed by staff".into()))?;
        let key = required_text("idempotency_key", &input.idempotency_key, 100)?;
        if let Some(first) = self.store.order_by_key(me, &key).await? {
            return self.replayed(first, account).await;
        }
        let acc = self
            .store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        if acc.status == crate::customers::model::AccountStatus::Closed {
            return Err(DomainError::Conflict(format!(
                "account {} is closed: it takes no new orders",
                acc.number
            )));
        }
        let location = input.location_id.ok_or_else(|| {
            DomainError::invalid("location_id", "choose where the services are installed")
        })?;
        if input.lines.is_empty() {
            return Err(DomainError::invalid("lines", "add at least one service"));
        }
        if input.lines.len() > crate::orders::rules::MAX_LINES {
            return Err(DomainError::invalid(
                "lines",
                "at most 20 services an order",
            ));
        }
        if let Some(i) = input.interaction_id {
            self.store
                .interaction_view(i)
                .await?
                .filter(|v| v.interaction.account_id == Some(account))
                .ok_or_else(|| {
                    DomainError::invalid("interaction_id", "not a contact about this account")
                })?;
        }
        let now = self.now();
        let mut lines = Vec::new();
        let mut has_phone = false;
        let mut currency = String::new();
        for (i, l) in input.lines.iter().enumerate() {
            let p = self.store.product(l.product_id).await?.ok_or_else(|| {
                DomainError::invalid(format!("lines[{i}].product_id"), "no product with this id")
            })?;
            if p.kind.is_goods() {
                return Err(DomainError::invalid(
                    format!("lines[{i}].product_id"),
                    format!("{} is {}: order it for pickup or shipping", p.name, p.kind),
                ));
            }
            if l.quantity.is_some_and(|q| q != 1) {
                return Err(DomainError::invalid(
                    format!("lines[{i}].quantity"),
                    "a service is installed once",
                ));
            }
            if l.free {
                return Err(DomainError::invalid(
                    format!("lines[{i}].free"),
                    "services are billed monthly: give a goodwill credit instead",
                ));
            }
            if input.lines[..i]
                .iter()
                .any(|x| x.product_id == l.product_id)
            {
                return Err(DomainError::invalid(
                    format!("lines[{i}].product_id"),
                    "named twice",
                ));
            }
            has_phone |= p.kind == ProductKind::Phone;
            currency.clone_from(&p.currency);
            lines.push(OrderLine {
                id: OrderLineId::new(),
                product_id: p.id,
                product_name: p.name,
                quantity: 1,
                // Monthly: billed by the subscription, never charged here.
                unit_price_minor: p.monthly_price_minor,
                charge_entry_id: None,
                free_asked: false,
                free_minor: 0,
                free_by: None,
                open_minor: 0,
            });
        }
        let order_id = OrderId::new();
        let (w, new_subs) = self
            .draft(
                actor,
                account,
                NewWorkOrder {
                    kind: WorkOrderKind::Install.as_str().into(),
                    location_id: location,
                    product_ids: input.lines.iter().map(|l| l.product_id).collect(),
                    subscription_ids: Vec::new(),
                    case_id: input.case_id,
                    access_notes: input.access_notes.clone(),
                },
                Some(order_id),
            )
            .await?;
        // The new numbers, held for the account until the install.
        let mut res = ResourceWrites::default();
        let wanted: Vec<(usize, &String)> = input
            .numbers
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.trim().is_empty())
            .collect();
        if !wanted.is_empty() && !has_phone {
            return Err(DomainError::invalid(
                "numbers",
                "add a phone service to hold a number for",
            ));
        }
        for (i, raw) in wanted.iter().copied() {
            let field = format!("numbers[{i}]");
            let e164 = numbers::nanp(&field, raw)?;
            if res.numbers.iter().any(|n| n.number.number == e164) {
                return Err(DomainError::invalid(&field, "named twice"));
            }
            let n = self.store.phone_number(&e164).await?.ok_or_else(|| {
                DomainError::invalid(
                    &field,
                    format!("{} is not in the number inventory", numbers::display(&e164)),
                )
            })?;
            numbers::may_take(&n, account, now).map_err(|e| match e {
                DomainError::Conflict(m) => DomainError::invalid(&field, m),
                e => e,
            })?;
            if numbers::effective(&n, now) == NumberState::Aging {
                // Quarantined to this account already: it stays so (a hold
                // would end sooner, and releasing it would free it for
                // anyone); the technician's report activates it.
                continue;
            }
            let mut after = n.clone();
            after.state = NumberState::Reserved;
            after.account_id = Some(account);
            after.subscription_id = None;
            after.since = None;
            after.until = Some(
                now.checked_add(jiff::SignedDuration::from_hours(24 * HOLD_DAYS))
                    .unwrap_or(now),
            );
            after.note = Some(held_note(order_id));
            after.version += 1;
            after.updated_at = now;
            res.numbers.push(NumberWrite {
                event: ResourceEvent {
                    subject: e164.clone(),
                    at: now,
                    kind: "reserved".into(),
                    description: format!(
                        "Held for {}'s install order {}",
                        acc.number,
                        crate::orders::reference_of(order_id)
                    ),
                    account_id: Some(account),
                    actor_name: actor.name.clone(),
                },
                number: after,
            });
        }
        let order = Order {
            id: order_id,
            account_id: account,
            case_id: input.case_id,
            interaction_id: input.interaction_id,
            fulfilment: Fulfilment::Install,
            office_id: None,
            location_id: Some(location),
            state: OrderState::Placed,
            currency,
            cancel_reason: None,
            tracking: None,
            created_by: me,
            created_by_name: actor.name.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
            lines,
        };
        let names: Vec<&str> = order
            .lines
            .iter()
            .map(|l| l.product_name.as_str())
            .collect();
        let held: Vec<String> = res
            .numbers
            .iter()
            .map(|n| numbers::display(&n.number.number))
            .collect();
        let ev = change(actor, "create", "order", order_id.0)
            .account(Some(account))
            .summary(format!(
                "Install order {} placed: {}{} at {}",
                order.reference(),
                names.join(", "),
                if held.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", held.join(", "))
                },
                w.address
            ))
            .after(&order)
            .build();
        let writes = self.ordered(actor, &new_subs);
        let wo_ev = self.created_event(actor, &w, &new_subs);
        match self
            .store
            .place_install_order(&order, &key, &w, &writes, &res, &[ev, wo_ev])
            .await?
        {
            None => {
                self.announce(&w);
                Ok((order_id, false))
            }
            Some(first) => self.replayed(first, account).await,
        }
    }

    async fn replayed(&self, first: OrderId, account: AccountId) -> Result<(OrderId, bool)> {
        let o = self
            .store
            .order(first)
            .await?
            .ok_or_else(|| DomainError::NotFound("order".into()))?;
        if o.account_id != account {
            return Err(DomainError::invalid(
                "idempotency_key",
                "this key was used for another account's order",
            ));
        }
        Ok((first, true))
    }

    /// The work order that carries out an install order.
    pub async fn for_order(&self, actor: &Actor, order: OrderId) -> Result<Option<WorkOrder>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.order_work_order(order).await
    }

    /// Cancel an install order through its work order: refused by what the
    /// completion report says unless a supervisor overrides; said first
    /// and confirmed.
    pub async fn cancel_install_order(
        &self,
        actor: &Actor,
        order: &Order,
        step: OrderStep,
    ) -> Result<()> {
        let w = self
            .store
            .order_work_order(order.id)
            .await?
            .ok_or_else(|| DomainError::Store("an install order without its work order".into()))?;
        self.step(
            actor,
            w.id,
            WorkOrderStep {
                to: WorkOrderState::Cancelled.as_str().into(),
                version: w.version,
                reason: step.reason,
                override_report: step.override_report,
                confirm: step.confirm,
                subscription_id: step.subscription_id,
            },
        )
        .await
        .map(|_| ())
    }
}

impl FieldService {
    /// The numbers an install order holds for its account, still reserved.
    pub(super) async fn held_numbers(
        &self,
        w: &WorkOrder,
    ) -> Result<Vec<crate::resources::PhoneNumber>> {
        let Some(order) = w.order_id else {
            return Ok(Vec::new());
        };
        let note = held_note(order);
        Ok(self
            .store
            .account_numbers(w.account_id)
            .await?
            .into_iter()
            .filter(|n| {
                n.state == NumberState::Reserved && n.note.as_deref() == Some(note.as_str())
            })
            .collect())
    }

    /// Release what an install order held: it was cancelled before the
    /// install.
    pub(super) async fn release_held(
        &self,
        actor: &Actor,
        w: &WorkOrder,
    ) -> Result<ResourceWrites> {
        let now = self.now();
        let mut res = ResourceWrites::default();
        for n in self.held_numbers(w).await? {
            let mut after = n.clone();
            after.state = NumberState::Available;
            after.account_id = None;
            after.until = None;
            after.note = None;
            after.version += 1;
            after.updated_at = now;
            res.numbers.push(NumberWrite {
                event: ResourceEvent {
                    subject: n.number.clone(),
                    at: now,
                    kind: "available".into(),
                    description: "Released: the install order was cancelled".into(),
                    account_id: Some(w.account_id),
                    actor_name: actor.name.clone(),
                },
                number: after,
            });
        }
        Ok(res)
    }
}
