//! Work orders in the console: requesting one from the account, its page
//! (appointment, services, the completion report's facts beside the
//! technician's remark), scheduling, dispatch, arrival, the report form,
//! cancelling (refused with what the report says; a supervisor's override)
//! and restoring.

use super::{Fields, Shell, Typed, UiError, path_id, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::admin::StaffRole;
use extramile_domain::customers::model::SubscriptionStatus;
use extramile_domain::fieldwork::*;
use extramile_domain::ids::{AccountId, WorkOrderId};

/// One work order as the account page lists it.
pub struct WorkOrderRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub when: String,
}

pub fn row(w: &WorkOrder) -> WorkOrderRow {
    WorkOrderRow {
        id: w.id.to_string(),
        kind: w.kind.as_str().replace('_', " "),
        state: w.state.as_str().replace('_', " "),
        when: match (w.day, w.window_start, w.window_end) {
            (Some(d), Some(a), Some(b)) => format!(
                "{} {}–{}",
                d.strftime("%a %-d %b"),
                a.strftime("%H:%M"),
                b.strftime("%H:%M")
            ),
            _ => format!("requested {}", when(w.created_at)),
        },
    }
}

#[derive(Template)]
#[template(path = "work_order_new.html")]
struct NewPage {
    shell: Shell,
    account_id: String,
    account: String,
    locations: Vec<(String, String)>,
    /// Service products: (id, name)
    products: Vec<(String, String)>,
    /// The account's services: (subscription id, "Internet 100 (active)")
    services: Vec<(String, String)>,
    typed: Typed,
    error: Option<String>,
    /// The form's create key: a double submit places one install order.
    key: String,
    /// Services ticked before a refusal (ticked again).
    chosen: Vec<String>,
}

const NEW_FIELDS: super::FieldMap = &[
    ("lines", "product_ids", "Services to install"),
    ("numbers", "numbers", "New phone number"),
    ("kind", "kind", "What"),
    ("location_id", "location_id", "Where"),
    ("product_ids", "product_ids", "Services to install"),
    (
        "subscription_ids",
        "subscription_ids",
        "Services it is about",
    ),
    ("access_notes", "access_notes", "Access notes"),
];

