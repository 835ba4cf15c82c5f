//! Live updates: a call ringing at an agent pops the account on that
//! agent's event stream, and only there. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::call;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use http_body_util::BodyExt;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

#[tokio::test]
async fn the_ringing_agent_sees_the_screen_pop_on_their_stream() {
    for url in testing::databases().await {
        let store = Arc::new(SqlStore::open(&url, &Options::default()).await.unwrap());
        let state = AppState::new(store, "US", false);
        let mut tokens = Vec::new();
        for (email, role) in [
            ("pbx@t.example", "integration"),
            ("maya@t.example", "agent"),
            ("tom@t.example", "agent"),
        ] {
            state
                .staff
                .create_staff(
                    &Actor::system(),
                    NewStaff {
                        email: email.into(),
                        name: email.into(),
                        role: role.into(),
                        team_id: None,
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
        let app = router(state);
        let (pbx, maya) = (&tokens[0], &tokens[1]);
        let (_, david) = call(&app, maya, "POST", "/api/v1/people", Some(json!({"given_name": "David", "family_name": "Kim", "contact_points": [{"kind": "phone", "value": "(517) 555-0190"}]}))).await;
        let (_, account) = call(
            &app,
            maya,
            "POST",
            "/api/v1/accounts",
            Some(json!({"holder_id": david["person"]["id"]})),
        )
        .await;

        let res = app
            .clone()
            .oneshot(
                Request::get("/api/v1/stream")
                    .header(header::AUTHORIZATION, format!("Bearer {maya}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
        let mut body = res.into_body();

        // A call ringing at Tom, then one ringing at Maya.
        call(&app, pbx, "POST", "/api/v1/telephony/events", Some(json!({"event_id": "a", "call_id": "c1", "kind": "offered", "caller_id": "517.555.0190", "agent_email": "tom@t.example"}))).await;
        let (s, offered) = call(&app, pbx, "POST", "/api/v1/telephony/events", Some(json!({"event_id": "b", "call_id": "c2", "kind": "offered", "caller_id": "517.555.0190", "agent_email": "maya@t.example"}))).await;
        assert_eq!(s, StatusCode::OK);

        let mut text = String::new();
        while !text.contains("\n\n") {
            let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
        assert!(text.starts_with("event: screen_pop\n"), "{text}");
        let data: serde_json::Value =
            serde_json::from_str(text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap())
                .unwrap();
        assert_eq!(
            data["interaction_id"], offered["interaction_id"],
            "Maya's first event is her own call, not Tom's"
        );
        assert_eq!(data["screen_pop"]["account_id"], account["id"]);
    }
}
