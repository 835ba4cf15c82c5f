//! Follow-ups (C7), the provider's holiday calendar and background jobs.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiQuery, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use extramile_domain::access::{Action, authorize};
use extramile_domain::followups::*;
use extramile_domain::interactions::InteractionView;
use extramile_domain::jobs::{Job, JobCounts, JobState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type Res<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/follow-ups", request_body = NewFollowUp, tag = "follow-ups",
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key again answers the first request's follow-up (200) instead of scheduling another")),
    responses((status = 201, body = FollowUp, description = "Scheduled; it falls due at the start of its day in the owner's time zone"),
        (status = 200, body = FollowUp, description = "scheduled earlier under the same Idempotency-Key"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    key: crate::error::IdempotencyKey,
    ApiJson(b): ApiJson<NewFollowUp>,
) -> Res<(StatusCode, Json<FollowUp>)> {
    let (f, new) = s
        .follow_ups
        .schedule_once(&u.actor(), b, key.0.as_deref())
        .await?;
    Ok((crate::error::created(new), Json(f)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `mine` (default: my open follow-ups), `team` (my team's due today or
    /// earlier that need covering; all of them for a supervisor) or
    /// `account` (every follow-up of `account_id`).
    pub scope: Option<String>,
    #[param(format = Uuid)]
    pub account_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/follow-ups", params(ListQuery), tag = "follow-ups",
    responses((status = 200, body = Vec<FollowUpItem>, description = "Open ones first by due day (at most 200); each says if it is overdue, falls on a holiday, or is covered for an absent owner"),
        (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Res<Json<Vec<FollowUpItem>>> {
    let actor = u.actor();
    let account: Option<extramile_domain::ids::AccountId> = match q.account_id.as_deref() {
        None => None,
        Some(raw) => Some(raw.trim().parse().map_err(|_| {
            ApiError(extramile_domain::DomainError::invalid(
                "account_id",
                "must be an account id",
            ))
        })?),
    };
    let items = match q.scope.as_deref().unwrap_or("mine") {
        "mine" => s.follow_ups.mine(&actor).await?,
        "team" => s.follow_ups.team(&actor).await?,
        "account" => {
            let id = account.ok_or_else(|| {
                ApiError(extramile_domain::DomainError::invalid(
                    "account_id",
                    "is required with scope=account",
                ))
            })?;
            s.follow_ups.for_account(&actor, id).await?
        }
        _ => {
            return Err(ApiError(extramile_domain::DomainError::invalid(
                "scope",
                "must be one of: mine, team, account",
            )));
        }
    };
    Ok(Json(items))
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpDetail {
    pub follow_up: FollowUpItem,
    /// Every change, oldest first.
    pub history: Vec<FollowUpEvent>,
}

#[utoipa::path(get, path = "/api/v1/follow-ups/{id}", tag = "follow-ups",
    responses((status = 200, body = FollowUpDetail), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<FollowUpDetail>> {
    let (follow_up, history) = s
        .follow_ups
        .get(&u.actor(), path_id(&id, "follow-up")?)
        .await?;
    Ok(Json(FollowUpDetail { follow_up, history }))
}

macro_rules! step {
    ($name:ident, $path:literal, $input:ty, $method:ident, $doc:literal) => {
        #[utoipa::path(post, path = $path, request_body = $input, tag = "follow-ups", description = $doc,
            responses((status = 200, body = FollowUp), (status = 403, body = crate::error::Problem),
                (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
                (status = 422, body = crate::error::Problem)))]
        #[tracing::instrument(skip_all)]
        pub async fn $name(
            State(s): State<AppState>,
            u: CurrentUser,
            Path(id): Path<String>,
            ApiJson(b): ApiJson<$input>,
        ) -> Res<Json<FollowUp>> {
            Ok(Json(
                s.follow_ups
                    .$method(&u.actor(), path_id(&id, "follow-up")?, b)
                    .await?,
            ))
        }
    };
}

step!(
    reschedule,
    "/api/v1/follow-ups/{id}/reschedule",
    RescheduleInput,
    reschedule,
    "Move it to another day (a reason is required; the count of reschedules is kept)."
);
step!(
    reassign,
    "/api/v1/follow-ups/{id}/reassign",
    ReassignInput,
    reassign,
    "Give it to another staff member."
);
step!(
    cancel,
    "/api/v1/follow-ups/{id}/cancel",
    CancelInput,
    cancel,
    "Cancel it with a reason."
);
step!(
    miss,
    "/api/v1/follow-ups/{id}/miss",
    CancelInput,
    miss,
    "Close it as missed (only after its due day), with a reason."
);
step!(
    complete,
    "/api/v1/follow-ups/{id}/complete",
    CompleteInput,
    complete,
    "Record how it went without a call made here (the wrap-up of its call records it otherwise). `no_answer` keeps it open."
);

#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/call", tag = "follow-ups",
    description = "Call now: an outbound contact with the person, linked to the follow-up and its case; its wrap-up records the outcome. Again while that call lasts answers the same contact.",
    responses((status = 200, body = InteractionView), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn call(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<InteractionView>> {
    Ok(Json(
        s.follow_ups
            .start_call(&u.actor(), path_id(&id, "follow-up")?)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (YYYY-MM-DD); today when unset.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); a year after `from` when unset.
    pub to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/holidays", params(RangeQuery), tag = "calendar",
    responses((status = 200, body = Vec<Holiday>, description = "The provider's region and its subregions"), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn holidays(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Res<Json<Vec<Holiday>>> {
    let parse = |field: &str, v: Option<&str>| {
        v.map(|v| extramile_domain::customers::values::parse_date(field, v))
            .transpose()
    };
    let from = parse("from", q.from.as_deref())?
        .unwrap_or_else(|| jiff::Timestamp::now().to_zoned(s.time_zone.clone()).date());
    let to = parse("to", q.to.as_deref())?
        .unwrap_or_else(|| from.saturating_add(jiff::Span::new().years(1)));
    Ok(Json(s.follow_ups.holidays(&u.actor(), from, to).await?))
}

#[utoipa::path(put, path = "/api/v1/holidays", request_body = HolidayInput, tag = "calendar",
    responses((status = 200, body = Holiday, description = "Added, or renamed when the day was there"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn put_holiday(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<HolidayInput>,
) -> Res<Json<Holiday>> {
    Ok(Json(s.follow_ups.put_holiday(&u.actor(), b).await?))
}

#[utoipa::path(delete, path = "/api/v1/holidays/{region}/{on}", tag = "calendar",
    responses((status = 204, description = "Removed"), (status = 404, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn delete_holiday(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((region, on)): Path<(String, String)>,
) -> Res<StatusCode> {
    s.follow_ups
        .delete_holiday(&u.actor(), &region, &on)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// pending, running, done or dead; every state when unset.
    pub state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobsView {
    pub counts: JobCounts,
    /// The newest 200 in the state asked for.
    pub jobs: Vec<Job>,
}

#[utoipa::path(get, path = "/api/v1/jobs", params(JobsQuery), tag = "operations",
    responses((status = 200, body = JobsView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn jobs(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> Res<Json<JobsView>> {
    Ok(Json(jobs_view(&s, &u, q.state.as_deref()).await?))
}

pub async fn jobs_view(s: &AppState, u: &CurrentUser, state: Option<&str>) -> Res<JobsView> {
    authorize(u.actor().role, Action::RunOperations)?;
    let state = state
        .filter(|v| !v.is_empty())
        .map(|v| JobState::parse("state", v))
        .transpose()?;
    let counts = s.store.job_counts(jiff::Timestamp::now()).await?;
    let jobs = s.store.jobs(state, 200).await?;
    Ok(JobsView { counts, jobs })
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "operations",
    description = "Run a dead or failing job again now, with its attempts reset.",
    responses((status = 200, body = Job), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn retry(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Job>> {
    Ok(Json(retry_job(&s, &u, &id).await?))
}

pub async fn retry_job(s: &AppState, u: &CurrentUser, id: &str) -> Res<Job> {
    let actor = u.actor();
    authorize(actor.role, Action::RunOperations)?;
    let id: uuid::Uuid = path_id(id, "job")?;
    let job =
        s.store.job(id).await?.ok_or_else(|| {
            ApiError(extramile_domain::DomainError::NotFound(format!("job {id}")))
        })?;
    let audit = extramile_domain::audit::change(&actor, "retry", "job", id)
        .summary(format!(
            "Job {} retried after {} attempts: {}",
            job.kind,
            job.attempts,
            job.last_error.as_deref().unwrap_or("no error")
        ))
        .build();
    if !s
        .store
        .retry_job(id, jiff::Timestamp::now(), &audit)
        .await?
    {
        return Err(ApiError(extramile_domain::DomainError::Conflict(format!(
            "a job that is {} with {} failed attempts has nothing to retry",
            job.state, job.attempts
        ))));
    }
    s.store
        .job(id)
        .await?
        .ok_or_else(|| ApiError(extramile_domain::DomainError::NotFound(format!("job {id}"))))
}
