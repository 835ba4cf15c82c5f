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
                .create_token(&Actor::system(), email, "t")
                .await
                .unwrap(),
        );
    }
    tokens
}
