//! The interaction screen: one contact with its participants, verification,
//! timeline, cases, consults, transfer and wrap-up; and starting a contact
//! from the customer 360.

mod actions;

use super::consults::{ConsultRow, consult_row};
use super::{Typed, UiError, ago, fragment, path_id, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use extramile_domain::admin::{StaffUser, Team};
use extramile_domain::customers::model::{Customer360, RoleKind};
use extramile_domain::ids::{InteractionId, StaffId};
use extramile_domain::interactions::state::InteractionState;
use extramile_domain::interactions::*;

/// The money form on the contact page: credit or waive without leaving the
/// call.
struct MakeGood {
    account_id: String,
    currency: String,
    key: String,
    /// Charges not yet made good: id, label, what is left typed back.
    charges: Vec<(String, String, String)>,
    bill_labels: Vec<String>,
    /// "Applied: Credit (goodwill) $39.99", after coming back.
    applied: String,
}

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
    /// Crediting or waiving from the call, when the contact has an account.
    make_good: Option<MakeGood>,
    /// Pick-lists: (value, label).
    categories: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    reasons: Vec<(String, String)>,
    /// This contact is the call of a follow-up still open: (its purpose,
    /// its page); the wrap-up asks how it went.
    follow_up: Option<(String, String)>,
    /// Outcomes of a follow-up call: (value, words).
    follow_up_outcomes: Vec<(&'static str, &'static str)>,
    /// The satisfaction survey: (link, what it says now).
    survey: Option<(String, String)>,
}

impl Body {
    fn live(&self) -> bool {
        matches!(self.state.as_str(), "connected" | "on_hold" | "wrap_up")
    }
}

fn participant_rows(v: &InteractionView) -> Vec<PartRow> {
    let verified = |pid| {
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
    };
    v.participants
        .iter()
        .map(|p| PartRow {
            id: p.id.to_string(),
            name: p.display_name.clone(),
            role: p.role.as_str().to_string(),
            joined: when(p.joined_at),
            left: p.left_at.map(when),
            person_id: p.person_id.map(|x| x.to_string()),
            is_owner: p.staff_id.is_some() && p.staff_id == v.interaction.owner_id,
            verified: p.person_id.and_then(verified),
        })
        .collect()
}

/// People of the account not on the call: id, label, participant role.
fn people_options(
    c360: Option<&Customer360>,
    current: &[&Participant],
) -> Vec<(String, String, &'static str)> {
    let Some(c) = c360 else { return Vec::new() };
    c.parties
        .iter()
        .filter(|p| p.role.ended_on.is_none())
        .filter(|p| !current.iter().any(|x| x.person_id == Some(p.person.id)))
        .map(|p| {
            let role = match p.role.kind {
                RoleKind::AuthorizedRepresentative => "representative",
                _ => "customer",
            };
            let label = format!(
                "{} ({})",
                p.person.full_name(),
                p.role.kind.as_str().replace('_', " ")
            );
            (p.person.id.to_string(), label, role)
        })
        .collect()
}

/// Colleagues not on the call: id, label with role and department, role.
fn colleague_options(
    staff: &[StaffUser],
    teams: &[Team],
    me: StaffId,
    current: &[&Participant],
) -> Vec<(String, String, String)> {
    staff
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
        .collect()
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
    let make_good = match i.account_id {
        Some(a) if may_act => Some(make_good(s, u, a, typed.get("applied")).await?),
        _ => None,
    };
    let lists = extramile_domain::workspace::PickLists::new(s.store.clone());
    let pick = |items: Vec<extramile_domain::workspace::PickItem>| {
        items
            .into_iter()
            .map(|i| (i.value, i.label))
            .collect::<Vec<_>>()
    };
    use extramile_domain::workspace::ListKind;
    let categories = pick(lists.offered(ListKind::CaseCategory).await?);
    let outcomes = pick(lists.offered(ListKind::Outcome).await?);
    let reasons = pick(lists.offered(ListKind::WrapReason).await?);
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
        outcome: {
            let label = |list: &[(String, String)], v: &str| {
                list.iter()
                    .find(|(code, _)| code == v)
                    .map_or_else(|| v.replace('_', " "), |(_, l)| l.clone())
            };
            match (&i.outcome, &i.disposition) {
                (Some(o), Some(d)) => format!("{} / {}", label(&outcomes, o), label(&reasons, d)),
                (Some(o), None) => label(&outcomes, o),
                _ => String::new(),
            }
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
            open_first(
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
                        (!q.open_now, q.queue.id.to_string(), label)
                    })
                    .collect(),
            )
        } else {
            Vec::new()
        },
        participants: participant_rows(&v),
        people: people_options(c360.as_ref(), &current),
        colleagues: colleague_options(&staff, &teams, me, &current),
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
                let (what, detail) = event_words(&e.kind, &e.detail, &outcomes, &reasons);
                (
                    e.at.to_zoned(super::viewer_zone())
                        .strftime("%H:%M:%S")
                        .to_string(),
                    what,
                    e.actor_name.clone(),
                    detail,
                )
            })
            .collect(),
        typed,
        make_good,
        categories,
        outcomes,
        reasons,
        follow_up: s
            .follow_ups
            .by_call(id)
            .await?
            .filter(|f| extramile_domain::followups::rules::is_open(f.state))
            .map(|f| (f.purpose, format!("/follow-ups/{}", f.id))),
        survey: super::feedback::survey_line(s, u, Some(id), None).await?,
        follow_up_outcomes: extramile_domain::followups::FollowUpOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.words()))
            .collect(),
    })
}

