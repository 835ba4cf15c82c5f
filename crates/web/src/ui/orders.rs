//! Orders in the console: the order form (free items within authority,
//! the decision and its choices when beyond it), one order with its steps,
//! and the offices admins keep.

use super::{Fields, Shell, Typed, UiError, money, path_id, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::authority::Decision;
use extramile_domain::ids::{AccountId, OfficeId, OrderId};
use extramile_domain::orders::*;
use serde::Deserialize;

/// Lines the form offers (empty ones are left out).
const FORM_LINES: usize = 3;

/// One order as lists show it.
pub struct OrderRow {
    pub id: String,
    pub reference: String,
    pub items: String,
    pub state: String,
    pub placed: String,
    pub due: String,
    pub free: String,
}

pub fn order_row(o: &Order) -> OrderRow {
    OrderRow {
        id: o.id.to_string(),
        reference: o.reference(),
        items: o
            .lines
            .iter()
            .map(|l| format!("{} × {}", l.product_name, l.quantity))
            .collect::<Vec<_>>()
            .join(", "),
        state: o.state.as_str().to_string(),
        placed: when(o.created_at),
        due: money(o.due_minor(), &o.currency),
        free: if o.free_minor() > 0 {
            format!("{} free", money(o.free_minor(), &o.currency))
        } else {
            String::new()
        },
    }
}

#[derive(Deserialize)]
struct NewQuery {
    case: Option<String>,
    interaction: Option<String>,
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewPage {
    shell: Shell,
    account_id: String,
    account: String,
    case: String,
    interaction: String,
    /// (product id, "Name — $12.00")
    products: Vec<(String, String)>,
    /// (office id, "Name — address · open until 17:00")
    offices: Vec<(String, String)>,
    /// (location id, one line)
    locations: Vec<(String, String)>,
    lines: Vec<usize>,
    /// What the actor may still give free on this account now.
    free_room: String,
    /// A free item beyond authority: the decision, for the choices.
    decision: Option<Decision>,
    key: String,
    typed: Typed,
    error: Option<String>,
}

const FIELDS: super::FieldMap = &[
    ("lines", "product_0", "Item"),
    ("lines[0].product_id", "product_0", "Item"),
    ("lines[1].product_id", "product_1", "Item"),
    ("lines[2].product_id", "product_2", "Item"),
    ("lines[0].quantity", "quantity_0", "How many"),
    ("lines[1].quantity", "quantity_1", "How many"),
    ("lines[2].quantity", "quantity_2", "How many"),
    ("fulfilment", "fulfilment", "How it reaches the customer"),
    ("office_id", "office_id", "Office"),
    ("location_id", "location_id", "Ship to"),
    ("free_reason", "free_reason", "Why it is free"),
];

#[allow(clippy::too_many_arguments)]
async fn new_page(
    s: &AppState,
    u: &CurrentUser,
    account: AccountId,
    case: String,
    interaction: String,
    status: StatusCode,
    decision: Option<Decision>,
    typed: Typed,
    key: String,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let c = s.customers.customer_360(&actor, account).await?;
    let products = s
        .customers
        .products(&actor)
        .await?
        .into_iter()
        .filter(|p| p.kind.is_goods())
        .map(|p| {
            (
                p.id.to_string(),
                format!(
                    "{} — {}",
                    p.name,
                    money(p.retail_price_minor.unwrap_or(0), &p.currency)
                ),
            )
        })
        .collect();
    let offices = s
        .orders
        .offices(&actor)
        .await?
        .into_iter()
        .filter(|o| o.office.active)
        .map(|o| {
            (
                o.office.id.to_string(),
                format!("{} — {} · {}", o.office.name, o.office.address, o.hours_now),
            )
        })
        .collect();
    let locations = c
        .locations
        .iter()
        .map(|l| (l.id.to_string(), l.one_line()))
        .collect();
    let free_room = s
        .authority
        .remaining(&actor, account)
        .await?
        .into_iter()
        .find(|r| r.action == extramile_domain::authority::MoneyActionKind::FreeItem)
        .map(|r| money(r.now_minor, &r.currency))
        .unwrap_or_default();
    let page = NewPage {
        shell: Shell::of(u),
        account_id: account.to_string(),
        account: format!("{} · {}", c.account.number, c.account.name),
        case,
        interaction,
        products,
        offices,
        locations,
        lines: (0..FORM_LINES).collect(),
        free_room,
        decision,
        key,
        typed,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, UiError> {
    new_page(
        &s,
        &u,
        path_id(&id, "account")?,
        q.case.unwrap_or_default(),
        q.interaction.unwrap_or_default(),
        StatusCode::OK,
        None,
        Typed::default(),
        super::fresh_key(),
        None,
    )
    .await
}

/// The form as an order: lines with an item chosen, in order.
fn parse(f: &Fields) -> Result<NewOrder, DomainError> {
    let mut lines = Vec::new();
    for i in 0..FORM_LINES {
        let Some(product_id) = super::opt_id(
            f,
            &format!("product_{i}"),
            &format!("lines[{i}].product_id"),
        )?
        else {
            continue;
        };
        let q = text(f, &format!("quantity_{i}"));
        let quantity = match q.trim() {
            "" => None,
            q => Some(q.parse::<i64>().map_err(|_| {
                DomainError::invalid(format!("lines[{i}].quantity"), "a whole number, like 1")
            })?),
        };
        lines.push(NewOrderLine {
            product_id,
            quantity,
            free: f.get(&format!("free_{i}")).is_some_and(|v| v == "yes"),
        });
    }
    Ok(NewOrder {
        lines,
        fulfilment: text(f, "fulfilment"),
        office_id: super::opt_id(f, "office_id", "office_id")?,
        location_id: super::opt_id(f, "location_id", "location_id")?,
        case_id: super::opt_id(f, "case_id", "case_id")?,
        interaction_id: super::opt_id(f, "interaction_id", "interaction_id")?,
        free_reason: f.get("free_reason").cloned(),
        if_not_allowed: f.get("if_not_allowed").cloned(),
        idempotency_key: text(f, "_key"),
        numbers: Vec::new(),
        access_notes: None,
    })
}

async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let account: AccountId = path_id(&id, "account")?;
    let (case, interaction) = (text(&f, "case_id"), text(&f, "interaction_id"));
    let key = text(&f, "_key");
    let retry = |status, decision, typed, error| {
        new_page(
            &s,
            &u,
            account,
            case.clone(),
            interaction.clone(),
            status,
            decision,
            typed,
            key.clone(),
            error,
        )
    };
    let placed = match parse(&f) {
        Ok(input) => s.orders.place(&u.actor(), account, input).await,
        Err(e) => Err(e),
    };
    match placed {
        Ok(PlaceResult::Placed { view, .. }) => {
            Ok(Redirect::to(&format!("/orders/{}", view.order.id)).into_response())
        }
        Ok(PlaceResult::NotAllowed { decision, .. }) => {
            retry(StatusCode::OK, Some(decision), Typed(f.clone()), None).await
        }
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, said) = super::refusal_at(&e, FIELDS, &mut typed);
            retry(status, None, typed, Some(said)).await
        }
    }
}

/// A line as the order page shows it.
struct LineView {
    name: String,
    quantity: i64,
    unit: String,
    total: String,
    /// "Free — given by Maya Agent", "Free item waiting for approval", "".
    free: String,
    /// Give it free through the money form (what is left of its charge).
    give_free: Option<String>,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    shell: Shell,
    v: OrderView,
    state: String,
    lines: Vec<LineView>,
    total: String,
    due: String,
    placed: String,
    updated: String,
    approvals: Vec<(String, String, String)>,
    /// Steps offered now: (to, button words).
    steps: Vec<(&'static str, &'static str)>,
    can_cancel: bool,
    hours_now: String,
    /// Install orders: the work order that carries it out, and whether
    /// this person may override what its report says.
    work_order: Option<(String, String)>,
    can_override: bool,
    error: Option<String>,
}

async fn order_page(
    s: &AppState,
    u: &CurrentUser,
    id: OrderId,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let v = s.orders.get(&actor, id).await?;
    let o = &v.order;
    let can_edit = allowed(actor.role, Action::EditCustomer);
    let waiting: Vec<_> = v
        .approvals
        .iter()
        .filter(|a| a.status == extramile_domain::authority::ApprovalStatus::Pending)
        .filter_map(|a| a.request.charge_id)
        .collect();
    let lines = o
        .lines
        .iter()
        .map(|l| {
            let left = l.total_minor() - l.free_minor;
            let waits = l.charge_entry_id.is_some_and(|c| waiting.contains(&c));
            LineView {
                name: l.product_name.clone(),
                quantity: l.quantity,
                unit: money(l.unit_price_minor, &o.currency),
                total: money(l.total_minor(), &o.currency),
                free: match (l.free_minor, &l.free_by, waits) {
                    (f, Some(by), _) if f >= l.total_minor() => format!("Free — given by {by}"),
                    (f, Some(by), _) if f > 0 => {
                        format!("{} free — given by {by}", money(f, &o.currency))
                    }
                    (_, _, true) => "Free item waiting for approval".into(),
                    _ => String::new(),
                },
                give_free: match (
                    l.charge_entry_id,
                    can_edit && !waits && left > 0 && o.state != OrderState::Cancelled,
                ) {
                    (Some(c), true) => Some(format!(
                        "/accounts/{}/money?action=free_item&charge={c}&amount={}#money-form",
                        o.account_id,
                        format_args!("{}.{:02}", left / 100, left % 100)
                    )),
                    _ => None,
                },
            }
        })
        .collect();
    let steps = if can_edit {
        OrderState::ALL
            .iter()
            .filter(|to| {
                !matches!(**to, OrderState::Cancelled | OrderState::Installed)
                    && rules::can_become(o.state, **to, o.fulfilment)
            })
            .map(|to| match to {
                OrderState::Ready => ("ready", "Mark ready (picked and packed)"),
                OrderState::Collected => ("collected", "Collected by the customer"),
                OrderState::Shipped => ("shipped", "Shipped"),
                _ => ("placed", "Placed"),
            })
            .collect()
    } else {
        Vec::new()
    };
    let hours_now = match &v.office {
        Some(office) => s
            .orders
            .offices(&actor)
            .await?
            .into_iter()
            .find(|x| x.office.id == office.id)
            .map(|x| x.hours_now)
            .unwrap_or_default(),
        None => String::new(),
    };
    let work_order = if o.fulfilment == Fulfilment::Install {
        s.field
            .for_order(&actor, o.id)
            .await?
            .map(|w| (w.id.to_string(), w.state.as_str().replace('_', " ")))
    } else {
        None
    };
    let page = OrderPage {
        shell: Shell::of(u),
        can_override: allowed(actor.role, Action::DecideApprovals),
        work_order,
        state: o.state.as_str().to_string(),
        lines,
        total: money(
            o.lines.iter().map(OrderLine::total_minor).sum(),
            &o.currency,
        ),
        due: money(o.due_minor(), &o.currency),
        placed: format!("{} by {}", when(o.created_at), o.created_by_name),
        updated: when(o.updated_at),
        approvals: v
            .approvals
            .iter()
            .map(|a| {
                (
                    a.id.to_string(),
                    format!(
                        "{} for {} asked by {}",
                        money(a.request.amount_minor, &a.request.currency),
                        a.request.label.clone().unwrap_or_default(),
                        a.requested_by_name
                    ),
                    match (&a.decided_by_name, &a.decision_reason) {
                        (Some(by), Some(r)) => format!("{} by {by}: {r}", a.status),
                        _ => a.status.as_str().to_string(),
                    },
                )
            })
            .collect(),
        steps,
        // An install order may always be asked to cancel: its work order
        // decides (refused by what the completion report says).
        can_cancel: can_edit
            && (rules::can_become(o.state, OrderState::Cancelled, o.fulfilment)
                || (o.fulfilment == Fulfilment::Install && o.state != OrderState::Cancelled)),
        hours_now,
        error,
        v,
    };
    Ok((status, render(&page)).into_response())
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    order_page(&s, &u, path_id(&id, "order")?, StatusCode::OK, None).await
}

async fn step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: OrderId = path_id(&id, "order")?;
    let version = text(&f, "version").trim().parse().unwrap_or(0);
    let input = OrderStep {
        to: text(&f, "to"),
        version,
        reason: f.get("reason").cloned(),
        tracking: f.get("tracking").cloned(),
        override_report: f.get("override_report").is_some_and(|v| v == "yes"),
        confirm: f.get("confirm").is_some_and(|v| v == "yes"),
        subscription_id: super::opt_id(&f, "subscription_id", "subscription_id")
            .map_err(UiError)?,
    };
    match s.orders.step(&u.actor(), id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}")).into_response()),
        Err(e) => {
            let (status, said) = match &e {
                DomainError::Invalid { field, message } if field == "reason" => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Why it is cancelled: {message}"),
                ),
                DomainError::Invalid { field, message } if field == "confirm" => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Confirm: {message}"),
                ),
                DomainError::Invalid { field, message } if field == "tracking" => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Tracking reference: {message}"),
                ),
                _ => super::refusal(&e),
            };
            order_page(&s, &u, id, status, Some(said)).await
        }
    }
}

