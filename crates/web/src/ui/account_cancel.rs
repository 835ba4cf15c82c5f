//! Cancelling an account in the console: what the technicians' reports
//! say first, then the reason, a supervisor's override and the
//! confirmation.

use super::{Fields, Shell, Typed, UiError, path_id, render, text};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::fieldwork::AccountCancel;
use extramile_domain::ids::AccountId;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/accounts/{id}/cancel",
        get(cancel_account_form).post(cancel_account),
    )
}

#[derive(Template)]
#[template(path = "account_cancel.html")]
struct CancelAccountPage {
    shell: Shell,
    account_id: String,
    account: String,
    version: i64,
    /// What the completion reports say is installed (refusals to expect).
    reports: Vec<String>,
    can_override: bool,
    typed: Typed,
    error: Option<String>,
}

const CANCEL_FIELDS: super::FieldMap = &[
    ("reason", "reason", "Why"),
    ("confirm", "confirm", "Confirm"),
];

async fn cancel_account_page(
    s: &AppState,
    u: &CurrentUser,
    id: AccountId,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    let a = s
        .store
        .account(id)
        .await?
        .ok_or_else(|| UiError(DomainError::NotFound("account".into())))?;
    let reports = extramile_domain::fieldwork::account::installed_on_account(s.store.as_ref(), id)
        .await?
        .iter()
        .map(|(_, r)| extramile_domain::fieldwork::account::report_says(r))
        .collect();
    let page = CancelAccountPage {
        shell: Shell::of(u),
        account_id: id.to_string(),
        account: format!("{} · {}", a.number, a.name),
        version: a.version,
        reports,
        can_override: allowed(actor.role, Action::DecideApprovals),
        typed,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn cancel_account_form(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    cancel_account_page(
        &s,
        &u,
        path_id(&id, "account")?,
        StatusCode::OK,
        Typed::default(),
        None,
    )
    .await
}

async fn cancel_account(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<Fields>,
) -> Result<Response, UiError> {
    let id: AccountId = path_id(&id, "account")?;
    let r = s
        .field
        .cancel_account(
            &u.actor(),
            id,
            AccountCancel {
                version: text(&f, "version").trim().parse().unwrap_or(0),
                reason: f.get("reason").cloned(),
                override_report: f.get("override_report").is_some_and(|v| v == "yes"),
                confirm: f.get("confirm").is_some_and(|v| v == "yes"),
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}")).into_response()),
        Err(e) => {
            let mut typed = Typed(f.clone());
            let (status, said) = super::refusal_at(&e, CANCEL_FIELDS, &mut typed);
            cancel_account_page(&s, &u, id, status, typed, Some(said)).await
        }
    }
}
