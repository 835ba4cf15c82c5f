//! The signed-in person's own settings: the time zone they read times in.

use super::{Fields, Shell, Typed, UiError, render, text};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    shell: Shell,
    name: String,
    email: String,
    role: String,
    /// Their own zone ("" for the provider's).
    zone: String,
    provider_zone: String,
    /// Now, in the zone they read times in.
    now: String,
    zones: Vec<String>,
    saved: bool,
    typed: Typed,
}

/// Every IANA zone name of the form Area/City, sorted.
fn zones() -> Vec<String> {
    let mut v: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| {
            n.contains('/')
                && !n.starts_with("Etc/")
                && !n.starts_with("posix/")
                && !n.starts_with("right/")
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn page(s: &AppState, u: &CurrentUser, saved: bool, status: StatusCode, typed: Typed) -> Response {
    let page = ProfilePage {
        shell: Shell::of(u),
        name: u.user.name.clone(),
        email: u.user.email.clone(),
        role: u.user.role.as_str().to_string(),
        zone: u.user.time_zone.clone().unwrap_or_default(),
        provider_zone: s.time_zone.iana_name().unwrap_or("UTC").to_string(),
        now: super::when(jiff::Timestamp::now()),
        zones: zones(),
        saved,
        typed,
    };
    (status, render(&page)).into_response()
}

#[derive(serde::Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Response {
    page(&s, &u, q.saved.is_some(), StatusCode::OK, Typed::default())
}

async fn save(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, UiError> {
    let zone = text(&f, "time_zone");
    match s.staff.set_time_zone(&u.actor(), Some(zone.as_str())).await {
        Ok(_) => Ok(Redirect::to("/me?saved=1").into_response()),
        Err(e) => {
            let mut typed = Typed(f);
            let (status, _) =
                super::refusal_at(&e, &[("time_zone", "time_zone", "Time zone")], &mut typed);
            Ok(page(&s, &u, false, status, typed))
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(show).post(save))
}
