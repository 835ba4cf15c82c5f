//! Account forms: locations, subscriptions, representatives, ending a
//! role, notes.

use super::UiError;
use super::forms::{FormSpec, Values, field, opt, text, version};
use super::path_id as id;
use crate::auth::CurrentUser;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::customers::inputs::*;
use extramile_domain::customers::model::*;
use extramile_domain::customers::rules::is_current_holder;
use extramile_domain::ids::*;

type Page = Result<Response, UiError>;

fn to_account(a: impl std::fmt::Display) -> Response {
    Redirect::to(&format!("/accounts/{a}")).into_response()
}

pub(super) fn location_form(a: &str) -> FormSpec {
    FormSpec::new(
        "Add service location",
        format!("/accounts/{a}/locations/new"),
        format!("/accounts/{a}"),
        "Add",
        vec![
            field("line1", "Street and number", "text").required(),
            field("line2", "Apartment, floor", "text"),
            field("city", "City", "text").required(),
            field("region", "State / region", "text"),
            field("postcode", "Postcode", "text").required(),
            field("country", "Country", "text")
                .value("US")
                .hint("Two letters, e.g. US"),
            field("time_zone", "Time zone", "text")
                .hint("Where known, e.g. America/Denver: staff then see the customer's local time"),
        ],
    )
}

async fn new_location(u: CurrentUser, Path(a): Path<String>) -> Response {
    location_form(&a).page(&u)
}

async fn add_location(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let aid: AccountId = id(&a, "account")?;
    let input = NewLocation {
        line1: text(&v, "line1"),
        line2: opt(&v, "line2"),
        city: text(&v, "city"),
        region: opt(&v, "region"),
        postcode: text(&v, "postcode"),
        country: opt(&v, "country"),
        time_zone: opt(&v, "time_zone"),
    };
    Ok(
        match s.customers.add_location(&u.actor(), aid, input).await {
            Ok(_) => to_account(aid),
            Err(e) => location_form(&a).fill(&v).with_error(e, &|_| None).page(&u),
        },
    )
}

async fn subscription_form(s: &AppState, u: &CurrentUser, a: &str) -> Result<FormSpec, UiError> {
    let v = s
        .customers
        .customer_360(&u.actor(), id(a, "account")?)
        .await?;
    let products = s.customers.products(&u.actor()).await?;
    let locs: Vec<(String, String)> = v
        .locations
        .iter()
        .map(|l| (l.id.to_string(), l.one_line()))
        .collect();
    if locs.is_empty() {
        return Err(UiError(DomainError::Conflict(
            "add a service location first: a subscription is delivered at one".into(),
        )));
    }
    Ok(FormSpec::new(
        "Add subscription",
        format!("/accounts/{a}/subscriptions/new"),
        format!("/accounts/{a}"),
        "Subscribe",
        vec![
            field("location_id", "Location", "select").options(locs),
            field("product_id", "Product", "select").options(
                products
                    .iter()
                    .map(|p| {
                        (
                            p.id.to_string(),
                            format!(
                                "{} ({}/month)",
                                p.name,
                                super::money(p.monthly_price_minor, &p.currency)
                            ),
                        )
                    })
                    .collect(),
            ),
            field("start_date", "Start date", "date").value(jiff::Zoned::now().date().to_string()),
        ],
    ))
}

async fn new_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
) -> Page {
    Ok(subscription_form(&s, &u, &a).await?.page(&u))
}

async fn add_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let aid: AccountId = id(&a, "account")?;
    let bad = |f: &str| DomainError::invalid(f, "choose one from the list");
    let result = async {
        let input = NewSubscription {
            location_id: text(&v, "location_id")
                .parse()
                .map_err(|_| bad("location_id"))?,
            product_id: text(&v, "product_id")
                .parse()
                .map_err(|_| bad("product_id"))?,
            start_date: opt(&v, "start_date"),
        };
        s.customers.add_subscription(&u.actor(), aid, input).await
    }
    .await;
    Ok(match result {
        Ok(_) => to_account(aid),
        Err(e) => subscription_form(&s, &u, &a)
            .await?
            .fill(&v)
            .with_error(e, &|_| None)
            .page(&u),
    })
}

