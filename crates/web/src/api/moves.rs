//! Moves and the integration events the billing system reads.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiQuery, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::moves::*;
use serde::Deserialize;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/accounts/{id}/moves", request_body = NewMove, tag = "moves",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = MoveView, description = "Planned, with the final reading and the disconnect and connect visits"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewMove>,
) -> Res<(StatusCode, Json<MoveView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.moves
                .create(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/moves", tag = "moves",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<MoveView>, description = "Newest first (at most 20)")))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<MoveView>>> {
    Ok(Json(
        s.moves
            .for_account(&u.actor(), path_id(&id, "account")?, 20)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/moves/{id}", tag = "moves",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = MoveView), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<MoveView>> {
    Ok(Json(s.moves.get(&u.actor(), path_id(&id, "move")?).await?))
}

#[utoipa::path(post, path = "/api/v1/moves/{id}/steps", request_body = MoveStep, tag = "moves",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = MoveView, description = "Completed (services and equipment at the new address; `move.completed` told) or cancelled"),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "not yet: the connect visit is not done, or the day has not come"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveStep>,
) -> Res<Json<MoveView>> {
    Ok(Json(
        s.moves.step(&u.actor(), path_id(&id, "move")?, b).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The last `seq` seen (0 for the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most 500 (100 when left out).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/integration-events", params(EventsQuery), tag = "moves",
    responses((status = 200, body = Vec<IntegrationEvent>, description = "In order: `move.completed` with the final reading"),
        (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn events(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Res<Json<Vec<IntegrationEvent>>> {
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(ApiError::bad_request("limit", "from 1 to 500 events"));
    }
    if q.after.is_some_and(|a| a < 0) {
        return Err(ApiError::bad_request("after", "0 or the last seq seen"));
    }
    Ok(Json(
        s.moves
            .events(&u.actor(), q.after.unwrap_or(0), q.limit.unwrap_or(100))
            .await?,
    ))
}
