//! The account's money tab: balance, next-bill preview, entries and
//! disputes; the money dialog with the agent's remaining authority, the
//! decision and its alternatives; the account's approval requests.

use super::{Fields, Typed, UiError, fragment, path_id, refusal, text, when};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::authority::{Approval, ApprovalStatus, Decision, MoneyActionKind, Outcome};
use extramile_domain::ids::{AccountId, LedgerEntryId};
use extramile_domain::ledger::{
    ActionResult, DisputeInput, DisputeState, EntryKind, EntryView, MoneyAction, format_money,
    parse_money,
};

/// Minor units as a person types them back: 3999 -> "39.99".
pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

pub struct EntryRow {
    pub id: String,
    pub on: String,
    pub at: String,
    pub kind: String,
    pub label: String,
    pub memo: String,
    pub by: String,
    pub amount: String,
    pub credit: bool,
    pub state: String,
    pub open: String,
    pub charge: bool,
    pub fee: bool,
    pub can_hold: bool,
    pub can_uphold: bool,
    pub can_waive: bool,
    pub approved: bool,
}

fn kind_label(k: EntryKind, reason: Option<&str>) -> String {
    match (k, reason) {
        (EntryKind::Charge, Some("fee")) => "Fee".into(),
        (EntryKind::Credit, Some(r)) => format!("Credit ({})", r.replace('_', " ")),
        (EntryKind::DisputeHold, _) => "Held in dispute".into(),
        (EntryKind::DisputeUpheld, _) => "Dispute upheld".into(),
        (k, _) => sentence(&k.as_str().replace('_', " ")),
    }
}

fn entry_row(e: &EntryView, cur: &str) -> EntryRow {
    let x = &e.entry;
    let charge = x.kind == EntryKind::Charge;
    let open = e.open_minor.unwrap_or(0);
    let state = match (charge, e.dispute) {
        (false, _) => String::new(),
        (true, DisputeState::Held) => "held in dispute".into(),
        (true, DisputeState::Waived) => "waived".into(),
        (true, _) if open <= 0 => "reversed in full".into(),
        (true, DisputeState::Upheld) => "dispute upheld".into(),
        (true, DisputeState::None) if open < x.amount_minor => {
            format!("partly waived: {} remains", format_money(open, cur))
        }
        (true, DisputeState::None) => String::new(),
    };
    EntryRow {
        id: x.id.to_string(),
        on: x.effective_on.to_string(),
        at: when(x.created_at),
        kind: x.kind.as_str().into(),
        label: kind_label(x.kind, x.reason_code.as_deref()),
        memo: x.memo.clone(),
        by: if x.created_by.is_none() {
            "billing system".into()
        } else {
            x.created_by_name.clone()
        },
        amount: if x.amount_minor == 0 {
            String::new()
        } else {
            format_money(x.amount_minor, cur)
        },
        credit: x.amount_minor < 0,
        state,
        open: decimal(open.max(0)),
        charge,
        fee: x.reason_code.as_deref() == Some("fee"),
        can_hold: charge
            && open > 0
            && matches!(e.dispute, DisputeState::None | DisputeState::Upheld),
        can_uphold: charge && e.dispute == DisputeState::Held,
        can_waive: charge && open > 0 && e.dispute != DisputeState::Waived,
        approved: x.approval_id.is_some(),
    }
}

pub struct AuthorityRow {
    pub action: String,
    pub label: String,
    pub each: String,
    pub month_left: String,
    pub now: String,
    pub none: bool,
}

pub struct DecisionView {
    pub allowed: bool,
    pub reason: String,
    /// (action, amount typed back, description)
    pub alternatives: Vec<(String, String, String)>,
    pub approval_possible: bool,
    /// What was asked, to ask for approval exactly that.
    pub asked: MoneyAction,
    pub asked_amount: String,
}

pub struct ApprovalRow {
    pub id: String,
    pub version: i64,
    pub what: String,
    pub status: String,
    pub asked: String,
    pub by: String,
    pub reason: String,
    pub escalated: bool,
    pub decided: String,
    pub mine_pending: bool,
}