async fn change_form(
    s: &AppState,
    u: &CurrentUser,
    sid: &str,
) -> Result<(FormSpec, AccountId), UiError> {
    let sub = s
        .store
        .subscription(id(sid, "subscription")?)
        .await?
        .ok_or_else(|| UiError(DomainError::NotFound("subscription".into())))?;
    let products = s.customers.products(&u.actor()).await?;
    let kind = products
        .iter()
        .find(|p| p.id == sub.product_id)
        .map(|p| p.kind);
    let same_kind: Vec<(String, String)> = products
        .iter()
        .filter(|p| Some(p.kind) == kind)
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    let statuses = SubscriptionStatus::ALL
        .iter()
        .filter(|s| **s != SubscriptionStatus::Cancelled)
        .map(|s| (s.as_str().to_string(), s.as_str().replace('_', " ")))
        .collect();
    Ok((
        FormSpec::new(
            "Change subscription",
            format!("/subscriptions/{sid}/change"),
            format!("/accounts/{}", sub.account_id),
            "Save change",
            vec![
                field("version", "", "hidden").value(sub.version.to_string()),
                field("product_id", "Product", "select")
                    .options(same_kind)
                    .value(sub.product_id.to_string()),
                field("status", "Status", "select")
                    .options(statuses)
                    .value(sub.status.as_str()),
                field("reason", "Reason", "text")
                    .hint("Recorded in the history, e.g. speed upgrade requested"),
            ],
        )
        .intro("Cancelling a subscription is done through its order, so it can be restored."),
        sub.account_id,
    ))
}

async fn edit_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<String>,
) -> Page {
    Ok(change_form(&s, &u, &sid).await?.0.page(&u))
}

async fn change_subscription(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let input = SubscriptionChange {
        version: version(&v),
        product_id: text(&v, "product_id").parse().ok(),
        status: opt(&v, "status"),
        reason: opt(&v, "reason"),
    };
    let (form, account) = change_form(&s, &u, &sid).await?;
    Ok(
        match s
            .customers
            .change_subscription(&u.actor(), id(&sid, "subscription")?, input)
            .await
        {
            Ok(_) => to_account(account),
            Err(e) => form.with_error(e, &|_| None).page(&u),
        },
    )
}

async fn rep_form(
    s: &AppState,
    u: &CurrentUser,
    a: &str,
) -> Result<(FormSpec, Vec<AccountRole>), UiError> {
    let aid: AccountId = id(a, "account")?;
    let v = s.customers.customer_360(&u.actor(), aid).await?;
    let holders: Vec<(String, String)> = v
        .holders()
        .filter(|p| p.role.ended_on.is_none())
        .map(|p| (p.person.id.to_string(), p.person.full_name()))
        .collect();
    let roles = v.parties.iter().map(|p| p.role.clone()).collect();
    let methods = ConsentMethod::ALL
        .iter()
        .map(|m| (m.as_str().to_string(), m.as_str().replace('_', " ")))
        .collect();
    Ok((FormSpec::new(format!("Add an authorized representative to {}", v.account.number), format!("/accounts/{a}/representatives/new"), format!("/accounts/{a}"), "Add representative", vec![
        field("given_name", "Given name", "text").required(),
        field("family_name", "Family name", "text").required(),
        field("phone", "Phone", "tel"),
        field("given_by", "Consent given by (holder)", "select").options(holders),
        field("method", "How consent was given", "select").options(methods).value("verbal_on_call"),
        field("note", "Consent note", "text").hint("e.g. Rosa consented on a conference call"),
    ]).intro("A representative may act on the account with a current holder's consent. The consent is recorded with who gave it, when and how."), roles))
}

async fn new_rep(State(s): State<AppState>, u: CurrentUser, Path(a): Path<String>) -> Page {
    Ok(rep_form(&s, &u, &a).await?.0.page(&u))
}

