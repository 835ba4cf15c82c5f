//! The interaction screen: one contact with its participants, verification,
//! timeline, cases, consults, transfer and wrap-up; and starting a contact
//! from the customer 360.

use super::work::{ConsultRow, consult_row};
use super::{Typed, UiError, ago, fragment, path_id, refusal, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::cases::NewCase;
use extramile_domain::customers::model::RoleKind;
use extramile_domain::ids::{InteractionId, StaffId};
use extramile_domain::interactions::state::InteractionState;
use extramile_domain::interactions::*;
use extramile_domain::routing::EnqueueInput;

struct PartRow {
    id: String,
    name: String,
    role: String,
    joined: String,
    left: Option<String>,
    person_id: Option<String>,
    verified: Option<String>,
    /// The owner does not "leave" their own contact: they transfer it.
    is_owner: bool,
}

#[derive(Template)]
#[template(path = "interaction.html")]
struct Body {
    csrf: String,
    me: String,
    /// The owner (or a supervisor): transfers and wraps up; others leave.
    in_charge: bool,
    id: String,
    version: i64,
    channel: String,
    state: String,
    subject: String,
    account: Option<(String, String, String)>,
    owner: String,
    started: String,
    transfers: i64,
    outcome: String,
    may_act: bool,
    answerable: bool,
    offered_elsewhere: bool,
    pending_for_me: bool,
    pending: Option<(String, String)>,
    queue: Option<String>,
    queues: Vec<(String, String)>,
    participants: Vec<PartRow>,
    people: Vec<(String, String, &'static str)>,
    colleagues: Vec<(String, String, String)>,
    cases: Vec<(String, String, String)>,
    linkable: Vec<(String, String)>,
    consults: Vec<ConsultRow>,
    teams: Vec<(String, String)>,
    events: Vec<(String, String, String, String)>,
    typed: Typed,
}

impl Body {
    fn live(&self) -> bool {
        matches!(self.state.as_str(), "connected" | "on_hold" | "wrap_up")
    }
}

fn participant_role(p: &Participant) -> String {
    p.role.as_str().to_string()
}

async fn body(
    s: &AppState,
    u: &CurrentUser,
    id: InteractionId,
    typed: Typed,
) -> Result<String, UiError> {
    let actor = u.actor();
    let v = s.interactions.view(&actor, id).await?;
    let i = &v.interaction;
    let me = u.user.id;
    let may_act = may_act_on(&actor, &v).is_ok();
    let staff = s.staff.directory(&actor).await?;
    let name_of = |sid: Option<StaffId>| {
        sid.and_then(|x| staff.iter().find(|u| u.id == x))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let c360 = match i.account_id {
        Some(a) => Some(s.customers.customer_360(&actor, a).await?),
        None => None,
    };
    let entry = s.store.queue_entry(id).await?;
    let unanswered = matches!(
        i.state,
        InteractionState::Offered | InteractionState::Queued
    );
    let offered_to = entry.as_ref().and_then(|e| e.offered_to);
    let queue = match (&entry, unanswered) {
        (Some(_), true) => s.routing.position(&actor, id).await.ok().map(|p| {
            if p.position == 0 {
                format!("{}: offered to {}", p.queue_name, name_of(p.offered_to))
            } else {
                format!(
                    "{}: position {}, expected wait {}",
                    p.queue_name,
                    p.position,
                    super::span(p.expected_wait_secs)
                )
            }
        }),
        _ => None,
    };
    let current: Vec<&Participant> = v
        .participants
        .iter()
        .filter(|p| p.left_at.is_none())
        .collect();
    let cases = s.cases.for_interaction(&actor, id).await?;
    let linkable = match i.account_id {
        Some(a) => s
            .cases
            .for_account(&actor, a)
            .await?
            .into_iter()
            .filter(|c| c.resolved_at.is_none() && !cases.iter().any(|x| x.id == c.id))
            .map(|c| (c.id.to_string(), c.title))
            .collect(),
        None => Vec::new(),
    };
    let teams = s.staff.teams().await?;
    fragment(&Body {
        csrf: u.csrf.clone().unwrap_or_default(),
        me: me.to_string(),
        in_charge: i.owner_id == Some(me) || matches!(u.user.role.as_str(), "supervisor" | "admin"),
        id: i.id.to_string(),
        version: i.version,
        channel: i.channel.as_str().replace('_', " "),
        state: i.state.as_str().to_string(),
        subject: i.subject.clone().unwrap_or_default(),
        account: c360.as_ref().map(|c| {
            (
                c.account.id.to_string(),
                c.account.number.clone(),
                c.account.name.clone(),
            )
        }),
        owner: name_of(i.owner_id),
        started: format!("{} ({} ago)", when(i.started_at), ago(i.started_at)),
        transfers: i.transfers,
        outcome: match (&i.outcome, &i.disposition) {
            (Some(o), Some(d)) => format!("{o} / {d}"),
            (Some(o), None) => o.clone(),
            _ => String::new(),
        },
        may_act,
        answerable: unanswered && (offered_to.is_none() || offered_to == Some(me) || may_act),
        offered_elsewhere: unanswered && offered_to.is_some_and(|o| o != me),
        pending_for_me: i.pending_transfer_to == Some(me),
        pending: i.pending_transfer_to.map(|t| {
            (
                name_of(Some(t)),
                i.pending_transfer_note.clone().unwrap_or_default(),
            )
        }),
        queue,
        queues: if i.state == InteractionState::Offered {
            s.routing
                .queues(&actor)
                .await?
                .into_iter()
                .map(|q| {
                    let label = if q.open_now {
                        format!("{} (open, {} waiting)", q.queue.name, q.waiting)
                    } else {
                        format!("{} (closed)", q.queue.name)
                    };
                    (q.queue.id.to_string(), label)
                })
                .collect()
        } else {
            Vec::new()
        },
        participants: v
            .participants
            .iter()
            .map(|p| PartRow {
                id: p.id.to_string(),
                name: p.display_name.clone(),
                role: participant_role(p),
                joined: when(p.joined_at),
                left: p.left_at.map(when),
                person_id: p.person_id.map(|x| x.to_string()),
                is_owner: p.staff_id.is_some() && p.staff_id == i.owner_id,
                verified: p.person_id.and_then(|pid| {
                    v.verifications
                        .iter()
                        .find(|x| x.person_id == pid)
                        .map(|x| {
                            format!(
                                "verified by {} ({}) at {}",
                                x.verified_by_name,
                                x.method.as_str().replace('_', " "),
                                when(x.at)
                            )
                        })
                }),
            })
            .collect(),
        people: c360
            .as_ref()
            .map(|c| {
                c.parties
                    .iter()
                    .filter(|p| p.role.ended_on.is_none())
                    .filter(|p| !current.iter().any(|x| x.person_id == Some(p.person.id)))
                    .map(|p| {
                        let role = match p.role.kind {
                            RoleKind::AuthorizedRepresentative => "representative",
                            _ => "customer",
                        };
                        (
                            p.person.id.to_string(),
                            format!(
                                "{} ({})",
                                p.person.full_name(),
                                p.role.kind.as_str().replace('_', " ")
                            ),
                            role,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        colleagues: staff
            .iter()
            .filter(|c| c.id != me && !current.iter().any(|x| x.staff_id == Some(c.id)))
            .map(|c| {
                let team = c
                    .team_id
                    .and_then(|t| teams.iter().find(|x| x.id == t))
                    .map(|t| format!(", {}", t.name))
                    .unwrap_or_default();
                (
                    c.id.to_string(),
                    format!("{} ({}{team})", c.name, c.role),
                    c.role.to_string(),
                )
            })
            .collect(),
        cases: cases
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    c.title.clone(),
                    c.status.as_str().to_string(),
                )
            })
            .collect(),
        linkable,
        consults: s
            .consults
            .for_interaction(&actor, id)
            .await?
            .iter()
            .map(consult_row)
            .collect(),
        teams: teams
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect(),
        events: v
            .events
            .iter()
            .map(|e| {
                (
                    e.at.strftime("%H:%M:%S").to_string(),
                    e.kind.replace('_', " "),
                    e.actor_name.clone(),
                    e.detail.clone(),
                )
            })
            .collect(),
        typed,
    })
}

/// The page, with the reason of a refused action and what was typed.
pub async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: InteractionId,
    refused: Option<(StatusCode, String)>,
    typed: Typed,
) -> Result<Response, UiError> {
    let body = body(s, u, id, typed).await?;
    Ok(super::live_page(
        u,
        "Contact",
        refused,
        format!("/ui/interactions/{id}"),
        "interaction,consult",
        format!("interaction_id:{id}"),
        body,
    ))
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    page(&s, &u, path_id(&id, "interaction")?, None, Typed::default()).await
}

async fn show_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = path_id(&id, "interaction")?;
    Ok(Html(body(&s, &u, id, Typed::default()).await?).into_response())
}

use super::{Fields, id_of, text};

fn num(f: &Fields, k: &str) -> i64 {
    f.get(k).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

fn opt(f: &Fields, k: &str) -> Option<String> {
    f.get(k).filter(|v| !v.trim().is_empty()).cloned()
}

/// Every action on the contact: do it, then show the contact again (or the
/// new case); a refusal shows the reason and keeps what was typed.
async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path((id, verb)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: InteractionId = path_id(&id, "interaction")?;
    let actor = u.actor();
    let x = &s.interactions;
    let version = num(&f, "version");
    let done: Result<Option<String>, DomainError> = async {
        match verb.as_str() {
            "state" => {
                x.change_state(
                    &actor,
                    id,
                    StateChange {
                        version,
                        state: text(&f, "state"),
                    },
                )
                .await?;
            }
            "wrap-up" => {
                let input = WrapUpInput {
                    version,
                    outcome: text(&f, "outcome"),
                    disposition: text(&f, "disposition"),
                    notes: opt(&f, "wrap_notes"),
                };
                x.wrap_up(&actor, id, input).await?;
            }
            "verify" => {
                let input = VerifyInput {
                    person_id: id_of(&f, "person_id", "person_id")?,
                    method: text(&f, "method"),
                };
                x.verify(&actor, id, input).await?;
            }
            "add-person" | "add-colleague" => {
                let (person_id, staff_id, role) = if verb == "add-person" {
                    let raw = text(&f, "person");
                    let (pid, role) = raw.split_once('|').unwrap_or((raw.as_str(), "customer"));
                    let pid = pid
                        .parse()
                        .map_err(|_| DomainError::invalid("person", "choose a person"))?;
                    (Some(pid), None, role.to_string())
                } else {
                    let raw = text(&f, "colleague");
                    let (sid, role) = raw.split_once('|').unwrap_or((raw.as_str(), "specialist"));
                    let sid = sid
                        .parse()
                        .map_err(|_| DomainError::invalid("colleague", "choose a colleague"))?;
                    let role = match role {
                        "supervisor" | "admin" => "supervisor",
                        "agent" => "agent",
                        _ => "specialist",
                    };
                    (None, Some(sid), role.to_string())
                };
                x.add_participant(
                    &actor,
                    id,
                    NewParticipant {
                        person_id,
                        staff_id,
                        role,
                    },
                )
                .await?;
            }
            "leave" => {
                let p = id_of(&f, "participant_id", "participant")?;
                x.remove_participant(&actor, id, p).await?;
            }
            "transfer" => {
                let input = TransferInput {
                    version,
                    to_staff_id: id_of(&f, "to_staff_id", "to_staff_id")?,
                    mode: text(&f, "mode"),
                    note: opt(&f, "transfer_note"),
                };
                x.transfer(&actor, id, input).await?;
            }
            "accept-transfer" => {
                x.accept_transfer(&actor, id, AcceptTransfer { version })
                    .await?;
            }
            "enqueue" => {
                let input = EnqueueInput {
                    queue_id: id_of(&f, "queue_id", "queue_id")?,
                };
                s.routing.enqueue(&actor, id, input).await?;
            }
            "open-case" => {
                let v = x.view(&actor, id).await?;
                let account_id = v.interaction.account_id.ok_or_else(|| {
                    DomainError::invalid("account", "link the contact to an account first")
                })?;
                let input = NewCase {
                    account_id,
                    title: text(&f, "case_title"),
                    category: text(&f, "case_category"),
                    priority: opt(&f, "case_priority"),
                    description: opt(&f, "case_description"),
                    interaction_id: Some(id),
                };
                return Ok(Some(s.cases.open(&actor, input).await?.case.id.to_string()));
            }
            "link-case" => {
                let case = id_of(&f, "case_id", "case_id")?;
                s.cases.link_interaction(&actor, case, id).await?;
            }
            "consult" => {
                let input = extramile_domain::consults::NewConsult {
                    case_id: id_of(&f, "consult_case_id", "case")?,
                    team_id: id_of(&f, "team_id", "department")?,
                    question: text(&f, "question"),
                    interaction_id: Some(id),
                };
                s.consults.request(&actor, input).await?;
            }
            _ => return Err(DomainError::NotFound("page".into())),
        }
        Ok(None)
    }
    .await;
    match done {
        Ok(Some(case)) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Ok(_) if verb == "wrap-up" => Ok(Redirect::to("/work").into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/interactions/{id}")).into_response()),
        Err(e) => page(&s, &u, id, Some(refusal(&e)), Typed(f)).await,
    }
}

/// Start a contact about an account from its 360 (an outbound or
/// follow-up call, a visit, an e-mail...).
async fn start(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(account): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let account = path_id(&account, "account")?;
    let input = NewInteraction {
        channel: text(&f, "channel"),
        account_id: Some(account),
        person_id: opt(&f, "person_id").and_then(|p| p.parse().ok()),
        subject: opt(&f, "subject"),
    };
    let v = s.interactions.create(&u.actor(), input).await?;
    Ok(Redirect::to(&format!("/interactions/{}", v.interaction.id)).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/interactions/{id}", get(show))
        .route("/ui/interactions/{id}", get(show_fragment))
        .route("/interactions/{id}/{verb}", post(act))
        .route("/accounts/{id}/interactions", post(start))
}
