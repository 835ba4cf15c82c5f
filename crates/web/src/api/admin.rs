use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::admin::{NewStaff, StaffUser, TokenInfo};

#[utoipa::path(get, path = "/api/v1/me", tag = "admin", responses((status = 200, body = StaffUser)))]
#[tracing::instrument(skip_all)]
pub async fn me(u: CurrentUser) -> Json<StaffUser> {
    Json(u.user)
}

#[utoipa::path(get, path = "/api/v1/staff", tag = "admin",
    responses((status = 200, body = Vec<StaffUser>), (status = 403, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list_staff(
    State(s): State<AppState>,
    u: CurrentUser,
) -> Result<Json<Vec<StaffUser>>, ApiError> {
    Ok(Json(s.staff.list_staff(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/staff", request_body = NewStaff, tag = "admin",
    responses((status = 201, body = StaffUser), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create_staff(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewStaff>,
) -> Result<(StatusCode, Json<StaffUser>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.staff.create_staff(&u.actor(), b).await?),
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only this staff user's tokens.
    pub staff_id: Option<extramile_domain::ids::StaffId>,
}

#[utoipa::path(get, path = "/api/v1/tokens", params(TokenQuery), tag = "admin",
    responses((status = 200, description = "API tokens, newest first, never their secrets", body = Vec<TokenInfo>)))]
#[tracing::instrument(skip_all)]
pub async fn list_tokens(
    State(s): State<AppState>,
    u: CurrentUser,
    crate::error::ApiQuery(q): crate::error::ApiQuery<TokenQuery>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(s.staff.tokens(&u.actor(), q.staff_id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "The token's id (from the list)")),
    responses((status = 200, description = "Revoked (again: no change)", body = TokenInfo)))]
#[tracing::instrument(skip_all)]
pub async fn revoke_token(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, ApiError> {
    let id = crate::error::path_id(&id, "API token")?;
    Ok(Json(s.staff.revoke_token(&u.actor(), id).await?))
}

/// Why a staff user is (de)activated: kept in the audit trail.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ActiveInput {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/staff/{id}/deactivate", request_body = ActiveInput, tag = "admin",
    params(("id" = String, Path, description = "The staff user")),
    responses((status = 200, description = "Deactivated: sessions ended and tokens revoked at once", body = StaffUser)))]
#[tracing::instrument(skip_all)]
pub async fn deactivate(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ActiveInput>,
) -> Result<Json<StaffUser>, ApiError> {
    set_active(&s, &u, &id, false, &b.reason).await
}

#[utoipa::path(post, path = "/api/v1/staff/{id}/activate", request_body = ActiveInput, tag = "admin",
    params(("id" = String, Path, description = "The staff user")),
    responses((status = 200, description = "Active again (issue new tokens)", body = StaffUser)))]
#[tracing::instrument(skip_all)]
pub async fn activate(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ActiveInput>,
) -> Result<Json<StaffUser>, ApiError> {
    set_active(&s, &u, &id, true, &b.reason).await
}

async fn set_active(
    s: &AppState,
    u: &CurrentUser,
    id: &str,
    active: bool,
    reason: &str,
) -> Result<Json<StaffUser>, ApiError> {
    let id = crate::error::path_id(id, "staff user")?;
    let user = s.staff.set_active(&u.actor(), id, active, reason).await?;
    if !active {
        // Their open screens stop receiving customer events at once.
        s.hub.close_user(id);
    }
    Ok(Json(user))
}
