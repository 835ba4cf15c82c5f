//! The account's money tab: balance, next-bill preview, entries and
//! disputes; the money dialog with the agent's remaining authority, the
//! decision and its alternatives; the account's approval requests.

mod actions;
mod rows;

pub use rows::{approval_row, decimal};

use super::{Typed, UiError, fragment, path_id};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::ids::{AccountId, LedgerEntryId};
use extramile_domain::ledger::{NEWEST, format_money};
use rows::*;

#[derive(Template)]
#[template(path = "money.html")]
struct Body {
    csrf: String,
    id: String,
    number: String,
    name: String,
    can_act: bool,
    can_audit: bool,
    currency: String,
    balance: String,
    in_credit: bool,
    overpayment: Option<(String, String)>,
    bill_date: String,
    period_start: String,
    brought_forward: String,
    bill_lines: Vec<(String, String, String)>,
    held: String,
    held_minor: i64,
    total_due: String,
    entries: Vec<EntryRow>,
    total_entries: usize,
    charges: Vec<(String, String)>,
    authority: Vec<AuthorityRow>,
    decision: Option<DecisionView>,
    approvals: Vec<ApprovalRow>,
    notice: Option<String>,
    key: String,
    typed: Typed,
    /// Already given about the chosen charge.
    warning: Option<String>,
    /// A refund waiting for its confirmation.
    confirm: Option<ConfirmRefund>,
    bill_labels: Vec<String>,
    refund_methods: Vec<(String, String)>,
}

/// "Refund $70.01 back to the card on file?" before it is paid.
pub(super) struct ConfirmRefund {
    pub(super) amount: String,
    pub(super) amount_typed: String,
    pub(super) method: String,
    pub(super) method_label: String,
    pub(super) reason: String,
    pub(super) label: String,
    pub(super) key: String,
}

/// What the page says beyond the account's state.
#[derive(Default)]
pub(super) struct Said {
    pub(super) decision: Option<DecisionView>,
    /// A fixed line: requested, held or upheld.
    pub(super) done: Option<String>,
    /// The entry just applied (and whether it was a repeat).
    pub(super) applied: Option<(LedgerEntryId, bool)>,
    pub(super) confirm: Option<ConfirmRefund>,
}

async fn body(
    s: &AppState,
    u: &CurrentUser,
    id: AccountId,
    said: Said,
    typed: Typed,
) -> Result<String, UiError> {
    let actor = u.actor();
    let v = s.ledger.view(&actor, id).await?;
    let notice = match (said.done.as_deref(), said.applied) {
        (Some("requested"), _) => Some(
            "Asked for approval: it is in the approvers' inbox; its state is below.".to_string(),
        ),
        (Some("held"), _) => Some("Held in dispute: the charge is not due while held.".into()),
        (Some("upheld"), _) => Some("Dispute upheld: the charge is due again.".into()),
        (_, Some((entry, again))) => v
            .entries
            .iter()
            .find(|e| e.entry.id == entry)
            .map(|e| applied_notice(&e.entry, again)),
        _ => None,
    };
    let decision = said.decision;
    let account = s
        .store
        .account(id)
        .await?
        .ok_or_else(|| DomainError::NotFound("account".into()))?;
    let remaining = s.authority.remaining(&actor, id).await?;
    let approvals = s.authority.for_account(&actor, id).await?;
    let m = |x: i64| format_money(x, &v.currency);
    let nb = &v.next_bill;
    let lists = extramile_domain::workspace::PickLists::new(s.store.clone());
    let bill_labels = lists
        .offered(extramile_domain::workspace::ListKind::BillLabel)
        .await?
        .into_iter()
        .map(|i| i.label)
        .collect();
    let refund_methods = lists
        .offered(extramile_domain::workspace::ListKind::RefundMethod)
        .await?
        .into_iter()
        .map(|i| (i.value, i.label))
        .collect();
    let warning = rows::compensation_warning(&v, typed.get("charge_id"));
    let key = match typed.get("idempotency_key") {
        "" => uuid::Uuid::now_v7().to_string(),
        k => k.to_string(),
    };
    fragment(&Body {
        csrf: u.csrf.clone().unwrap_or_default(),
        id: id.to_string(),
        number: account.number,
        name: account.name,
        can_act: allowed(u.user.role, Action::EditCustomer),
        can_audit: allowed(u.user.role, Action::ViewAudit),
        balance: m(v.balance_minor.abs()),
        in_credit: v.balance_minor < 0,
        overpayment: v.overpayment_minor.map(|o| (m(o), decimal(o))),
        bill_date: nb.bill_date.to_string(),
        period_start: nb.period_start.to_string(),
        brought_forward: m(nb.brought_forward_minor),
        bill_lines: nb
            .lines
            .iter()
            .map(|l| (l.description.clone(), m(l.amount_minor), l.kind.clone()))
            .collect(),
        held: m(nb.held_minor),
        held_minor: nb.held_minor,
        total_due: m(nb.total_due_minor),
        charges: charge_options(&v),
        total_entries: usize::try_from(v.entry_count).unwrap_or(0),
        entries: v
            .entries
            .iter()
            .take(NEWEST as usize)
            .map(|e| entry_row(e, &v.currency))
            .collect(),
        authority: remaining.iter().map(authority_row).collect(),
        approvals: approvals
            .iter()
            .map(|a| approval_row(a, actor.id))
            .collect(),
        decision,
        notice,
        key,
        currency: v.currency.clone(),
        typed,
        warning,
        confirm: said.confirm,
        bill_labels,
        refund_methods,
    })
}

pub(super) async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: AccountId,
    refused: Option<(StatusCode, String)>,
    said: Said,
    typed: Typed,
) -> Result<Response, UiError> {
    let body = body(s, u, id, said, typed).await?;
    // The money dialog keeps the customer beside it.
    let p = super::panel::panel(s, u, id).await?;
    let title = format!("Money · {}", p.name);
    let aside = super::panel::slot(id, &p)?;
    Ok(super::live_page_beside(
        u,
        &title,
        refused,
        format!("/ui/accounts/{id}/money"),
        "ledger,approval",
        format!("account_id:{id}"),
        body,
        aside,
    ))
}

#[derive(serde::Deserialize, Default)]
struct Shown {
    action: Option<String>,
    charge: Option<String>,
    amount: Option<String>,
    done: Option<String>,
    entry: Option<String>,
    again: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<Shown>,
) -> Result<Response, UiError> {
    let mut typed = Typed::default();
    for (k, v) in [
        ("action", &q.action),
        ("charge_id", &q.charge),
        ("amount", &q.amount),
    ] {
        if let Some(v) = v {
            typed.0.insert(k.into(), v.clone());
        }
    }
    let said = Said {
        done: q.done,
        applied: q
            .entry
            .and_then(|e| e.parse().ok())
            .map(|e| (e, q.again.is_some())),
        ..Said::default()
    };
    page(&s, &u, path_id(&id, "account")?, None, said, typed).await
}

async fn show_fragment(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = path_id(&id, "account")?;
    Ok(Html(body(&s, &u, id, Said::default(), Typed::default()).await?).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/money", get(show))
        .route("/ui/accounts/{id}/money", get(show_fragment))
        .route("/accounts/{id}/money/act", post(actions::act))
        .route("/accounts/{id}/money/request", post(actions::request))
        .route("/accounts/{id}/money/dispute", post(actions::dispute))
}
