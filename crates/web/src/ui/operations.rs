//! Operations pages for admins: the provider's holiday calendar and the
//! background jobs.

use super::followups::day_words;
use super::{Fields, Shell, Typed, UiError, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::access::{Action, allowed};
use extramile_domain::followups::HolidayInput;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    region: String,
    /// (region, YYYY-MM-DD, day in words, name)
    holidays: Vec<(String, String, String, String)>,
    may_edit: bool,
    error: Option<String>,
    typed: Typed,
}

async fn calendar(
    s: &AppState,
    u: &CurrentUser,
    status: StatusCode,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let today = jiff::Timestamp::now().to_zoned(super::viewer_zone()).date();
    let from = today.saturating_sub(jiff::Span::new().days(30));
    let to = today.saturating_add(jiff::Span::new().years(2));
    let holidays = s
        .follow_ups
        .holidays(&actor, from, to)
        .await?
        .into_iter()
        .map(|h| (h.region, h.on.to_string(), day_words(h.on, today), h.name))
        .collect();
    let page = CalendarPage {
        shell: Shell::of(u),
        region: s.follow_ups.region().to_string(),
        holidays,
        may_edit: allowed(actor.role, Action::RunOperations),
        error,
        typed,
    };
    Ok((status, render(&page)).into_response())
}

async fn calendar_page(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    calendar(&s, &u, StatusCode::OK, None, Typed::default()).await
}

const HOLIDAY_FIELDS: super::FieldMap = &[
    ("region", "region", "Region"),
    ("on", "on", "Day"),
    ("name", "name", "Name"),
];

async fn calendar_post(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    // Adding a day that already has a holiday would rename it: said, unless
    // renaming is what was asked.
    if !f.contains_key("delete")
        && !f.contains_key("replace")
        && let Ok(day) = text(&f, "on").trim().parse::<jiff::civil::Date>()
    {
        let region = text(&f, "region").trim().to_ascii_uppercase();
        let name = text(&f, "name");
        if let Some(h) = s
            .follow_ups
            .holidays(&actor, day, day)
            .await?
            .into_iter()
            .find(|h| h.region == region && h.name != name.trim())
        {
            let mut typed = Typed(f.clone());
            let said = format!(
                "Day: {} is already {} in {region}; tick \"Rename it\" to change its name",
                day.strftime("%a %-d %b %Y"),
                h.name
            );
            typed.set_error("on", said.clone());
            return calendar(&s, &u, StatusCode::CONFLICT, Some(said), typed).await;
        }
    }
    let r = if f.contains_key("delete") {
        s.follow_ups
            .delete_holiday(&actor, &text(&f, "region"), &text(&f, "on"))
            .await
    } else {
        s.follow_ups
            .put_holiday(
                &actor,
                HolidayInput {
                    region: text(&f, "region"),
                    on: text(&f, "on"),
                    name: text(&f, "name"),
                },
            )
            .await
            .map(|_| ())
    };
    match r {
        Ok(()) => Ok(Redirect::to("/calendar").into_response()),
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, text) = super::refusal_at(&e, HOLIDAY_FIELDS, &mut typed);
            calendar(&s, &u, status, Some(text), typed).await
        }
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    shell: Shell,
    counts: extramile_domain::jobs::JobCounts,
    state: String,
    jobs: Vec<JobRow>,
    error: Option<String>,
}

/// One job as the page shows it.
struct JobRow {
    id: String,
    kind: String,
    state: String,
    run_at: String,
    /// "2 of 8"
    attempts: String,
    last_error: String,
    node: String,
    retryable: bool,
}

#[derive(Deserialize)]
struct JobsQuery {
    state: Option<String>,
}

async fn jobs(
    s: &AppState,
    u: &CurrentUser,
    state: Option<String>,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, UiError> {
    let v = crate::api::followups::jobs_view(s, u, state.as_deref())
        .await
        .map_err(|e| UiError(e.0))?;
    let page = JobsPage {
        shell: Shell::of(u),
        counts: v.counts,
        state: state.unwrap_or_default(),
        jobs: v
            .jobs
            .iter()
            .map(|j| JobRow {
                id: j.id.to_string(),
                kind: j.kind.replace('_', " "),
                state: j.state.as_str().to_string(),
                run_at: when(j.run_at),
                attempts: format!("{} of {}", j.attempts, j.max_attempts),
                last_error: j.last_error.clone().unwrap_or_default(),
                node: j.lease_holder.clone().unwrap_or_default(),
                retryable: j.state == extramile_domain::jobs::JobState::Dead
                    || (j.state == extramile_domain::jobs::JobState::Pending && j.attempts > 0),
            })
            .collect(),
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn jobs_page(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<JobsQuery>,
) -> Result<Response, UiError> {
    jobs(&s, &u, q.state, StatusCode::OK, None).await
}

async fn retry(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    match crate::api::followups::retry_job(&s, &u, &id).await {
        Ok(_) => Ok(Redirect::to("/jobs").into_response()),
        Err(e) => {
            let (status, text) = super::refusal(&e.0);
            jobs(&s, &u, None, status, Some(text)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar_page).post(calendar_post))
        .route("/jobs", get(jobs_page))
        .route("/jobs/{id}/retry", post(retry))
}
