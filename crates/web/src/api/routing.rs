//! Queues, skills, availability, enqueueing and queue position.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::routing::*;
use serde::Serialize;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(get, path = "/api/v1/queues", tag = "routing",
    responses((status = 200, body = Vec<QueueSummary>, description = "Every queue: open now or next opening, waiting contacts, available agents")))]
#[tracing::instrument(skip_all)]
pub async fn list(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<QueueSummary>>> {
    Ok(Json(s.routing.queues(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/queues", request_body = NewQueue, tag = "routing",
    responses((status = 201, body = Queue), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewQueue>,
) -> Res<(StatusCode, Json<Queue>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.routing.create_queue(&u.actor(), b).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/staff/{id}/skills", request_body = SkillsInput, tag = "routing",
    responses((status = 200, body = Vec<String>), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn skills(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SkillsInput>,
) -> Res<Json<Vec<String>>> {
    Ok(Json(
        s.routing
            .set_skills(&u.actor(), path_id(&id, "staff user")?, b)
            .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AvailabilityState {
    pub state: Availability,
}

#[utoipa::path(post, path = "/api/v1/me/availability", request_body = AvailabilityInput, tag = "routing",
    responses((status = 200, body = AvailabilityState), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn availability(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<AvailabilityInput>,
) -> Res<Json<AvailabilityState>> {
    Ok(Json(AvailabilityState {
        state: s.routing.set_availability(&u.actor(), b).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/enqueue", request_body = EnqueueInput, tag = "routing",
    responses((status = 200, body = QueuePosition), (status = 409, body = crate::error::Problem, description = "the queue is closed: the detail gives its next opening")))]
#[tracing::instrument(skip_all)]
pub async fn enqueue(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EnqueueInput>,
) -> Res<Json<QueuePosition>> {
    Ok(Json(
        s.routing
            .enqueue(&u.actor(), path_id(&id, "interaction")?, b)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/interactions/{id}/queue-position", tag = "routing",
    responses((status = 200, body = QueuePosition), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn position(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<QueuePosition>> {
    Ok(Json(
        s.routing
            .position(&u.actor(), path_id(&id, "interaction")?)
            .await?,
    ))
}
