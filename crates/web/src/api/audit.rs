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
    /// Done by this staff user (id).
    #[param(format = Uuid)]
    pub actor: Option<String>,
    /// This action, e.g. `update`, `charge_waiver`.
    pub action: Option<String>,
    /// At or after this instant (RFC 3339, e.g. 2026-11-29T00:00:00Z).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    /// Before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<jiff::Timestamp>,
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
    let actor_id = match q.actor.as_deref() {
        None => None,
        Some(a) => Some(
            a.parse()
                .map_err(|_| ApiError::bad_request("actor", "a staff user's id"))?,
        ),
    };
    let filter = AuditFilter {
        entity_id,
        actor_id,
        action: q.action.filter(|a| !a.trim().is_empty()),
        from: q.from,
        to: q.to,
        limit,
    };
    Ok(Json(s.store.audit_events(&filter).await?))
}
