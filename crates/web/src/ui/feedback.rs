//! Feedback in the console and the customer's survey page.

use super::{Fields, Shell, Typed, UiError, path_id, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::feedback::{NewKudos, SurveyAnswer};
use extramile_domain::ids::{StaffId, SurveyId};

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    about: String,
    action: String,
    error: Option<String>,
    done: Option<String>,
    chosen: i64,
    comment: String,
}

impl SurveyPage {
    fn words(&self, n: &i64) -> &'static str {
        match *n {
            5 => "excellent",
            4 => "good",
            3 => "all right",
            2 => "poor",
            _ => "very poor",
        }
    }
}

/// The customer's page: no sign-in, nothing about staff.
async fn survey_page(
    State(s): State<AppState>,
    Path((id, sig)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<SurveyId>() else {
        return (StatusCode::NOT_FOUND, "This survey link is not valid.").into_response();
    };
    match s.feedback.public(id, &sig).await {
        Ok(sv) => {
            let done = if sv.answered_at.is_some() {
                Some("You have answered this survey already. Thank you.".to_string())
            } else if jiff::Timestamp::now() >= sv.expires_at {
                Some("This survey has closed.".to_string())
            } else {
                None
            };
            let page = SurveyPage {
                about: if sv.case_id.is_some() {
                    "About the problem we solved for you lately.".into()
                } else {
                    "About your recent contact with us.".into()
                },
                action: format!("/survey/{id}/{sig}"),
                error: None,
                done,
                chosen: 0,
                comment: String::new(),
            };
            render(&page)
        }
        Err(_) => (StatusCode::NOT_FOUND, "This survey link is not valid.").into_response(),
    }
}

async fn survey_answer(
    State(s): State<AppState>,
    Path((id, sig)): Path<(String, String)>,
    axum::extract::Form(f): axum::extract::Form<Fields>,
) -> Response {
    let Ok(sid) = id.parse::<SurveyId>() else {
        return (StatusCode::NOT_FOUND, "This survey link is not valid.").into_response();
    };
    let rating = text(&f, "rating").trim().parse().unwrap_or(0);
    let comment = f.get("comment").cloned();
    let r = s
        .feedback
        .answer(
            sid,
            &sig,
            SurveyAnswer {
                rating,
                comment: comment.clone(),
            },
        )
        .await;
    let mut page = SurveyPage {
        about: String::new(),
        action: format!("/survey/{id}/{sig}"),
        error: None,
        done: None,
        chosen: rating,
        comment: comment.unwrap_or_default(),
    };
    let status = match r {
        Ok(()) => {
            page.done = Some("Your answer is recorded. Thank you for telling us.".into());
            StatusCode::OK
        }
        Err(DomainError::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "This survey link is not valid.").into_response();
        }
        Err(DomainError::Conflict(m)) => {
            page.done = Some(format!("{}{}.", m[..1].to_uppercase(), &m[1..]));
            StatusCode::CONFLICT
        }
        Err(DomainError::Invalid { message, .. }) => {
            page.error = Some(format!("Your rating: {message}"));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(_) => {
            page.error = Some("Something went wrong on our side; please try again.".into());
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, render(&page)).into_response()
}

pub struct KudosRow {
    pub id: String,
    pub kind: String,
    pub source: String,
    pub link: Option<String>,
    pub words: String,
    pub on: String,
    pub people: Vec<(String, String)>,
    pub to_company: bool,
    pub confirmed: bool,
    /// Recorded by the viewer: someone else confirms it.
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "kudos.html")]
struct KudosPage {
    shell: Shell,
    rows: Vec<KudosRow>,
    staff: Vec<(String, String)>,
    can_confirm: bool,
    error: Option<String>,
    typed: Typed,
}

async fn kudos(
    s: &AppState,
    u: &CurrentUser,
    status: StatusCode,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let list = s.feedback.kudos_list(&actor).await?;
    let staff = s
        .staff
        .directory(&actor)
        .await?
        .into_iter()
        .filter(|x| x.active)
        .map(|x| (x.id.to_string(), x.name))
        .collect();
    let page = KudosPage {
        shell: Shell::of(u),
        rows: list
            .into_iter()
            .map(|k| KudosRow {
                id: k.id.to_string(),
                kind: k.kind.as_str().into(),
                source: match k.source.as_str() {
                    "email" => "e-mail".into(),
                    "social" => "social post".into(),
                    o => o.into(),
                },
                link: k.link,
                words: k.words,
                on: k.on.to_string(),
                people: k
                    .staff
                    .iter()
                    .zip(k.staff_names.iter())
                    .map(|(i, n)| (i.to_string(), n.clone()))
                    .collect(),
                to_company: k.to_company,
                confirmed: k.confirmed_at.is_some(),
                mine: Some(k.recorded_by) == actor.id,
            })
            .collect(),
        staff,
        can_confirm: allowed(actor.role, Action::DecideApprovals),
        error,
        typed,
    };
    Ok((status, render(&page)).into_response())
}

async fn kudos_page(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    kudos(&s, &u, StatusCode::OK, None, Typed::default()).await
}

const KUDOS_FIELDS: super::FieldMap = &[
    ("link", "link", "Link to the post"),
    ("words", "words", "The customer's words"),
    ("on", "on", "Day"),
    ("staff_ids", "staff_ids", "About"),
    ("kind", "kind", "What"),
    ("source", "source", "From"),
];

async fn kudos_post(
    State(s): State<AppState>,
    u: CurrentUser,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    // A multiple select sends staff_ids more than once.
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let staff_ids: Vec<StaffId> = pairs
        .iter()
        .filter(|(n, _)| n == "staff_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let input = NewKudos {
        kind: get("kind"),
        source: get("source"),
        link: Some(get("link")).filter(|l| !l.trim().is_empty()),
        words: get("words"),
        on: Some(get("on")).filter(|l| !l.trim().is_empty()),
        account_id: None,
        staff_ids,
        to_company: !get("to_company").is_empty(),
    };
    match s.feedback.record_kudos(&u.actor(), input).await {
        Ok(_) => Ok(Redirect::to("/kudos").into_response()),
        Err(e) => {
            let mut typed = Typed(pairs.iter().cloned().collect());
            let (status, t) = super::refusal_at(&e, KUDOS_FIELDS, &mut typed);
            kudos(&s, &u, status, Some(t), typed).await
        }
    }
}

/// Form pairs in order, keeping repeated names (a multiple select).
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

async fn confirm(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    match s
        .feedback
        .confirm_kudos(&u.actor(), path_id(&id, "compliment or complaint")?)
        .await
    {
        Ok(_) => Ok(Redirect::to("/kudos").into_response()),
        Err(e) => {
            let (status, t) = super::refusal(&e);
            kudos(&s, &u, status, Some(t), Typed::default()).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff_feedback.html")]
struct StaffPage {
    shell: Shell,
    name: String,
    ratings: i64,
    average: String,
    kudos: Vec<(String, String, String)>,
    recent: Vec<(i64, String, String)>,
}

async fn staff_page(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let f = s
        .feedback
        .staff_feedback(&u.actor(), path_id(&id, "staff member")?)
        .await?;
    let page = StaffPage {
        shell: Shell::of(&u),
        name: f.name,
        ratings: f.ratings,
        average: f
            .average_x100
            .map(|a| format!("{}.{}", a / 100, (a % 100) / 10))
            .unwrap_or_default(),
        kudos: f
            .kudos
            .iter()
            .map(|k| {
                (
                    k.kind.as_str().to_string(),
                    k.on.to_string(),
                    k.words.clone(),
                )
            })
            .collect(),
        recent: f
            .recent
            .iter()
            .map(|r| {
                (
                    r.rating.unwrap_or(0),
                    r.answered_at.map(when).unwrap_or_default(),
                    r.comment.clone().unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(render(&page))
}

/// A contact's or case's survey as a line: (the customer's link, what it
/// says now).
pub async fn survey_line(
    s: &AppState,
    u: &CurrentUser,
    interaction: Option<extramile_domain::ids::InteractionId>,
    case: Option<extramile_domain::ids::CaseId>,
) -> Result<Option<(String, String)>, UiError> {
    let Some(v) = s.feedback.for_record(&u.actor(), interaction, case).await? else {
        return Ok(None);
    };
    let said = match (v.survey.rating, v.survey.comment.as_deref()) {
        (Some(r), Some(c)) if !c.is_empty() => format!("rated {r}/5: “{c}”"),
        (Some(r), _) => format!("rated {r}/5"),
        (None, _) if jiff::Timestamp::now() >= v.survey.expires_at => {
            "closed without an answer".into()
        }
        (None, _) => format!(
            "not answered yet (open until {})",
            when(v.survey.expires_at)
        ),
    };
    Ok(Some((v.link, said)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/survey/{id}/{sig}", get(survey_page).post(survey_answer))
        .route("/kudos", get(kudos_page).post(kudos_post))
        .route("/kudos/{id}/confirm", post(confirm))
        .route("/staff/{id}/feedback", get(staff_page))
}
