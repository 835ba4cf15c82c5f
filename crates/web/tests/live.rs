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
                    .create_token(&Actor::system(), email, "t", None)
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

/// Two nodes on one PostgreSQL: a call offered through node A pops on a
/// stream held by node B. (SQLite is one node; nothing to share.)
#[tokio::test]
async fn an_offer_on_node_a_reaches_a_stream_on_node_b() {
    let Some(url) = testing::postgres_url().await else {
        return;
    };
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let store = Arc::new(SqlStore::open(&url, &Options::default()).await.unwrap());
        let state = AppState::new(store.clone(), "US", false);
        let (outgoing, incoming) = state.hub.bridge();
        store.bridge_live(outgoing, incoming).await.unwrap();
        nodes.push(state);
    }
    let mut tokens = Vec::new();
    for (email, role) in [
        ("pbx@t.example", "integration"),
        ("maya@t.example", "agent"),
    ] {
        nodes[0]
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
            nodes[0]
                .staff
                .create_token(&Actor::system(), email, "t", None)
                .await
                .unwrap(),
        );
    }
    let node_b = router(nodes.pop().unwrap());
    let node_a = router(nodes.pop().unwrap());
    let (pbx, maya) = (&tokens[0], &tokens[1]);

    let res = node_b
        .clone()
        .oneshot(
            Request::get("/api/v1/stream")
                .header(header::AUTHORIZATION, format!("Bearer {maya}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = res.into_body();
    let (s, offered) = call(&node_a, pbx, "POST", "/api/v1/telephony/events", Some(json!({"event_id": "x", "call_id": "c9", "kind": "offered", "caller_id": "+1 517 555 0190", "agent_email": "maya@t.example"}))).await;
    assert_eq!(s, StatusCode::OK);
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("the event crosses nodes within 10 s")
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    assert!(text.starts_with("event: screen_pop\n"), "{text}");
    assert!(
        text.contains(offered["interaction_id"].as_str().unwrap()),
        "{text}"
    );
}

/// The next event on a stream: its kind and data.
async fn next_event(body: &mut axum::body::Body) -> (String, serde_json::Value) {
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
    let kind = text
        .lines()
        .find_map(|l| l.strip_prefix("event: "))
        .unwrap_or_default()
        .to_string();
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .unwrap_or_default();
    (kind, data)
}

async fn stream(app: &axum::Router, token: &str) -> axum::body::Body {
    app.clone()
        .oneshot(
            Request::get("/api/v1/stream")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
        .into_body()
}

/// What changes on a contact reaches the screens of those on it (and no
/// one else's); case changes reach the owner; queue changes reach everyone.
#[tokio::test]
async fn changes_reach_the_screens_of_those_they_concern() {
    for url in testing::databases().await {
        let (state, t) = common::state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("bea@t.example", "specialist", None),
                ("tom@t.example", "agent", None),
                ("ada@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, bea, tom, ada) = (&t[0], &t[1], &t[2], &t[3]);
        let (_, bea_me) = call(&app, bea, "GET", "/api/v1/me", None).await;
        let (_, p) = call(
            &app,
            maya,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "Rosa", "family_name": "Alvarez"})),
        )
        .await;
        let (_, account) = call(
            &app,
            maya,
            "POST",
            "/api/v1/accounts",
            Some(json!({"holder_id": p["person"]["id"]})),
        )
        .await;
        let (_, c) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "outbound_call", "account_id": account["id"]})),
        )
        .await;
        let id = c["interaction"]["id"].clone();

        let mut maya_stream = stream(&app, maya).await;
        let mut bea_stream = stream(&app, bea).await;
        let mut tom_stream = stream(&app, tom).await;

        // Maya brings Bea in: both screens hear of it.
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/participants", id.as_str().unwrap()),
            Some(json!({"staff_id": bea_me["id"], "role": "specialist"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        for st in [&mut maya_stream, &mut bea_stream] {
            let (kind, data) = next_event(st).await;
            assert_eq!(kind, "interaction");
            assert_eq!(data["interaction_id"], id);
        }

        // A case Maya opens reaches her screen, not Tom's.
        call(
            &app,
            maya,
            "POST",
            "/api/v1/cases",
            Some(json!({"account_id": account["id"], "title": "Charge", "category": "billing"})),
        )
        .await;
        let (kind, _) = next_event(&mut maya_stream).await;
        assert_eq!(kind, "case");

        // A queue change reaches everyone, Tom included; his first event
        // is that one: nothing of Maya's contact or case reached him.
        call(
            &app,
            ada,
            "POST",
            "/api/v1/queues",
            Some(json!({"name": "Care", "skill": "general", "time_zone": "UTC", "hours": "24/7"})),
        )
        .await;
        call(
            &app,
            tom,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "away"})),
        )
        .await;
        let (kind, _) = next_event(&mut tom_stream).await;
        assert_eq!(kind, "queue");
    }
}
