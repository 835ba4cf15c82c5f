//! Cases: open, read, status, resolve, hand over, escalate, link contacts.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::cases::*;
use extramile_domain::ids::InteractionId;
use serde::Deserialize;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCase, params(("Idempotency-Key" = Option<String>, Header, description = "The same key again answers the first request's record (200) instead of creating another")), tag = "cases",
    responses((status = 201, body = CaseView), (status = 200, body = CaseView, description = "created earlier under the same Idempotency-Key"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn open(
    State(s): State<AppState>,
    u: CurrentUser,
    key: crate::error::IdempotencyKey,
    ApiJson(b): ApiJson<NewCase>,
) -> Res<(StatusCode, Json<CaseView>)> {
    let (v, new) = s.cases.open_once(&u.actor(), b, key.0.as_deref()).await?;
    Ok((crate::error::created(new), Json(v)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    responses((status = 200, body = CaseView, description = "The case with its SLA clocks and waiting time as of now"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<CaseView>> {
    Ok(Json(s.cases.view(&u.actor(), path_id(&id, "case")?).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/status", request_body = CaseStatusChange, tag = "cases",
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn status(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CaseStatusChange>,
) -> Res<Json<CaseView>> {
    Ok(Json(
        s.cases
            .change_status(&u.actor(), path_id(&id, "case")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/resolve", request_body = ResolveInput, tag = "cases",
    responses((status = 200, body = CaseView), (status = 422, body = crate::error::Problem, description = "no confirmation and no reason")))]
#[tracing::instrument(skip_all)]
pub async fn resolve(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResolveInput>,
) -> Res<Json<CaseView>> {
    Ok(Json(
        s.cases
            .resolve(&u.actor(), path_id(&id, "case")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/handover", request_body = HandoverInput, tag = "cases",
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn handover(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<HandoverInput>,
) -> Res<Json<CaseView>> {
    Ok(Json(
        s.cases
            .handover(&u.actor(), path_id(&id, "case")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/escalate", request_body = EscalateInput, tag = "cases",
    responses((status = 200, body = CaseView), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn escalate(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EscalateInput>,
) -> Res<Json<CaseView>> {
    Ok(Json(
        s.cases
            .escalate(&u.actor(), path_id(&id, "case")?, b)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkInput {
    pub interaction_id: InteractionId,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/interactions", request_body = LinkInput, tag = "cases",
    responses((status = 200, body = CaseView), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn link(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LinkInput>,
) -> Res<Json<CaseView>> {
    Ok(Json(
        s.cases
            .link_interaction(&u.actor(), path_id(&id, "case")?, b.interaction_id)
            .await?,
    ))
}
