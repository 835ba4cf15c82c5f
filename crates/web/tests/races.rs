//! Two people (or a retrying phone system) doing the same thing at once
//! (issue 9): an event sent ten times at once has one effect and nine
//! `duplicate` answers; ten answers of one contact add its agent once; ten
//! conference events add the colleague once. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{call, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use futures_util::future::join_all;
use serde_json::{Value, json};

fn ev(id: &str, call_id: &str, kind: &str, agent: &str) -> Value {
    json!({"event_id": id, "call_id": call_id, "kind": kind, "caller_id": "+1 517 555 0190", "dialled": "+1 800 555 0100", "agent_email": agent})
}

async fn ten(
    app: &axum::Router,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Vec<(StatusCode, Value)> {
    join_all((0..10).map(|_| call(app, token, method, path, Some(body.clone())))).await
}

fn on_it(view: &Value, name: &str) -> usize {
    view["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["display_name"].as_str().unwrap_or("").starts_with(name) && p["left_at"].is_null()
        })
        .count()
}

#[tokio::test]
async fn events_and_answers_sent_at_once_apply_once() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("pbx@t.example", "integration", None),
                ("maya@t.example", "agent", None),
                ("bea@t.example", "specialist", None),
            ],
        )
        .await;
        let app = router(state);
        let (pbx, maya) = (&t[0], &t[1]);
        let post = "/api/v1/telephony/events";
        let answers = ten(
            &app,
            pbx,
            "POST",
            post,
            ev("e1", "c1", "offered", "maya@t.example"),
        )
        .await;
        let ids: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(_, b)| b["interaction_id"].to_string())
            .collect();
        assert!(
            answers.iter().all(|(s, _)| s.is_success()),
            "{url}: {answers:?}"
        );
        assert_eq!(ids.len(), 1, "{url}: one contact");
        assert_eq!(
            answers
                .iter()
                .filter(|(_, b)| b["duplicate"] == false)
                .count(),
            1,
            "{url}"
        );
        let id = answers[0].1["interaction_id"].as_str().unwrap().to_string();
        let (_, contacts) = call(&app, maya, "GET", "/api/v1/me/work", None).await;
        let _ = contacts;
        ten(
            &app,
            pbx,
            "POST",
            post,
            ev("e2", "c1", "answered", "maya@t.example"),
        )
        .await;
        ten(
            &app,
            pbx,
            "POST",
            post,
            ev("e3", "c1", "conferenced", "bea@t.example"),
        )
        .await;
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{id}"),
            None,
        )
        .await;
        assert_eq!(on_it(&view, "maya"), 1, "{url}: {view}");
        assert_eq!(on_it(&view, "bea"), 1, "{url}: {view}");

        // Ten agents' clients answering one contact at once: one owner, one participant.
        let (_, c) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "inbound_call", "direction": "inbound"})),
        )
        .await;
        let cid = c["interaction"]["id"]
            .as_str()
            .or(c["id"].as_str())
            .unwrap()
            .to_string();
        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{cid}"),
            None,
        )
        .await;
        let version = v["interaction"]["version"].clone();
        let answers = ten(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{cid}/state"),
            json!({"version": version, "state": "connected"}),
        )
        .await;
        assert_eq!(
            answers.iter().filter(|(s, _)| s.is_success()).count(),
            1,
            "{url}: {answers:?}"
        );
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{cid}"),
            None,
        )
        .await;
        assert!(on_it(&view, "maya") <= 1, "{url}: {view}");
    }
}
