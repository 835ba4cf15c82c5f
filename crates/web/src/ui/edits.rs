//! Edit forms for accounts, service locations and contact points. Each
//! form carries the version it showed; a stale save says so.

use super::UiError;
use super::forms::{FormSpec, Values, field, opt, text, version};
use super::path_id as id;
use crate::auth::CurrentUser;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::customers::inputs::*;
use extramile_domain::customers::model::*;

type Page = Result<Response, UiError>;

fn missing(what: &str) -> UiError {
    UiError(DomainError::NotFound(what.into()))
}

fn options<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (v.to_string(), v.to_string().replace('_', " ")))
        .collect()
}

fn account_form(a: &Account) -> FormSpec {
    FormSpec::new(
        format!("Edit account {}", a.number),
        format!("/accounts/{}/edit", a.id),
        format!("/accounts/{}", a.id),
        "Save",
        vec![
            field("version", "", "hidden").value(a.version.to_string()),
            field("name", "Account name", "text")
                .required()
                .value(&a.name),
            field("account_type", "Type", "select")
                .options(options(AccountType::ALL))
                .value(a.account_type.as_str()),
            field("status", "Status", "select")
                .options(options(AccountStatus::ALL))
                .value(a.status.as_str()),
            field("reason", "Reason", "text")
                .hint("Required to close an account or set it to pending cancellation"),
        ],
    )
}

async fn edit_account(State(s): State<AppState>, u: CurrentUser, Path(a): Path<String>) -> Page {
    let acc = s
        .store
        .account(id(&a, "account")?)
        .await?
        .ok_or_else(|| missing("account"))?;
    Ok(account_form(&acc).page(&u))
}

async fn save_account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let aid = id(&a, "account")?;
    let input = AccountUpdate {
        version: version(&v),
        name: Some(text(&v, "name")),
        account_type: opt(&v, "account_type"),
        status: opt(&v, "status"),
        reason: opt(&v, "reason"),
    };
    Ok(
        match s.customers.update_account(&u.actor(), aid, input).await {
            Ok(_) => Redirect::to(&format!("/accounts/{a}")).into_response(),
            Err(e) => {
                let acc = s
                    .store
                    .account(aid)
                    .await?
                    .ok_or_else(|| missing("account"))?;
                account_form(&acc).retry(e, &v).page(&u)
            }
        },
    )
}

fn location_form(l: &ServiceLocation) -> FormSpec {
    FormSpec::new(
        "Edit service location",
        format!("/locations/{}/edit", l.id),
        format!("/accounts/{}", l.account_id),
        "Save",
        vec![
            field("version", "", "hidden").value(l.version.to_string()),
            field("line1", "Street and number", "text")
                .required()
                .value(&l.line1),
            field("line2", "Apartment, floor", "text").value(l.line2.clone().unwrap_or_default()),
            field("city", "City", "text").required().value(&l.city),
            field("region", "State / region", "text").value(l.region.clone().unwrap_or_default()),
            field("postcode", "Postcode", "text")
                .required()
                .value(&l.postcode),
        ],
    )
}

async fn edit_location(State(s): State<AppState>, u: CurrentUser, Path(l): Path<String>) -> Page {
    let loc = s
        .store
        .location(id(&l, "service location")?)
        .await?
        .ok_or_else(|| missing("service location"))?;
    Ok(location_form(&loc).page(&u))
}

async fn save_location(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(l): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let lid = id(&l, "service location")?;
    let input = LocationUpdate {
        version: version(&v),
        line1: Some(text(&v, "line1")),
        line2: Some(text(&v, "line2")),
        city: Some(text(&v, "city")),
        region: Some(text(&v, "region")),
        postcode: Some(text(&v, "postcode")),
    };
    Ok(
        match s.customers.update_location(&u.actor(), lid, input).await {
            Ok(loc) => Redirect::to(&format!("/accounts/{}", loc.account_id)).into_response(),
            Err(e) => {
                let loc = s
                    .store
                    .location(lid)
                    .await?
                    .ok_or_else(|| missing("service location"))?;
                location_form(&loc).retry(e, &v).page(&u)
            }
        },
    )
}

fn contact_form(c: &ContactPoint) -> FormSpec {
    FormSpec::new(
        format!("Edit {}", c.kind),
        format!("/contact-points/{}/edit", c.id),
        format!("/people/{}", c.person_id),
        "Save",
        vec![
            field("version", "", "hidden").value(c.version.to_string()),
            field("value", "Value", "text").required().value(&c.value),
            field("label", "Label", "text").value(c.label.clone().unwrap_or_default()),
        ],
    )
}

async fn edit_contact(State(s): State<AppState>, u: CurrentUser, Path(c): Path<String>) -> Page {
    let cp = s
        .store
        .contact_point(id(&c, "contact point")?)
        .await?
        .ok_or_else(|| missing("contact point"))?;
    Ok(contact_form(&cp).page(&u))
}

async fn save_contact(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(c): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let cid = id(&c, "contact point")?;
    let input = ContactPointUpdate {
        version: version(&v),
        value: Some(text(&v, "value")),
        label: opt(&v, "label"),
        is_primary: None,
    };
    Ok(
        match s
            .customers
            .update_contact_point(&u.actor(), cid, input)
            .await
        {
            Ok(cp) => Redirect::to(&format!("/people/{}", cp.person_id)).into_response(),
            Err(e) => {
                let cp = s
                    .store
                    .contact_point(cid)
                    .await?
                    .ok_or_else(|| missing("contact point"))?;
                contact_form(&cp).retry(e, &v).page(&u)
            }
        },
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/edit", get(edit_account).post(save_account))
        .route(
            "/locations/{id}/edit",
            get(edit_location).post(save_location),
        )
        .route(
            "/contact-points/{id}/edit",
            get(edit_contact).post(save_contact),
        )
}
