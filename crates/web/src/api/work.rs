//! Work lists: my work, the queue wall, and the lists behind the contact,
//! case and account pages.

use crate::auth::CurrentUser;
use crate::error::{ApiError, path_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use extramile_domain::cases::{Case, CaseSummary};
use extramile_domain::consults::ConsultView;
use extramile_domain::interactions::{Interaction, InteractionSummary};
use extramile_domain::routing::{Availability, QueueSummary, QueueWall};
use jiff::Timestamp;
use serde::Serialize;

type Res<T> = Result<T, ApiError>;

/// Everything on a staff member's plate.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MyWork {
    pub availability: Availability,
    pub availability_since: Option<Timestamp>,
    /// The queues I take work from, by my skills.
    pub queues: Vec<QueueSummary>,
    /// Contacts I own, take part in, was offered or am asked to accept.
    pub interactions: Vec<InteractionSummary>,
    /// A page of my unresolved cases with their clocks, breached and due
    /// first (`cases_limit`, default 50, at most 200; `cases_offset`).
    pub cases: Vec<CaseSummary>,
    /// How many unresolved cases I own in all.
    pub cases_total: i64,
    /// My department's waiting consults, oldest first (empty without a department).
    pub consults: Vec<ConsultView>,
    /// Consults I picked up and have yet to answer.
    pub my_consults: Vec<ConsultView>,
    /// My follow-ups due today or overdue, overdue first (at the top of
    /// the page).
    pub follow_ups_due: Vec<extramile_domain::followups::FollowUpItem>,
    /// How many of those are overdue.
    pub follow_ups_overdue: i64,
    /// My follow-ups on later days.
    pub follow_ups_later: i64,
    /// My team's due follow-ups whose owner is away or offline.
    pub covering: Vec<extramile_domain::followups::FollowUpItem>,
}

#[tracing::instrument(skip_all)]
pub async fn my_work(
    s: &AppState,
    u: &CurrentUser,
    page: extramile_domain::cases::Page,
) -> Result<MyWork, extramile_domain::DomainError> {
    let actor = u.actor();
    let (availability, availability_since) = s.routing.my_availability(&actor).await?;
    let (cases, cases_total) = s.cases.mine(&actor, page).await?;
    let (follow_ups_due, later): (Vec<_>, Vec<_>) =
        s.follow_ups.mine(&actor).await?.into_iter().partition(|i| {
            i.overdue || i.follow_up.state == extramile_domain::followups::FollowUpState::Due
        });
    Ok(MyWork {
        follow_ups_overdue: follow_ups_due.iter().filter(|i| i.overdue).count() as i64,
        follow_ups_later: later.len() as i64,
        follow_ups_due,
        covering: s.follow_ups.team(&actor).await?,
        availability,
        availability_since,
        queues: s.routing.my_queues(&actor).await?,
        interactions: s.interactions.mine(&actor).await?,
        cases,
        cases_total,
        consults: if u.user.team_id.is_some() {
            s.consults.inbox(&actor).await?
        } else {
            Vec::new()
        },
        my_consults: s.consults.picked_by_me(&actor).await?,
    })
}

/// Which page of my cases.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkQuery {
    /// Cases per page (default 50, at most 200).
    #[param(minimum = 1, maximum = 200)]
    pub cases_limit: Option<u32>,
    /// Cases to skip (at most 1,000,000).
    #[param(minimum = 0, maximum = 1000000)]
    pub cases_offset: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/me/work", params(WorkQuery), tag = "routing",
    responses((status = 200, body = MyWork), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn me_work(
    State(s): State<AppState>,
    u: CurrentUser,
    crate::error::ApiQuery(q): crate::error::ApiQuery<WorkQuery>,
) -> Res<Json<MyWork>> {
    let limit = q.cases_limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("cases_limit", "from 1 to 200 cases"));
    }
    let offset = q.cases_offset.unwrap_or(0);
    if offset > 1_000_000 {
        return Err(ApiError::bad_request("cases_offset", "at most 1000000"));
    }
    let page = extramile_domain::cases::Page { limit, offset };
    Ok(Json(my_work(&s, &u, page).await?))
}

#[utoipa::path(get, path = "/api/v1/queues/wall", tag = "routing",
    responses((status = 200, body = QueueWall), (status = 403, body = crate::error::Problem, description = "supervisors and admins only")))]
#[tracing::instrument(skip_all)]
pub async fn wall(State(s): State<AppState>, u: CurrentUser) -> Res<Json<QueueWall>> {
    Ok(Json(s.routing.wall(&u.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/consults", tag = "consults",
    responses((status = 200, body = Vec<ConsultView>)))]
#[tracing::instrument(skip_all)]
pub async fn case_consults(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<ConsultView>>> {
    let id = path_id(&id, "case")?;
    s.cases.view(&u.actor(), id).await?;
    Ok(Json(s.consults.for_case(&u.actor(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/interactions/{id}/cases", tag = "cases",
    responses((status = 200, body = Vec<Case>)))]
#[tracing::instrument(skip_all)]
pub async fn interaction_cases(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<Case>>> {
    let id = path_id(&id, "interaction")?;
    s.interactions.view(&u.actor(), id).await?;
    Ok(Json(s.cases.for_interaction(&u.actor(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/cases", tag = "cases",
    responses((status = 200, body = Vec<Case>, description = "Newest first, at most 50")))]
#[tracing::instrument(skip_all)]
pub async fn account_cases(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<Case>>> {
    Ok(Json(
        s.cases
            .for_account(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/interactions", tag = "interactions",
    responses((status = 200, body = Vec<Interaction>, description = "Newest first, at most 50")))]
#[tracing::instrument(skip_all)]
pub async fn account_interactions(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Res<Json<Vec<Interaction>>> {
    Ok(Json(
        s.interactions
            .for_account(&u.actor(), path_id(&id, "account")?)
            .await?,
    ))
}
