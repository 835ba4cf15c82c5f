//! Story S1 through the API, up to the credit (the ledger comes with
//! issue 4): the account found by the holder's phone, the holder added to
//! the call and verified once, the caller made an authorized representative
//! with her consent, a case, a consult to Billing with its position and a
//! status update on the customer's timeline, the billing specialist picking
//! it up, joining and answering, and zero transfers. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::call;

use axum::http::StatusCode;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn s1_the_conference_and_the_consult() {
    for url in testing::databases().await {
        let store = Arc::new(SqlStore::open(&url, &Options::default()).await.unwrap());
        let state = AppState::new(store, "US", false);
        let care = state.staff.ensure_team("Customer care").await.unwrap();
        let billing = state.staff.ensure_team("Billing").await.unwrap();
        let mut tokens = Vec::new();
        for (email, role, team) in [
            ("maya@t.example", "agent", care.id),
            ("bea@t.example", "specialist", billing.id),
            ("tom@t.example", "agent", care.id),
        ] {
            state
                .staff
                .create_staff(
                    &Actor::system(),
                    NewStaff {
                        email: email.into(),
                        name: email.split('@').next().unwrap().into(),
                        role: role.into(),
                        team_id: Some(team),
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
        let (maya, bea, tom) = (&tokens[0], &tokens[1], &tokens[2]);
        let (_, bea_me) = call(&app, bea, "GET", "/api/v1/me", None).await;

        // Rosa is the holder; Ana, her daughter, calls.
        let (_, rosa) = call(&app, maya, "POST", "/api/v1/people", Some(json!({"given_name": "Rosa", "family_name": "Álvarez", "contact_points": [{"kind": "phone", "value": "(505) 555-0134"}]}))).await;
        let rosa = rosa["person"]["id"].as_str().unwrap().to_string();
        let (_, account) = call(
            &app,
            maya,
            "POST",
            "/api/v1/accounts",
            Some(json!({"holder_id": rosa})),
        )
        .await;
        let account = account["id"].as_str().unwrap().to_string();
        let (_, ana) = call(
            &app,
            maya,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "Ana", "family_name": "Silva"})),
        )
        .await;
        let ana = ana["person"]["id"].as_str().unwrap().to_string();

        let (_, contact) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "inbound_call", "person_id": ana, "subject": "Mother's bill"})),
        )
        .await;
        let contact = contact["interaction"]["id"].as_str().unwrap().to_string();
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{contact}/state"),
            Some(json!({"version": 1, "state": "connected"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // The account is found by Rosa's phone, written differently.
        let (_, hits) = call(&app, maya, "GET", "/api/v1/lookup?q=505.555.0134", None).await;
        assert_eq!(hits[0]["account_id"], account.as_str());

        // Conference Rosa in, verify her once, record Ana as representative with consent.
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{contact}/participants"),
            Some(json!({"person_id": rosa, "role": "customer"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{contact}/verifications"),
            Some(json!({"person_id": rosa, "method": "security_questions"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, role) = call(&app, maya, "POST", &format!("/api/v1/accounts/{account}/roles"), Some(json!({"person_id": ana, "kind": "authorized_representative", "consent": {"given_by": rosa, "method": "verbal_on_call", "note": "on the conference call"}}))).await;
        assert_eq!(s, StatusCode::CREATED, "{role}");

        // The disputed charge becomes a case; Billing is consulted while Maya keeps the call.
        let (_, case) = call(&app, maya, "POST", "/api/v1/cases", Some(json!({"account_id": account, "title": "Disputes a $39.99 charge", "category": "billing", "interaction_id": contact}))).await;
        let case = case["case"]["id"].as_str().unwrap().to_string();
        let (s, consult) = call(&app, maya, "POST", "/api/v1/consults", Some(json!({"case_id": case, "team_id": billing.id, "question": "Is the $39.99 charge valid?", "interaction_id": contact}))).await;
        assert_eq!(s, StatusCode::CREATED, "{consult}");
        assert_eq!(
            (consult["position"].clone(), consult["team_name"].clone()),
            (json!(1), json!("Billing"))
        );
        assert_eq!(consult["consult"]["status"], "waiting");
        let id = consult["consult"]["id"].as_str().unwrap().to_string();
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/consults/{id}/updates"),
            Some(json!({"message": "Billing: you are next"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // Billing sees it; another department cannot take it.
        let (_, inbox) = call(&app, bea, "GET", "/api/v1/consults", None).await;
        assert_eq!(inbox[0]["consult"]["id"], id.as_str());
        assert_eq!(
            (inbox[0]["position"].clone(), inbox[0]["team_name"].clone()),
            (json!(1), json!("Billing"))
        );
        let (s, _) = call(
            &app,
            tom,
            "POST",
            &format!("/api/v1/consults/{id}/pick-up"),
            Some(json!({"version": 1})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, picked) = call(
            &app,
            bea,
            "POST",
            &format!("/api/v1/consults/{id}/pick-up"),
            Some(json!({"version": 1})),
        )
        .await;
        assert_eq!((s, picked["position"].clone()), (StatusCode::OK, json!(0)));
        let (s, joined) = call(
            &app,
            bea,
            "POST",
            &format!("/api/v1/consults/{id}/join"),
            Some(json!({"version": 2})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{joined}");

        // Bea sees Rosa is verified and is not asked to verify again.
        let (_, view) = call(
            &app,
            bea,
            "GET",
            &format!("/api/v1/interactions/{contact}"),
            None,
        )
        .await;
        assert_eq!(view["verifications"][0]["person_id"], rosa.as_str());
        let (s, _) = call(
            &app,
            bea,
            "POST",
            &format!("/api/v1/interactions/{contact}/verifications"),
            Some(json!({"person_id": rosa, "method": "account_pin"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, answered) = call(
            &app,
            bea,
            "POST",
            &format!("/api/v1/consults/{id}/answer"),
            Some(json!({"version": 3, "answer": "The charge is valid and cannot be cancelled"})),
        )
        .await;
        assert_eq!(
            (s, answered["consult"]["status"].clone()),
            (StatusCode::OK, json!("answered")),
            "{answered}"
        );

        // Four people on the call, staff from two departments, one owner, zero transfers.
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{contact}"),
            None,
        )
        .await;
        let people: Vec<&str> = view["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["display_name"].as_str().unwrap())
            .collect();
        assert_eq!(people, ["Ana Silva", "maya", "Rosa Álvarez", "bea"]);
        assert_eq!(view["participants"][3]["staff_id"], bea_me["id"]);
        assert_eq!(view["interaction"]["transfers"], 0);
        assert_eq!(
            view["interaction"]["owner_id"],
            view["participants"][1]["staff_id"]
        );
        let kinds: Vec<&str> = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"status_update"), "{kinds:?}");
        let update = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "status_update")
            .unwrap();
        assert_eq!(update["detail"], "Billing: you are next");
        let joined = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|e| e["kind"] == "participant_joined")
            .unwrap();
        assert_eq!(
            (joined["detail"].as_str(), joined["actor_name"].as_str()),
            (Some("bea (specialist)"), Some("bea")),
            "the specialist who joined is the one the timeline names"
        );
        let (_, case_now) = call(&app, maya, "GET", &format!("/api/v1/cases/{case}"), None).await;
        assert_eq!(
            case_now["case"]["owner_id"], view["interaction"]["owner_id"],
            "the case never changed hands"
        );
    }
}
