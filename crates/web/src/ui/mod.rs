//! The agent console: server-rendered pages (askama), a little JS for the
//! live lookup. Page handlers call the same domain services as the API.

mod account_cancel;
mod approvals;
mod audit;
mod cases;
mod charts;
mod consults;
mod customers;
mod dispatch;
mod edits;
mod feedback;
mod fieldwork;
pub(crate) mod followups;
mod forms;
mod interactions;
mod money;
mod moves;
mod operations;
mod orders;
mod panel;
mod picklists;
mod porting;
mod profile;
mod records;
mod reports;
mod resources;
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
    /// Names the browser's live channel: per person, never shared.
    pub staff_id: String,
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
    /// In a department: consults come to them.
    pub has_team: bool,
    /// Maintains the pick-lists (admins).
    pub can_lists: bool,
    /// Reads the reports (supervisors, admins).
    pub can_reports: bool,
    /// Presence, the call bar, approvals waiting (console pages).
    pub desk: Option<std::sync::Arc<crate::desk::Desk>>,
}

impl Shell {
    /// Presence as the header's picker shows it.
    pub fn presence(&self) -> &'static str {
        self.desk.as_ref().map_or("", |d| d.presence.as_str())
    }

    pub fn call(&self) -> Option<&crate::desk::CallBar> {
        self.desk.as_ref().and_then(|d| d.call.as_ref())
    }

    pub fn approvals_waiting(&self) -> usize {
        self.desk
            .as_ref()
            .and_then(|d| d.approvals_waiting)
            .unwrap_or(0)
    }

    pub fn of(u: &CurrentUser) -> Self {
        Self {
            staff_id: u.user.id.to_string(),
            name: u.user.name.clone(),
            email: u.user.email.clone(),
            role: u.user.role.as_str().to_string(),
            csrf: u.csrf.clone().unwrap_or_default(),
            q: String::new(),
            can_audit: allowed(u.user.role, Action::ViewAudit),
            can_watch: allowed(u.user.role, Action::WatchQueues),
            can_approve: allowed(u.user.role, Action::DecideApprovals),
            can_policies: allowed(u.user.role, Action::ManagePolicies)
                || u.user.role == extramile_domain::admin::StaffRole::Supervisor,
            can_staff: allowed(u.user.role, Action::ManageStaff),
            has_team: u.user.team_id.is_some(),
            can_lists: allowed(u.user.role, Action::ManagePolicies),
            can_reports: allowed(u.user.role, Action::ViewReports),
            desk: u.desk.clone(),
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
            staff_id: String::new(),
            name: String::new(),
            email: String::new(),
            role: String::new(),
            csrf: String::new(),
            q: String::new(),
            can_audit: false,
            can_reports: false,
            can_watch: false,
            can_approve: false,
            can_policies: false,
            can_staff: false,
            has_team: false,
            can_lists: false,
            desk: None,
        };
        let message = Message {
            title: title.to_string(),
            detail: detail.clone(),
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
        res.extensions_mut().insert(message);
        crate::error::retry_after(&self.0, &mut res);
        res
    }
}

/// A refusal page's words, so `framed` can render it again inside the
/// signed-in person's header.
#[derive(Clone)]
struct Message {
    title: String,
    detail: String,
}

/// Refusal pages ("Not allowed", "Not found") keep the header, the call
/// bar and the navigation of whoever is signed in.
async fn framed(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let user = crate::auth::resolve(&mut parts, &s).await.ok().flatten();
    let zone = user
        .as_ref()
        .map_or_else(|| s.time_zone.clone(), |u| zone_of(&s, &u.user));
    let res = VIEWER_ZONE
        .scope(
            zone.clone(),
            next.run(axum::extract::Request::from_parts(parts, body)),
        )
        .await;
    let (Some(u), Some(m)) = (user, res.extensions().get::<Message>().cloned()) else {
        return res;
    };
    let (mut head, _) = res.into_parts();
    head.headers.remove(header::CONTENT_LENGTH);
    let page = VIEWER_ZONE.sync_scope(zone, || {
        render(&MessagePage {
            shell: Shell::of(&u),
            title: m.title,
            detail: m.detail,
        })
    });
    let (_, body) = page.into_parts();
    Response::from_parts(head, body)
}

/// Unknown console paths answer a page with the header, not a blank 404;
/// unknown API paths a problem+json.
async fn not_found(uri: axum::http::Uri) -> Response {
    let e = DomainError::NotFound(if uri.path().starts_with("/api/") {
        "API path".into()
    } else {
        "page".into()
    });
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(e).into_response()
    } else {
        UiError(e).into_response()
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
    /// The customer panel beside the work ("" for none).
    pub aside: String,
}

/// Render a fragment template, or fail like a page does.
pub fn fragment<T: Template>(t: &T) -> Result<String, UiError> {
    t.render()
        .map_err(|e| UiError(DomainError::Store(format!("template failed: {e}"))))
}

/// What an action did wrong, as one line for the top of the page.
/// A refusal in the words of the page's own labels (field → label); other
/// fields as `refusal` says them.
pub fn refusal_labelled(e: &DomainError, labels: &[(&str, &str)]) -> (StatusCode, String) {
    if let DomainError::Invalid { field, message } = e
        && let Some((_, label)) = labels.iter().find(|(f, _)| f == field)
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{label}: {message}"),
        );
    }
    refusal(e)
}

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
    live_page_beside(u, title, refused, refresh, on, matcher, body, String::new())
}

