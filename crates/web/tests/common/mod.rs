//! Helpers shared by the story and routing tests.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_domain::ids::TeamId;
use extramile_store::{Options, SqlStore};
use extramile_web::AppState;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// Send one request with a bearer token; the status and the JSON body.
pub async fn call(
    app: &Router,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A state on a fresh store at `url`, with these staff users (e-mail, role,
/// department); their API tokens in the same order. The name is the part
/// of the e-mail before the @.
pub async fn state_with_staff(
    url: &str,
    staff: &[(&str, &str, Option<TeamId>)],
) -> (AppState, Vec<String>) {
    let store = Arc::new(SqlStore::open(url, &Options::default()).await.unwrap());
    let state = AppState::new(store, "US", false);
    let tokens = add_staff(&state, staff).await;
    (state, tokens)
}

pub async fn add_staff(state: &AppState, staff: &[(&str, &str, Option<TeamId>)]) -> Vec<String> {
    let mut tokens = Vec::new();
    for (email, role, team) in staff {
        let name = email.split('@').next().unwrap().to_string();
        state
            .staff
            .create_staff(
                &Actor::system(),
                NewStaff {
                    email: (*email).into(),
                    name,
                    role: (*role).into(),
                    team_id: *team,
                    password: "a long test password".into(),
                },
            )
            .await
            .unwrap();
        tokens.push(
            state
                .staff
                .create_token(&Actor::system(), email, "t", None)
                .await
                .unwrap(),
        );
    }
    tokens
}

/// A browser-like response: status, Location and the page text.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub text: String,
    pub headers: axum::http::HeaderMap,
}

pub async fn browse(app: &Router, req: Request<Body>) -> Page {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        location,
        text: String::from_utf8_lossy(&bytes).to_string(),
        headers,
    }
}

/// Sign in through the form; the session cookie and the page's CSRF token.
pub async fn session(app: &Router, email: &str) -> (String, String) {
    let body = format!(
        "email={}&password=a+long+test+password",
        email.replace('@', "%40")
    );
    let res = app
        .clone()
        .oneshot(
            Request::post("/signin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = get_page(app, "/work", &cookie).await;
    let csrf = page
        .text
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (cookie, csrf)
}

pub async fn get_page(app: &Router, uri: &str, cookie: &str) -> Page {
    browse(
        app,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Post a form (already URL-encoded, without the CSRF token) as a browser would.
pub async fn post_form(
    app: &Router,
    uri: &str,
    body: &str,
    (cookie, csrf): &(String, String),
) -> Page {
    browse(
        app,
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("_csrf={csrf}&{body}")))
            .unwrap(),
    )
    .await
}

/// The text between the first `start` and the `end` after it ("" if absent).
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    text.split(start)
        .nth(1)
        .unwrap_or("")
        .split(end)
        .next()
        .unwrap_or("")
}

/// A new account held by a new person (Rosa Alvarez); its id.
pub async fn new_account(app: &Router, token: &str) -> String {
    let (_, p) = call(
        app,
        token,
        "POST",
        "/api/v1/people",
        Some(serde_json::json!({"given_name": "Rosa", "family_name": "Alvarez"})),
    )
    .await;
    let (_, a) = call(
        app,
        token,
        "POST",
        "/api/v1/accounts",
        Some(serde_json::json!({"holder_id": p["person"]["id"]})),
    )
    .await;
    a["id"].as_str().unwrap().to_string()
}

/// POST JSON under an `Idempotency-Key`.
pub async fn call_with_key(
    app: &Router,
    token: &str,
    uri: &str,
    body: &Value,
    key: &str,
) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