pub fn approval_row(a: &Approval, me: Option<extramile_domain::ids::StaffId>) -> ApprovalRow {
    let what = format!(
        "{} of {}",
        MoneyActionKind::parse("action", &a.request.action)
            .map(|k| k.describe().trim_start_matches("a ").to_string())
            .unwrap_or_else(|_| a.request.action.clone()),
        format_money(a.request.amount_minor, &a.request.currency)
    );
    ApprovalRow {
        id: a.id.to_string(),
        version: a.version,
        what,
        status: a.status.as_str().into(),
        asked: when(a.created_at),
        by: a.requested_by_name.clone(),
        reason: a.request.reason.clone(),
        escalated: a.escalated,
        decided: match (&a.decided_by_name, a.decided_at) {
            (Some(n), Some(at)) => format!(
                "{n} on {}: {}",
                when(at),
                a.decision_reason.clone().unwrap_or_default()
            ),
            _ => format!("escalates {}", when(a.due_at)),
        },
        mine_pending: a.status == ApprovalStatus::Pending && Some(a.requested_by) == me,
    }
}

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
}

/// Entries shown on the page; the rest are in the API.
const SHOWN: usize = 200;

/// What the page says beyond the account's state.
#[derive(Default)]
struct Said {
    decision: Option<DecisionView>,
    /// A fixed line: requested, held or upheld.
    done: Option<String>,
    /// The entry just applied (and whether it was a repeat).
    applied: Option<(LedgerEntryId, bool)>,
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
    let cur = v.currency.clone();
    let m = |x: i64| format_money(x, &cur);
    let nb = &v.next_bill;
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
        charges: v
            .entries
            .iter()
            .filter(|e| e.entry.kind == EntryKind::Charge && e.open_minor.unwrap_or(0) > 0)
            .filter(|e| e.dispute != DisputeState::Waived)
            .map(|e| {
                (
                    e.entry.id.to_string(),
                    format!(
                        "{} · {} · {}",
                        e.entry.effective_on,
                        e.entry.memo,
                        m(e.open_minor.unwrap_or(0))
                    ),
                )
            })
            .collect(),
        total_entries: usize::try_from(v.entry_count).unwrap_or(0),
        entries: v
            .entries
            .iter()
            .take(SHOWN)
            .map(|e| entry_row(e, &cur))
            .collect(),
        authority: remaining
            .iter()
            .map(|r| AuthorityRow {
                action: r.action.as_str().into(),
                label: r.action.describe().trim_start_matches("a ").to_string(),
                each: m(r.per_entry_limit_minor),
                month_left: r
                    .month_left_minor
                    .map(&m)
                    .unwrap_or_else(|| "no monthly limit".into()),
                now: m(r.now_minor),
                none: r.per_entry_limit_minor == 0,
            })
            .collect(),
        approvals: approvals
            .iter()
            .map(|a| approval_row(a, actor.id))
            .collect(),
        decision,
        notice,
        key,
        currency: cur.clone(),
        typed,
    })
}

