//! Offices and small orders (equipment and accessories).

use super::ledger::{BeyondAuthority, beyond_authority};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use extramile_domain::orders::*;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/api/v1/offices", tag = "orders",
    responses((status = 200, body = Vec<OfficeView>, description = "Every office, open ones first, each saying whether it is open now")))]
#[tracing::instrument(skip_all)]
pub async fn offices(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<OfficeView>>> {
    Ok(Json(s.orders.offices(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/offices", request_body = OfficeInput, tag = "orders",
    responses((status = 201, body = Office), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_office(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<OfficeInput>,
) -> Res<(StatusCode, Json<Office>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.orders.put_office(&u.actor(), None, b).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/offices/{id}", request_body = OfficeInput, tag = "orders",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Office), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "changed by someone else since it was read"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn put_office(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OfficeInput>,
) -> Res<Json<Office>> {
    Ok(Json(
        s.orders
            .put_office(&u.actor(), Some(path_id(&id, "office")?), b)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/orders", tag = "orders",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Order>, description = "Newest first (at most 50), each line with what was given free of it"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<Order>>> {
    let account = path_id(&id, "account")?;
    s.store
        .account(account)
        .await?
        .ok_or_else(|| ApiError(extramile_domain::DomainError::NotFound("account".into())))?;
    Ok(Json(s.orders.for_account(&u.actor(), account).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/orders", request_body = NewOrder, tag = "orders",
    params(("id" = String, Path, format = Uuid),
        ("Idempotency-Key" = Option<String>, Header, description = "Instead of `idempotency_key` in the body")),
    responses((status = 201, body = OrderView, description = "Placed: every line charged on the next bill, lines asked free given free within your authority (or waiting in `approvals`)"),
        (status = 200, body = OrderView, description = "placed earlier under the same key"),
        (status = 403, description = "a free item beyond your authority and `if_not_allowed` is `refuse`: nothing was placed; problem+json with `decision`", body = BeyondAuthority, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn place(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    key: crate::error::IdempotencyKey,
    ApiJson(mut b): ApiJson<NewOrder>,
) -> Res<Response> {
    if b.idempotency_key.trim().is_empty()
        && let Some(k) = key.0
    {
        b.idempotency_key = k;
    }
    Ok(
        match s
            .orders
            .place(&u.actor(), path_id(&id, "account")?, b)
            .await?
        {
            PlaceResult::Placed { view, replayed } => (
                if replayed {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                },
                Json(view),
            )
                .into_response(),
            PlaceResult::NotAllowed { decision, .. } => beyond_authority(decision),
        },
    )
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<OrderView>> {
    Ok(Json(
        s.orders.get(&u.actor(), path_id(&id, "order")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/steps", request_body = OrderStep, tag = "orders",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = OrderView, description = "Moved on (the same step sent twice answers the first); cancelling takes what is still charged off the bill"),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "a step the order's state does not allow, or changed since it was read"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OrderStep>,
) -> Res<Json<OrderView>> {
    Ok(Json(
        s.orders.step(&u.actor(), path_id(&id, "order")?, b).await?,
    ))
}