async fn make_good(
    s: &AppState,
    u: &CurrentUser,
    account: extramile_domain::ids::AccountId,
    applied: &str,
) -> Result<MakeGood, UiError> {
    use extramile_domain::ledger::{EntryKind, format_money};
    let v = s.ledger.view(&u.actor(), account).await?;
    let charges = v
        .entries
        .iter()
        .filter(|e| e.entry.kind == EntryKind::Charge)
        .filter(|e| e.entry.amount_minor - e.compensated_minor > 0)
        .map(|e| {
            let left = e.entry.amount_minor - e.compensated_minor;
            (
                e.entry.id.to_string(),
                format!(
                    "{} · {} · {}",
                    e.entry.effective_on,
                    e.entry.memo,
                    format_money(left, &v.currency)
                ),
                super::money::decimal(left),
            )
        })
        .collect();
    let applied = match applied.parse() {
        Ok(entry) => s
            .store
            .ledger_entry(entry)
            .await?
            .filter(|e| e.account_id == account)
            .map(|e| {
                format!(
                    "Applied: {} {} — the bill will say “{}”",
                    e.kind.as_str().replace('_', " "),
                    format_money(e.amount_minor.abs(), &e.currency),
                    extramile_domain::ledger::bill_words(&e)
                )
            })
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let bill_labels = extramile_domain::workspace::PickLists::new(s.store.clone())
        .offered(extramile_domain::workspace::ListKind::BillLabel)
        .await?
        .into_iter()
        .map(|i| i.label)
        .collect();
    Ok(MakeGood {
        account_id: account.to_string(),
        currency: v.currency,
        key: uuid::Uuid::now_v7().to_string(),
        charges,
        bill_labels,
        applied,
    })
}

/// A timeline event in people's words: no stored codes ("picked_up",
/// "assisted_resolution") reach the page.
fn event_words(
    kind: &str,
    detail: &str,
    outcomes: &[(String, String)],
    reasons: &[(String, String)],
) -> (String, String) {
    let label = |list: &[(String, String)], v: &str| {
        list.iter()
            .find(|(code, _)| code == v.trim())
            .map_or_else(|| v.trim().replace('_', " "), |(_, l)| l.clone())
    };
    let what = match kind {
        "offered" => "Contact started",
        "queued" => "Queued",
        "offered_to_agent" => "Offered to an agent",
        "answered" => "Answered",
        "held" => "Put on hold",
        "resumed" => "Taken off hold",
        "customer_left" => "Customer left; wrapping up",
        "participant_joined" => "Joined",
        "participant_left" => "Left",
        "verified" => "Identity verified",
        "transferred" | "transfer" => "Transferred",
        "transfer_offered" => "Transfer offered",
        "transfer_accepted" => "Transfer accepted",
        "status_update" => "Told the customer",
        "case_opened" => "Case opened",
        "consult_asked" => "Asked a department",
        "consult_answered" => "The department answered",
        "wrapped_up" => "Wrapped up",
        "ended" => "Ended",
        other => return (sentence_case(&other.replace('_', " ")), detail.to_string()),
    };
    let detail = match kind {
        "wrapped_up" => match detail.split_once(" / ") {
            Some((o, r)) => format!("{} · {}", label(outcomes, o), label(reasons, r)),
            None => label(outcomes, detail),
        },
        // "Bea Billing (specialist)" reads as it is; codes inside are spaced.
        _ => detail.replace("picked_up", "picked up").replace('_', " "),
    };
    (what.to_string(), detail)
}

/// Open queues first: the one offered first is one that answers now.
fn open_first(mut v: Vec<(bool, String, String)>) -> Vec<(String, String)> {
    v.sort_by_key(|(closed, _, _)| *closed);
    v.into_iter().map(|(_, id, label)| (id, label)).collect()
}

fn sentence_case(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
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
    // The customer beside the call; the title names them.
    let account = s
        .store
        .interaction_view(id)
        .await?
        .and_then(|v| v.interaction.account_id);
    let (aside, title) = match account {
        Some(a) => {
            let p = super::panel::panel(s, u, a).await?;
            let title = format!("Contact · {}", p.name);
            (super::panel::slot(a, &p)?, title)
        }
        None => (String::new(), "Contact".to_string()),
    };
    Ok(super::live_page_beside(
        u,
        &title,
        refused,
        format!("/ui/interactions/{id}"),
        "interaction,consult",
        format!("interaction_id:{id}"),
        body,
        aside,
    ))
}

#[derive(serde::Deserialize)]
struct Shown {
    /// A case just opened from this contact.
    opened: Option<String>,
    /// A money entry just applied from this contact.
    applied: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Shown>,
) -> Result<Response, UiError> {
    let mut typed = Typed::default();
    if let Some(c) = q.opened {
        typed.0.insert("opened".into(), c);
    }
    if let Some(e) = q.applied {
        typed.0.insert("applied".into(), e);
    }
    page(&s, &u, path_id(&id, "interaction")?, None, typed).await
}

async fn show_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = path_id(&id, "interaction")?;
    Ok(Html(body(&s, &u, id, Typed::default()).await?).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/interactions/{id}", get(show))
        .route("/ui/interactions/{id}", get(show_fragment))
        .route("/interactions/{id}/{verb}", post(actions::act))
        .route("/accounts/{id}/interactions", post(actions::start))
}
