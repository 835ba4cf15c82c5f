//! The dispatch board (technicians × a day, live) and the technician's
//! day on a phone.

use super::{Shell, UiError, render};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use extramile_domain::fieldwork::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dispatch", get(board_page))
        .route("/ui/dispatch", get(board_fragment))
        .route("/my-jobs", get(my_jobs))
}

/// A visit as the board and the technician's day show it.
pub struct JobView {
    pub id: String,
    pub window: String,
    pub kind: String,
    pub state: String,
    pub account: String,
    pub account_id: String,
    pub address: String,
    pub map: String,
    pub services: String,
    pub access: String,
    pub customer: String,
    pub state_key: String,
    pub version: i64,
}

fn job_view(w: &WorkOrder, services: &[ServiceLine]) -> JobView {
    let address = w.address.clone();
    JobView {
        id: w.id.to_string(),
        window: match (w.window_start, w.window_end) {
            (Some(a), Some(b)) => format!("{}–{}", a.strftime("%H:%M"), b.strftime("%H:%M")),
            _ => String::new(),
        },
        kind: w.kind.as_str().replace('_', " "),
        state: w.state.as_str().replace('_', " "),
        account: w.account_number.clone(),
        customer: w.account_name.clone(),
        account_id: w.account_id.to_string(),
        map: format!(
            "https://www.openstreetmap.org/search?query={}",
            address.replace(' ', "+").replace(',', "%2C")
        ),
        address,
        services: services
            .iter()
            .map(|x| x.product_name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        access: w.access_notes.clone().unwrap_or_default(),
        state_key: w.state.as_str().to_string(),
        version: w.version,
    }
}

#[derive(Template)]
#[template(path = "dispatch_board.html")]
struct BoardBody {
    day: String,
    prev: String,
    next: String,
    /// (name, id, jobs, free windows)
    rows: Vec<(String, String, Vec<JobView>, String)>,
    unassigned: Vec<JobView>,
    technicians: Vec<(String, String)>,
    csrf: String,
}

#[derive(serde::Deserialize)]
struct DayQuery {
    day: Option<String>,
}

fn day_of(s: &AppState, q: &DayQuery) -> Result<jiff::civil::Date, UiError> {
    match q.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => extramile_domain::customers::values::parse_date("day", d).map_err(UiError),
        None => Ok(jiff::Timestamp::now().to_zoned(s.time_zone.clone()).date()),
    }
}

async fn board_body(
    s: &AppState,
    u: &CurrentUser,
    day: jiff::civil::Date,
) -> Result<String, UiError> {
    let b = s.field.board(&u.actor(), day).await?;
    let mut rows = Vec::new();
    for r in &b.rows {
        let mut jobs = Vec::new();
        for w in &r.jobs {
            jobs.push(job_view(w, &[]));
        }
        rows.push((
            r.name.clone(),
            r.technician_id.to_string(),
            jobs,
            r.free
                .iter()
                .map(|(a, b)| format!("{a}–{b}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let mut unassigned = Vec::new();
    for w in &b.unassigned {
        unassigned.push(job_view(w, &[]));
    }
    super::fragment(&BoardBody {
        day: day.to_string(),
        prev: day.yesterday().map(|d| d.to_string()).unwrap_or_default(),
        next: day.tomorrow().map(|d| d.to_string()).unwrap_or_default(),
        technicians: b
            .rows
            .iter()
            .map(|r| (r.technician_id.to_string(), r.name.clone()))
            .collect(),
        rows,
        unassigned,
        csrf: u.csrf.clone().unwrap_or_default(),
    })
}

async fn board_page(
    State(s): State<AppState>,
    u: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<DayQuery>,
) -> Result<Response, UiError> {
    let day = day_of(&s, &q)?;
    let body = board_body(&s, &u, day).await?;
    Ok(render(&super::LivePage {
        aside: String::new(),
        shell: Shell::of(&u),
        title: format!("Dispatch · {day}"),
        error: None,
        refresh: format!("/ui/dispatch?day={day}"),
        on: "work_order",
        matcher: String::new(),
        body,
    }))
}

async fn board_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<DayQuery>,
) -> Result<Response, UiError> {
    let day = day_of(&s, &q)?;
    Ok(axum::response::Html(board_body(&s, &u, day).await?).into_response())
}

#[derive(Template)]
#[template(path = "my_jobs.html")]
struct MyJobs {
    shell: Shell,
    day: String,
    /// YYYY-MM-DD of this day, the day before and after.
    iso: String,
    prev: String,
    next: String,
    jobs: Vec<JobView>,
    csrf: String,
}

async fn my_jobs(
    State(s): State<AppState>,
    u: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<DayQuery>,
) -> Result<Response, UiError> {
    let day = day_of(&s, &q)?;
    let views = s.field.my_day(&u.actor(), day).await?;
    let mut jobs = Vec::new();
    for v in &views {
        jobs.push(job_view(&v.work_order, &v.services));
    }
    Ok(render(&MyJobs {
        csrf: u.csrf.clone().unwrap_or_default(),
        shell: Shell::of(&u),
        iso: day.to_string(),
        prev: day.yesterday().unwrap_or(day).to_string(),
        next: day.tomorrow().unwrap_or(day).to_string(),
        day: day.strftime("%A %-d %B").to_string(),
        jobs,
    }))
}
