//! Consults as cards (who asked, account, case, the customer waiting) and
//! the consults page: the department's waiting consults and those being
//! answered.

use super::work::{WorkPage, work_with_context};
use super::{UiError, ago, fragment};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use extramile_domain::consults::ConsultView;

pub struct ConsultRow {
    pub id: String,
    pub case_id: String,
    pub interaction_id: Option<String>,
    pub team: String,
    pub question: String,
    pub status: String,
    pub position: i64,
    pub asked: String,
    /// When it was asked (epoch seconds), so "asked … ago" ticks.
    pub asked_epoch: i64,
    pub answer: Option<String>,
    pub version: i64,
    /// The specialist working it, as an id string (empty while waiting).
    pub picked_by: String,
    /// Who asked, the account and the case (cards in the inbox).
    pub who: String,
    pub account: Option<(String, String, String)>,
    pub case_title: String,
    /// The customer on the line: since when (epoch seconds, ticking).
    pub on_line_since: Option<i64>,
}

/// Cards with who asked, the account, the case and the live contact.
pub fn consult_cards(
    views: &[ConsultView],
    contexts: &[extramile_domain::consults::ConsultContext],
) -> Vec<ConsultRow> {
    views
        .iter()
        .map(|v| {
            let mut row = consult_row(v);
            if let Some(c) = contexts.iter().find(|c| c.consult_id == v.consult.id) {
                row.who = c.requested_by_name.clone();
                row.account = Some((
                    c.account_id.to_string(),
                    c.account_number.clone(),
                    c.account_name.clone(),
                ));
                row.case_title = c.case_title.clone();
                row.on_line_since = match c.contact_state.as_deref() {
                    Some("connected" | "on_hold") => c.contact_started_at.map(|t| t.as_second()),
                    _ => None,
                };
            }
            row
        })
        .collect()
}

pub fn consult_row(c: &ConsultView) -> ConsultRow {
    ConsultRow {
        who: String::new(),
        account: None,
        case_title: String::new(),
        on_line_since: None,
        id: c.consult.id.to_string(),
        case_id: c.consult.case_id.to_string(),
        interaction_id: c.consult.interaction_id.map(|i| i.to_string()),
        team: c.team_name.clone(),
        question: c.consult.question.clone(),
        status: c.consult.status.as_str().to_string(),
        position: c.position,
        asked: ago(c.consult.requested_at),
        asked_epoch: c.consult.requested_at.as_second(),
        answer: c.consult.answer.clone(),
        version: c.consult.version,
        picked_by: c
            .consult
            .picked_by
            .map(|p| p.to_string())
            .unwrap_or_default(),
    }
}

/// The consults page: the department's waiting consults and those I am
/// answering, as cards (the same section as on My work, alone).
async fn consults_page(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    let body = consults_body(&s, &u).await?;
    Ok(super::live_page(
        &u,
        "Consults",
        None,
        "/ui/consults".into(),
        "consult,interaction",
        String::new(),
        body,
    ))
}

async fn consults_fragment(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    Ok(Html(consults_body(&s, &u).await?).into_response())
}

async fn consults_body(s: &AppState, u: &CurrentUser) -> Result<String, UiError> {
    let (w, contexts) = work_with_context(s, u, &WorkPage::default()).await?;
    fragment(&ConsultsBody {
        csrf: u.csrf.clone().unwrap_or_default(),
        inbox: consult_cards(&w.consults, &contexts),
        answering: consult_cards(&w.my_consults, &contexts),
        in_department: u.user.team_id.is_some(),
    })
}

#[derive(Template)]
#[template(path = "consults.html")]
struct ConsultsBody {
    csrf: String,
    inbox: Vec<ConsultRow>,
    answering: Vec<ConsultRow>,
    in_department: bool,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consults", get(consults_page))
        .route("/ui/consults", get(consults_fragment))
}
