//! Work orders: create, schedule, dispatch, arrive, the completion report,
//! cancelling (guarded by the report) and restoring.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::fieldwork::*;
use serde::Deserialize;
use utoipa::ToSchema;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/accounts/{id}/work-orders", request_body = NewWorkOrder, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = WorkOrderView, description = "Requested; an install's products are pending services until installed"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewWorkOrder>,
) -> Res<(StatusCode, Json<WorkOrderView>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.field
                .create(&u.actor(), path_id(&id, "account")?, b)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/work-orders", tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<WorkOrder>, description = "Newest first (at most 50)")))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<WorkOrder>>> {
    Ok(Json(
        s.field
            .for_account(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/work-orders/{id}", tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkOrderView, description = "With its completion report (the structured part and the remark side by side)"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<WorkOrderView>> {
    Ok(Json(
        s.field.get(&u.actor(), path_id(&id, "work order")?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/schedule", request_body = ScheduleInput, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "a technician already booked then, or a state that cannot be scheduled"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn schedule(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ScheduleInput>,
) -> Res<Json<WorkOrderView>> {
    Ok(Json(
        s.field
            .schedule(&u.actor(), path_id(&id, "work order")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/steps", request_body = WorkOrderStep, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "refused: a step its state does not allow, or cancelling what the completion report says is installed (a supervisor may override with a reason)"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn step(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WorkOrderStep>,
) -> Res<Json<WorkOrderView>> {
    Ok(Json(
        s.field
            .step(&u.actor(), path_id(&id, "work order")?, b)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/report", request_body = CompletionInput, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkOrderView, description = "Filed: installed services become active; the remark is kept, never acted on"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn report(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CompletionInput>,
) -> Res<Json<WorkOrderView>> {
    Ok(Json(
        s.field
            .complete(&u.actor(), path_id(&id, "work order")?, b)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RestoreInput {
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/restore", request_body = RestoreInput, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkOrderView, description = "The same services active again"),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn restore(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RestoreInput>,
) -> Res<Json<WorkOrderView>> {
    Ok(Json(
        s.field
            .restore(&u.actor(), path_id(&id, "work order")?, b.version)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/cancel", request_body = AccountCancel, tag = "field work",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = extramile_domain::customers::model::Account, description = "Pending cancellation; installed services restorable from their work orders"),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "refused: a completion report says services are installed (a supervisor may override with a reason)"),
        (status = 422, body = crate::error::Problem, description = "a reason is missing, or `confirm` (the detail says what it would do)")))]
#[tracing::instrument(skip_all)]
pub async fn cancel_account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AccountCancel>,
) -> Res<Json<extramile_domain::customers::model::Account>> {
    Ok(Json(
        s.field
            .cancel_account(&u.actor(), path_id(&id, "account")?, b)
            .await?,
    ))
}
