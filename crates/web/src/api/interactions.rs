//! Interactions: create, read, state changes, participants, verification,
//! wrap-up.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::interactions::*;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/interactions", request_body = NewInteraction, params(("Idempotency-Key" = Option<String>, Header, description = "The same key again answers the first request's record (200) instead of creating another")), tag = "interactions",
    responses((status = 201, body = InteractionView), (status = 200, body = InteractionView, description = "created earlier under the same Idempotency-Key"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    key: crate::error::IdempotencyKey,
    ApiJson(b): ApiJson<NewInteraction>,
) -> Res<(StatusCode, Json<InteractionView>)> {
    let (v, new) = s
        .interactions
        .create_once(&u.actor(), b, key.0.as_deref())
        .await?;
    Ok((crate::error::created(new), Json(v)))
}

#[utoipa::path(get, path = "/api/v1/interactions/{id}", tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.interactions
            .view(&u.actor(), path_id(&id, "interaction")?)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/state", request_body = StateChange, tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn change_state(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StateChange>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.interactions
            .change_state(&u.actor(), path_id(&id, "interaction")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/participants", request_body = NewParticipant, tag = "interactions",
    responses((status = 201, body = InteractionView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn add_participant(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewParticipant>,
) -> Res<(StatusCode, Json<InteractionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.interactions
                .add_participant(&u.actor(), path_id(&id, "interaction")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/participants/{participant}/leave", tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn leave(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, participant)): Path<(String, String)>,
) -> Res<Json<InteractionView>> {
    let (id, participant) = (
        path_id(&id, "interaction")?,
        path_id(&participant, "participant")?,
    );
    Ok(Json(
        s.interactions
            .remove_participant(&u.actor(), id, participant)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/verifications", request_body = VerifyInput, tag = "interactions",
    responses((status = 201, body = InteractionView), (status = 409, body = crate::error::Problem, description = "already verified: the detail says by whom and when")))]
#[tracing::instrument(skip_all)]
pub async fn verify(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VerifyInput>,
) -> Res<(StatusCode, Json<InteractionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.interactions
                .verify(&u.actor(), path_id(&id, "interaction")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/wrap-up", request_body = WrapUpInput, tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn wrap_up(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WrapUpInput>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.follow_ups
            .wrap_up(&u.actor(), path_id(&id, "interaction")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/transfer", request_body = TransferInput, tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn transfer(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TransferInput>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.interactions
            .transfer(&u.actor(), path_id(&id, "interaction")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/accept-transfer", request_body = AcceptTransfer, tag = "interactions",
    responses((status = 200, body = InteractionView), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn accept_transfer(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AcceptTransfer>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.interactions
            .accept_transfer(&u.actor(), path_id(&id, "interaction")?, b)
            .await?,
    ))
}
