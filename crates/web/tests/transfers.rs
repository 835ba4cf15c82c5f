//! Warm and cold transfers through the API, on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::call;
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;

#[tokio::test]
async fn cold_moves_ownership_now_warm_after_the_receiver_accepts_both_counted() {
    for url in testing::databases().await {
        let (state, tokens) = common::state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, tom, sam) = (&tokens[0], &tokens[1], &tokens[2]);
        let id_of = |v: &serde_json::Value| v["id"].clone();
        let (_, maya_me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (_, tom_me) = call(&app, tom, "GET", "/api/v1/me", None).await;
        let (_, c) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "outbound_call"})),
        )
        .await;
        let id = c["interaction"]["id"].as_str().unwrap().to_string();
        let url = |verb: &str| format!("/api/v1/interactions/{id}/{verb}");

        let (s, _) = call(
            &app,
            tom,
            "POST",
            &url("transfer"),
            Some(json!({"version": 1, "to_staff_id": id_of(&tom_me), "mode": "cold"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not his to transfer");
        let (s, bad) = call(
            &app,
            maya,
            "POST",
            &url("transfer"),
            Some(json!({"version": 1, "to_staff_id": id_of(&tom_me), "mode": "tepid"})),
        )
        .await;
        assert_eq!(
            (s, bad["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("mode"))
        );

        let (s, cold) = call(&app, maya, "POST", &url("transfer"), Some(json!({"version": 1, "to_staff_id": id_of(&tom_me), "mode": "cold", "note": "router replacement"}))).await;
        assert_eq!(s, StatusCode::OK, "{cold}");
        assert_eq!(
            (
                cold["interaction"]["owner_id"].clone(),
                cold["interaction"]["transfers"].clone()
            ),
            (id_of(&tom_me), json!(1))
        );
        let current: Vec<&str> = cold["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["left_at"].is_null())
            .map(|p| p["display_name"].as_str().unwrap())
            .collect();
        assert_eq!(current, ["tom"], "Maya left, Tom joined");

        let (s, bad) = call(
            &app,
            tom,
            "POST",
            &url("transfer"),
            Some(json!({"version": 2, "to_staff_id": id_of(&maya_me), "mode": "warm"})),
        )
        .await;
        assert_eq!(
            (s, bad["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("note"))
        );
        let (s, warm) = call(&app, tom, "POST", &url("transfer"), Some(json!({"version": 2, "to_staff_id": id_of(&maya_me), "mode": "warm", "note": "Customer wants the retention offer"}))).await;
        assert_eq!(s, StatusCode::OK, "{warm}");
        assert_eq!(
            (
                warm["interaction"]["owner_id"].clone(),
                warm["interaction"]["transfers"].clone()
            ),
            (id_of(&tom_me), json!(1)),
            "nothing moves before accepting"
        );
        let (_, seen) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{id}"),
            None,
        )
        .await;
        assert_eq!(
            seen["interaction"]["pending_transfer_note"], "Customer wants the retention offer",
            "the receiver reads the note first"
        );

        let (s, _) = call(
            &app,
            sam,
            "POST",
            &url("accept-transfer"),
            Some(json!({"version": 3})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only the receiver accepts");
        let (s, accepted) = call(
            &app,
            maya,
            "POST",
            &url("accept-transfer"),
            Some(json!({"version": 3})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{accepted}");
        assert_eq!(
            (
                accepted["interaction"]["owner_id"].clone(),
                accepted["interaction"]["transfers"].clone()
            ),
            (id_of(&maya_me), json!(2))
        );
        assert!(accepted["interaction"]["pending_transfer_to"].is_null());
        let kinds: Vec<&str> = accepted["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "offered",
                "answered",
                "transferred",
                "transfer_offered",
                "transferred"
            ]
        );
    }
}
