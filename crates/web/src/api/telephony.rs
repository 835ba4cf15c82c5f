//! Phone-system events (see docs/api.md for the format and a PBX example).

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use extramile_domain::telephony::*;

#[utoipa::path(post, path = "/api/v1/telephony/events", request_body = CallEvent, tag = "telephony",
    responses((status = 200, body = CallEventResult, description = "Applied, or a repeated event id answered with the first result"),
              (status = 403, body = crate::error::Problem, description = "not an integration token"),
              (status = 409, body = crate::error::Problem, description = "out of order: the call was not offered yet, or already ended")))]
#[tracing::instrument(skip_all)]
pub async fn event(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<CallEvent>,
) -> Result<Json<CallEventResult>, ApiError> {
    Ok(Json(s.telephony.handle(&u.actor(), b).await?))
}
