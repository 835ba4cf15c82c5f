//! My work, consult actions and the supervisors' queue wall.

use super::consults::{ConsultRow, consult_cards};
use super::{LivePage, Shell, UiError, ago, fragment, render, span, when};
use crate::api::work::{MyWork, my_work};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::consults::{ConsultAnswer, ConsultStep, StatusUpdate};
use extramile_domain::interactions::InteractionSummary;
use extramile_domain::routing::{AvailabilityInput, QueueWall};
use serde::Deserialize;

pub struct ContactRow {
    pub id: String,
    pub channel: String,
    pub state: String,
    pub account: String,
    pub subject: String,
    pub age: String,
    pub why: &'static str,
    pub version: i64,
    pub transfer_note: Option<String>,
}

pub fn contact_row(c: &InteractionSummary, me: extramile_domain::ids::StaffId) -> ContactRow {
    let i = &c.interaction;
    let why = if c.offered_to_me {
        "offered to you"
    } else if i.pending_transfer_to == Some(me) {
        "transfer to you"
    } else if i.owner_id == Some(me) {
        "yours"
    } else {
        "taking part"
    };
    ContactRow {
        id: i.id.to_string(),
        channel: i.channel.as_str().replace('_', " "),
        state: i.state.as_str().to_string(),
        account: match (&c.account_number, &c.account_name) {
            (Some(n), Some(name)) => format!("{n} · {name}"),
            _ => "no account yet".into(),
        },
        subject: i.subject.clone().unwrap_or_default(),
        age: ago(i.started_at),
        why,
        version: i.version,
        transfer_note: (i.pending_transfer_to == Some(me))
            .then(|| i.pending_transfer_note.clone().unwrap_or_default()),
    }
}

pub struct CaseRow {
    pub id: String,
    pub title: String,
    pub account: String,
    pub status: String,
    pub priority: String,
    pub due: String,
    pub clock: String,
    pub waiting: String,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkBody {
    csrf: String,
    availability: String,
    since: String,
    /// Name, open or next opening, waiting, longest wait.
    queues: Vec<(String, String, i64, String)>,
    waiting_for_me: Vec<ContactRow>,
    contacts: Vec<ContactRow>,
    cases: Vec<CaseRow>,
    inbox: Vec<ConsultRow>,
    answering: Vec<ConsultRow>,
    in_department: bool,
    cases_total: i64,
    /// "51–100", the rows shown.
    cases_shown: String,
    prev_page: Option<u32>,
    next_page: Option<u32>,
    follow_ups: Vec<super::followups::FollowUpRow>,
    follow_ups_overdue: i64,
    follow_ups_later: i64,
    covering: Vec<super::followups::FollowUpRow>,
}

/// Cases per page of My work.
const CASES_PER_PAGE: u32 = 50;

/// Which page of my cases (1-based).
#[derive(Deserialize, Default)]
pub(super) struct WorkPage {
    cases_page: Option<u32>,
}

impl WorkPage {
    fn number(&self) -> u32 {
        self.cases_page.unwrap_or(1).clamp(1, 10_000)
    }