/// A live page with the customer panel beside it.
#[allow(clippy::too_many_arguments)]
pub fn live_page_beside(
    u: &CurrentUser,
    title: &str,
    refused: Option<(StatusCode, String)>,
    refresh: String,
    on: &'static str,
    matcher: String,
    body: String,
    aside: String,
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
        aside,
    };
    (status, render(&page)).into_response()
}

/// A fresh key for a creating form: the same form sent twice creates once.
pub fn fresh_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Where a form from the header or the call bar goes back to: the page it
/// was sent from (its path on this site), else `default`.
pub fn back_to(headers: &axum::http::HeaderMap, f: &Fields, default: &str) -> String {
    if f.get("back").map(String::as_str) != Some("here") {
        return default.to_string();
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|p| site_path(p))
        .unwrap_or_else(|| default.to_string())
}

/// A path on this site, safe to redirect to: never another host
/// (`//host`, `/\host`) or control characters.
pub fn site_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
}

/// A posted form's fields.
pub type Fields = std::collections::HashMap<String, String>;

pub fn text(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// A chosen id; anything else is "choose one" at `field`.
/// An optional id from a form's select ("" is none); anything else that
/// does not parse is said at `field`.
pub fn opt_id<T: std::str::FromStr>(
    f: &Fields,
    k: &str,
    field: &str,
) -> Result<Option<T>, DomainError> {
    match f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| DomainError::invalid(field, "choose one")),
    }
}

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

    /// The error to show at a form field, in its label's words. Errors
    /// ride with what was typed under the field's name with a leading
    /// `!` (no form field is named so).
    pub fn error(&self, field: &str) -> Option<&str> {
        self.0.get(&format!("!{field}")).map(String::as_str)
    }

    pub fn set_error(&mut self, field: &str, text: String) {
        self.0.insert(format!("!{field}"), text);
    }
}

/// A form's fields as the domain names them: (domain field, form field,
/// the form's label).
pub type FieldMap = &'static [(&'static str, &'static str, &'static str)];

/// A refusal placed at the form's field in its label's words ("Reason: is
/// required", not "disposition: is required"); the page's summary line
/// says the same. Errors about no field of the form stay a summary.
pub fn refusal_at(e: &DomainError, fields: FieldMap, typed: &mut Typed) -> (StatusCode, String) {
    if let DomainError::Invalid { field, message } = e
        && let Some((_, name, label)) = fields.iter().find(|(d, _, _)| d == field)
    {
        let text = format!("{label}: {message}");
        typed.set_error(name, text.clone());
        return (StatusCode::UNPROCESSABLE_ENTITY, text);
    }
    refusal(e)
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

tokio::task_local! {
    /// The time zone of the person a page is rendered for (set per request
    /// by `framed`): every time on the page is in it.
    static VIEWER_ZONE: jiff::tz::TimeZone;
}

/// The zone times are shown in now: the viewer's, else UTC.
pub fn viewer_zone() -> jiff::tz::TimeZone {
    VIEWER_ZONE
        .try_with(Clone::clone)
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A time as the viewer reads it: "2026-11-29 06:42 CST".
pub fn when(ts: jiff::Timestamp) -> String {
    ts.to_zoned(viewer_zone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The customer's local time in an IANA zone: ("America/Denver",
/// "6:42 am MST"), or None for an unknown zone.
pub fn local_time(zone: &str) -> Option<(String, String)> {
    let tz = jiff::tz::TimeZone::get(zone).ok()?;
    let text = jiff::Timestamp::now()
        .to_zoned(tz)
        .strftime("%-I:%M %p %Z")
        .to_string();
    Some((zone.to_string(), text))
}

/// A person's zone: their own choice, else the provider's.
pub fn zone_of(s: &AppState, user: &extramile_domain::admin::StaffUser) -> jiff::tz::TimeZone {
    user.time_zone
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or_else(|| s.time_zone.clone())
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

#[derive(Template)]
#[template(path = "callbar.html")]
struct CallBarFragment {
    shell: Shell,
}

/// The call bar alone, to refresh it when the call changes.
async fn call_bar(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut u: CurrentUser,
) -> Result<Response, UiError> {
    u.desk = Some(std::sync::Arc::new(crate::desk::load(&s, &u.user).await?));
    Ok(Html(fragment(&CallBarFragment {
        shell: Shell::of(&u),
    })?)
    .into_response())
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

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/ui/call-bar", get(call_bar))
        .route("/ui/accounts/{id}/panel", get(panel::panel_fragment))
        .merge(session::router())
        .merge(customers::router())
        .merge(forms::router())
        .merge(records::router())
        .merge(edits::router())
        .merge(work::router())
        .merge(consults::router())
        .merge(interactions::router())
        .merge(cases::router())
        .merge(money::router())
        .merge(approvals::router())
        .merge(staff::router())
        .merge(audit::router())
        .merge(profile::router())
        .merge(picklists::router())
        .merge(followups::router())
        .merge(operations::router())
        .merge(reports::router())
        .merge(feedback::router())
        .merge(orders::router())
        .merge(fieldwork::router())
        .merge(dispatch::router())
        .merge(account_cancel::router())
        .merge(resources::router())
        .merge(porting::router())
        .merge(moves::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, framed))
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