async fn page(
    s: &AppState,
    u: &CurrentUser,
    id: AccountId,
    refused: Option<(StatusCode, String)>,
    said: Said,
    typed: Typed,
) -> Result<Response, UiError> {
    let body = body(s, u, id, said, typed).await?;
    Ok(super::live_page(
        u,
        "Money",
        refused,
        format!("/ui/accounts/{id}/money"),
        "ledger,approval",
        format!("account_id:{id}"),
        body,
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

/// The form as a request: the amount as typed, the charge when one is chosen.
fn money_action(f: &Fields) -> Result<MoneyAction, DomainError> {
    let charge_id =
        match f.get("charge_id").map(|c| c.trim()) {
            None | Some("") => None,
            Some(c) => Some(c.parse::<LedgerEntryId>().map_err(|_| {
                DomainError::invalid("charge", "choose one of the account's charges")
            })?),
        };
    Ok(MoneyAction {
        action: text(f, "action"),
        amount_minor: parse_money("amount", &text(f, "amount"))?,
        currency: text(f, "currency"),
        charge_id,
        reason: text(f, "reason"),
        credit_reason: f.get("credit_reason").filter(|c| !c.is_empty()).cloned(),
        idempotency_key: text(f, "idempotency_key"),
    })
}

fn decision_view(d: Decision, asked: MoneyAction) -> DecisionView {
    DecisionView {
        allowed: d.outcome == Outcome::Allowed,
        reason: sentence(&d.reason),
        alternatives: d
            .alternatives
            .into_iter()
            .map(|a| {
                (
                    a.action.as_str().to_string(),
                    decimal(a.amount_minor),
                    a.description,
                )
            })
            .collect(),
        approval_possible: d.approval_possible,
        asked_amount: decimal(asked.amount_minor),
        asked,
    }
}

/// "a credit ..." -> "A credit ...".
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn applied_notice(e: &extramile_domain::ledger::LedgerEntry, replayed: bool) -> String {
    format!(
        "{}: {} {}",
        if replayed {
            "Already applied"
        } else {
            "Applied"
        },
        kind_label(e.kind, e.reason_code.as_deref()),
        format_money(e.amount_minor.abs(), &e.currency)
    )
}

/// Check or apply a credit, waiver, fee reversal or refund.
async fn act(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let actor = u.actor();
    let input = match money_action(&f) {
        Ok(i) => i,
        Err(e) => return page(&s, &u, id, Some(refusal(&e)), Said::default(), Typed(f)).await,
    };
    if f.get("intent").map(String::as_str) == Some("check") {
        return match s.ledger.check(&actor, id, &input).await {
            Ok(d) => {
                let decision = Some(decision_view(d, input));
                let said = Said {
                    decision,
                    ..Said::default()
                };
                page(&s, &u, id, None, said, Typed(f)).await
            }
            Err(e) => page(&s, &u, id, Some(refusal(&e)), Said::default(), Typed(f)).await,
        };
    }
    match s.ledger.act(&actor, id, input.clone()).await {
        Ok(ActionResult::Applied { entry, replayed }) => Ok(Redirect::to(&format!(
            "/accounts/{id}/money?entry={}{}",
            entry.id,
            if replayed { "&again=1" } else { "" }
        ))
        .into_response()),
        Ok(ActionResult::NotAllowed(d)) => {
            // The decision shows beside the form; the status says refused.
            let said = Said {
                decision: Some(decision_view(d, input)),
                ..Said::default()
            };
            let mut r = page(&s, &u, id, None, said, Typed(f)).await?;
            *r.status_mut() = StatusCode::FORBIDDEN;
            Ok(r)
        }
        Err(e) => page(&s, &u, id, Some(refusal(&e)), Said::default(), Typed(f)).await,
    }
}

/// Ask someone with more authority for exactly what was refused.
async fn request(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let done = async {
        let input = money_action(&f)?;
        s.authority.request(&u.actor(), id, input).await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}/money?done=requested")).into_response()),
        Err(e) => page(&s, &u, id, Some(refusal(&e)), Said::default(), Typed(f)).await,
    }
}

/// Hold a charge in dispute, or uphold a held one.
async fn dispute(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let hold = f.get("hold").map(String::as_str) == Some("yes");
    let done = async {
        let input = DisputeInput {
            charge_id: super::id_of(&f, "charge_id", "charge")?,
            reason: text(&f, "reason"),
            idempotency_key: text(&f, "idempotency_key"),
        };
        s.ledger.dispute(&u.actor(), id, input, hold).await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/accounts/{id}/money?done={}",
            if hold { "held" } else { "upheld" }
        ))
        .into_response()),
        Err(e) => {
            page(
                &s,
                &u,
                id,
                Some(refusal(&e)),
                Said::default(),
                Typed::default(),
            )
            .await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/money", get(show))
        .route("/ui/accounts/{id}/money", get(show_fragment))
        .route("/accounts/{id}/money/act", post(act))
        .route("/accounts/{id}/money/request", post(request))
        .route("/accounts/{id}/money/dispute", post(dispute))
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_typed_back_as_people_type_them() {
        assert_eq!(super::decimal(3999), "39.99");
        assert_eq!(super::decimal(5), "0.05");
        assert_eq!(super::decimal(100_000), "1000.00");
    }
}
