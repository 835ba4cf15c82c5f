//! Port-in orders in the console: the number-porting queue, starting one
//! from a case, and one order's page with its steps.

use super::{Fields, Shell, Typed, UiError, path_id, render, text};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::ids::{CaseId, PortingOrderId};
use extramile_domain::resources::rules::display;
use extramile_domain::resources::*;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/porting", get(porting).post(porting_create))
        .route("/porting/{id}", get(porting_show))
        .route("/porting/{id}/{verb}", post(porting_act))
}

/// A port order as the queue lists it.
pub struct PortRow {
    pub id: String,
    pub account: String,
    pub account_id: String,
    pub numbers: String,
    pub donor: String,
    pub state: String,
    pub requested: String,
    pub foc: String,
}

fn port_row(p: &PortingOrder) -> PortRow {
    PortRow {
        id: p.id.to_string(),
        account: format!("{} {}", p.account_number, p.account_name),
        account_id: p.account_id.to_string(),
        numbers: p
            .numbers
            .iter()
            .map(|n| display(n))
            .collect::<Vec<_>>()
            .join(", "),
        donor: p.donor.clone(),
        state: p.state.as_str().into(),
        requested: p.requested_date.strftime("%a %-d %b %Y").to_string(),
        foc: p
            .foc_date
            .map(|d| d.strftime("%a %-d %b %Y").to_string())
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "porting.html")]
struct PortingPage {
    shell: Shell,
    rows: Vec<PortRow>,
    /// Starting one from a case: (case id, "the case's subject").
    case: Option<(String, String)>,
    typed: Typed,
    error: Option<String>,
}

const PORT_FIELDS: super::FieldMap = &[
    ("donor", "donor", "Donor provider"),
    ("numbers", "numbers", "Numbers"),
    (
        "donor_account",
        "donor_account",
        "Account number at the donor",
    ),
    ("donor_pin", "donor_pin", "PIN at the donor"),
    ("requested_date", "requested_date", "Requested date"),
    ("case_id", "case_id", "Case"),
];

#[derive(Deserialize, Default)]
struct PortQuery {
    case: Option<String>,
}

async fn porting_page(
    s: &AppState,
    u: &CurrentUser,
    case: Option<CaseId>,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let rows = s
        .resources
        .porting_orders(&actor, None)
        .await?
        .iter()
        .map(port_row)
        .collect();
    let case = match case {
        Some(c) => {
            let (c, _) = s
                .store
                .case(c)
                .await?
                .ok_or_else(|| UiError(DomainError::NotFound("case".into())))?;
            Some((c.id.to_string(), c.title.clone()))
        }
        None => None,
    };
    let page = PortingPage {
        shell: Shell::of(u),
        rows,
        case,
        typed,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn porting(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<PortQuery>,
) -> Result<Response, UiError> {
    let case = match q.case.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(path_id(c, "case")?),
        None => None,
    };
    porting_page(&s, &u, case, StatusCode::OK, Typed::default(), None).await
}

async fn porting_create(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let case: Option<CaseId> = text(&f, "case_id").parse().ok();
    let r = match case {
        None => Err(DomainError::invalid(
            "case_id",
            "start a port-in from its case",
        )),
        Some(c) => {
            s.resources
                .create_porting(
                    &u.actor(),
                    NewPortingOrder {
                        case_id: c,
                        donor: text(&f, "donor"),
                        numbers: text(&f, "numbers")
                            .split([',', '\n'])
                            .map(|x| x.trim().to_string())
                            .filter(|x| !x.is_empty())
                            .collect(),
                        loa_received: f.get("loa_received").is_some_and(|v| v == "yes"),
                        donor_account: text(&f, "donor_account"),
                        donor_pin: f.get("donor_pin").cloned().filter(|p| !p.is_empty()),
                        requested_date: text(&f, "requested_date"),
                    },
                )
                .await
        }
    };
    match r {
        Ok(p) => Ok(Redirect::to(&format!("/porting/{}", p.id)).into_response()),
        Err(e) => {
            let e = match e {
                DomainError::Invalid { field, message } if field.starts_with("numbers[") => {
                    DomainError::invalid("numbers", message)
                }
                e => e,
            };
            let mut typed = Typed(f.clone());
            let (status, said) = super::refusal_at(&e, PORT_FIELDS, &mut typed);
            porting_page(&s, &u, case, status, typed, Some(said)).await
        }
    }
}

#[derive(Template)]
#[template(path = "porting_order.html")]
struct PortOrderPage {
    shell: Shell,
    p: PortingOrder,
    row: PortRow,
    /// (to, button words)
    steps: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn port_order_page(
    s: &AppState,
    u: &CurrentUser,
    id: PortingOrderId,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let p = s.resources.porting_order(&actor, id).await?;
    let mut steps = Vec::new();
    if matches!(
        actor.role,
        extramile_domain::admin::StaffRole::Specialist
            | extramile_domain::admin::StaffRole::Supervisor
            | extramile_domain::admin::StaffRole::Admin
    ) {
        use PortState::*;
        for (to, words) in [
            (Submitted, "Submit to the donor"),
            (Pending, "The donor acknowledged it"),
            (Scheduled, "Set the FOC date"),
            (Completed, "Ported: numbers are ours"),
            (Rejected, "The donor rejected it"),
            (Cancelled, "Cancel the port"),
        ] {
            if extramile_domain::resources::rules::port_allowed(p.state, to) {
                steps.push((to.as_str(), words));
            }
        }
    }
    let page = PortOrderPage {
        shell: Shell::of(u),
        row: port_row(&p),
        p,
        steps,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn porting_show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    port_order_page(&s, &u, path_id(&id, "port order")?, StatusCode::OK, None).await
}

async fn porting_act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: PortingOrderId = path_id(&id, "port order")?;
    let r = s
        .resources
        .porting_step(
            &u.actor(),
            id,
            PortStep {
                to: verb,
                version: text(&f, "version").trim().parse().unwrap_or(0),
                foc_date: f.get("foc_date").cloned().filter(|d| !d.is_empty()),
                reason: f.get("reason").cloned(),
                loa_received: f.get("loa_received").map(|v| v == "yes"),
                subscription_id: None,
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/porting/{id}")).into_response()),
        Err(e) => {
            let (status, said) = super::refusal_labelled(
                &e,
                &[
                    ("loa_received", "Letter of authorization"),
                    ("foc_date", "FOC date"),
                    ("reason", "Why"),
                    ("subscription_id", "Phone service"),
                ],
            );
            port_order_page(&s, &u, id, status, Some(said)).await
        }
    }
}
