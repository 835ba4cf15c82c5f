use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use extramile_domain::access::{Action, authorize};
use extramile_domain::audit::{AuditEvent, AuditFilter};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An entity id (person, account, ...): its events, and for an account
    /// every event on its timeline.
    #[param(format = Uuid)]
    pub entity: Option<String>,
    /// At most this many events, newest first (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), tag = "audit",
    responses((status = 200, body = Vec<AuditEvent>), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list_audit(
    State(s): State<AppState>,
    u: CurrentUser,
    crate::error::ApiQuery(q): crate::error::ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    authorize(u.user.role, Action::ViewAudit)?;
    let entity_id = match q.entity.as_deref() {
        None => None,
        Some(e) => Some(
            e.parse::<uuid::Uuid>()
                .map_err(|_| ApiError::bad_request("entity", "an entity id is a UUID"))?,
        ),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit", "from 1 to 1000 events"));
    }
    let filter = AuditFilter { entity_id, limit };
    Ok(Json(s.store.audit_events(&filter).await?))
}
