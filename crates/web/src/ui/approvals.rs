//! The approvals inbox (live) with approve and deny, and the authority
//! policy administration page.

use super::money::{approval_row, decimal};
use super::{Fields, Shell, Typed, UiError, ago, fragment, refusal, render, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::admin::{StaffRole, StaffUser};
use extramile_domain::authority::{ApprovalDecision, MoneyActionKind, Policy, PolicyInput};
use extramile_domain::ids::{AccountId, ApprovalId};
use extramile_domain::ledger::{format_money, parse_money};
use std::collections::HashMap;

pub struct InboxRow {
    pub id: String,
    pub version: i64,
    pub account_id: String,
    pub account: String,
    pub what: String,
    /// The charge a waiver or reversal is about.
    pub charge: Option<String>,
    pub by: String,
    pub waiting: String,
    pub waiting_epoch: i64,
    pub due: String,
    pub escalated: bool,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct Inbox {
    csrf: String,
    rows: Vec<InboxRow>,
    /// Pending requests with on-duty supervisors for now.
    elsewhere: usize,
    typed: Typed,
    /// The request a refused decision was about.
    refused_id: String,
    /// The latest decisions: what, account id, who asked, decided by/when/why, status.
    decided: Vec<DecidedRow>,
}

struct DecidedRow {
    what: String,
    account_id: String,
    by: String,
    status: String,
    decided: String,
}

async fn inbox_body(
    s: &AppState,
    u: &CurrentUser,
    typed: Typed,
    refused_id: String,
) -> Result<String, UiError> {
    let (pending, elsewhere) = s.authority.inbox_with_count(&u.actor()).await?;
    // One read per distinct account (the inbox is short).
    let mut labels: HashMap<AccountId, String> = HashMap::new();
    for a in &pending {
        if let std::collections::hash_map::Entry::Vacant(v) = labels.entry(a.account_id) {
            let label = s
                .store
                .account(a.account_id)
                .await?
                .map(|x| format!("{} · {}", x.name, x.number))
                .unwrap_or_default();
            v.insert(label);
        }
    }
    let mut charges: HashMap<ApprovalId, String> = HashMap::new();
    for a in &pending {
        if let Some(c) = a.request.charge_id {
            let entries = s.store.charge_entries(a.account_id, c).await?;
            if let Some(e) = entries.iter().find(|e| e.id == c) {
                let line = format!(
                    "{} of {} billed {}",
                    e.memo,
                    format_money(e.amount_minor, &e.currency),
                    e.effective_on
                );
                charges.insert(a.id, line);
            }
        }
    }
    let rows = pending
        .iter()
        .map(|a| {
            let r = approval_row(a, None);
            InboxRow {
                id: r.id,
                version: a.version,
                account_id: a.account_id.to_string(),
                account: labels.get(&a.account_id).cloned().unwrap_or_default(),
                what: r.what,
                charge: charges.get(&a.id).cloned(),
                by: a.requested_by_name.clone(),
                waiting: ago(a.created_at),
                waiting_epoch: a.created_at.as_second(),
                due: when(a.due_at),
                escalated: a.escalated,
                reason: a.request.reason.clone(),
            }
        })
        .collect();
    let decided = s
        .authority
        .decided(&u.actor(), 30)
        .await?
        .iter()
        .map(|a| {
            let r = approval_row(a, None);
            DecidedRow {
                what: r.what,
                account_id: a.account_id.to_string(),
                by: a.requested_by_name.clone(),
                status: r.status,
                decided: r.decided,
            }
        })
        .collect();
    fragment(&Inbox {
        csrf: u.csrf.clone().unwrap_or_default(),
        rows,
        elsewhere,
        typed,
        refused_id,
        decided,
    })
}

async fn inbox_page(
    s: &AppState,
    u: &CurrentUser,
    refused: Option<(StatusCode, String)>,
    typed: Typed,
    refused_id: String,
) -> Result<Response, UiError> {
    let body = inbox_body(s, u, typed, refused_id).await?;
    Ok(super::live_page(
        u,
        "Approvals",
        refused,
        "/ui/approvals".into(),
        "approval",
        String::new(),
        body,
    ))
}

async fn inbox(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    inbox_page(&s, &u, None, Typed::default(), String::new()).await
}

async fn inbox_fragment(State(s): State<AppState>, u: CurrentUser) -> Result<Response, UiError> {
    Ok(Html(inbox_body(&s, &u, Typed::default(), String::new()).await?).into_response())
}

/// Approve, deny (approvers) or withdraw (the requester), with a reason.
async fn decide(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: ApprovalId = super::path_id(&id, "approval request")?;
    let back = match f.get("back").map(String::as_str) {
        Some(b) if b.starts_with("/accounts/") && !b.contains("//") => b.to_string(),
        _ => "/approvals".to_string(),
    };
    let input = ApprovalDecision {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        approve: f.get("verdict").map(String::as_str) == Some("approve"),
        reason: text(&f, "reason"),
        idempotency_key: Some(text(&f, "idempotency_key")).filter(|k| !k.is_empty()),
    };
    match s.authority.decide(&u.actor(), id, input).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(e) if back == "/approvals" => {
            inbox_page(&s, &u, Some(refusal(&e)), Typed(f), id.to_string()).await
        }
        Err(e) => Err(UiError(e)),
    }
}

/// One action's limit for one role or person, as a table cell.
pub struct PolicyCell {
    pub each: String,
    pub month: String,
    /// The query that fills the form with it.
    pub edit: String,
    pub updated: String,
}

/// A role or a person, with a cell per action (in `MoneyActionKind::ALL` order).
pub struct PolicyRow {
    pub who: String,
    pub person: bool,
    pub cells: Vec<Option<PolicyCell>>,
}

#[derive(Template)]
#[template(path = "policies.html")]
struct PoliciesPage {
    /// Admins change; supervisors read.
    can_change: bool,
    shell: Shell,
    error: Option<String>,
    saved: bool,
    rows: Vec<PolicyRow>,
    columns: Vec<String>,
    roles: Vec<&'static str>,
    people: Vec<(String, String)>,
    actions: Vec<(&'static str, String)>,
    typed: Typed,
}

#[derive(serde::Deserialize, Default)]
struct PolicyQuery {
    who: Option<String>,
    action: Option<String>,
    currency: Option<String>,
    each: Option<String>,
    month: Option<String>,
    saved: Option<String>,
}

/// One row per role (in order of authority), then per person by name,
/// with a cell per action.
fn policy_rows(policies: &[Policy], staff: &[StaffUser]) -> Vec<PolicyRow> {
    let name = |id| {
        staff
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "someone who left".into())
    };
    let mut rows: Vec<(String, PolicyRow)> = Vec::new();
    for p in policies {
        let (key, who) = match (p.role, p.staff_id) {
            (Some(r), _) => (format!("role:{r}"), format!("every {r}")),
            (None, Some(sid)) => (format!("staff:{sid}"), name(sid)),
            _ => continue,
        };
        let i = match rows.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let row = PolicyRow {
                    who,
                    person: p.staff_id.is_some(),
                    cells: MoneyActionKind::ALL.iter().map(|_| None).collect(),
                };
                rows.push((key.clone(), row));
                rows.len() - 1
            }
        };
        let col = MoneyActionKind::ALL
            .iter()
            .position(|a| *a == p.action)
            .unwrap_or(0);
        rows[i].1.cells[col] = Some(PolicyCell {
            each: if p.per_entry_limit_minor == 0 {
                "needs approval".into()
            } else {
                format!(
                    "{} each",
                    format_money(p.per_entry_limit_minor, &p.currency)
                )
            },
            month: p
                .per_account_month_limit_minor
                .map(|m| format!("{} an account a month", format_money(m, &p.currency)))
                .unwrap_or_default(),
            edit: format!(
                "who={key}&action={}&currency={}&each={}&month={}",
                p.action,
                p.currency,
                decimal(p.per_entry_limit_minor),
                p.per_account_month_limit_minor
                    .map(decimal)
                    .unwrap_or_default()
            ),
            updated: if p.updated_at.as_second() == 0 {
                "default".into()
            } else {
                format!("changed {}", when(p.updated_at))
            },
        });
    }
    // Roles in their order of authority, then people by name.
    let rank = |k: &str| {
        StaffRole::ALL
            .iter()
            .position(|r| k == format!("role:{r}"))
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|a, b| (rank(&a.0), &a.1.who).cmp(&(rank(&b.0), &b.1.who)));
    rows.into_iter().map(|(_, r)| r).collect()
}