async fn new_page(
    s: &AppState,
    u: &CurrentUser,
    account: AccountId,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
    chosen: Vec<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let c = s.customers.customer_360(&actor, account).await?;
    let products = s
        .customers
        .products(&actor)
        .await?
        .into_iter()
        .filter(|p| !p.kind.is_goods())
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let services = c
        .subscriptions
        .iter()
        .map(|x| {
            (
                x.subscription.id.to_string(),
                format!(
                    "{} ({})",
                    x.product.name,
                    x.subscription.status.as_str().replace('_', " ")
                ),
            )
        })
        .collect();
    let page = NewPage {
        shell: Shell::of(u),
        account_id: account.to_string(),
        account: format!("{} · {}", c.account.number, c.account.name),
        locations: c
            .locations
            .iter()
            .map(|l| (l.id.to_string(), l.one_line()))
            .collect(),
        products,
        services,
        chosen,
        key: match typed.get("_key") {
            "" => super::fresh_key(),
            k => k.to_string(),
        },
        typed,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    new_page(
        &s,
        &u,
        path_id(&id, "account")?,
        StatusCode::OK,
        Typed::default(),
        None,
        Vec::new(),
    )
    .await
}

/// Every value of a repeated form field (checkboxes).
fn all(raw: &[(String, String)], k: &str) -> Vec<String> {
    raw.iter()
        .filter(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .collect()
}

async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, UiError> {
    let account: AccountId = path_id(&id, "account")?;
    let raw: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let f: Fields = raw.iter().cloned().collect();
    fn ids<T: std::str::FromStr>(raw: &[(String, String)], k: &str) -> Result<Vec<T>, DomainError> {
        all(raw, k)
            .iter()
            .map(|v| {
                v.parse()
                    .map_err(|_| DomainError::invalid(k, "choose from the list"))
            })
            .collect()
    }
    let parse = || -> Result<NewWorkOrder, DomainError> {
        Ok(NewWorkOrder {
            kind: text(&f, "kind"),
            location_id: text(&f, "location_id")
                .parse()
                .map_err(|_| DomainError::invalid("location_id", "choose one"))?,
            product_ids: ids(&raw, "product_ids")?,
            subscription_ids: ids(&raw, "subscription_ids")?,
            case_id: None,
            access_notes: f.get("access_notes").cloned(),
        })
    };
    let actor = u.actor();
    let r = match parse() {
        // An install is an install order: its services, the number it
        // holds, and the work order, placed together.
        Ok(input) if input.kind.trim() == "install" => {
            let placed = s
                .orders
                .place(
                    &actor,
                    account,
                    extramile_domain::orders::NewOrder {
                        lines: input
                            .product_ids
                            .iter()
                            .map(|p| extramile_domain::orders::NewOrderLine {
                                product_id: *p,
                                quantity: None,
                                free: false,
                            })
                            .collect(),
                        fulfilment: "install".into(),
                        location_id: Some(input.location_id),
                        numbers: text(&f, "numbers")
                            .split(',')
                            .map(|n| n.trim().to_string())
                            .filter(|n| !n.is_empty())
                            .collect(),
                        access_notes: input.access_notes,
                        idempotency_key: text(&f, "_key"),
                        ..Default::default()
                    },
                )
                .await;
            match placed {
                Ok(extramile_domain::orders::PlaceResult::Placed { view, .. }) => s
                    .field
                    .for_order(&actor, view.order.id)
                    .await
                    .map(|w| w.map(|w| w.id)),
                Ok(_) => Err(DomainError::Conflict("nothing was placed".into())),
                Err(e) => Err(e),
            }
        }
        Ok(input) => s
            .field
            .create(&actor, account, input)
            .await
            .map(|v| Some(v.work_order.id)),
        Err(e) => Err(e),
    };
    match r {
        Ok(Some(w)) => Ok(Redirect::to(&format!("/work-orders/{w}")).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/accounts/{account}")).into_response()),
        Err(e) => {
            let mut typed = Typed(f.clone());
            let field = match &e {
                DomainError::Invalid { field, message } => Some((
                    field.split('[').next().unwrap_or("").to_string(),
                    message.clone(),
                )),
                _ => None,
            };
            let e = match field {
                Some((f, m)) => DomainError::invalid(f, m),
                None => e,
            };
            let (status, said) = super::refusal_at(&e, NEW_FIELDS, &mut typed);
            let mut chosen = all(&raw, "product_ids");
            chosen.extend(all(&raw, "subscription_ids"));
            new_page(&s, &u, account, status, typed, Some(said), chosen).await
        }
    }
}

struct LineView {
    product: String,
    installed: bool,
    reason: String,
    measurements: String,
}

#[derive(Template)]
#[template(path = "work_order.html")]
struct Page {
    shell: Shell,
    v: WorkOrderView,
    kind: String,
    state: String,
    account_number: String,
    location: String,
    appointment: String,
    /// (subscription id, product, status words, status key)
    services: Vec<(String, String, String, String)>,
    lines: Vec<LineView>,
    filed: String,
    can_override: bool,
    can_schedule: bool,
    can_dispatch: bool,
    can_arrive: bool,
    can_report: bool,
    can_cancel: bool,
    can_restore: bool,
    /// What cancelling would do, said before it is done.
    preview: String,
    /// Services not installed that can be cancelled alone (after a
    /// partial or failed visit).
    can_cancel_one: bool,
    /// Until when an override's cancellation can be undone.
    grace_until: String,
    /// (id, name) of active technicians.
    technicians: Vec<(String, String)>,
    reasons: Vec<(&'static str, &'static str)>,
    typed: Typed,
    error: Option<String>,
    /// The report's numbers as people write them.
    numbers_shown: String,
}

async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: WorkOrderId,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let v = s.field.get(&actor, id).await?;
    let w = &v.work_order;
    let account = s
        .store
        .account(w.account_id)
        .await?
        .map(|a| a.number)
        .unwrap_or_default();
    let location = s
        .store
        .location(w.location_id)
        .await?
        .map(|l| l.one_line())
        .unwrap_or_default();
    let can_edit = allowed(actor.role, Action::EditCustomer);
    let mine = w.technicians.contains(&u.user.id);
    let technicians = s
        .staff
        .directory(&actor)
        .await?
        .into_iter()
        .filter(|x| x.active && x.role == StaffRole::Technician)
        .map(|x| (x.id.to_string(), x.name))
        .collect();
    let st = w.state;
    let pending_cancel = v
        .services
        .iter()
        .any(|x| x.status == SubscriptionStatus::PendingCancellation);
    let lines = v
        .report
        .as_ref()
        .map(|r| {
            r.lines
                .iter()
                .map(|l| LineView {
                    product: l.product_name.clone(),
                    installed: l.installed,
                    reason: l.reason.clone().unwrap_or_default(),
                    measurements: l
                        .measurements
                        .iter()
                        .map(|m| format!("{} {} {}", m.name, m.value, m.unit))
                        .collect::<Vec<_>>()
                        .join("; "),
                })
                .collect()
        })
        .unwrap_or_default();
    let preview = s.field.cancel_preview(&actor, id).await?;
    let numbers_shown = v
        .report
        .as_ref()
        .map(|r| {
            r.numbers
                .iter()
                .map(|n| extramile_domain::resources::rules::display(n))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let page = Page {
        numbers_shown,
        can_cancel_one: can_edit && rules::is_final(st) && st != WorkOrderState::Cancelled,
        preview,
        grace_until: w.grace_until.map(when).unwrap_or_default(),
        shell: Shell::of(u),
        kind: w.kind.as_str().replace('_', " "),
        state: st.as_str().to_string(),
        account_number: account,
        location,
        appointment: row(w).when,
        services: v
            .services
            .iter()
            .map(|x| {
                (
                    x.subscription_id.to_string(),
                    x.product_name.clone(),
                    x.status.as_str().replace('_', " "),
                    x.status.as_str().to_string(),
                )
            })
            .collect(),
        lines,
        filed: v
            .report
            .as_ref()
            .map(|r| format!("{} by {}", when(r.filed_at), r.filed_by_name))
            .unwrap_or_default(),
        can_override: allowed(actor.role, Action::DecideApprovals),
        can_schedule: can_edit && rules::can_become(st, WorkOrderState::Scheduled),
        can_dispatch: can_edit && rules::can_become(st, WorkOrderState::Dispatched),
        can_arrive: (mine || can_edit) && rules::can_become(st, WorkOrderState::OnSite),
        can_report: (mine || allowed(actor.role, Action::DecideApprovals))
            && st == WorkOrderState::OnSite,
        can_cancel: can_edit
            && (rules::can_become(st, WorkOrderState::Cancelled)
                || (v
                    .report
                    .as_ref()
                    .is_some_and(|r| r.lines.iter().any(|l| l.installed))
                    && !pending_cancel)),
        can_restore: can_edit && pending_cancel,
        technicians,
        reasons: vec![
            ("no_access", "no access"),
            ("customer_absent", "customer absent"),
            ("fault_found", "fault found"),
            ("safety", "safety"),
            ("other", "other"),
        ],
        typed,
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
    page(
        &s,
        &u,
        path_id(&id, "work order")?,
        StatusCode::OK,
        Typed::default(),
        None,
    )
    .await
}

const STEP_FIELDS: super::FieldMap = &[
    ("day", "day", "Day"),
    ("window_start", "window_start", "From"),
    ("window_end", "window_end", "Until"),
    ("technician_ids", "technician_id", "Technician"),
    ("technician_ids[0]", "technician_id", "Technician"),
    ("reason", "reason", "Why"),
    ("confirm", "confirm", "Confirm"),
    ("lines", "lines", "Report"),
    ("equipment_serials", "equipment_serials", "Equipment left"),
    ("numbers", "numbers", "Numbers activated"),
    (
        "not_completed_reason",
        "not_completed_reason",
        "Why nothing was installed",
    ),
    ("signed_by", "signed_by", "Signed by"),
    ("remark", "remark", "Remark"),
];

async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, UiError> {
    let id: WorkOrderId = path_id(&id, "work order")?;
    let raw: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let f: Fields = raw.iter().cloned().collect();
    let actor = u.actor();
    let version: i64 = text(&f, "version").trim().parse().unwrap_or(0);
    let r = match verb.as_str() {
        "schedule" => {
            let tech = text(&f, "technician_id");
            let technician_ids =
                match tech.trim() {
                    "" => Vec::new(),
                    t => vec![t.parse().map_err(|_| {
                        UiError(DomainError::invalid("technician_ids", "choose one"))
                    })?],
                };
            s.field
                .schedule(
                    &actor,
                    id,
                    ScheduleInput {
                        version,
                        day: text(&f, "day"),
                        window_start: text(&f, "window_start"),
                        window_end: text(&f, "window_end"),
                        technician_ids,
                        minutes: None,
                    },
                )
                .await
        }
        "dispatched" | "on_site" | "cancelled" => {
            s.field
                .step(
                    &actor,
                    id,
                    WorkOrderStep {
                        to: verb.clone(),
                        version,
                        reason: f.get("reason").cloned(),
                        override_report: f.get("override_report").is_some_and(|v| v == "yes"),
                        confirm: f.get("confirm").is_some_and(|v| v == "yes"),
                        subscription_id: match text(&f, "subscription_id").trim() {
                            "" => None,
                            x => Some(x.parse().map_err(|_| {
                                UiError(DomainError::invalid(
                                    "subscription_id",
                                    "a service of this work order",
                                ))
                            })?),
                        },
                    },
                )
                .await
        }
        "restore" => s.field.restore(&actor, id, version).await,
        "report" => {
            let subs = all(&raw, "line");
            let mut lines = Vec::new();
            for sub in &subs {
                let measurements = text(&f, &format!("measure_{sub}"))
                    .split(';')
                    .filter(|m| !m.trim().is_empty())
                    .map(|m| {
                        let parts: Vec<&str> = m.split_whitespace().collect();
                        Measurement {
                            name: parts.first().copied().unwrap_or_default().into(),
                            value: parts.get(1).copied().unwrap_or_default().into(),
                            unit: parts.get(2..).map(|x| x.join(" ")).unwrap_or_default(),
                        }
                    })
                    .collect();
                lines.push(ReportLineInput {
                    subscription_id: sub.parse().map_err(|_| {
                        UiError(DomainError::invalid(
                            "lines",
                            "a service of this work order",
                        ))
                    })?,
                    installed: f
                        .get(&format!("installed_{sub}"))
                        .is_some_and(|v| v == "yes"),
                    reason: f.get(&format!("reason_{sub}")).cloned(),
                    measurements,
                });
            }
            let list = |k: &str| {
                text(&f, k)
                    .split([',', '\n'])
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
            };
            let not_completed_reason = match text(&f, "not_completed_reason").trim() {
                "" => None,
                r => Some(NotDoneReason::parse("not_completed_reason", r).map_err(UiError)?),
            };
            s.field
                .complete(
                    &actor,
                    id,
                    CompletionInput {
                        version,
                        lines,
                        equipment_serials: list("equipment_serials"),
                        numbers: list("numbers"),
                        signed_by: f.get("signed_by").cloned(),
                        remark: f.get("remark").cloned(),
                        not_completed_reason,
                    },
                )
                .await
        }
        _ => return Err(UiError(DomainError::NotFound("action".into()))),
    };
    match r {
        Ok(_) => {
            let back = text(&f, "back");
            let to = if super::site_path(&back) {
                back
            } else {
                format!("/work-orders/{id}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let mut typed = Typed(f.clone());
            typed.0.insert("_form".into(), verb.clone());
            let e = match e {
                DomainError::Invalid { field, message } if field.starts_with("lines[") => {
                    let n: usize = field
                        .trim_start_matches("lines[")
                        .split(']')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let name = all(&raw, "line")
                        .get(n)
                        .and_then(|sid| text(&f, &format!("name_{sid}")).into())
                        .unwrap_or_default();
                    DomainError::invalid("lines", format!("{name}: {message}"))
                }
                DomainError::Invalid { field, message }
                    if field.starts_with("numbers[") || field.starts_with("equipment_serials[") =>
                {
                    DomainError::invalid(field.split('[').next().unwrap_or_default(), message)
                }
                other => other,
            };
            let (status, said) = super::refusal_at(&e, STEP_FIELDS, &mut typed);
            page(&s, &u, id, status, typed, Some(said)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/work-orders/new", get(new_form))
        .route("/accounts/{id}/work-orders", post(create))
        .route("/work-orders/{id}", get(show))
        .route("/work-orders/{id}/{verb}", post(act))
}
