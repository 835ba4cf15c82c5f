//! The agent console: server-rendered pages (askama), a little JS for the
//! live lookup. Page handlers call the same domain services as the API.

mod customers;
mod edits;
mod forms;
mod records;
mod session;

use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};

/// What every page's frame shows.
pub struct Shell {
    pub name: String,
    pub email: String,
    pub role: String,
    pub csrf: String,
    pub q: String,
    pub can_audit: bool,
}

impl Shell {
    pub fn of(u: &CurrentUser) -> Self {
        Self {
            name: u.user.name.clone(),
            email: u.user.email.clone(),
            role: u.user.role.as_str().to_string(),
            csrf: u.csrf.clone().unwrap_or_default(),
            q: String::new(),
            can_audit: allowed(u.user.role, Action::ViewAudit),
        }
    }
}

/// Errors on pages: a readable page with the right status.
pub struct UiError(pub DomainError);

impl From<DomainError> for UiError {
    fn from(e: DomainError) -> Self {
        Self(e)
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    shell: Shell,
    title: String,
    detail: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, title) = match &self.0 {
            DomainError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
            DomainError::Conflict(_) => (StatusCode::CONFLICT, "Changed meanwhile"),
            DomainError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Check the input"),
            DomainError::Unauthenticated(_) => return Redirect::to("/signin").into_response(),
            DomainError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts"),
            DomainError::Store(m) => {
                tracing::error!(error = %m, "storage failure on a page");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        let detail = match &self.0 {
            DomainError::Store(_) => {
                "Something went wrong on our side; nothing was changed.".to_string()
            }
            DomainError::Invalid { field, message } => format!("{field}: {message}"),
            other => other.to_string(),
        };
        let shell = Shell {
            name: String::new(),
            email: String::new(),
            role: String::new(),
            csrf: String::new(),
            q: String::new(),
            can_audit: false,
        };
        (
            status,
            render(&MessagePage {
                shell,
                title: title.into(),
                detail,
            }),
        )
            .into_response()
    }
}

/// An id from the path; anything that does not parse is an unknown record.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, UiError> {
    crate::error::path_id(raw, what).map_err(|e| UiError(e.0))
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page failed to render").into_response()
        }
    }
}

pub fn when(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let symbol = match currency {
        "USD" | "CAD" | "AUD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    if symbol.is_empty() {
        format!("{sign}{}.{:02} {currency}", abs / 100, abs % 100)
    } else {
        format!("{sign}{symbol}{}.{:02}", abs / 100, abs % 100)
    }
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        include_str!("../../assets/app.js"),
    )
        .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .merge(session::router())
        .merge(customers::router())
        .merge(forms::router())
        .merge(records::router())
        .merge(edits::router())
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_is_formatted_from_minor_units() {
        assert_eq!(super::money(3999, "USD"), "$39.99");
        assert_eq!(super::money(-5, "EUR"), "-€0.05");
        assert_eq!(super::money(100000, "SEK"), "1000.00 SEK");
    }
}