async fn policies_page(
    s: &AppState,
    u: &CurrentUser,
    refused: Option<(StatusCode, String)>,
    saved: bool,
    typed: Typed,
) -> Result<Response, UiError> {
    let actor = u.actor();
    // Admins change policies; supervisors read them (they decide approvals
    // against them).
    let can_change = extramile_domain::access::allowed(
        u.user.role,
        extramile_domain::access::Action::ManagePolicies,
    );
    if !can_change && u.user.role != StaffRole::Supervisor {
        extramile_domain::access::authorize(
            u.user.role,
            extramile_domain::access::Action::ManagePolicies,
        )?;
    }
    let policies = s.authority.policies(&actor).await?;
    let staff = s.staff.directory(&actor).await?;
    let rows = policy_rows(&policies, &staff);
    let (status, error) = match refused {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = PoliciesPage {
        can_change,
        shell: Shell::of(u),
        error,
        saved,
        rows,
        columns: MoneyActionKind::ALL
            .iter()
            .map(|a| a.describe().trim_start_matches("a ").to_string())
            .collect(),
        roles: StaffRole::ALL.iter().map(|r| r.as_str()).collect(),
        people: staff
            .iter()
            .map(|x| (x.id.to_string(), format!("{} ({})", x.name, x.role)))
            .collect(),
        actions: MoneyActionKind::ALL
            .iter()
            .map(|a| {
                (
                    a.as_str(),
                    a.describe().trim_start_matches("a ").to_string(),
                )
            })
            .collect(),
        typed,
    };
    Ok((status, render(&page)).into_response())
}

async fn policies(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<PolicyQuery>,
) -> Result<Response, UiError> {
    let mut typed = Typed::default();
    for (k, v) in [
        ("who", q.who),
        ("action", q.action),
        ("currency", q.currency),
        ("each", q.each),
        ("month", q.month),
    ] {
        if let Some(v) = v {
            typed.0.insert(k.into(), v);
        }
    }
    policies_page(&s, &u, None, q.saved.is_some(), typed).await
}

/// The form as a policy: who ("role:agent" or "staff:<id>"), amounts as typed.
fn policy_input(f: &Fields) -> Result<PolicyInput, DomainError> {
    let who = text(f, "who");
    let (role, staff_id) = match who.split_once(':') {
        Some(("role", r)) => (Some(r.to_string()), None),
        Some(("staff", id)) => (
            None,
            Some(
                id.parse()
                    .map_err(|_| DomainError::invalid("who", "choose a role or a person"))?,
            ),
        ),
        _ => return Err(DomainError::invalid("who", "choose a role or a person")),
    };
    let each = text(f, "each");
    let per_entry_limit_minor = match each.trim() {
        t if t.trim_start_matches(['0', '.', '$']).is_empty() => 0,
        t => parse_money("each", t)?,
    };
    let per_account_month_limit_minor = match text(f, "month").trim() {
        "" => None,
        t => Some(parse_money("month", t)?),
    };
    Ok(PolicyInput {
        role,
        staff_id,
        action: text(f, "action"),
        currency: text(f, "currency"),
        per_entry_limit_minor,
        per_account_month_limit_minor,
        reason: f.get("reason").filter(|r| !r.trim().is_empty()).cloned(),
    })
}

async fn save_policy(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let done = async {
        let input = policy_input(&f)?;
        s.authority.put_policy(&u.actor(), input).await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to("/policies?saved=1").into_response()),
        Err(e) => {
            let mut typed = Typed(f);
            let said = crate::ui::refusal_at(
                &e,
                &[
                    ("reason", "reason", "Why"),
                    ("each", "each", "Up to, each"),
                    ("month", "month", "Per account a month"),
                    ("who", "who", "For"),
                    ("currency", "currency", "Currency"),
                ],
                &mut typed,
            );
            policies_page(&s, &u, Some(said), false, typed).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/approvals", get(inbox))
        .route("/ui/approvals", get(inbox_fragment))
        .route("/approvals/{id}/decision", post(decide))
        .route("/policies", get(policies).post(save_policy))
}
