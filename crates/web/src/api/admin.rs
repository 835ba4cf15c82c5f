use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use extramile_domain::admin::{NewStaff, StaffUser};

#[utoipa::path(get, path = "/api/v1/me", tag = "admin", responses((status = 200, body = StaffUser)))]
pub async fn me(u: CurrentUser) -> Json<StaffUser> {
    Json(u.user)
}

#[utoipa::path(get, path = "/api/v1/staff", tag = "admin",
    responses((status = 200, body = Vec<StaffUser>), (status = 403, body = crate::error::Problem)))]
pub async fn list_staff(
    State(s): State<AppState>,
    u: CurrentUser,
) -> Result<Json<Vec<StaffUser>>, ApiError> {
    Ok(Json(s.staff.list_staff(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/staff", request_body = NewStaff, tag = "admin",
    responses((status = 201, body = StaffUser), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
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
