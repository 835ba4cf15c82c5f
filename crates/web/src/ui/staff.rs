//! Staff administration (admins): who may sign in, their API tokens.
//! Deactivating someone ends their sessions and tokens at once; a token is
//! issued with an optional expiry and its secret is shown once.

use super::{Fields, Shell, Typed, UiError, refusal, render, text};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::access::{Action, authorize};
use extramile_domain::ids::{StaffId, TokenId};

pub struct StaffRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub tokens: Vec<TokenRow>,
}

pub struct TokenRow {
    pub id: String,
    pub label: String,
    pub created: String,
    pub expires: String,
    /// "active", "expired" or "revoked DATE".
    pub state: String,
    pub usable: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    shell: Shell,
    error: Option<String>,
    notice: Option<String>,
    /// A token just issued: shown once, never stored.
    secret: Option<(String, String)>,
    rows: Vec<StaffRow>,
    typed: Typed,
    /// A new key for each render of the issue form.
    key: String,
}

fn day(t: jiff::Timestamp) -> String {
    t.to_zoned(crate::ui::viewer_zone())
        .strftime("%Y-%m-%d")
        .to_string()
}

async fn staff_page(
    s: &AppState,
    u: &CurrentUser,
    refused: Option<(StatusCode, String)>,
    notice: Option<String>,
    secret: Option<(String, String)>,
    typed: Typed,
) -> Result<Response, UiError> {
    authorize(u.user.role, Action::ManageStaff)?;
    let actor = u.actor();
    let staff = s.staff.list_staff(&actor).await?;
    let tokens = s.staff.tokens(&actor, None).await?;
    let now = jiff::Timestamp::now();
    let rows = staff
        .into_iter()
        .map(|x| StaffRow {
            id: x.id.to_string(),
            name: x.name,
            email: x.email,
            role: x.role.as_str().to_string(),
            active: x.active,
            tokens: tokens
                .iter()
                .filter(|t| t.staff_id == x.id)
                .map(|t| {
                    let state = match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("revoked {}", day(r)),
                        (None, Some(e)) if e <= now => "expired".into(),
                        _ => "active".into(),
                    };
                    TokenRow {
                        id: t.id.to_string(),
                        label: t.label.clone(),
                        created: day(t.created_at),
                        expires: t.expires_at.map_or_else(|| "never".into(), day),
                        usable: state == "active",
                        state,
                    }
                })
                .collect(),
        })
        .collect();
    let (status, error) = match refused {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = StaffPage {
        shell: Shell::of(u),
        error,
        notice,
        secret,
        rows,
        typed,
        key: uuid::Uuid::now_v7().to_string(),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(serde::Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Notice>,
) -> Result<Response, UiError> {
    let notice = q.done.map(|d| match d.as_str() {
        "deactivated" => {
            "Deactivated: their sessions ended and their tokens stopped working.".to_string()
        }
        "activated" => "Activated. Issue new tokens if they need them.".to_string(),
        _ => "Token revoked: it stops working now.".to_string(),
    });
    staff_page(&s, &u, None, notice, None, Typed::default()).await
}

async fn set_active(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let id: StaffId = super::path_id(&id, "staff user")?;
    let active = text(&f, "active") == "true";
    match s
        .staff
        .set_active(&u.actor(), id, active, &text(&f, "reason"))
        .await
    {
        Ok(_) if !active => {
            // Their open screens stop receiving customer events at once.
            s.hub.close_user(id);
            Ok(Redirect::to("/staff?done=deactivated").into_response())
        }
        Ok(_) => Ok(Redirect::to(if active {
            "/staff?done=activated"
        } else {
            "/staff?done=deactivated"
        })
        .into_response()),
        Err(e) => staff_page(&s, &u, Some(refusal(&e)), None, None, Typed(f)).await,
    }
}

async fn revoke(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id: TokenId = super::path_id(&id, "API token")?;
    s.staff.revoke_token(&u.actor(), id).await?;
    Ok(Redirect::to("/staff?done=revoked").into_response())
}

async fn issue(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let days = match text(&f, "days").trim() {
        "" => Ok(None),
        d => d.parse::<i64>().map(Some).map_err(|_| {
            extramile_domain::DomainError::invalid(
                "days",
                "a whole number of days, or empty for no expiry",
            )
        }),
    };
    let done = match days {
        Ok(days) => {
            let key = text(&f, "issue_key");
            s.staff
                .issue_token(
                    &u.actor(),
                    &text(&f, "email"),
                    &text(&f, "label"),
                    days,
                    Some(key.as_str()).filter(|k| !k.is_empty()),
                )
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(secret) => {
            let who = text(&f, "email");
            staff_page(&s, &u, None, None, Some((who, secret)), Typed::default()).await
        }
        Err(e) => staff_page(&s, &u, Some(refusal(&e)), None, None, Typed(f)).await,
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(page))
        .route("/staff/tokens", post(issue))
        .route("/staff/tokens/{id}/revoke", post(revoke))
        .route("/staff/{id}/active", post(set_active))
}
