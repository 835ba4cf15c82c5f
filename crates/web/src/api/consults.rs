//! Consults: ask another department without handing the case over.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::consults::*;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/consults", request_body = NewConsult, params(("Idempotency-Key" = Option<String>, Header, description = "The same key again answers the first request's record (200) instead of creating another")), tag = "consults",
    responses((status = 201, body = ConsultView, description = "Waiting, with its position in the department's list"), (status = 200, body = ConsultView, description = "created earlier under the same Idempotency-Key"), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn request(
    State(s): State<AppState>,
    u: CurrentUser,
    key: crate::error::IdempotencyKey,
    ApiJson(b): ApiJson<NewConsult>,
) -> Res<(StatusCode, Json<ConsultView>)> {
    let (v, new) = s
        .consults
        .request_once(&u.actor(), b, key.0.as_deref())
        .await?;
    Ok((crate::error::created(new), Json(v)))
}

#[utoipa::path(get, path = "/api/v1/consults", tag = "consults",
    responses((status = 200, body = Vec<ConsultView>, description = "Waiting consults of the caller's department, oldest first")))]
#[tracing::instrument(skip_all)]
pub async fn inbox(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<ConsultView>>> {
    Ok(Json(s.consults.inbox(&u.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/consults/{id}", tag = "consults", responses((status = 200, body = ConsultView), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .view(&u.actor(), path_id(&id, "consult")?)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/consults/{id}/pick-up", request_body = ConsultStep, tag = "consults",
    responses((status = 200, body = ConsultView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn pick_up(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultStep>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .pick_up(&u.actor(), path_id(&id, "consult")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/consults/{id}/join", request_body = ConsultStep, tag = "consults",
    responses((status = 200, body = ConsultView), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn join(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultStep>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .join(&u.actor(), path_id(&id, "consult")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/consults/{id}/answer", request_body = ConsultAnswer, tag = "consults",
    responses((status = 200, body = ConsultView), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn answer(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultAnswer>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .answer(&u.actor(), path_id(&id, "consult")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/consults/{id}/cancel", request_body = ConsultStep, tag = "consults",
    responses((status = 200, body = ConsultView), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn cancel(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultStep>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .cancel(&u.actor(), path_id(&id, "consult")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/consults/{id}/updates", request_body = StatusUpdate, tag = "consults",
    responses((status = 200, body = ConsultView), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusUpdate>,
) -> Res<Json<ConsultView>> {
    Ok(Json(
        s.consults
            .post_update(&u.actor(), path_id(&id, "consult")?, b)
            .await?,
    ))
}
