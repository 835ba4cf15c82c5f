//! Actions on a contact from its page, and starting a contact from the 360.

use super::page;
use crate::auth::CurrentUser;
use crate::state::AppState;
use crate::ui::{Fields, Typed, UiError, id_of, path_id, text};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use extramile_domain::DomainError;
use extramile_domain::cases::NewCase;
use extramile_domain::ids::InteractionId;
use extramile_domain::interactions::*;
use extramile_domain::routing::EnqueueInput;

fn num(f: &Fields, k: &str) -> i64 {
    f.get(k).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

fn opt(f: &Fields, k: &str) -> Option<String> {
    f.get(k).filter(|v| !v.trim().is_empty()).cloned()
}

/// Every action on the contact: do it, then show the contact again (or the
/// new case); a refusal shows the reason and keeps what was typed.
pub(super) async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    headers: axum::http::HeaderMap,
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
                    follow_up_outcome: opt(&f, "follow_up_outcome"),
                };
                s.follow_ups.wrap_up(&actor, id, input).await?;
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
                let (v, _) = s
                    .cases
                    .open_once(&actor, input, f.get("_key").map(String::as_str))
                    .await?;
                return Ok(Some(v.case.id.to_string()));
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
                s.consults
                    .request_once(&actor, input, f.get("_key").map(String::as_str))
                    .await?;
            }
            _ => return Err(DomainError::NotFound("page".into())),
        }
        Ok(None)
    }
    .await;
    match done {
        // The case opens beside the call: the agent stays on the contact.
        Ok(Some(case)) => {
            Ok(Redirect::to(&format!("/interactions/{id}?opened={case}#cases-h")).into_response())
        }
        Ok(_) if verb == "wrap-up" => Ok(Redirect::to("/work").into_response()),
        Ok(_) => Ok(Redirect::to(&crate::ui::back_to(
            &headers,
            &f,
            &format!("/interactions/{id}"),
        ))
        .into_response()),
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
        "open-case" => &[
            ("title", "case_title", "Problem"),
            ("category", "case_category", "Category"),
            ("priority", "case_priority", "Priority"),
            ("description", "case_description", "What the customer said"),
        ],
        "wrap-up" => &[
            ("outcome", "outcome", "Outcome"),
            ("disposition", "disposition", "Reason"),
            ("notes", "wrap_notes", "Notes"),
            (
                "follow_up_outcome",
                "follow_up_outcome",
                "How the follow-up went",
            ),
        ],
        "consult" => &[
            ("question", "question", "Question"),
            ("department", "team_id", "Department"),
            ("team_id", "team_id", "Department"),
            ("case", "consult_case_id", "About"),
            ("case_id", "consult_case_id", "About"),
        ],
        "transfer" => &[
            ("to_staff_id", "to_staff_id", "To"),
            ("staff_id", "to_staff_id", "To"),
            ("mode", "mode", "How"),
            ("note", "transfer_note", "Note for them"),
        ],
        "enqueue" => &[("queue_id", "queue_id", "Queue")],
        _ => &[],
    }
}

/// Start a contact about an account from its 360 (an outbound or
/// follow-up call, a visit, an e-mail...).
pub(super) async fn start(
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
        // Recorded from the 360: the agent is in it already.
        in_progress: Some(true),
    };
    let (v, _) = s
        .interactions
        .create_once(&u.actor(), input, f.get("_key").map(String::as_str))
        .await?;
    Ok(Redirect::to(&format!("/interactions/{}", v.interaction.id)).into_response())
}
