//! Feedback (C14): surveys for staff, compliments and complaints.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiQuery, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::DomainError;
use extramile_domain::feedback::*;
use serde::Deserialize;

type Res<T> = Result<T, ApiError>;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyQuery {
    #[param(format = Uuid)]
    pub interaction_id: Option<String>,
    #[param(format = Uuid)]
    pub case_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/surveys", params(SurveyQuery), tag = "feedback",
    description = "A contact's or case's satisfaction survey with the customer's link (made within a minute of the case's resolution or the contact's wrap-up).",
    responses((status = 200, body = SurveyView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn survey(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<SurveyQuery>,
) -> Res<Json<SurveyView>> {
    let id = |field: &str, v: &Option<String>| -> Result<Option<uuid::Uuid>, DomainError> {
        v.as_deref()
            .map(|x| {
                x.parse()
                    .map_err(|_| DomainError::invalid(field, "must be an id"))
            })
            .transpose()
    };
    let (i, c) = (
        id("interaction_id", &q.interaction_id)?,
        id("case_id", &q.case_id)?,
    );
    if i.is_none() && c.is_none() {
        return Err(ApiError(DomainError::invalid(
            "interaction_id",
            "give interaction_id or case_id",
        )));
    }
    let v = s
        .feedback
        .for_record(&u.actor(), i.map(Into::into), c.map(Into::into))
        .await?
        .ok_or_else(|| ApiError(DomainError::NotFound("survey".into())))?;
    Ok(Json(v))
}

#[utoipa::path(get, path = "/api/v1/kudos", tag = "feedback",
    responses((status = 200, body = Vec<Kudos>, description = "The latest 200 compliments and complaints")))]
#[tracing::instrument(skip_all)]
pub async fn list(State(s): State<AppState>, u: CurrentUser) -> Res<Json<Vec<Kudos>>> {
    Ok(Json(s.feedback.kudos_list(&u.actor()).await?))
}

#[utoipa::path(post, path = "/api/v1/kudos", request_body = NewKudos, tag = "feedback",
    responses((status = 201, body = Kudos, description = "Recorded; a supervisor confirms it"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<NewKudos>,
) -> Res<(StatusCode, Json<Kudos>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.feedback.record_kudos(&u.actor(), b).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/kudos/{id}/confirm", tag = "feedback",
    responses((status = 200, body = Kudos), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn confirm(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Kudos>> {
    Ok(Json(
        s.feedback
            .confirm_kudos(&u.actor(), path_id(&id, "compliment or complaint")?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/staff/{id}/feedback", tag = "feedback",
    responses((status = 200, body = StaffFeedback), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn staff(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<StaffFeedback>> {
    Ok(Json(
        s.feedback
            .staff_feedback(&u.actor(), path_id(&id, "staff member")?)
            .await?,
    ))
}