async fn add_rep(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let aid: AccountId = id(&a, "account")?;
    let (form, roles) = rep_form(&s, &u, &a).await?;
    let form = form.fill(&v);
    let Some(given_by) = text(&v, "given_by")
        .parse::<PersonId>()
        .ok()
        .filter(|p| is_current_holder(&roles, *p))
    else {
        return Ok(form
            .with_error(
                DomainError::invalid("given_by", "choose the holder who consents"),
                &|_| None,
            )
            .page(&u));
    };
    let contacts = opt(&v, "phone")
        .map(|p| {
            vec![NewContactPoint {
                kind: "phone".into(),
                value: p,
                label: None,
                is_primary: true,
            }]
        })
        .unwrap_or_default();
    let rename = |f: &str| {
        if f.starts_with("contact_points") {
            Some("phone")
        } else {
            None
        }
    };
    let person = match s
        .customers
        .create_person(
            &u.actor(),
            NewPerson {
                given_name: text(&v, "given_name"),
                family_name: text(&v, "family_name"),
                preferred_language: None,
                contact_points: contacts,
            },
        )
        .await
    {
        Ok((p, _)) => p,
        Err(e) => return Ok(form.with_error(e, &rename).page(&u)),
    };
    let role = NewRole {
        person_id: person.id,
        kind: "authorized_representative".into(),
        consent: Some(ConsentInput {
            given_by,
            method: text(&v, "method"),
            note: opt(&v, "note"),
        }),
    };
    Ok(match s.customers.add_role(&u.actor(), aid, role).await {
        Ok(_) => to_account(aid),
        Err(e) => form
            .with_error(e, &|f| {
                if f.starts_with("consent.") {
                    Some("method")
                } else {
                    None
                }
            })
            .page(&u),
    })
}

async fn end_form(s: &AppState, rid: &str) -> Result<(FormSpec, AccountId), UiError> {
    let role = s
        .store
        .role(id(rid, "role")?)
        .await?
        .ok_or_else(|| UiError(DomainError::NotFound("role".into())))?;
    let who = s
        .store
        .person(role.person_id)
        .await?
        .map(|p| p.full_name())
        .unwrap_or_default();
    let what = role.kind.as_str().replace('_', " ");
    Ok((
        FormSpec::new(
            format!("End {who}'s role as {what}"),
            format!("/roles/{rid}/end"),
            format!("/accounts/{}", role.account_id),
            "End role",
            vec![
                field("version", "", "hidden").value(role.version.to_string()),
                field("reason", "Reason", "text")
                    .required()
                    .hint("e.g. deceased, consent withdrawn, account transferred"),
                field("ended_on", "Ended on", "date").value(jiff::Zoned::now().date().to_string()),
            ],
        )
        .intro("A holder becomes a former holder and stays in the account's history."),
        role.account_id,
    ))
}

async fn edit_end(State(s): State<AppState>, u: CurrentUser, Path(rid): Path<String>) -> Page {
    Ok(end_form(&s, &rid).await?.0.page(&u))
}

async fn end_role(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(rid): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let (form, account) = end_form(&s, &rid).await?;
    let input = EndRole {
        version: version(&v),
        reason: text(&v, "reason"),
        ended_on: opt(&v, "ended_on"),
    };
    Ok(
        match s
            .customers
            .end_role(&u.actor(), id(&rid, "role")?, input)
            .await
        {
            Ok(_) => to_account(account),
            Err(e) => form.fill(&v).with_error(e, &|_| None).page(&u),
        },
    )
}

async fn add_note(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(a): Path<String>,
    Form(v): Form<Values>,
) -> Page {
    let aid: AccountId = id(&a, "account")?;
    Ok(
        match s
            .customers
            .add_note(
                &u.actor(),
                aid,
                NewNote {
                    body: text(&v, "body"),
                },
            )
            .await
        {
            Ok(_) => to_account(aid),
            Err(e) => FormSpec::new(
                "Add a note",
                format!("/accounts/{a}/notes"),
                format!("/accounts/{a}"),
                "Add note",
                vec![field("body", "Note", "textarea").required()],
            )
            .fill(&v)
            .with_error(e, &|_| None)
            .page(&u),
        },
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/accounts/{id}/locations/new",
            get(new_location).post(add_location),
        )
        .route(
            "/accounts/{id}/subscriptions/new",
            get(new_subscription).post(add_subscription),
        )
        .route(
            "/subscriptions/{id}/change",
            get(edit_subscription).post(change_subscription),
        )
        .route(
            "/accounts/{id}/representatives/new",
            get(new_rep).post(add_rep),
        )
        .route("/roles/{id}/end", get(edit_end).post(end_role))
        .route("/accounts/{id}/notes", post(add_note))
}
