//! Phone-system events through the API (S5's screen pop), on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::call;
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;

#[tokio::test]
async fn an_offered_call_pops_the_account_and_events_apply_once_in_order() {
    for url in testing::databases().await {
        let (state, tokens) = common::state_with_staff(
            &url,
            &[
                ("pbx@t.example", "integration", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
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
        let ev = |id: &str, call_id: &str, kind: &str| json!({"event_id": id, "call_id": call_id, "kind": kind, "caller_id": "+1 517 555 0190", "dialled": "+1 800 555 0100", "agent_email": "MAYA@t.example"});

        let (s, _) = call(
            &app,
            maya,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e0", "c1", "offered")),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "an agent's token is not an integration token"
        );
        let (s, _) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "X", "family_name": "Y"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "an integration token edits nothing"
        );
        let (s, early) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e1", "c1", "answered")),
        )
        .await;
        assert_eq!(
            (
                s,
                early["detail"]
                    .as_str()
                    .unwrap()
                    .contains("no offered event yet")
            ),
            (StatusCode::CONFLICT, true)
        );

        let (s, offered) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e2", "c1", "offered")),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{offered}");
        assert_eq!(offered["screen_pop"]["account_id"], account["id"]);
        assert_eq!(offered["screen_pop"]["person_name"], "David Kim");
        let interaction = offered["interaction_id"].as_str().unwrap().to_string();
        let (s, again) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e2", "c1", "offered")),
        )
        .await;
        assert_eq!(
            (
                s,
                again["duplicate"].clone(),
                again["interaction_id"].clone()
            ),
            (StatusCode::OK, json!(true), json!(interaction))
        );
        let (s, _) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e3", "c1", "offered")),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "one call is offered once");

        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{interaction}"),
            None,
        )
        .await;
        assert_eq!(
            (
                v["interaction"]["state"].clone(),
                v["interaction"]["account_id"].clone()
            ),
            (json!("offered"), account["id"].clone())
        );
        assert_eq!(
            v["interaction"]["subject"],
            "Call from +1 517 555 0190 to +1 800 555 0100"
        );
        assert_eq!(v["participants"][0]["display_name"], "David Kim");

        let (s, _) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e4", "c1", "answered")),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{interaction}"),
            None,
        )
        .await;
        assert_eq!(
            (
                v["interaction"]["state"].clone(),
                v["interaction"]["owner_id"].clone()
            ),
            (json!("connected"), me["id"].clone())
        );
        let (s, _) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e5", "c1", "ended")),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{interaction}"),
            None,
        )
        .await;
        assert_eq!(
            v["interaction"]["state"], "wrap_up",
            "the agent still wraps up"
        );
        let (s, bad) = call(
            &app,
            pbx,
            "POST",
            "/api/v1/telephony/events",
            Some(ev("e6", "c1", "exploded")),
        )
        .await;
        assert_eq!(
            (s, bad["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("kind"))
        );

        let (s, unknown) = call(&app, pbx, "POST", "/api/v1/telephony/events", Some(json!({"event_id": "e7", "call_id": "c2", "kind": "offered", "caller_id": "+1 999 555 0000"}))).await;
        assert_eq!(
            (s, unknown["screen_pop"].clone()),
            (StatusCode::OK, json!(null)),
            "an unknown caller still gets a contact, without a pop"
        );
    }
}
