//! Offices, placing orders (with free items through authority) and moving
//! them on.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::authority::{AuthorityService, MoneyActionKind, Outcome, decide};
use crate::customers::values::{optional_text, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::ledger::{EntryKind, LedgerEntry, LedgerService, MoneyAction, format_money, staff_of};
use crate::live::{LiveEvent, SharedNotifier};
use crate::store::{PlaceOutcome, PostGuard, Store};
use crate::time::Clock;
use jiff::tz::TimeZone;
use std::sync::Arc;

/// An account's orders on its page.
pub const ACCOUNT_ORDERS: u32 = 50;

#[derive(Clone)]
pub struct OrderService {
    store: Arc<dyn Store>,
    ledger: LedgerService,
    authority: AuthorityService,
    notifier: SharedNotifier,
    clock: Clock,
    /// The provider's zone: offices without their own.
    zone: TimeZone,
    /// Install orders are placed and cancelled through field work.
    field: Option<crate::fieldwork::FieldService>,
}

fn today() -> jiff::civil::Date {
    crate::time::now().to_zoned(TimeZone::UTC).date()
}

impl OrderService {
    pub fn new(
        store: Arc<dyn Store>,
        ledger: LedgerService,
        authority: AuthorityService,
        notifier: SharedNotifier,
        clock: Clock,
        zone: TimeZone,
    ) -> Self {
        Self {
            store,
            ledger,
            authority,
            notifier,
            clock,
            zone,
            field: None,
        }
    }

    pub fn with_field(mut self, field: crate::fieldwork::FieldService) -> Self {
        self.field = Some(field);
        self
    }

    fn field(&self) -> Result<&crate::fieldwork::FieldService> {
        self.field
            .as_ref()
            .ok_or_else(|| DomainError::Store("install orders need field work".into()))
    }

    fn view_office(&self, o: Office) -> OfficeView {
        let tz = TimeZone::get(&o.time_zone).unwrap_or_else(|_| self.zone.clone());
        let (open_now, hours_now) = match crate::routing::hours::Hours::parse(&o.hours) {
            Ok(h) => rules::hours_now(&h, &tz, (self.clock)()),
            Err(_) => (false, "hours unknown".into()),
        };
        OfficeView {
            office: o,
            open_now,
            hours_now,
        }
    }

    /// Every office, open ones first by name.
    pub async fn offices(&self, actor: &Actor) -> Result<Vec<OfficeView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let mut all = self.store.offices().await?;
        all.sort_by(|a, b| b.active.cmp(&a.active).then(a.name.cmp(&b.name)));
        Ok(all.into_iter().map(|o| self.view_office(o)).collect())
    }

    /// Add an office (`id` None) or change one (its version required).
    pub async fn put_office(
        &self,
        actor: &Actor,
        id: Option<OfficeId>,
        input: OfficeInput,
    ) -> Result<Office> {
        authorize(actor.role, Action::ManageCatalog)?;
        let hours = required_text("hours", &input.hours, 200)?;
        crate::routing::hours::Hours::parse(&hours)?;
        let time_zone = match input.time_zone.as_deref().map(str::trim) {
            None | Some("") => self.zone.iana_name().unwrap_or("UTC").to_string(),
            Some(z) => {
                crate::routing::hours::time_zone(z)?;
                z.to_string()
            }
        };
        let before = match id {
            Some(id) => Some(
                self.store
                    .office(id)
                    .await?
                    .ok_or_else(|| DomainError::NotFound("office".into()))?,
            ),
            None => None,
        };
        if let Some(b) = &before {
            let sent = input
                .version
                .ok_or_else(|| DomainError::invalid("version", "send the version you read"))?;
            crate::error::expect_version("office", b.version, sent)?;
        }
        let one_line = |field: &str, v: &str| {
            if v.chars().any(char::is_control) {
                Err(DomainError::invalid(field, "keep it on one line"))
            } else {
                Ok(())
            }
        };
        one_line("name", &input.name)?;
        one_line("address", &input.address)?;
        let name = input.name.trim().to_lowercase();
        if let Some(twin) = self
            .store
            .offices()
            .await?
            .into_iter()
            .find(|o| Some(o.id) != id && o.name.trim().to_lowercase() == name)
        {
            return Err(DomainError::invalid(
                "name",
                format!("another office is called {} ({})", twin.name, twin.address),
            ));
        }
        let o = Office {
            id: id.unwrap_or_default(),
            name: required_text("name", &input.name, 100)?,
            address: required_text("address", &input.address, 200)?,
            hours,
            time_zone,
            active: input.active.unwrap_or(true),
            version: before.as_ref().map_or(1, |b| b.version + 1),
        };
        let ev = change(
            actor,
            if before.is_some() { "update" } else { "create" },
            "office",
            o.id.0,
        )
        .summary(format!("Office {}: {}, {}", o.name, o.address, o.hours))
        .after(&o);
        let ev = match &before {
            Some(b) => ev.before(b),
            None => ev,
        }
        .build();
        self.store.put_office(&o, before.is_none(), &ev).await?;
        Ok(o)
    }

    /// An order with the names its page needs; staff who may see customers.
    pub async fn get(&self, actor: &Actor, id: OrderId) -> Result<OrderView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let o = self
            .store
            .order(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("order".into()))?;
        self.view(actor, o).await
    }

    async fn view(&self, actor: &Actor, order: Order) -> Result<OrderView> {
        let account = self
            .store
            .account(order.account_id)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        let office = match order.office_id {
            Some(id) => self.store.office(id).await?,
            None => None,
        };
        let ship_to = match order.location_id {
            Some(id) => self.store.location(id).await?.map(|l| l.one_line()),
            None => None,
        };
        let charges: Vec<LedgerEntryId> = order
            .lines
            .iter()
            .filter_map(|l| l.charge_entry_id)
            .collect();
        let _ = actor;
        let mut approvals: Vec<_> = self
            .store
            .account_approvals(order.account_id)
            .await?
            .into_iter()
            .filter(|a| {
                a.request.action == MoneyActionKind::FreeItem.as_str()
                    && a.request.charge_id.is_some_and(|c| charges.contains(&c))
            })
            .collect();
        approvals.sort_by_key(|a| std::cmp::Reverse(a.created_at));
        Ok(OrderView {
            reference: order.reference(),
            account_number: account.number,
            order,
            office,
            ship_to,
            approvals,
        })
    }

    /// An account's orders, newest first (the newest `ACCOUNT_ORDERS`).
    pub async fn for_account(&self, actor: &Actor, account: AccountId) -> Result<Vec<Order>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.account_orders(account, ACCOUNT_ORDERS).await
    }

    /// Place an order: every line is charged on the account's next bill;
    /// lines asked free are given free in the same transaction when within
    /// the actor's authority. Beyond it: nothing is placed (`refuse`, with
    /// the decision and its alternatives), or the order is placed and each
    /// such line asked for approval (`ask_approval`), or placed charged
    /// (`charge`). The same key again answers the first order.
    pub async fn place(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewOrder,
    ) -> Result<PlaceResult> {
        if input.fulfilment.trim() == Fulfilment::Install.as_str() {
            let (id, replayed) = self
                .field()?
                .place_install(actor, account_id, input)
                .await?;
            let order = self
                .store
                .order(id)
                .await?
                .ok_or_else(|| DomainError::NotFound("order".into()))?;
            return Ok(PlaceResult::Placed {
                view: self.view(actor, order).await?,
                replayed,
            });
        }
        match self.place_once(actor, account_id, input.clone()).await? {
            Some(r) => Ok(r),
            // Someone gave on this account between the decision and the
            // write: decide again with what they gave.
            None => self
                .place_once(actor, account_id, input)
                .await?
                .ok_or_else(|| {
                    DomainError::Conflict(
                        "someone else gave on this account just now; nothing was ordered — try again".into(),
                    )
                }),
        }
    }

    /// One attempt; None when the month's limit moved under it.
    async fn place_once(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewOrder,
    ) -> Result<Option<PlaceResult>> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = staff_of(actor)?;
        let key = required_text("idempotency_key", &input.idempotency_key, 100)?;
        let fallback = rules::if_not_allowed(input.if_not_allowed.as_deref())?;
        if let Some(first) = self.store.order_by_key(me, &key).await? {
            return self
                .replayed(actor, account_id, first, &input)
                .await
                .map(Some);
        }
        let account = self
            .store
            .account(account_id)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        if account.status == crate::customers::model::AccountStatus::Closed {
            return Err(DomainError::Conflict(format!(
                "account {} is closed: it takes no new orders",
                account.number
            )));
        }
        let fulfilment = Fulfilment::parse("fulfilment", input.fulfilment.trim())?;
        let (office_id, location_id) = match fulfilment {
            Fulfilment::Pickup => {
                let id = input.office_id.ok_or_else(|| {
                    DomainError::invalid("office_id", "choose the office it is collected at")
                })?;
                let o =
                    self.store.office(id).await?.ok_or_else(|| {
                        DomainError::invalid("office_id", "no office with this id")
                    })?;
                if !o.active {
                    return Err(DomainError::invalid(
                        "office_id",
                        format!("{} is closed for orders", o.name),
                    ));
                }
                (Some(id), None)
            }
            Fulfilment::Install => {
                return Err(DomainError::invalid(
                    "fulfilment",
                    "an install order holds services only",
                ));
            }
            Fulfilment::Ship => {
                let id = input.location_id.ok_or_else(|| {
                    DomainError::invalid("location_id", "choose where it is sent")
                })?;
                self.store
                    .location(id)
                    .await?
                    .filter(|l| l.account_id == account_id)
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "location_id",
                            "not a service location of this account",
                        )
                    })?;
                (None, Some(id))
            }
        };
        if let Some(c) = input.case_id {
            self.store
                .case(c)
                .await?
                .filter(|(c, _)| c.account_id == account_id)
                .ok_or_else(|| DomainError::invalid("case_id", "not a case of this account"))?;
        }
        if let Some(i) = input.interaction_id {
            self.store
                .interaction_view(i)
                .await?
                .filter(|v| v.interaction.account_id == Some(account_id))
                .ok_or_else(|| {
                    DomainError::invalid("interaction_id", "not a contact about this account")
                })?;
        }
        if input.lines.is_empty() {
            return Err(DomainError::invalid("lines", "add at least one item"));
        }
        if input.lines.len() > rules::MAX_LINES {
            return Err(DomainError::invalid(
                "lines",
                format!("at most {} lines an order", rules::MAX_LINES),
            ));
        }
        let currency = self.ledger.account_currency(account_id).await?;
        let now = (self.clock)();
        let order_id = OrderId::new();
        let mut lines = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            let field = format!("lines[{i}].product_id");
            let p = self
                .store
                .product(l.product_id)
                .await?
                .ok_or_else(|| DomainError::invalid(&field, "no product with this id"))?;
            let price = match (p.kind.is_goods(), p.retail_price_minor) {
                (true, Some(price)) => price,
                _ => {
                    return Err(DomainError::invalid(
                        &field,
                        format!("{} is a service; order equipment or accessories", p.name),
                    ));
                }
            };
            if p.currency != currency {
                return Err(DomainError::invalid(
                    &field,
                    format!(
                        "{} is priced in {}; this account is billed in {currency}",
                        p.name, p.currency
                    ),
                ));
            }
            lines.push(OrderLine {
                id: OrderLineId::new(),
                product_id: p.id,
                product_name: p.name,
                quantity: rules::quantity(i, l.quantity)?,
                unit_price_minor: price,
                charge_entry_id: None,
                free_asked: l.free,
                free_minor: 0,
                free_by: None,
                open_minor: 0,
            });
        }
        let free_reason = input
            .free_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let any_free = lines.iter().any(|l| l.free_asked && l.total_minor() > 0);
        if any_free && free_reason.is_none() {
            return Err(DomainError::invalid(
                "free_reason",
                "say why it is free (the internal note)",
            ));
        }
        if let Some(r) = &free_reason
            && r.chars().count() > 300
        {
            return Err(DomainError::invalid(
                "free_reason",
                "keep it under 300 characters",
            ));
        }

        // Every line with a price is charged.
        let mut entries: Vec<(LedgerEntry, PostGuard)> = Vec::new();
        let reference = Order {
            id: order_id,
            account_id,
            case_id: None,
            interaction_id: None,
            fulfilment,
            office_id,
            location_id,
            state: OrderState::Placed,
            currency: currency.clone(),
            cancel_reason: None,
            tracking: None,
            created_by: me,
            created_by_name: actor.name.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
            lines: Vec::new(),
        }
        .reference();
        for l in lines.iter_mut().filter(|l| l.total_minor() > 0) {
            let words = if l.quantity == 1 {
                l.product_name.clone()
            } else {
                format!("{} × {}", l.product_name, l.quantity)
            };
            let e = LedgerEntry {
                id: LedgerEntryId::new(),
                account_id,
                kind: EntryKind::Charge,
                amount_minor: l.total_minor(),
                currency: currency.clone(),
                reason_code: Some(super::ORDER_CHARGE.into()),
                memo: format!("{words} (order {reference})"),
                label: Some(format!("{words} (order {reference})")),
                related_entry_id: None,
                external_id: None,
                effective_on: today(),
                created_at: now,
                created_by: Some(me),
                created_by_name: actor.name.clone(),
                approval_id: None,
            };
            l.charge_entry_id = Some(e.id);
            entries.push((e, PostGuard::default()));
        }

        // Free lines: each an entry against the actor's authority, the
        // month's use counted as the lines add up.
        let policies = self.store.policies().await?;
        let (policy, used) = self
            .ledger
            .authority_under(
                &policies,
                actor,
                account_id,
                MoneyActionKind::FreeItem,
                &currency,
            )
            .await?;
        let (goodwill, gused) = self
            .ledger
            .authority_under(
                &policies,
                actor,
                account_id,
                MoneyActionKind::GoodwillCredit,
                &currency,
            )
            .await?;
        // The order's free items together are one gift against the
        // per-entry limit (splitting a line does not make more room).
        let free_total: i64 = lines
            .iter()
            .filter(|l| l.free_asked)
            .map(OrderLine::total_minor)
            .sum();
        let mut to_ask: Vec<usize> = Vec::new();
        let mut give = true;
        if free_total > 0 {
            let d = decide(
                MoneyActionKind::FreeItem,
                free_total,
                &currency,
                policy.as_ref(),
                used,
                goodwill.as_ref().map(|g| (g, gused)),
            );
            if d.outcome == Outcome::NotAllowed {
                give = false;
                match fallback {
                    "refuse" => {
                        let names: Vec<&str> = lines
                            .iter()
                            .filter(|l| l.free_asked)
                            .map(|l| l.product_name.as_str())
                            .collect();
                        return Ok(Some(PlaceResult::NotAllowed {
                            decision: d,
                            product_name: names.join(", "),
                        }));
                    }
                    "ask_approval" => {
                        to_ask = (0..lines.len())
                            .filter(|i| lines[*i].free_asked && lines[*i].total_minor() > 0)
                            .collect();
                    }
                    _ => {}
                }
            }
        }
        for l in lines.iter().filter(|l| give && l.free_asked) {
            let amount = l.total_minor();
            if amount == 0 {
                continue;
            }
            let Some(charge) = l.charge_entry_id else {
                continue;
            };
            let e = LedgerEntry {
                id: LedgerEntryId::new(),
                account_id,
                kind: EntryKind::FreeItem,
                amount_minor: -amount,
                currency: currency.clone(),
                reason_code: None,
                memo: free_reason.clone().unwrap_or_default(),
                label: Some(format!("Free of charge: {}", l.product_name)),
                related_entry_id: Some(charge),
                external_id: None,
                effective_on: today(),
                created_at: now,
                created_by: Some(me),
                created_by_name: actor.name.clone(),
                approval_id: None,
            };
            let guard = PostGuard {
                month: policy
                    .as_ref()
                    .and_then(|p| p.per_account_month_limit_minor)
                    .map(|limit| (EntryKind::FreeItem, crate::ledger::month_start(), limit)),
                ..PostGuard::default()
            };
            entries.push((e, guard));
        }

        let order = Order {
            id: order_id,
            account_id,
            case_id: input.case_id,
            interaction_id: input.interaction_id,
            fulfilment,
            office_id,
            location_id,
            state: OrderState::Placed,
            currency: currency.clone(),
            cancel_reason: None,
            tracking: None,
            created_by: me,
            created_by_name: actor.name.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
            lines,
        };
        let total: i64 = order.lines.iter().map(OrderLine::total_minor).sum();
        let items = order
            .lines
            .iter()
            .map(|l| {
                format!(
                    "{} × {}{}",
                    l.product_name,
                    l.quantity,
                    if l.free_asked { " (free)" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let ev = change(actor, "create", "order", order.id.0)
            .account(Some(account_id))
            .summary(format!(
                "Order {reference} placed: {items}; {} ({})",
                format_money(total, &currency),
                match fulfilment {
                    Fulfilment::Pickup => "to collect at an office",
                    Fulfilment::Ship => "to ship",
                    Fulfilment::Install => "to install",
                }
            ))
            .reason(free_reason.clone())
            .after(&order)
            .build();
        match self.store.place_order(&order, &key, &entries, &ev).await? {
            PlaceOutcome::Placed => {}
            PlaceOutcome::Existing(first) => {
                return self
                    .replayed(actor, account_id, first, &input)
                    .await
                    .map(Some);
            }
            PlaceOutcome::MonthLimit { .. } => return Ok(None),
        }
        self.announce(&order);
        let mut placed = self
            .store
            .order(order.id)
            .await?
            .ok_or_else(|| DomainError::Store("an order just placed is missing".into()))?;
        for i in to_ask {
            self.ask_free(
                actor,
                &placed,
                i,
                free_reason.as_deref().unwrap_or_default(),
            )
            .await?;
        }
        placed = self.store.order(order.id).await?.unwrap_or(placed);
        Ok(Some(PlaceResult::Placed {
            view: self.view(actor, placed).await?,
            replayed: false,
        }))
    }

    /// The order first placed under the same key: for the same actor,
    /// account and body, with any approval request it still needs asked
    /// again (keyed, so asked once).
    async fn replayed(
        &self,
        actor: &Actor,
        account_id: AccountId,
        id: OrderId,
        input: &NewOrder,
    ) -> Result<PlaceResult> {
        let o = self
            .store
            .order(id)
            .await?
            .ok_or_else(|| DomainError::Store("a keyed order is missing".into()))?;
        let same = o.account_id == account_id
            && o.fulfilment.as_str() == input.fulfilment.trim()
            && o.office_id
                == input
                    .office_id
                    .filter(|_| o.fulfilment == Fulfilment::Pickup)
            && o.location_id
                == input
                    .location_id
                    .filter(|_| o.fulfilment == Fulfilment::Ship)
            && o.lines.len() == input.lines.len()
            && o.lines.iter().zip(&input.lines).all(|(a, b)| {
                a.product_id == b.product_id
                    && a.free_asked == b.free
                    && a.quantity == b.quantity.unwrap_or(1)
            });
        if !same {
            return Err(DomainError::invalid(
                "idempotency_key",
                "this key was already used for a different order",
            ));
        }
        if input.if_not_allowed.as_deref() == Some("ask_approval")
            && o.state != OrderState::Cancelled
        {
            for (i, l) in o.lines.iter().enumerate() {
                if l.free_asked && l.free_minor < l.total_minor() {
                    self.ask_free(
                        actor,
                        &o,
                        i,
                        input.free_reason.as_deref().unwrap_or_default(),
                    )
                    .await?;
                }
            }
        }
        Ok(PlaceResult::Placed {
            view: self.view(actor, o).await?,
            replayed: true,
        })
    }

    /// Ask for approval to give line `i` free, keyed by the order and the
    /// line (so asked once, whatever the order's own key).
    async fn ask_free(&self, actor: &Actor, o: &Order, i: usize, reason: &str) -> Result<()> {
        let l = &o.lines[i];
        let Some(charge) = l.charge_entry_id else {
            return Ok(());
        };
        self.authority
            .request(
                actor,
                o.account_id,
                MoneyAction {
                    action: MoneyActionKind::FreeItem.as_str().into(),
                    amount_minor: l.total_minor() - l.free_minor,
                    currency: o.currency.clone(),
                    charge_id: Some(charge),
                    reason: reason.to_string(),
                    label: Some(format!("Free of charge: {}", l.product_name)),
                    refund_method: None,
                    credit_reason: None,
                    idempotency_key: format!("order-{}-free-{i}", o.id),
                },
            )
            .await
            .map(|_| ())
    }

    fn announce(&self, o: &Order) {
        self.notifier.publish(LiveEvent::everyone(
            "order",
            serde_json::json!({"order_id": o.id, "account_id": o.account_id, "state": o.state}),
        ));
    }

    /// Ready, collected, shipped or cancelled (with a reason). Cancelling
    /// takes back what is still charged for its lines.
    pub async fn step(&self, actor: &Actor, id: OrderId, input: OrderStep) -> Result<OrderView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .order(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("order".into()))?;
        let to = OrderState::parse("to", input.to.trim())?;
        if to == OrderState::Installed {
            return Err(DomainError::Conflict(
                "an install order is installed by its work order's completion report, not by hand"
                    .into(),
            ));
        }
        if before.fulfilment == Fulfilment::Install && to == OrderState::Cancelled {
            // Guarded by the completion report, through its work order.
            if input.subscription_id.is_some()
                || before.state != OrderState::Cancelled
                || input.version != before.version - 1
            {
                crate::error::expect_version("order", before.version, input.version)?;
                self.field()?
                    .cancel_install_order(actor, &before, input)
                    .await?;
            }
            let after = self
                .store
                .order(id)
                .await?
                .ok_or_else(|| DomainError::NotFound("order".into()))?;
            return self.view(actor, after).await;
        }
        if before.state == to && input.version == before.version - 1 {
            // The same step twice (a double click): the first one stands.
            return self.view(actor, before).await;
        }
        crate::error::expect_version("order", before.version, input.version)?;
        rules::check(before.state, to, before.fulfilment)?;
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        after.updated_at = (self.clock)();
        let mut reason = None;
        let mut entries = Vec::new();
        match to {
            OrderState::Cancelled => {
                let r = required_text("reason", input.reason.as_deref().unwrap_or_default(), 300)?;
                after.cancel_reason = Some(r.clone());
                reason = Some(r.clone());
                entries = self.take_back(actor, &before, &r).await?;
            }
            OrderState::Shipped => {
                after.tracking = optional_text("tracking", input.tracking.as_deref(), 100)?;
            }
            _ => {}
        }
        let words = match to {
            OrderState::Installed => "installed".to_string(),
            OrderState::Ready => "ready".to_string(),
            OrderState::Collected => "collected".into(),
            OrderState::Shipped => match &after.tracking {
                Some(t) => format!("shipped (tracking {t})"),
                None => "shipped".into(),
            },
            OrderState::Cancelled => {
                let back: i64 = entries.iter().map(|(e, _)| -e.amount_minor).sum();
                if back > 0 {
                    format!(
                        "cancelled; {} taken off the bill",
                        format_money(back, &before.currency)
                    )
                } else {
                    "cancelled".into()
                }
            }
            OrderState::Placed => "placed".into(),
        };
        let ev = change(actor, to.as_str(), "order", id.0)
            .account(Some(before.account_id))
            .summary(format!("Order {} {words}", before.reference()))
            .reason(reason)
            .before(&before)
            .after(&after)
            .build();
        if let Err(e) = self.store.update_order(&after, &entries, &ev).await {
            // The same step sent twice at once: the one that lost the race
            // answers what the first did.
            if let Some(now) = self.store.order(id).await?
                && now.state == to
                && now.version == input.version + 1
            {
                return self.view(actor, now).await;
            }
            return Err(e);
        }
        self.announce(&after);
        if to == OrderState::Cancelled {
            self.withdraw_free_requests(actor, &after).await?;
        }
        let fresh = self.store.order(id).await?.unwrap_or(after);
        self.view(actor, fresh).await
    }

    /// Waivers for what is still open of each line's charge (the system's
    /// doing on the cancelling person's word: not counted against anyone's
    /// authority).
    async fn take_back(
        &self,
        actor: &Actor,
        o: &Order,
        reason: &str,
    ) -> Result<Vec<(LedgerEntry, PostGuard)>> {
        let mut out = Vec::new();
        for l in &o.lines {
            let Some(charge) = l.charge_entry_id else {
                continue;
            };
            let entries = self.store.charge_entries(o.account_id, charge).await?;
            let open = crate::ledger::charge_states(&entries)
                .get(&charge)
                .map_or(0, |s| s.0);
            // What was already made good about it (credits naming it too)
            // is not given again.
            let given = crate::ledger::given_about(&entries)
                .remove(&charge)
                .map_or(0, |g| g.minor);
            let back = open.min(l.total_minor() - given);
            if back <= 0 {
                continue;
            }
            let guard = PostGuard {
                // Nobody added a step about the charge since it was read.
                charge_seen: Some((charge, crate::ledger::actions::about(&entries, charge))),
                ..PostGuard::default()
            };
            let e = LedgerEntry {
                id: LedgerEntryId::new(),
                account_id: o.account_id,
                kind: EntryKind::ChargeWaiver,
                amount_minor: -back,
                currency: o.currency.clone(),
                reason_code: Some(super::ORDER_CHARGE.into()),
                memo: format!("Order {} cancelled: {reason}", o.reference()),
                label: Some(format!("Cancelled order: {}", l.product_name)),
                related_entry_id: Some(charge),
                external_id: None,
                effective_on: today(),
                created_at: (self.clock)(),
                created_by: None,
                created_by_name: actor.name.clone(),
                approval_id: None,
            };
            out.push((e, guard));
        }
        Ok(out)
    }

    /// Pending requests to give the cancelled order's lines free are
    /// withdrawn: there is nothing left to give.
    async fn withdraw_free_requests(&self, actor: &Actor, o: &Order) -> Result<()> {
        let charges: Vec<LedgerEntryId> =
            o.lines.iter().filter_map(|l| l.charge_entry_id).collect();
        let pending = self
            .store
            .account_approvals(o.account_id)
            .await?
            .into_iter()
            .filter(|a| {
                a.status == crate::authority::ApprovalStatus::Pending
                    && a.request.action == MoneyActionKind::FreeItem.as_str()
                    && a.request.charge_id.is_some_and(|c| charges.contains(&c))
            });
        for before in pending {
            let mut after = before.clone();
            after.status = crate::authority::ApprovalStatus::Cancelled;
            after.decided_by = actor.id;
            after.decided_by_name = Some(actor.name.clone());
            after.decided_at = Some((self.clock)());
            after.decision_reason = Some(format!("Order {} was cancelled", o.reference()));
            after.version += 1;
            let ev = change(actor, "cancelled", "approval", after.id.0)
                .account(Some(o.account_id))
                .summary(format!(
                    "Withdrew the request to give {} free: order {} was cancelled",
                    format_money(before.request.amount_minor, &before.request.currency),
                    o.reference()
                ))
                .before(&before)
                .after(&after)
                .build();
            self.store.decide_approval(&after, None, &ev).await?;
            self.authority.announce(&after);
        }
        Ok(())
    }
}
