//! Moves in the console: planning one from the account (the services that
//! move, the new address, the final reading), its page with its visits,
//! completing and cancelling it.

use super::{Fields, Shell, Typed, UiError, path_id, render, text};
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
use extramile_domain::customers::inputs::NewLocation;
use extramile_domain::customers::model::SubscriptionStatus;
use extramile_domain::ids::{AccountId, MoveId};
use extramile_domain::moves::*;

#[derive(Template)]
#[template(path = "move_new.html")]
struct NewPage {
    shell: Shell,
    account_id: String,
    account: String,
    locations: Vec<(String, String)>,
    /// Active services: (id, "Internet 100 at 14 Elm St")
    services: Vec<(String, String)>,
    today: String,
    typed: Typed,
    error: Option<String>,
    /// Services ticked when the form came back refused (all on first view).
    chosen: Option<Vec<String>>,
}

const FIELDS: super::FieldMap = &[
    ("from_location_id", "from_location_id", "From"),
    ("to_location_id", "to_location_id", "To"),
    ("to_address.line1", "to_line1", "New address"),
    ("to_address.city", "to_city", "City"),
    ("to_address.postcode", "to_postcode", "Postcode"),
    ("move_date", "move_date", "Moving on"),
    ("start_date", "start_date", "Service starts"),
    ("subscription_ids", "subscription_ids", "Services that move"),
    ("reading", "meter_id", "Final meter reading"),
    ("reading.meter_id", "meter_id", "Meter"),
    ("reading.value", "reading_value", "Reading"),
    ("reading.unit", "reading_unit", "Unit"),
    ("reading.read_on", "read_on", "Read on"),
];

async fn new_page(
    s: &AppState,
    u: &CurrentUser,
    account: AccountId,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
    chosen: Option<Vec<String>>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let c = s.customers.customer_360(&actor, account).await?;
    let loc = |id| {
        c.locations
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.one_line())
            .unwrap_or_default()
    };
    let page = NewPage {
        shell: Shell::of(u),
        account_id: account.to_string(),
        account: format!("{} · {}", c.account.number, c.account.name),
        locations: c
            .locations
            .iter()
            .map(|l| (l.id.to_string(), l.one_line()))
            .collect(),
        services: c
            .subscriptions
            .iter()
            .filter(|x| x.subscription.status == SubscriptionStatus::Active)
            .map(|x| {
                (
                    x.subscription.id.to_string(),
                    format!("{} at {}", x.product.name, loc(x.subscription.location_id)),
                )
            })
            .collect(),
        today: jiff::Timestamp::now()
            .to_zoned(s.time_zone.clone())
            .date()
            .to_string(),
        typed,
        error,
        chosen,
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
        None,
    )
    .await
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
    let parse = || -> Result<NewMove, DomainError> {
        let id_of = |k: &str| -> Result<Option<extramile_domain::ids::LocationId>, DomainError> {
            match text(&f, k).trim() {
                "" | "new" => Ok(None),
                v => v
                    .parse()
                    .map(Some)
                    .map_err(|_| DomainError::invalid(k, "choose one")),
            }
        };
        let to_location_id = id_of("to_location_id")?;
        Ok(NewMove {
            from_location_id: id_of("from_location_id")?
                .ok_or_else(|| DomainError::invalid("from_location_id", "choose one"))?,
            to_address: match to_location_id {
                Some(_) => None,
                None => Some(NewLocation {
                    line1: text(&f, "to_line1"),
                    line2: None,
                    city: text(&f, "to_city"),
                    region: f.get("to_region").cloned().filter(|r| !r.is_empty()),
                    postcode: text(&f, "to_postcode"),
                    country: None,
                    time_zone: None,
                }),
            },
            to_location_id,
            move_date: text(&f, "move_date"),
            start_date: f.get("start_date").cloned(),
            subscription_ids: raw
                .iter()
                .filter(|(k, _)| k == "subscription_ids")
                .map(|(_, v)| {
                    v.parse().map_err(|_| {
                        DomainError::invalid("subscription_ids", "choose from the list")
                    })
                })
                .collect::<Result<_, _>>()?,
            reading: match text(&f, "meter_id").trim() {
                "" => None,
                _ => Some(ReadingInput {
                    meter_id: text(&f, "meter_id"),
                    value: text(&f, "reading_value"),
                    unit: text(&f, "reading_unit"),
                    read_on: f.get("read_on").cloned(),
                    meter_change: f.get("meter_change").is_some_and(|v| v == "yes"),
                    photo_ref: None,
                }),
            },
            accept_gap: f.get("accept_gap").is_some_and(|v| v == "yes"),
            access_notes: f.get("access_notes").cloned(),
            case_id: None,
        })
    };
    let r = match parse() {
        Ok(input) => s.moves.create(&u.actor(), account, input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(v) => Ok(Redirect::to(&format!("/moves/{}", v.r#move.id)).into_response()),
        Err(e) => {
            let e = match e {
                DomainError::Invalid { field, message }
                    if field.starts_with("subscription_ids[") =>
                {
                    DomainError::invalid("subscription_ids", message)
                }
                e => e,
            };
            let mut typed = Typed(f.clone());
            let (status, said) = super::refusal_at(&e, FIELDS, &mut typed);
            let chosen = raw
                .iter()
                .filter(|(k, _)| k == "subscription_ids")
                .map(|(_, v)| v.clone())
                .collect();
            new_page(&s, &u, account, status, typed, Some(said), Some(chosen)).await
        }
    }
}

#[derive(Template)]
#[template(path = "move.html")]
struct Page {
    shell: Shell,
    v: MoveView,
    account: String,
    services: Vec<String>,
    can_edit: bool,
    error: Option<String>,
}

async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: MoveId,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let v = s.moves.get(&actor, id).await?;
    let m = &v.r#move;
    let account = s
        .store
        .account(m.account_id)
        .await?
        .map(|a| format!("{} · {}", a.number, a.name))
        .unwrap_or_default();
    let mut services = Vec::new();
    for sid in &m.subscriptions {
        if let Some(sub) = s.store.subscription(*sid).await?
            && let Some(p) = s.store.product(sub.product_id).await?
        {
            services.push(p.name);
        }
    }
    let page = Page {
        shell: Shell::of(u),
        can_edit: allowed(actor.role, Action::EditCustomer) && m.state == MoveState::Planned,
        account,
        services,
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
    page(&s, &u, path_id(&id, "move")?, StatusCode::OK, None).await
}

async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    axum::extract::Form(f): axum::extract::Form<Fields>,
) -> Result<Response, UiError> {
    let id: MoveId = path_id(&id, "move")?;
    let r = s
        .moves
        .step(
            &u.actor(),
            id,
            MoveStep {
                to: verb,
                version: text(&f, "version").trim().parse().unwrap_or(0),
                reason: f.get("reason").cloned(),
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/moves/{id}")).into_response()),
        Err(e) => {
            let (status, said) = super::refusal_labelled(&e, &[("reason", "Why")]);
            page(&s, &u, id, status, Some(said)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/moves/new", get(new_form))
        .route("/accounts/{id}/moves", post(create))
        .route("/moves/{id}", get(show))
        .route("/moves/{id}/{verb}", post(act))
}
