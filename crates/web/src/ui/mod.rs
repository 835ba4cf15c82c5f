//! The agent console: server-rendered pages (askama), a little JS for the
//! live lookup. Page handlers call the same domain services as the API.

mod approvals;
mod cases;
mod customers;
mod edits;
mod forms;
mod interactions;
mod money;
mod records;
mod session;
mod staff;
mod work;

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
    pub can_watch: bool,
    pub can_approve: bool,
    pub can_policies: bool,
    pub can_staff: bool,
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
            can_watch: allowed(u.user.role, Action::WatchQueues),
            can_approve: allowed(u.user.role, Action::DecideApprovals),
            can_policies: allowed(u.user.role, Action::ManagePolicies),
            can_staff: allowed(u.user.role, Action::ManageStaff),
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
        if let DomainError::Unauthenticated(_) = &self.0 {
            return Redirect::to("/signin").into_response();
        }
        let (status, _, _) = crate::error::classify(&self.0);
        let title = match &self.0 {
            DomainError::Conflict(_) => "Changed meanwhile",
            DomainError::Invalid { .. } => "Check the input",
            DomainError::Store(m) => {
                tracing::error!(error = %m, "storage failure on a page");
                "Something went wrong"
            }
            other => crate::error::classify(other).2,
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
            can_watch: false,
            can_approve: false,
            can_policies: false,
            can_staff: false,
        };
        let mut res = (
            status,
            render(&MessagePage {
                shell,
                title: title.into(),
                detail,
            }),
        )
            .into_response();
        crate::error::retry_after(&self.0, &mut res);
        res
    }
}

/// A page whose main part refreshes itself when a live event concerns it.
#[derive(Template)]
#[template(path = "live.html")]
pub struct LivePage {
    pub shell: Shell,
    pub title: String,
    /// Why the last action was refused; what was typed is kept in the body.
    pub error: Option<String>,
    /// The fragment URL that renders `body` again.
    pub refresh: String,
    /// Event kinds that make it refresh, comma-separated.
    pub on: &'static str,
    /// `key:value` an event's data must carry, or empty.
    pub matcher: String,
    pub body: String,
}

/// Render a fragment template, or fail like a page does.
pub fn fragment<T: Template>(t: &T) -> Result<String, UiError> {
    t.render()
        .map_err(|e| UiError(DomainError::Store(format!("template failed: {e}"))))
}

/// What an action did wrong, as one line for the top of the page.
pub fn refusal(e: &DomainError) -> (StatusCode, String) {
    let status = match e {
        DomainError::Unauthenticated(_) => StatusCode::UNPROCESSABLE_ENTITY,
        other => crate::error::classify(other).0,
    };
    let text = match e {
        DomainError::Invalid { field, message } => {
            format!("{}: {message}", field.replace('_', " "))
        }
        DomainError::Store(_) => "Something went wrong on our side; nothing was changed.".into(),
        other => other.to_string(),
    };
    (status, text)
}

/// A live page, with the reason of a refused action (and its status).
pub fn live_page(
    u: &CurrentUser,
    title: &str,
    refused: Option<(StatusCode, String)>,
    refresh: String,
    on: &'static str,
    matcher: String,
    body: String,
) -> Response {
    let (status, error) = match refused {
        Some((st, text)) => (st, Some(text)),
        None => (StatusCode::OK, None),
    };
    let page = LivePage {
        shell: Shell::of(u),
        title: title.into(),
        error,
        refresh,
        on,
        matcher,
        body,
    };
    (status, render(&page)).into_response()
}

/// A posted form's fields.
pub type Fields = std::collections::HashMap<String, String>;

pub fn text(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// A chosen id; anything else is "choose one" at `field`.
pub fn id_of<T: std::str::FromStr>(f: &Fields, k: &str, field: &str) -> Result<T, DomainError> {
    f.get(k)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| DomainError::invalid(field, "choose one"))
}

/// What a form sent, to fill it again after a refusal.
#[derive(Default)]
pub struct Typed(pub std::collections::HashMap<String, String>);

impl Typed {
    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
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

/// A span of time as a person says it: "45 s", "12 min", "3 h 05 min", "2 d 4 h".
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86400, s % 86400 / 3600),
    }
}

/// How long ago, from now.
pub fn ago(ts: jiff::Timestamp) -> String {
    span(jiff::Timestamp::now().as_second() - ts.as_second())
}

pub use extramile_domain::ledger::format_money as money;

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
        .merge(work::router())
        .merge(interactions::router())
        .merge(cases::router())
        .merge(money::router())
        .merge(approvals::router())
        .merge(staff::router())
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_like_a_person_says_them() {
        assert_eq!(super::span(-3), "0 s");
        assert_eq!(super::span(59), "59 s");
        assert_eq!(super::span(12 * 60 + 5), "12 min");
        assert_eq!(super::span(3 * 3600 + 5 * 60), "3 h 05 min");
        assert_eq!(super::span(2 * 86400 + 4 * 3600 + 59), "2 d 4 h");
    }
}
