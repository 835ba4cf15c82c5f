//! Story S4 (4:45 in the morning) and routing, through the API, on both
//! databases, with a clock that stands at 04:45 in Chicago on a Monday.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::call;

use axum::http::StatusCode;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// 04:45 local time, advancing one second per reading so that idle times
/// differ and order is observable.
fn clock_at_4_45() -> extramile_domain::time::Clock {
    let start = "2026-11-23T04:45"
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("America/Chicago").unwrap())
        .unwrap()
        .timestamp();
    let tick = Arc::new(AtomicI64::new(0));
    Arc::new(move || {
        start
            .checked_add(jiff::SignedDuration::from_secs(
                tick.fetch_add(1, Ordering::SeqCst),
            ))
            .unwrap()
    })
}

#[tokio::test]
async fn s4_at_4_45_the_24_7_queue_answers_while_day_queues_are_closed() {
    for url in testing::databases().await {
        let store = Arc::new(SqlStore::open(&url, &Options::default()).await.unwrap());
        let state = AppState::with_clock(store, "US", false, clock_at_4_45());
        let mut tokens = Vec::new();
        for (email, role) in [
            ("admin@t.example", "admin"),
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
        let (admin, maya, tom) = (&tokens[0], &tokens[1], &tokens[2]);

        let (s, day) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "Technical support", "skill": "technical", "time_zone": "America/Chicago", "hours": "mon-fri 08:00-18:00; sat 09:00-13:00"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{day}");
        let (_, night) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "24/7 support", "skill": "always_on", "time_zone": "America/Chicago", "hours": "24/7"}))).await;
        let (s, bad) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "X", "skill": "x", "time_zone": "America/Chicago", "hours": "mon 18:00-08:00"}))).await;
        assert_eq!(
            (s, bad["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("hours"))
        );
        let (s, _) = call(
            &app,
            maya,
            "POST",
            "/api/v1/queues",
            Some(json!({"name": "Y", "skill": "y", "time_zone": "UTC", "hours": "24/7"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        for token in [maya, tom] {
            let (_, me) = call(&app, token, "GET", "/api/v1/me", None).await;
            let (s, skills) = call(
                &app,
                admin,
                "PUT",
                &format!("/api/v1/staff/{}/skills", me["id"].as_str().unwrap()),
                Some(json!({"skills": ["Always_On", "technical"]})),
            )
            .await;
            assert_eq!(
                (s, skills),
                (StatusCode::OK, json!(["always_on", "technical"]))
            );
        }
        // Maya has been idle longer than Tom.
        call(
            &app,
            maya,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        call(
            &app,
            tom,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        let (_, maya_me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (_, tom_me) = call(&app, tom, "GET", "/api/v1/me", None).await;

        let (_, chloe) = call(
            &app,
            maya,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "Chloé", "family_name": "Martin"})),
        )
        .await;
        let (_, account) = call(
            &app,
            maya,
            "POST",
            "/api/v1/accounts",
            Some(json!({"holder_id": chloe["person"]["id"]})),
        )
        .await;
        let mut calls = Vec::new();
        for _ in 0..3 {
            let (s, v) = call(&app, maya, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account["id"], "person_id": chloe["person"]["id"]}))).await;
            assert_eq!(s, StatusCode::CREATED);
            calls.push(v["interaction"]["id"].as_str().unwrap().to_string());
        }

        let (s, closed) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/enqueue", calls[0]),
            Some(json!({"queue_id": day["id"]})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{closed}");
        let detail = closed["detail"].as_str().unwrap();
        assert!(
            detail.contains("Technical support is closed now; it opens Monday 08:00"),
            "{detail}"
        );
        let (_, still) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{}", calls[0]),
            None,
        )
        .await;
        assert_eq!(
            still["interaction"]["state"], "offered",
            "a refused enqueue changes nothing"
        );

        let (s, first) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/enqueue", calls[0]),
            Some(json!({"queue_id": night["id"]})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{first}");
        assert_eq!(
            (first["position"].clone(), first["offered_to"].clone()),
            (json!(0), maya_me["id"].clone()),
            "longest idle first"
        );
        let (_, second) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/enqueue", calls[1]),
            Some(json!({"queue_id": night["id"]})),
        )
        .await;
        assert_eq!(second["offered_to"], tom_me["id"], "Maya is busy now");
        let (_, third) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/enqueue", calls[2]),
            Some(json!({"queue_id": night["id"]})),
        )
        .await;
        assert_eq!(
            (
                third["position"].clone(),
                third["expected_wait_secs"].clone(),
                third["offered_to"].clone()
            ),
            (json!(1), json!(300), Value::Null)
        );

        let (_, queues) = call(&app, maya, "GET", "/api/v1/queues", None).await;
        let q = |name: &str| {
            queues
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["queue"]["name"] == name)
                .unwrap()
                .clone()
        };
        assert_eq!(
            (
                q("24/7 support")["open_now"].clone(),
                q("24/7 support")["waiting"].clone()
            ),
            (json!(true), json!(1))
        );
        assert_eq!(q("Technical support")["open_now"], false);
        assert!(
            q("Technical support")["next_opening"]
                .as_str()
                .unwrap()
                .contains("2026-11-23 08:00"),
            "{}",
            q("Technical support")
        );

        // Only the agent a contact was routed to answers it.
        let (s, _) = call(
            &app,
            tom,
            "POST",
            &format!("/api/v1/interactions/{}/state", calls[0]),
            Some(json!({"version": 2, "state": "connected"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, answered) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{}/state", calls[0]),
            Some(json!({"version": 2, "state": "connected"})),
        )
        .await;
        assert_eq!(
            (s, answered["interaction"]["owner_id"].clone()),
            (StatusCode::OK, maya_me["id"].clone())
        );

        // Tom finishes and becomes available: the waiting contact goes to him.
        call(
            &app,
            tom,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        let (_, pos) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{}/queue-position", calls[2]),
            None,
        )
        .await;
        assert_eq!(
            (pos["position"].clone(), pos["offered_to"].clone()),
            (json!(0), tom_me["id"].clone())
        );
        let (_, timeline) = call(
            &app,
            tom,
            "GET",
            &format!("/api/v1/interactions/{}", calls[2]),
            None,
        )
        .await;
        let kinds: Vec<&str> = timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["offered", "queued", "offered_to_agent"]);
    }
}
