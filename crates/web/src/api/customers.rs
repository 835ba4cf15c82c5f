//! People, accounts, roles, the 360 and lookup.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::customers::inputs::*;
use extramile_domain::customers::lookup::LookupHit;
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type Res<T> = Result<T, ApiError>;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// A phone number in any common format, an account number, an e-mail,
    /// a name (prefix, accents and one typo tolerated) or part of an address.
    pub q: String,
}

#[utoipa::path(get, path = "/api/v1/lookup", params(LookupQuery), tag = "customers",
    responses((status = 200, body = Vec<LookupHit>), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn lookup(
    State(s): State<AppState>,
    u: CurrentUser,
    crate::error::ApiQuery(q): crate::error::ApiQuery<LookupQuery>,
) -> Res<Json<Vec<LookupHit>>> {
    Ok(Json(s.customers.lookup(&u.actor(), &q.q).await?))
}

/// A person with their contact points and the accounts they relate to.
#[derive(Serialize, ToSchema)]
pub struct PersonDetail {
    pub person: Person,
    pub contact_points: Vec<ContactPoint>,
    pub accounts: Vec<PersonAccount>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonAccount {
    pub role: AccountRole,
    pub account: Account,
}

#[utoipa::path(post, path = "/api/v1/people", request_body = NewPerson, tag = "customers",
    responses((status = 201, body = PersonDetail), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create_person(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewPerson>,
) -> Res<(StatusCode, Json<PersonDetail>)> {
    let (person, contact_points) = s.customers.create_person(&u.actor(), b).await?;
    Ok((
        StatusCode::CREATED,
        Json(PersonDetail {
            person,
            contact_points,
            accounts: vec![],
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "customers",
    responses((status = 200, body = PersonDetail), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get_person(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<PersonDetail>> {
    let (person, contact_points, accounts) = s
        .customers
        .person(&u.actor(), path_id(&id, "person")?)
        .await?;
    let accounts = accounts
        .into_iter()
        .map(|(role, account)| PersonAccount { role, account })
        .collect();
    Ok(Json(PersonDetail {
        person,
        contact_points,
        accounts,
    }))
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", request_body = PersonUpdate, tag = "customers",
    responses((status = 200, body = Person), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn update_person(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PersonUpdate>,
) -> Res<Json<Person>> {
    Ok(Json(
        s.customers
            .update_person(&u.actor(), path_id(&id, "person")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts", request_body = NewAccount, tag = "customers",
    responses((status = 201, body = Account), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create_account(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewAccount>,
) -> Res<(StatusCode, Json<Account>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.customers.create_account(&u.actor(), b).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "customers",
    responses((status = 200, body = Customer360, description = "The whole customer 360"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get_account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Customer360>> {
    Ok(Json(
        s.customers
            .customer_360(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}", request_body = AccountUpdate, tag = "customers",
    responses((status = 200, body = Account), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn update_account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AccountUpdate>,
) -> Res<Json<Account>> {
    Ok(Json(
        s.customers
            .update_account(&u.actor(), path_id(&id, "account")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/roles", request_body = NewRole, tag = "customers",
    responses((status = 201, body = AccountRole), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_role(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewRole>,
) -> Res<(StatusCode, Json<AccountRole>)> {
    let id: AccountId = path_id(&id, "account")?;
    Ok((
        StatusCode::CREATED,
        Json(s.customers.add_role(&u.actor(), id, b).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/roles/{id}/end", request_body = EndRole, tag = "customers",
    responses((status = 200, body = AccountRole), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn end_role(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndRole>,
) -> Res<Json<AccountRole>> {
    Ok(Json(
        s.customers
            .end_role(&u.actor(), path_id(&id, "account role")?, b)
            .await?,
    ))
}
