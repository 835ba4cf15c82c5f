//! The case page: owner, clocks, contacts, consults, history; status,
//! resolve, hand over, escalate and consult.

use super::consults::{ConsultRow, consult_row};
use super::{Fields, Typed, UiError, ago, fragment, id_of, path_id, span, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::audit::AuditFilter;
use extramile_domain::cases::state::CaseStatus;
use extramile_domain::cases::*;
use extramile_domain::ids::CaseId;

#[derive(Template)]
#[template(path = "case.html")]
struct Body {
    csrf: String,
    id: String,
    version: i64,
    title: String,
    description: String,
    status: String,
    priority: String,
    category: String,
    account: (String, String, String),
    owner: String,
    is_owner: bool,
    opened: String,
    handovers: i64,
    escalated: Option<String>,
    resolution: Option<String>,
    first_response: (String, String),
    resolution_clock: (String, String),
    waiting: String,
    fcr: String,
    /// The satisfaction survey: (link, what it says now).
    survey: Option<(String, String)>,
    next_statuses: Vec<(String, String)>,
    can_resolve: bool,
    contacts: Vec<(String, String, String, String)>,
    consults: Vec<ConsultRow>,
    live_contacts: Vec<(String, String)>,
    colleagues: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    history: Vec<(String, String, String)>,
    typed: Typed,
    /// The account's services pending cancellation: (the work order that
    /// restores them, until when).
    pending_cancel: Option<(String, String)>,
}

async fn body(s: &AppState, u: &CurrentUser, id: CaseId, typed: Typed) -> Result<String, UiError> {
    let actor = u.actor();
    let v = s.cases.view(&actor, id).await?;
    let c = &v.case;
    // The label only: the case view authorized the read.
    let account = s
        .store
        .account(c.account_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("account".into()))?;
    let staff = s.staff.directory(&actor).await?;
    let teams = s.staff.teams().await?;
    let name = |sid| {
        staff
            .iter()
            .find(|u| u.id == sid)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    // The account's recent contacts in one query; the case's are among them.
    let contacts: Vec<_> = s
        .interactions
        .for_account(&actor, c.account_id)
        .await?
        .into_iter()
        .filter(|i| v.interactions.contains(&i.id))
        .collect();
    let history = s
        .store
        .audit_events(&AuditFilter {
            entity_id: Some(c.id.0),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let supervisor = matches!(u.user.role.as_str(), "supervisor" | "admin");
    let pending_cancel = s
        .field
        .for_account(&actor, c.account_id)
        .await?
        .into_iter()
        .find_map(|w| {
            w.grace_until
                .map(|g| (format!("/work-orders/{}", w.id), super::when(g)))
        });
    fragment(&Body {
        pending_cancel,
        csrf: u.csrf.clone().unwrap_or_default(),
        id: c.id.to_string(),
        version: c.version,
        title: c.title.clone(),
        description: c.description.clone().unwrap_or_default(),
        status: c.status.as_str().into(),
        priority: c.priority.as_str().into(),
        category: c.category.clone(),
        account: (account.id.to_string(), account.number, account.name),
        owner: name(c.owner_id),
        is_owner: c.owner_id == u.user.id || supervisor,
        opened: format!("{} ({} ago)", when(c.opened_at), ago(c.opened_at)),
        handovers: c.handovers,
        escalated: c.escalated_to.map(|t| {
            let team = teams
                .iter()
                .find(|x| x.id == t)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            format!("{team}: {}", c.escalation_note.clone().unwrap_or_default())
        }),
        resolution: c.resolved_at.map(|at| {
            format!(
                "{} on {} — {}",
                if c.confirmed_by_customer {
                    "Confirmed by the customer"
                } else {
                    "Resolved without confirmation"
                },
                when(at),
                c.resolution_note.clone().unwrap_or_default()
            )
        }),
        first_response: (
            v.sla.first_response.as_str().into(),
            when(v.sla.first_response_due),
        ),
        resolution_clock: (v.sla.resolution.as_str().into(), when(v.sla.resolution_due)),
        waiting: span(v.sla.customer_waiting_secs),
        fcr: v.first_contact_resolution.as_str().replace('_', " "),
        survey: super::feedback::survey_line(s, u, None, Some(c.id)).await?,
        next_statuses: CaseStatus::ALL
            .iter()
            .filter(|t| **t != CaseStatus::Resolved && c.status.can_become(**t))
            .map(|t| (t.as_str().to_string(), t.as_str().replace('_', " ")))
            .collect(),
        can_resolve: c.status.can_become(CaseStatus::Resolved),
        live_contacts: contacts
            .iter()
            .filter(|i| i.state.is_live())
            .map(|i| {
                (
                    i.id.to_string(),
                    format!(
                        "{} started {}",
                        i.channel.as_str().replace('_', " "),
                        when(i.started_at)
                    ),
                )
            })
            .collect(),
        contacts: contacts
            .iter()
            .map(|i| {
                (
                    i.id.to_string(),
                    i.channel.as_str().replace('_', " "),
                    i.state.as_str().to_string(),
                    when(i.started_at),
                )
            })
            .collect(),
        consults: s
            .consults
            .for_case(&actor, id)
            .await?
            .iter()
            .map(consult_row)
            .collect(),
        colleagues: staff
            .iter()
            .filter(|x| x.id != c.owner_id)
            .map(|x| (x.id.to_string(), format!("{} ({})", x.name, x.role)))
            .collect(),
        teams: teams
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect(),
        history: history
            .iter()
            .map(|e| (when(e.at), e.actor_name.clone(), e.summary.clone()))
            .collect(),
        typed,
    })
}

pub async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: CaseId,
    refused: Option<(StatusCode, String)>,
    typed: Typed,
) -> Result<Response, UiError> {
    let body = body(s, u, id, typed).await?;
    let (aside, title) = match s.store.case(id).await? {
        Some((c, _)) => {
            let p = super::panel::panel(s, u, c.account_id).await?;
            let title = format!("Case · {} · {}", c.title, p.name);
            (super::panel::slot(c.account_id, &p)?, title)
        }
        None => (String::new(), "Case".to_string()),
    };
    Ok(super::live_page_beside(
        u,
        &title,
        refused,
        format!("/ui/cases/{id}"),
        "case,consult",
        format!("case_id:{id}"),
        body,
        aside,
    ))
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    page(&s, &u, path_id(&id, "case")?, None, Typed::default()).await
}

async fn show_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = path_id(&id, "case")?;
    Ok(Html(body(&s, &u, id, Typed::default()).await?).into_response())
}

async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: CaseId = path_id(&id, "case")?;
    let actor = u.actor();
    let version = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let c = &s.cases;
    let done: Result<(), DomainError> = async {
        match verb.as_str() {
            "status" => {
                c.change_status(
                    &actor,
                    id,
                    CaseStatusChange {
                        version,
                        status: text(&f, "status"),
                    },
                )
                .await?;
            }
            "resolve" => {
                // No default: the agent says which it is.
                let confirmed = match f.get("confirmed").map(String::as_str) {
                    Some("yes") => true,
                    Some("no") => false,
                    _ => {
                        return Err(DomainError::invalid(
                            "confirmed",
                            "say whether the customer confirmed it",
                        ));
                    }
                };
                let input = ResolveInput {
                    version,
                    confirmed_by_customer: confirmed,
                    note: f
                        .get("resolution_note")
                        .filter(|n| !n.trim().is_empty())
                        .cloned(),
                };
                c.resolve(&actor, id, input).await?;
            }
            "handover" => {
                let input = HandoverInput {
                    version,
                    new_owner_id: id_of(&f, "new_owner_id", "new_owner_id")?,
                    note: text(&f, "handover_note"),
                };
                c.handover(&actor, id, input).await?;
            }
            "escalate" => {
                let input = EscalateInput {
                    version,
                    team_id: id_of(&f, "escalate_team_id", "team_id")?,
                    note: text(&f, "escalation_note"),
                };
                c.escalate(&actor, id, input).await?;
            }
            "consult" => {
                let input = extramile_domain::consults::NewConsult {
                    case_id: id,
                    team_id: id_of(&f, "team_id", "department")?,
                    question: text(&f, "question"),
                    interaction_id: f.get("interaction_id").and_then(|v| v.parse().ok()),
                };
                s.consults
                    .request_once(&actor, input, f.get("_key").map(String::as_str))
                    .await?;
            }
            _ => return Err(DomainError::NotFound("page".into())),
        }
        Ok(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => {
            let mut typed = Typed(f);
            let said = crate::ui::refusal_at(&e, form_fields(&verb), &mut typed);
            page(&s, &u, id, Some(said), typed).await
        }
    }
}

/// Each form's fields: the domain's name, the form's, and its label.
fn form_fields(verb: &str) -> crate::ui::FieldMap {
    match verb {
        "resolve" => &[
            (
                "confirmed",
                "confirmed",
                "Did the customer confirm it is fixed?",
            ),
            (
                "note",
                "resolution_note",
                "What the customer said, or why they could not confirm",
            ),
        ],
        "handover" => &[
            ("new_owner_id", "new_owner_id", "New owner"),
            ("note", "handover_note", "What they need to know"),
        ],
        "escalate" => &[
            ("team_id", "escalate_team_id", "Department"),
            ("note", "escalation_note", "Why"),
        ],
        "consult" => &[
            ("question", "question", "Question"),
            ("department", "team_id", "Department"),
            ("team_id", "team_id", "Department"),
        ],
        _ => &[],
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}", get(show))
        .route("/ui/cases/{id}", get(show_fragment))
        .route("/cases/{id}/{verb}", post(act))
}
