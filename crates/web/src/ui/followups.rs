//! Follow-ups in the console: the due list, scheduling (with the next
//! working day suggested, never forced), one follow-up with its history and
//! actions.

use super::{Fields, Shell, Typed, UiError, path_id, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::followups::*;
use extramile_domain::ids::{AccountId, FollowUpId};
use jiff::civil::Date;
use serde::Deserialize;

/// One follow-up as a list shows it.
pub struct FollowUpRow {
    pub id: String,
    pub person: String,
    pub account: String,
    pub account_id: String,
    pub purpose: String,
    /// "today", "tomorrow", "Fri 27 Nov".
    pub due: String,
    pub window: String,
    pub holiday: Option<String>,
    pub overdue: bool,
    pub due_now: bool,
    pub state: String,
    pub owner: String,
    pub covering_for: Option<String>,
    pub contact: String,
    /// The customer's local time now, where known.
    pub customer_time: Option<String>,
    pub reschedules: i64,
    pub outcome: String,
    pub version: i64,
}

pub(super) fn day_words(d: Date, today: Date) -> String {
    if d == today {
        "today".into()
    } else if today.tomorrow().ok() == Some(d) {
        "tomorrow".into()
    } else if d.year() == today.year() {
        d.strftime("%a %-d %b").to_string()
    } else {
        d.strftime("%a %-d %b %Y").to_string()
    }
}

fn window_words(f: &FollowUp) -> String {
    match (f.window_start, f.window_end) {
        (Some(a), Some(b)) => format!("{}–{}", a.strftime("%H:%M"), b.strftime("%H:%M")),
        _ => String::new(),
    }
}

pub fn row(i: &FollowUpItem) -> FollowUpRow {
    let f = &i.follow_up;
    let today = jiff::Timestamp::now().to_zoned(super::viewer_zone()).date();
    FollowUpRow {
        id: f.id.to_string(),
        person: i.person_name.clone(),
        account: i.account_number.clone(),
        account_id: f.account_id.to_string(),
        purpose: f.purpose.clone(),
        due: if i.overdue {
            format!("overdue since {}", day_words(f.due_on, today))
        } else {
            day_words(f.due_on, today)
        },
        window: window_words(f),
        holiday: i.holiday.clone(),
        overdue: i.overdue,
        due_now: rules::is_open(f.state) && f.due_on <= today,
        state: f.state.as_str().to_string(),
        owner: i.owner_name.clone(),
        covering_for: i.covering_for.clone(),
        contact: i.contact_value.clone().unwrap_or_default(),
        customer_time: i
            .customer_time_zone
            .as_deref()
            .and_then(super::local_time)
            .map(|(_, t)| t),
        reschedules: f.reschedules,
        outcome: f.outcome.map(|o| o.words().to_string()).unwrap_or_default(),
        version: f.version,
    }
}

#[derive(Template)]
#[template(path = "follow_ups.html")]
struct ListPage {
    shell: Shell,
    mine: Vec<FollowUpRow>,
    team: Vec<FollowUpRow>,
    supervisor: bool,
    can_calendar: bool,
}

async fn list_page(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    let actor = u.actor();
    let mine = s.follow_ups.mine(&actor).await?;
    let team = s.follow_ups.team(&actor).await?;
    Ok(render(&ListPage {
        shell: Shell::of(&u),
        mine: mine.iter().map(row).collect(),
        team: team.iter().map(row).collect(),
        supervisor: allowed(actor.role, Action::WatchQueues),
        can_calendar: allowed(actor.role, Action::RunOperations),
    }))
}

#[derive(Deserialize)]
struct NewQuery {
    account: String,
    interaction: Option<String>,
    case: Option<String>,
}

#[derive(Template)]
#[template(path = "follow_up_new.html")]
struct NewPage {
    shell: Shell,
    account_id: String,
    account: String,
    interaction: String,
    case: String,
    case_title: String,
    /// (person id, name and role)
    people: Vec<(String, String)>,
    /// (contact point id, "Name · value")
    points: Vec<(String, String)>,
    /// (staff id, name)
    owners: Vec<(String, String)>,
    me: String,
    /// Holidays in the next 60 days: ("Fri 27 Nov", name).
    holidays: Vec<(String, String)>,
    /// The day chosen falls on a weekend or holiday: (why, the suggested
    /// next working day as YYYY-MM-DD, in words).
    suggest: Option<(String, String, String, String)>,
    key: String,
    typed: Typed,
}

const FIELDS: super::FieldMap = &[
    ("person_id", "person_id", "Person to call"),
    ("contact_point_id", "contact_point_id", "Number or e-mail"),
    ("purpose", "purpose", "What to check"),
    ("due_on", "due_on", "Day"),
    ("window_start", "window_start", "From"),
    ("window_end", "window_end", "Until"),
    ("owner_id", "owner_id", "Who calls"),
];

#[allow(clippy::too_many_arguments)]
async fn new_page(
    s: &AppState,
    u: &CurrentUser,
    account: AccountId,
    interaction: String,
    case: String,
    status: StatusCode,
    suggest: Option<(String, String, String, String)>,
    typed: Typed,
    key: String,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let c = s.customers.customer_360(&actor, account).await?;
    let parties: Vec<_> = c
        .parties
        .iter()
        .filter(|p| p.role.ended_on.is_none())
        .collect();
    let people = parties
        .iter()
        .map(|p| {
            (
                p.person.id.to_string(),
                format!(
                    "{} ({})",
                    p.person.full_name(),
                    p.role.kind.as_str().replace('_', " ")
                ),
            )
        })
        .collect();
    let mut points = Vec::new();
    for p in &parties {
        for cp in &p.contact_points {
            if cp.kind.as_str() != "postal" {
                points.push((
                    cp.id.to_string(),
                    format!("{} · {}", p.person.full_name(), cp.value),
                ));
            }
        }
    }
    let staff = s.staff.directory(&actor).await?;
    let supervisor = allowed(actor.role, Action::WatchQueues);
    let owners = staff
        .iter()
        .filter(|x| {
            x.active
                && (x.id == u.user.id
                    || supervisor
                    || (x.team_id.is_some() && x.team_id == u.user.team_id))
        })
        .map(|x| {
            (
                x.id.to_string(),
                if x.id == u.user.id {
                    format!("{} (you)", x.name)
                } else {
                    x.name.clone()
                },
            )
        })
        .collect();
    let today = jiff::Timestamp::now().to_zoned(super::viewer_zone()).date();
    let until = today.saturating_add(jiff::Span::new().days(60));
    let holidays = s
        .follow_ups
        .holidays(&actor, today, until)
        .await?
        .into_iter()
        .map(|h| (day_words(h.on, today), format!("{} ({})", h.name, h.region)))
        .collect();
    let case_title = match case.parse() {
        Ok(id) => s
            .store
            .case(id)
            .await?
            .map(|(c, _)| c.title)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let page = NewPage {
        shell: Shell::of(u),
        account_id: account.to_string(),
        account: format!("{} · {}", c.account.number, c.account.name),
        interaction,
        case,
        case_title,
        people,
        points,
        owners,
        me: u.user.id.to_string(),
        holidays,
        suggest,
        key,
        typed,
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, UiError> {
    let account = path_id(&q.account, "account")?;
    new_page(
        &s,
        &u,
        account,
        q.interaction.unwrap_or_default(),
        q.case.unwrap_or_default(),
        StatusCode::OK,
        None,
        Typed::default(),
        super::fresh_key(),
    )
    .await
}

fn opt_text(f: &Fields, k: &str) -> Option<String> {
    f.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let account: AccountId = path_id(&text(&f, "account_id"), "account")?;
    let (interaction, case) = (text(&f, "interaction_id"), text(&f, "case_id"));
    let key = text(&f, "_key");
    let retry = |status, suggest, typed| {
        new_page(
            &s,
            &u,
            account,
            interaction.clone(),
            case.clone(),
            status,
            suggest,
            typed,
            key.clone(),
        )
    };
    let parsed = (|| -> Result<NewFollowUp, DomainError> {
        Ok(NewFollowUp {
            account_id: account,
            person_id: super::id_of(&f, "person_id", "person_id")?,
            contact_point_id: super::opt_id(&f, "contact_point_id", "contact_point_id")?,
            owner_id: super::opt_id(&f, "owner_id", "owner_id")?,
            case_id: super::opt_id(&f, "case_id", "case_id")?,
            interaction_id: super::opt_id(&f, "interaction_id", "interaction_id")?,
            purpose: text(&f, "purpose"),
            due_on: text(&f, "due_on"),
            window_start: opt_text(&f, "window_start"),
            window_end: opt_text(&f, "window_end"),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, _) = super::refusal_at(&e, FIELDS, &mut typed);
            return retry(status, None, typed).await;
        }
    };
    // What the agent typed is checked first (the domain's own rules), then
    // a weekend or holiday suggests the next working day once; the agent may
    // keep the day (S2's call falls on a holiday weekend).
    let today = s.follow_ups.today_for(u.user.id).await?;
    let checked =
        extramile_domain::customers::values::required_text("purpose", &input.purpose, 500)
            .and_then(|_| rules::check_due("due_on", &input.due_on, today));
    if let Err(e) = checked {
        let mut typed = Typed(f.clone());
        let (status, _) = super::refusal_at(&e, FIELDS, &mut typed);
        return retry(status, None, typed).await;
    }
    if !f.contains_key("keep_day")
        && let Ok(day) = input.due_on.trim().parse::<Date>()
    {
        let next = s.follow_ups.next_working_day(day).await?;
        if next != day {
            let hs = s.follow_ups.holidays(&u.actor(), day, day).await?;
            let why = hs
                .iter()
                .find(|h| h.region == s.follow_ups.region())
                .map(|h| format!("{} is {}", day.strftime("%a %-d %b"), h.name))
                .unwrap_or_else(|| {
                    format!("{} is a {}", day.strftime("%a %-d %b"), day.strftime("%A"))
                });
            let suggest = (
                why,
                next.to_string(),
                next.strftime("%a %-d %b").to_string(),
                day.strftime("%a %-d %b").to_string(),
            );
            return retry(StatusCode::OK, Some(suggest), Typed(f.clone())).await;
        }
    }
    match s
        .follow_ups
        .schedule_once(&u.actor(), input, Some(&key))
        .await
    {
        Ok((fu, _)) => {
            let back = text(&f, "back");
            let to = if super::site_path(&back) {
                back
            } else {
                format!("/follow-ups/{}", fu.id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, _) = super::refusal_at(&e, FIELDS, &mut typed);
            retry(status, None, typed).await
        }
    }
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct DetailPage {
    shell: Shell,
    f: FollowUpRow,
    open: bool,
    case: Option<(String, String)>,
    calling: Option<String>,
    created: String,
    created_by: String,
    done: String,
    cancel_reason: String,
    outcome_note: String,
    history: Vec<(String, String, String, String)>,
    owners: Vec<(String, String)>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// The next working day from tomorrow, suggested for a reschedule.
    suggested_day: String,
    error: Option<String>,
    typed: Typed,
}

async fn detail(
    s: &AppState,
    u: &CurrentUser,
    id: FollowUpId,
    status: StatusCode,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let (item, history) = s.follow_ups.get(&actor, id).await?;
    let staff = s.staff.directory(&actor).await?;
    let name = |sid: Option<extramile_domain::ids::StaffId>| {
        sid.map(|x| {
            staff
                .iter()
                .find(|u| u.id == x)
                .map_or_else(|| "someone".to_string(), |u| u.name.clone())
        })
        .unwrap_or_else(|| "Extramile".into())
    };
    let f = &item.follow_up;
    let case = match f.case_id {
        Some(c) => s
            .store
            .case(c)
            .await?
            .map(|(c, _)| (c.id.to_string(), c.title)),
        None => None,
    };
    let supervisor = allowed(actor.role, Action::WatchQueues);
    let owners = staff
        .iter()
        .filter(|x| {
            x.active
                && x.id != f.owner_id
                && (supervisor || (x.team_id.is_some() && x.team_id == u.user.team_id))
        })
        .map(|x| (x.id.to_string(), x.name.clone()))
        .collect();
    let tomorrow = jiff::Timestamp::now()
        .to_zoned(super::viewer_zone())
        .date()
        .tomorrow()
        .unwrap_or(f.due_on);
    let suggested_day = s.follow_ups.next_working_day(tomorrow).await?.to_string();
    let page = DetailPage {
        shell: Shell::of(u),
        open: rules::is_open(f.state),
        case,
        calling: f.calling_interaction.map(|i| i.to_string()),
        created: when(f.created_at),
        created_by: name(Some(f.created_by)),
        done: match (f.done_by, f.done_at) {
            (Some(b), Some(at)) => format!("{} by {}", when(at), name(Some(b))),
            _ => String::new(),
        },
        cancel_reason: f.cancel_reason.clone().unwrap_or_default(),
        outcome_note: f.outcome_note.clone().unwrap_or_default(),
        history: history
            .iter()
            .map(|e| {
                (
                    when(e.at),
                    name(e.actor_id),
                    e.action.clone(),
                    e.detail.clone(),
                )
            })
            .collect(),
        owners,
        outcomes: FollowUpOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.words()))
            .collect(),
        suggested_day,
        f: row(&item),
        error,
        typed,
    };
    Ok((status, render(&page)).into_response())
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    detail(
        &s,
        &u,
        path_id(&id, "follow-up")?,
        StatusCode::OK,
        None,
        Typed::default(),
    )
    .await
}

const STEP_FIELDS: super::FieldMap = &[
    ("due_on", "due_on", "New day"),
    ("window_start", "window_start", "From"),
    ("window_end", "window_end", "Until"),
    ("reason", "reason", "Why"),
    ("owner_id", "owner_id", "To"),
    ("outcome", "outcome", "How it went"),
    ("follow_up_outcome", "outcome", "How it went"),
    ("note", "note", "Note"),
];

async fn step(
    State(s): State<AppState>,
    u: CurrentUser,
    _headers: HeaderMap,
    Path((id, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: FollowUpId = path_id(&id, "follow-up")?;
    let actor = u.actor();
    let version = text(&f, "version").parse().unwrap_or(0);
    let done: Result<String, DomainError> = async {
        let fu = &s.follow_ups;
        match verb.as_str() {
            "call" => {
                let v = fu.start_call(&actor, id).await?;
                return Ok(format!("/interactions/{}", v.interaction.id));
            }
            "reschedule" => {
                fu.reschedule(
                    &actor,
                    id,
                    RescheduleInput {
                        version,
                        due_on: text(&f, "due_on"),
                        window_start: opt_text(&f, "window_start"),
                        window_end: opt_text(&f, "window_end"),
                        reason: text(&f, "reason"),
                    },
                )
                .await?;
            }
            "reassign" => {
                fu.reassign(
                    &actor,
                    id,
                    ReassignInput {
                        version,
                        owner_id: super::id_of(&f, "owner_id", "owner_id")?,
                        reason: opt_text(&f, "reason"),
                    },
                )
                .await?;
            }
            "complete" => {
                fu.complete(
                    &actor,
                    id,
                    CompleteInput {
                        version,
                        outcome: text(&f, "outcome"),
                        note: opt_text(&f, "note"),
                    },
                )
                .await?;
            }
            "cancel" => {
                fu.cancel(
                    &actor,
                    id,
                    CancelInput {
                        version,
                        reason: text(&f, "reason"),
                    },
                )
                .await?;
            }
            "miss" => {
                fu.miss(
                    &actor,
                    id,
                    CancelInput {
                        version,
                        reason: text(&f, "reason"),
                    },
                )
                .await?;
            }
            _ => return Err(DomainError::NotFound(format!("follow-up action {verb}"))),
        }
        Ok(format!("/follow-ups/{id}"))
    }
    .await;
    match done {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let mut typed = Typed(f.clone());
            typed.0.insert("_form".into(), verb.clone());
            let (status, text) = super::refusal_at(&e, STEP_FIELDS, &mut typed);
            detail(&s, &u, id, status, Some(text), typed).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/follow-ups", get(list_page).post(create))
        .route("/follow-ups/new", get(new_form))
        .route("/follow-ups/{id}", get(show))
        .route("/follow-ups/{id}/{verb}", post(step))
}
