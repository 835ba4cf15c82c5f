//! The audit page: who did what, when, to which account, and what changed,
//! filtered by person, account, action and dates.

use super::customers::{EventRow, event_row};
use super::{Shell, UiError, render};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::access::{Action, authorize};
use extramile_domain::audit::AuditFilter;
use extramile_domain::customers::lookup::MatchKind;

#[derive(serde::Deserialize, Default)]
struct AuditQuery {
    /// A staff user's id.
    person: Option<String>,
    /// An account number (EM...) or any entity id.
    account: Option<String>,
    action: Option<String>,
    /// YYYY-MM-DD, inclusive; days in the viewer's time zone.
    from: Option<String>,
    to: Option<String>,
    /// Older than this page: the last id shown.
    entity: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    q: AuditQuery,
    people: Vec<(String, String)>,
    actions: Vec<&'static str>,
    rows: Vec<EventRow>,
    error: Option<String>,
}

/// Actions the log records, for the filter's suggestions.
const ACTIONS: &[&str] = &[
    "create",
    "update",
    "wrap_up",
    "resolve",
    "handover",
    "escalate",
    "join",
    "leave",
    "verify",
    "transfer",
    "credit",
    "charge_waiver",
    "fee_reversal",
    "refund",
    "dispute_hold",
    "dispute_upheld",
    "charge",
    "payment",
    "save_pick_item",
];

fn date(
    field: &str,
    raw: &Option<String>,
    end: bool,
) -> Result<Option<jiff::Timestamp>, DomainError> {
    let Some(t) = raw.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let d: jiff::civil::Date = t
        .parse()
        .map_err(|_| DomainError::invalid(field, "a date like 2026-11-29"))?;
    let d = if end { d.tomorrow().unwrap_or(d) } else { d };
    d.to_zoned(super::viewer_zone())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| DomainError::invalid(field, "a date like 2026-11-29"))
}

async fn filter(s: &AppState, q: &AuditQuery) -> Result<AuditFilter, DomainError> {
    let entity_id = match q.account.as_deref().or(q.entity.as_deref()).map(str::trim) {
        None | Some("") => None,
        Some(t) => match t.parse::<uuid::Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                let hits = s
                    .store
                    .find_by_identifier(MatchKind::AccountNumber, &t.to_uppercase(), 1)
                    .await?;
                Some(
                    hits.first()
                        .and_then(|h| h.account_id)
                        .ok_or_else(|| {
                            DomainError::invalid("account", "no account with this number")
                        })?
                        .0,
                )
            }
        },
    };
    let actor_id = match q.person.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            p.parse()
                .map_err(|_| DomainError::invalid("person", "choose a person"))?,
        ),
    };
    Ok(AuditFilter {
        entity_id,
        actor_id,
        action: q
            .action
            .clone()
            .filter(|a| !a.trim().is_empty())
            .map(|a| a.trim().to_lowercase().replace(' ', "_")),
        from: date("from", &q.from, false)?,
        to: date("to", &q.to, true)?,
        limit: 200,
    })
}

async fn audit(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, UiError> {
    authorize(u.user.role, Action::ViewAudit)?;
    let people = s
        .staff
        .directory(&u.actor())
        .await?
        .into_iter()
        .map(|x| (x.id.to_string(), format!("{} ({})", x.name, x.role)))
        .collect();
    let (rows, error) = match filter(&s, &q).await {
        Ok(f) => (
            s.store
                .audit_events(&f)
                .await?
                .iter()
                .map(event_row)
                .collect(),
            None,
        ),
        Err(DomainError::Invalid { field, message }) => {
            (Vec::new(), Some(format!("{field}: {message}")))
        }
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = AuditPage {
        shell: Shell::of(&u),
        q,
        people,
        actions: ACTIONS.to_vec(),
        rows,
        error,
    };
    Ok(axum::response::IntoResponse::into_response((
        status,
        render(&page),
    )))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}