    fn page(&self) -> extramile_domain::cases::Page {
        extramile_domain::cases::Page {
            limit: CASES_PER_PAGE,
            offset: (self.number() - 1) * CASES_PER_PAGE,
        }
    }
}

/// My work with its consult cards' context, read in one query.
pub(super) async fn work_with_context(
    s: &AppState,
    u: &CurrentUser,
    page: &WorkPage,
) -> Result<(MyWork, Vec<extramile_domain::consults::ConsultContext>), UiError> {
    let w = my_work(s, u, page.page()).await?;
    let ids: Vec<_> = w
        .consults
        .iter()
        .chain(&w.my_consults)
        .map(|c| c.consult.id)
        .collect();
    let contexts = s.store.consult_contexts(&ids).await?;
    Ok((w, contexts))
}

fn work_body(
    u: &CurrentUser,
    w: MyWork,
    contexts: &[extramile_domain::consults::ConsultContext],
    page: &WorkPage,
) -> Result<String, UiError> {
    let n = page.number();
    let from = (n - 1) * CASES_PER_PAGE;
    let shown = w.cases.len() as u32;
    let me = u.user.id;
    let (waiting_for_me, contacts): (Vec<_>, Vec<_>) = w
        .interactions
        .iter()
        .map(|c| contact_row(c, me))
        .partition(|r| r.why == "offered to you" || r.why == "transfer to you");
    fragment(&WorkBody {
        follow_ups: w.follow_ups_due.iter().map(super::followups::row).collect(),
        follow_ups_overdue: w.follow_ups_overdue,
        follow_ups_later: w.follow_ups_later,
        covering: w.covering.iter().map(super::followups::row).collect(),
        csrf: u.csrf.clone().unwrap_or_default(),
        availability: w.availability.as_str().to_string(),
        since: w.availability_since.map(ago).unwrap_or_default(),
        queues: w
            .queues
            .iter()
            .map(|q| {
                (
                    q.queue.name.clone(),
                    q.next_opening
                        .as_ref()
                        .map(|n| format!("closed, opens {n}"))
                        .unwrap_or_else(|| "open".into()),
                    q.waiting,
                    q.oldest_waiting_since.map(ago).unwrap_or_default(),
                )
            })
            .collect(),
        waiting_for_me,
        contacts,
        cases: w
            .cases
            .iter()
            .map(|c| CaseRow {
                id: c.case.id.to_string(),
                title: c.case.title.clone(),
                account: format!("{} · {}", c.account_number, c.account_name),
                status: c.case.status.as_str().to_string(),
                priority: c.case.priority.as_str().to_string(),
                due: when(c.sla.resolution_due),
                clock: c.sla.resolution.as_str().to_string(),
                waiting: span(c.sla.customer_waiting_secs),
            })
            .collect(),
        inbox: consult_cards(&w.consults, contexts),
        answering: consult_cards(&w.my_consults, contexts),
        in_department: u.user.team_id.is_some(),
        cases_total: w.cases_total,
        cases_shown: if shown == 0 {
            String::new()
        } else {
            format!("{}–{}", from + 1, from + shown)
        },
        prev_page: (n > 1).then(|| n - 1),
        next_page: (i64::from(from + shown) < w.cases_total).then_some(n + 1),
    })
}

async fn page(
    s: &AppState,
    u: &CurrentUser,
    refused: Option<(StatusCode, String)>,
    wp: &WorkPage,
) -> Result<Response, UiError> {
    let (w, contexts) = work_with_context(s, u, wp).await?;
    let body = work_body(u, w, &contexts, wp)?;
    Ok(super::live_page(
        u,
        "My work",
        refused,
        format!("/ui/work?cases_page={}", wp.number()),
        "offer,interaction,case,consult,queue,follow_up_due,follow_up_assigned",
        String::new(),
        body,
    ))
}

async fn work_page(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(wp): Query<WorkPage>,
) -> Result<Response, UiError> {
    page(&s, &u, None, &wp).await
}

async fn work_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(wp): Query<WorkPage>,
) -> Result<Response, UiError> {
    let (w, contexts) = work_with_context(&s, &u, &wp).await?;
    Ok(Html(work_body(&u, w, &contexts, &wp)?).into_response())
}

async fn set_availability(
    State(s): State<AppState>,
    u: CurrentUser,
    headers: axum::http::HeaderMap,
    Form(f): Form<super::Fields>,
) -> Result<Response, UiError> {
    let input = AvailabilityInput {
        state: super::text(&f, "state"),
    };
    match s.routing.set_availability(&u.actor(), input).await {
        Ok(_) => Ok(Redirect::to(&super::back_to(&headers, &f, "/work")).into_response()),
        Err(e) => page(&s, &u, Some(super::refusal(&e)), &WorkPage::default()).await,
    }
}

#[derive(Template)]
#[template(path = "queues.html")]
struct WallBody {
    /// Open queues with no agent available.
    unstaffed: Vec<String>,
    queues: Vec<QueueRow>,
    agents: Vec<AgentRow>,
    total_waiting: i64,
    available: usize,
    longest: String,
}

struct QueueRow {
    name: String,
    hours: String,
    open: bool,
    next_opening: String,
    waiting: i64,
    longest: String,
    agents: i64,
}

struct AgentRow {
    name: String,
    role: String,
    state: String,
    since: String,
    skills: String,
}

