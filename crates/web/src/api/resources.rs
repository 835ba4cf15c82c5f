//! Phone numbers (search, reserve, administration, port out), equipment
//! (returns, stock), what an account holds, and port-in orders.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiQuery, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::resources::*;
use serde::Deserialize;

type Res<T> = Result<T, ApiError>;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NumberQuery {
    /// Three digits, e.g. 512.
    pub area_code: Option<String>,
    /// Digits with `?` (one digit) or `*` (any digits) matched against the
    /// end of the ten digits ("7777" ends in 7777); ten characters match
    /// the whole number ("512555????").
    pub pattern: Option<String>,
    /// At most 50 (20 when left out).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/numbers", params(NumberQuery), tag = "numbers and equipment",
    responses((status = 200, body = Vec<PhoneNumber>, description = "Numbers free to offer, by number"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<NumberQuery>,
) -> Res<Json<Vec<PhoneNumber>>> {
    if q.limit.is_some_and(|l| !(1..=50).contains(&l)) {
        return Err(ApiError::bad_request("limit", "from 1 to 50 numbers"));
    }
    Ok(Json(
        s.resources
            .search(
                &u.actor(),
                q.area_code.as_deref(),
                q.pattern.as_deref(),
                q.limit,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/numbers/{number}", tag = "numbers and equipment",
    params(("number" = String, Path, description = "E.164 or as written")),
    responses((status = 200, body = NumberView, description = "With its history, newest first"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn number(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(n): Path<String>,
) -> Res<Json<NumberView>> {
    Ok(Json(s.resources.number(&u.actor(), &n).await?))
}

#[utoipa::path(post, path = "/api/v1/numbers/{number}/steps", request_body = NumberStep, tag = "numbers and equipment",
    params(("number" = String, Path)),
    responses((status = 200, body = NumberView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "its state does not allow it (an aging number goes back to its previous account only)"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn number_step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(n): Path<String>,
    ApiJson(b): ApiJson<NumberStep>,
) -> Res<Json<NumberView>> {
    Ok(Json(s.resources.number_step(&u.actor(), &n, b).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/holdings", tag = "numbers and equipment",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Holdings, description = "Numbers (assigned, reserved, aging for it, porting in) and equipment (assigned, to be collected)")))]
#[tracing::instrument(skip_all)]
pub async fn holdings(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Holdings>> {
    Ok(Json(
        s.resources
            .holdings(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/equipment/{serial}", tag = "numbers and equipment",
    params(("serial" = String, Path)),
    responses((status = 200, body = EquipmentView), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn equipment(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(serial): Path<String>,
) -> Res<Json<EquipmentView>> {
    Ok(Json(s.resources.equipment(&u.actor(), &serial).await?))
}

#[utoipa::path(post, path = "/api/v1/equipment/{serial}/steps", request_body = EquipmentStep, tag = "numbers and equipment",
    params(("serial" = String, Path)),
    responses((status = 200, body = EquipmentView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn equipment_step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(serial): Path<String>,
    ApiJson(b): ApiJson<EquipmentStep>,
) -> Res<Json<EquipmentView>> {
    Ok(Json(
        s.resources.equipment_step(&u.actor(), &serial, b).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortQuery {
    /// This account's, newest first; without it the open ones by date.
    pub account_id: Option<extramile_domain::ids::AccountId>,
}

#[utoipa::path(get, path = "/api/v1/porting-orders", params(PortQuery), tag = "numbers and equipment",
    responses((status = 200, body = Vec<PortingOrder>, description = "The number-porting queue: open port orders by their FOC (else requested) date")))]
#[tracing::instrument(skip_all)]
pub async fn porting_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<PortQuery>,
) -> Res<Json<Vec<PortingOrder>>> {
    Ok(Json(
        s.resources.porting_orders(&u.actor(), q.account_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/porting-orders", request_body = NewPortingOrder, tag = "numbers and equipment",
    responses((status = 201, body = PortingOrder, description = "Unconfirmed; its numbers are porting in for the case's account"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn porting_create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewPortingOrder>,
) -> Res<(StatusCode, Json<PortingOrder>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.resources.create_porting(&u.actor(), b).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/porting-orders/{id}", tag = "numbers and equipment",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PortingOrder), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn porting_get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<PortingOrder>> {
    Ok(Json(
        s.resources
            .porting_order(&u.actor(), path_id(&id, "port order")?)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/porting-orders/{id}/steps", request_body = PortStep, tag = "numbers and equipment",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PortingOrder), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn porting_step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PortStep>,
) -> Res<Json<PortingOrder>> {
    Ok(Json(
        s.resources
            .porting_step(&u.actor(), path_id(&id, "port order")?, b)
            .await?,
    ))
}
