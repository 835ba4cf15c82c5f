//! Numbers and equipment in the console: number search and reservation, a
//! number's or a serial's page with its history and what may be done by
//! hand.

use super::{Fields, Shell, UiError, path_id, render, text, when};
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
use extramile_domain::ids::AccountId;
use extramile_domain::resources::rules::display;
use extramile_domain::resources::*;
use serde::Deserialize;

/// A number or a piece of equipment as the account page lists it.
pub struct HoldingRow {
    pub href: String,
    pub label: String,
    pub state: String,
    pub words: String,
}

fn until(t: Option<jiff::Timestamp>) -> String {
    t.map(when).unwrap_or_default()
}

pub fn holding_rows(h: &Holdings) -> Vec<HoldingRow> {
    let mut out: Vec<HoldingRow> = h
        .numbers
        .iter()
        .map(|n| HoldingRow {
            href: format!("/numbers/{}", n.number),
            label: display(&n.number),
            state: n.state.as_str().into(),
            words: match n.state {
                NumberState::Aging => format!(
                    "aging: kept for this account until {} (no one else can have it)",
                    until(n.until)
                ),
                NumberState::Reserved => format!("reserved until {}", until(n.until)),
                NumberState::PortingIn => "porting in".into(),
                s => s.as_str().replace('_', " "),
            },
        })
        .collect();
    out.extend(h.equipment.iter().map(|e| HoldingRow {
        href: format!("/equipment/{}", e.serial),
        label: format!("{} {}", e.model, e.serial),
        state: e.state.as_str().into(),
        words: match e.state {
            EquipmentState::PendingReturn => "to be collected".into(),
            s => s.as_str().replace('_', " "),
        },
    }));
    out
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    area_code: Option<String>,
    pattern: Option<String>,
    account: Option<String>,
}

#[derive(Template)]
#[template(path = "numbers.html")]
struct NumbersPage {
    shell: Shell,
    area_code: String,
    pattern: String,
    /// Reserving for this account: (id, "EM… name").
    account: Option<(String, String)>,
    /// (number, as written, version)
    results: Vec<(String, String, i64)>,
    searched: bool,
    error: Option<String>,
}