fn wall_body(w: QueueWall) -> Result<String, UiError> {
    let now = jiff::Timestamp::now().as_second();
    let longest = w
        .queues
        .iter()
        .filter_map(|q| q.oldest_waiting_since)
        .map(|t| now - t.as_second())
        .max();
    // An open queue nobody can answer is the wall's first line.
    let unstaffed = w
        .queues
        .iter()
        .filter(|q| q.open_now && q.available_agents == 0)
        .map(|q| {
            if q.waiting > 0 {
                format!("{} ({} waiting)", q.queue.name, q.waiting)
            } else {
                q.queue.name.clone()
            }
        })
        .collect();
    fragment(&WallBody {
        unstaffed,
        total_waiting: w.queues.iter().map(|q| q.waiting).sum(),
        available: w
            .agents
            .iter()
            .filter(|a| a.state.as_str() == "available")
            .count(),
        longest: longest.map(span).unwrap_or_else(|| "—".into()),
        queues: w
            .queues
            .iter()
            .map(|q| QueueRow {
                name: q.queue.name.clone(),
                hours: format!("{} ({})", q.queue.hours, q.queue.time_zone),
                open: q.open_now,
                next_opening: q.next_opening.clone().unwrap_or_default(),
                waiting: q.waiting,
                longest: q.oldest_waiting_since.map(ago).unwrap_or_default(),
                agents: q.available_agents,
            })
            .collect(),
        agents: w
            .agents
            .iter()
            .map(|a| AgentRow {
                name: a.name.clone(),
                role: a.role.as_str().to_string(),
                state: a.state.as_str().to_string(),
                since: a.since.map(ago).unwrap_or_default(),
                skills: a.skills.join(", "),
            })
            .collect(),
    })
}

async fn wall_page(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    let body = wall_body(s.routing.wall(&u.actor()).await?)?;
    Ok(render(&LivePage {
        aside: String::new(),
        shell: Shell::of(&u),
        title: "Queue wall".into(),
        error: None,
        refresh: "/ui/queues".into(),
        on: "queue,interaction",
        matcher: String::new(),
        body,
    }))
}

async fn wall_fragment(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    Ok(Html(wall_body(s.routing.wall(&u.actor()).await?)?).into_response())
}

/// A consult action from any page; it goes back where it came from.
#[derive(Deserialize)]
struct ConsultForm {
    version: Option<i64>,
    answer: Option<String>,
    message: Option<String>,
    back: Option<String>,
}

fn back_to(f: &ConsultForm) -> String {
    // Only paths on this site: never an open redirect.
    f.back
        .as_deref()
        .filter(|b| super::site_path(b))
        .unwrap_or("/work")
        .to_string()
}

async fn consult_action(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    Form(f): Form<ConsultForm>,
) -> Result<Response, UiError> {
    let id = super::path_id(&id, "consult")?;
    let actor = u.actor();
    let step = ConsultStep {
        version: f.version.unwrap_or(0),
    };
    let c = &s.consults;
    let done = match verb.as_str() {
        "pick-up" => c.pick_up(&actor, id, step).await,
        "join" => c.join(&actor, id, step).await,
        "cancel" => c.cancel(&actor, id, step).await,
        "answer" => {
            c.answer(
                &actor,
                id,
                ConsultAnswer {
                    version: step.version,
                    answer: f.answer.clone().unwrap_or_default(),
                },
            )
            .await
        }
        "update" => {
            c.post_update(
                &actor,
                id,
                StatusUpdate {
                    message: f.message.clone().unwrap_or_default(),
                },
            )
            .await
        }
        _ => {
            return Err(UiError(extramile_domain::DomainError::NotFound(
                "page".into(),
            )));
        }
    };
    let back = back_to(&f);
    match done {
        // Joining puts the specialist on the call: open it.
        Ok(v) if verb == "join" => Ok(Redirect::to(&format!(
            "/interactions/{}",
            v.consult
                .interaction_id
                .map(|i| i.to_string())
                .unwrap_or_default()
        ))
        .into_response()),
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        // Show the page the action came from, with the reason and what was typed.
        Err(e) => {
            let mut typed = super::Typed(
                [("answer", &f.answer), ("message", &f.message)]
                    .into_iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
                    .collect(),
            );
            let refused = Some(super::refusal_at(
                &e,
                &[
                    ("answer", "answer", "Your answer"),
                    ("message", "message", "Status update for the customer"),
                ],
                &mut typed,
            ));
            if let Some(rest) = back.strip_prefix("/cases/") {
                super::cases::page(&s, &u, super::path_id(rest, "case")?, refused, typed).await
            } else if let Some(rest) = back.strip_prefix("/interactions/") {
                let id = super::path_id(rest, "interaction")?;
                super::interactions::page(&s, &u, id, refused, typed).await
            } else {
                page(&s, &u, refused, &WorkPage::default()).await
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(work_page))
        .route("/ui/work", get(work_fragment))
        .route("/work/availability", post(set_availability))
        .route("/queues", get(wall_page))
        .route("/ui/queues", get(wall_fragment))
        .route("/consults/{id}/{verb}", post(consult_action))
}