#[derive(Template)]
#[template(path = "offices.html")]
struct OfficesPage {
    shell: Shell,
    offices: Vec<OfficeView>,
    can_edit: bool,
    /// The office being changed (None: adding one).
    editing: Option<Office>,
    /// (form field, label, current value)
    fields: Vec<(&'static str, &'static str, String)>,
    zone: String,
    typed: Typed,
    error: Option<String>,
}

#[derive(Deserialize)]
struct OfficesQuery {
    edit: Option<String>,
}

const OFFICE_FIELDS: super::FieldMap = &[
    ("name", "name", "Name"),
    ("address", "address", "Address"),
    ("hours", "hours", "Opening hours"),
    ("time_zone", "time_zone", "Time zone"),
];

async fn offices_page(
    s: &AppState,
    u: &CurrentUser,
    editing: Option<OfficeId>,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let offices = s.orders.offices(&actor).await?;
    let editing = editing.and_then(|id| {
        offices
            .iter()
            .find(|o| o.office.id == id)
            .map(|o| o.office.clone())
    });
    let e = editing.as_ref();
    let value = |f: fn(&Office) -> &String| e.map(|o| f(o).clone()).unwrap_or_default();
    let fields = vec![
        ("name", "Name", value(|o| &o.name)),
        ("address", "Address", value(|o| &o.address)),
        ("hours", "Opening hours", value(|o| &o.hours)),
        ("time_zone", "Time zone", value(|o| &o.time_zone)),
    ];
    let page = OfficesPage {
        shell: Shell::of(u),
        fields,
        offices,
        can_edit: allowed(actor.role, Action::ManageCatalog),
        editing,
        zone: s.time_zone.iana_name().unwrap_or("UTC").to_string(),
        typed,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn offices(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<OfficesQuery>,
) -> Result<Response, UiError> {
    let editing = q.edit.as_deref().and_then(|e| e.parse().ok());
    offices_page(&s, &u, editing, StatusCode::OK, Typed::default(), None).await
}

async fn save_office(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: Option<OfficeId> = text(&f, "id").trim().parse().ok();
    let input = OfficeInput {
        name: text(&f, "name"),
        address: text(&f, "address"),
        hours: text(&f, "hours"),
        time_zone: f.get("time_zone").cloned(),
        active: Some(f.get("active").is_some_and(|v| v == "yes") || id.is_none()),
        version: text(&f, "version").trim().parse().ok(),
    };
    match s.orders.put_office(&u.actor(), id, input).await {
        Ok(_) => Ok(Redirect::to("/offices").into_response()),
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, said) = super::refusal_at(&e, OFFICE_FIELDS, &mut typed);
            offices_page(&s, &u, id, status, typed, Some(said)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/orders/new", get(new_form))
        .route("/accounts/{id}/orders", post(create))
        .route("/orders/{id}", get(show))
        .route("/orders/{id}/step", post(step))
        .route("/offices", get(offices).post(save_office))
}
