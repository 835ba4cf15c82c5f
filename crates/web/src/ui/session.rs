//! Sign-in and sign-out.

use super::render;
use crate::auth::{ClientAddr, CurrentUser, cookie};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use extramile_domain::DomainError;
use extramile_domain::admin::SESSION_COOKIE;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    error: Option<String>,
    next: String,
    email: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct SigninForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Only local paths: never redirect a sign-in to another host. A path
/// starts with one `/` followed by something other than `/` or `\`, and
/// holds no control characters or backslashes anywhere (browsers drop tabs
/// and newlines, so `/\t/evil.example` would become `//evil.example`).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                && !n
                    .chars()
                    .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
                && !n[1..].starts_with(['/', '\\']) =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

async fn page(Query(q): Query<NextQuery>) -> Response {
    render(&SigninPage {
        error: None,
        next: safe_next(q.next.as_deref()),
        email: String::new(),
    })
}

async fn signin(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<SigninForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match s.staff.authenticate(&f.email, &f.password, &addr).await {
        Ok(user) => match s.staff.start_session(&user).await {
            Ok((secret, _)) => {
                let secure = if s.secure_cookies { "; Secure" } else { "" };
                let cookie = format!(
                    "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200{secure}"
                );
                let mut res = Redirect::to(&next).into_response();
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    res.headers_mut().insert(header::SET_COOKIE, v);
                }
                res
            }
            Err(e) => super::UiError(e).into_response(),
        },
        Err(e) => {
            let status = match e {
                DomainError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                DomainError::Store(_) => return super::UiError(e).into_response(),
                _ => StatusCode::UNAUTHORIZED,
            };
            let retry_after = match &e {
                DomainError::Throttled {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                _ => None,
            };
            let msg = match e {
                DomainError::Throttled { message, .. } => message,
                other => other.to_string(),
            };
            let mut msg = msg;
            if let Some(first) = msg.get(0..1) {
                msg = first.to_uppercase() + &msg[1..];
            }
            let mut res = (
                status,
                render(&SigninPage {
                    error: Some(msg),
                    next,
                    email: f.email,
                }),
            )
                .into_response();
            if let Some(v) = retry_after.and_then(|r| HeaderValue::from_str(&r.to_string()).ok()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}

async fn signout(State(s): State<AppState>, u: CurrentUser, headers: HeaderMap) -> Response {
    // Their live streams end with the session: the next person at this
    // desk never hears their calls.
    s.hub.close_user(u.user.id);
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = s.staff.end_session(secret).await
    {
        return super::UiError(e).into_response();
    }
    let mut res = Redirect::to("/signin").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("extramile_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(page).post(signin))
        .route("/signout", post(signout))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/accounts/1?tab=money")),
            "/accounts/1?tab=money"
        );
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "evil.example",
            "/ /evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