async fn numbers(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let account = match q.account.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => {
            let id: AccountId = path_id(a, "account")?;
            let acc = s
                .store
                .account(id)
                .await?
                .ok_or_else(|| UiError(DomainError::NotFound("account".into())))?;
            Some((id.to_string(), format!("{} {}", acc.number, acc.name)))
        }
        None => None,
    };
    let searched = q.area_code.is_some() || q.pattern.is_some();
    let (results, error, status) = if searched {
        match s
            .resources
            .search(
                &actor,
                q.area_code.as_deref(),
                q.pattern.as_deref(),
                Some(20),
            )
            .await
        {
            Ok(r) => (
                r.iter()
                    .map(|n| (n.number.clone(), display(&n.number), n.version))
                    .collect(),
                None,
                StatusCode::OK,
            ),
            Err(e) => {
                let (st, said) = super::refusal_labelled(
                    &e,
                    &[("area_code", "Area code"), ("pattern", "Digits or pattern")],
                );
                (Vec::new(), Some(said), st)
            }
        }
    } else {
        (Vec::new(), None, StatusCode::OK)
    };
    let page = NumbersPage {
        shell: Shell::of(&u),
        area_code: q.area_code.unwrap_or_default(),
        pattern: q.pattern.unwrap_or_default(),
        account,
        results,
        searched,
        error,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourcePage {
    shell: Shell,
    /// "number" or "equipment"
    what: &'static str,
    title: String,
    key: String,
    state: String,
    facts: Vec<(String, String)>,
    account: Option<(String, String)>,
    version: i64,
    history: Vec<(String, String, String)>,
    /// (verb, button words, needs: "reason" | "return" | "stock" | "")
    actions: Vec<(&'static str, &'static str, &'static str)>,
    offices: Vec<(String, String)>,
    vans: Vec<(String, String)>,
    error: Option<String>,
}

fn history_rows(h: &[ResourceEvent]) -> Vec<(String, String, String)> {
    h.iter()
        .map(|e| (when(e.at), e.description.clone(), e.actor_name.clone()))
        .collect()
}

async fn account_link(
    s: &AppState,
    id: Option<AccountId>,
) -> Result<Option<(String, String)>, UiError> {
    let Some(id) = id else { return Ok(None) };
    Ok(s.store
        .account(id)
        .await?
        .map(|a| (a.id.to_string(), format!("{} {}", a.number, a.name))))
}

async fn number_page(
    s: &AppState,
    u: &CurrentUser,
    n: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let v = s.resources.number(&actor, n).await?;
    let edit = allowed(actor.role, Action::EditCustomer);
    let admin = allowed(actor.role, Action::ManageCatalog);
    let mut actions = Vec::new();
    match v.effective_state {
        NumberState::Reserved if edit => actions.push(("available", "Release the reservation", "")),
        NumberState::Available if admin => {
            actions.push(("administrative", "Hold for administration", "reason"))
        }
        NumberState::Administrative if admin => {
            actions.push(("available", "Make it available", ""))
        }
        NumberState::Assigned
            if matches!(
                actor.role,
                extramile_domain::admin::StaffRole::Specialist
                    | extramile_domain::admin::StaffRole::Supervisor
                    | extramile_domain::admin::StaffRole::Admin
            ) =>
        {
            actions.push(("ported_out", "Port it out", "reason"))
        }
        _ => {}
    }
    let mut facts = vec![(
        "State".to_string(),
        v.effective_state.as_str().replace('_', " "),
    )];
    if let Some(t) = v
        .number
        .until
        .filter(|_| v.effective_state != NumberState::Available)
    {
        facts.push((
            if v.number.state == NumberState::Aging {
                "Aging until".into()
            } else {
                "Reserved until".into()
            },
            when(t),
        ));
    }
    if let Some(t) = v.number.since {
        facts.push(("Aging since".into(), when(t)));
    }
    if let Some(note) = &v.number.note {
        facts.push(("Note".into(), note.clone()));
    }
    let page = ResourcePage {
        shell: Shell::of(u),
        what: "numbers",
        title: display(&v.number.number),
        key: v.number.number.clone(),
        state: v.effective_state.as_str().into(),
        facts,
        account: account_link(s, v.number.account_id).await?,
        version: v.number.version,
        history: history_rows(&v.history),
        actions,
        offices: Vec::new(),
        vans: Vec::new(),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn number_show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(n): Path<String>,
) -> Result<Response, UiError> {
    number_page(&s, &u, &n, StatusCode::OK, None).await
}

async fn number_act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((n, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let account = match text(&f, "account_id").trim() {
        "" => None,
        a => Some(path_id::<AccountId>(a, "account")?),
    };
    let r = s
        .resources
        .number_step(
            &u.actor(),
            &n,
            NumberStep {
                to: verb,
                version: text(&f, "version").trim().parse().unwrap_or(0),
                account_id: account,
                hours: None,
                reason: f.get("reason").cloned(),
            },
        )
        .await;
    match r {
        Ok(v) => {
            let back = text(&f, "back");
            Ok(Redirect::to(&if super::site_path(&back) {
                back
            } else {
                format!("/numbers/{}", v.number.number)
            })
            .into_response())
        }
        Err(e) => {
            let (status, said) =
                super::refusal_labelled(&e, &[("reason", "Why"), ("account_id", "Account")]);
            number_page(&s, &u, &n, status, Some(said)).await
        }
    }
}

async fn places(
    s: &AppState,
    u: &CurrentUser,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), UiError> {
    let actor = u.actor();
    let offices = s
        .orders
        .offices(&actor)
        .await?
        .into_iter()
        .map(|o| (o.office.id.to_string(), o.office.name))
        .collect();
    let vans = s
        .staff
        .directory(&actor)
        .await?
        .into_iter()
        .filter(|x| x.active && x.role == extramile_domain::admin::StaffRole::Technician)
        .map(|x| (x.id.to_string(), format!("{}'s van", x.name)))
        .collect();
    Ok((offices, vans))
}

async fn equipment_page(
    s: &AppState,
    u: &CurrentUser,
    serial: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let v = s.resources.equipment(&actor, serial).await?;
    let e = &v.equipment;
    let edit = allowed(actor.role, Action::EditCustomer);
    let mut actions = Vec::new();
    if edit {
        match e.state {
            EquipmentState::Assigned | EquipmentState::PendingReturn => {
                actions.push(("returned", "Record its return", "return"))
            }
            EquipmentState::Returned => {
                if e.condition != Some(Condition::Faulty) {
                    actions.push(("in_stock", "Put back in stock", "stock"));
                }
                actions.push(("retired", "Retire it", "reason"));
            }
            EquipmentState::InStock => {
                actions.push(("in_stock", "Move the stock", "stock"));
                actions.push(("retired", "Retire it", "reason"));
            }
            EquipmentState::Retired => {}
        }
    }
    let (offices, vans) = places(s, u).await?;
    let mut facts = vec![
        ("Model".to_string(), e.model.clone()),
        ("State".into(), e.state.as_str().replace('_', " ")),
    ];
    if let Some(o) = e.office_id {
        facts.push((
            "At".into(),
            offices
                .iter()
                .find(|x| x.0 == o.to_string())
                .map(|x| x.1.clone())
                .unwrap_or_default(),
        ));
    }
    if let Some(t) = e.van_staff_id {
        facts.push((
            "In".into(),
            vans.iter()
                .find(|x| x.0 == t.to_string())
                .map(|x| x.1.clone())
                .unwrap_or_default(),
        ));
    }
    if let Some(c) = e.condition {
        facts.push(("Came back".into(), c.as_str().into()));
    }
    let page = ResourcePage {
        shell: Shell::of(u),
        what: "equipment",
        title: format!("{} {}", e.model, e.serial),
        key: e.serial.clone(),
        state: e.state.as_str().into(),
        facts,
        account: account_link(s, e.account_id).await?,
        version: e.version,
        history: history_rows(&v.history),
        actions,
        offices,
        vans,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn equipment_show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(serial): Path<String>,
) -> Result<Response, UiError> {
    equipment_page(&s, &u, &serial, StatusCode::OK, None).await
}

async fn equipment_act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((serial, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    // One select names an office or a van: "office:ID" or "van:ID".
    let place = text(&f, "place");
    let (office_id, van_staff_id) = match place.split_once(':') {
        Some(("office", id)) => (Some(path_id(id, "office")?), None),
        Some(("van", id)) => (None, Some(path_id(id, "technician")?)),
        _ => (None, None),
    };
    let r = s
        .resources
        .equipment_step(
            &u.actor(),
            &serial,
            EquipmentStep {
                to: verb,
                version: text(&f, "version").trim().parse().unwrap_or(0),
                condition: f.get("condition").cloned().filter(|c| !c.is_empty()),
                office_id,
                van_staff_id,
                reason: f.get("reason").cloned(),
            },
        )
        .await;
    match r {
        Ok(v) => Ok(Redirect::to(&format!("/equipment/{}", v.equipment.serial)).into_response()),
        Err(e) => {
            let (status, said) = super::refusal_labelled(
                &e,
                &[
                    ("office_id", "Where"),
                    ("van_staff_id", "Where"),
                    ("condition", "Condition"),
                    ("reason", "Why"),
                ],
            );
            equipment_page(&s, &u, &serial, status, Some(said)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/numbers", get(numbers))
        .route("/numbers/{n}", get(number_show))
        .route("/numbers/{n}/{verb}", post(number_act))
        .route("/equipment/{serial}", get(equipment_show))
        .route("/equipment/{serial}/{verb}", post(equipment_act))
}
