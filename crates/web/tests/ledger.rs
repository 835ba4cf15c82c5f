//! Money with clear limits, through the API on both databases: S1's credit
//! in place of a waiver with the next-bill preview, S5's instant refund of
//! an overpayment, approvals that escalate, every policy outcome, keys that
//! make a request happen once, and concurrent credits held to the monthly
//! limit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{call, new_account, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::{Value, json};

fn credit(amount: i64, key: &str) -> Value {
    json!({"action": "goodwill_credit", "amount_minor": amount, "currency": "USD", "reason": "billing dispute, goodwill", "idempotency_key": key})
}

#[tokio::test]
async fn s1_the_waiver_becomes_a_credit_on_the_next_bill() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
                ("bea@t.example", "specialist", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, billing, bea) = (&t[0], &t[1], &t[2]);
        let acct = new_account(&app, maya).await;
        let (s, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": "inv-77", "memo": "Premium channel"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{charge}");
        let (s, again) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": "inv-77", "memo": "Premium channel"}))).await;
        assert_eq!(
            (s, &again["id"]),
            (StatusCode::OK, &charge["id"]),
            "the same external id is one entry"
        );
        let (s, _) = call(&app, maya, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 1, "currency": "USD", "external_id": "x", "memo": "m"}))).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "agents do not post billing entries"
        );

        // The agent may not waive; Extramile offers exactly the credit.
        let waiver = json!({"action": "charge_waiver", "amount_minor": 3999, "currency": "USD", "charge_id": charge["id"], "reason": "disputed", "idempotency_key": "w1"});
        let (s, refused) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(waiver.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(
            refused["detail"],
            "a charge waiver is beyond your authority"
        );
        assert_eq!(
            refused["decision"]["alternatives"],
            json!([{"action": "goodwill_credit", "amount_minor": 3999, "description": "a goodwill credit of $39.99 on the next bill"}])
        );
        assert_eq!(refused["decision"]["approval_possible"], true);
        let (_, remaining) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/authority"),
            None,
        )
        .await;
        let goodwill = remaining
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == "goodwill_credit")
            .unwrap();
        assert_eq!(
            (
                goodwill["now_minor"].as_i64(),
                goodwill["month_left_minor"].as_i64()
            ),
            (Some(5000), Some(10000))
        );

        let (s, entry) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(credit(3999, "c1")),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{entry}");
        assert_eq!(entry["amount_minor"], -3999);
        let (s, replay) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(credit(3999, "c1")),
        )
        .await;
        assert_eq!(
            (s, &replay["id"]),
            (StatusCode::OK, &entry["id"]),
            "the same key answers the first result"
        );
        let (s, other) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(credit(1000, "c1")),
        )
        .await;
        assert_eq!(
            (s, other["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key"))
        );

        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(view["balance_minor"], 0);
        let scheduled: Vec<&Value> = view["next_bill"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"] == "scheduled_credit")
            .collect();
        assert_eq!(scheduled.len(), 1);
        assert_eq!(scheduled[0]["amount_minor"], -3999);
        assert_eq!(
            view["entries"].as_array().unwrap().len(),
            2,
            "the credit once, the charge once"
        );

        // A billing specialist may waive up to $50: a held charge, waived.
        let (_, c2) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 1500, "currency": "USD", "external_id": "inv-78", "memo": "Late fee", "reason_code": "fee"}))).await;
        let (s, _) = call(&app, bea, "POST", &format!("/api/v1/accounts/{acct}/ledger/disputes"), Some(json!({"charge_id": c2["id"], "reason": "customer disputes", "idempotency_key": "d1"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, view) = call(
            &app,
            bea,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            view["next_bill"]["held_minor"], 1500,
            "a held charge is not due"
        );
        let (s, w) = call(&app, bea, "POST", &format!("/api/v1/accounts/{acct}/ledger/actions"), Some(json!({"action": "charge_waiver", "amount_minor": 1500, "currency": "USD", "charge_id": c2["id"], "reason": "valid complaint", "idempotency_key": "w2"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{w}");
        let (_, view) = call(
            &app,
            bea,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        let held = view["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entry"]["id"] == c2["id"])
            .unwrap();
        assert_eq!(
            (held["dispute"].as_str(), held["open_minor"].as_i64()),
            (Some("waived"), Some(0))
        );
        let (s, more) = call(&app, bea, "POST", &format!("/api/v1/accounts/{acct}/ledger/actions"), Some(json!({"action": "charge_waiver", "amount_minor": 1, "currency": "USD", "charge_id": c2["id"], "reason": "again", "idempotency_key": "w3"}))).await;
        assert_eq!(
            (s, more["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_minor")),
            "nothing left to waive"
        );
    }
}

#[tokio::test]
async fn s5_an_overpayment_refunded_once_the_move_with_its_final_reading_and_the_compliment() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
                ("ada@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, billing, admin) = (&t[0], &t[1], &t[2]);
        let acct = new_account(&app, maya).await;
        for (kind, amount, id) in [("charge", 4999, "i1"), ("payment", 12000, "p1")] {
            call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": kind, "amount_minor": amount, "currency": "USD", "external_id": id, "memo": kind}))).await;
        }
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            (
                view["balance_minor"].as_i64(),
                view["overpayment_minor"].as_i64()
            ),
            (Some(-7001), Some(7001))
        );
        let refund = |amount: i64, key: &str| json!({"action": "refund", "amount_minor": amount, "currency": "USD", "reason": "overpaid; moving house", "refund_method": "card", "idempotency_key": key});
        let (s, r) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(refund(7001, "r1")),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CREATED,
            "within the agent's $200 refund authority: {r}"
        );
        let (s, again) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(refund(7001, "r1")),
        )
        .await;
        assert_eq!(
            (s, &again["id"]),
            (StatusCode::OK, &r["id"]),
            "never refunded twice"
        );
        let (s, more) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(refund(1, "r2")),
        )
        .await;
        assert_eq!(
            (s, more["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_minor")),
            "{more}"
        );
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            (
                view["balance_minor"].as_i64(),
                view["overpayment_minor"].as_i64()
            ),
            (Some(0), None)
        );

        // The move to the new address on a date with a final reading; the
        // billing system is told when it is done.
        let (_, energy) = call(&app, admin, "POST", "/api/v1/products", Some(json!({"code": "POWER", "name": "Home Energy", "kind": "energy", "monthly_price_minor": 0, "currency": "USD"}))).await;
        let (_, old) = call(&app, maya, "POST", &format!("/api/v1/accounts/{acct}/locations"), Some(json!({"line1": "5 Birch Rd", "city": "Springfield", "region": "IL", "postcode": "62701"}))).await;
        let (s, sub) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/subscriptions"),
            Some(json!({"location_id": old["id"], "product_id": energy["id"]})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{sub}");
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date();
        let (s, m) = call(&app, maya, "POST", &format!("/api/v1/accounts/{acct}/moves"), Some(json!({
            "from_location_id": old["id"], "to_address": {"line1": "9 Lake View", "city": "Shelbyville", "region": "IL", "postcode": "62565"},
            "move_date": today.to_string(), "subscription_ids": [sub["id"]],
            "reading": {"meter_id": "E-55120", "value": "40211.7", "unit": "kWh"}}))).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["reading"]["meter_id"], "E-55120");
        let (s, done) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/moves/{}/steps", m["id"].as_str().unwrap()),
            Some(json!({"to": "completed", "version": 1})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{done}");
        let (_, ev) = call(
            &app,
            billing,
            "GET",
            "/api/v1/integration-events?after=0",
            None,
        )
        .await;
        assert_eq!(ev[0]["kind"], "move.completed", "{ev}");
        assert_eq!(ev[0]["payload"]["final_reading"]["value"], "40211.7");
        // David thanks the company publicly; Maya records it against her name.
        let (_, me) = call(&app, maya, "GET", "/api/v1/me", None).await;
        let (s, k) = call(&app, maya, "POST", "/api/v1/kudos", Some(json!({"kind": "compliment", "source": "social", "link": "https://social.example/david/7", "words": "Maya refunded me on the spot and sorted the move. Thank you!", "staff_ids": [me["id"]], "account_id": acct}))).await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        // Counted once someone other than the recorder confirms it.
        let (s, _) = call(
            &app,
            admin,
            "POST",
            &format!("/api/v1/kudos/{}/confirm", k["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, mine) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/staff/{}/feedback", me["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert!(
            mine.to_string().contains("refunded me on the spot"),
            "{mine}"
        );
    }
}

#[tokio::test]
async fn beyond_authority_an_approval_is_asked_decided_and_escalated() {
    for url in testing::databases().await {
        let (mut state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
                ("tom@t.example", "agent", None),
            ],
        )
        .await;
        state.authority.escalate_after = jiff::SignedDuration::ZERO;
        let authority = state.authority.clone();
        let app = router(state);
        let (maya, sam, tom) = (&t[0], &t[1], &t[2]);
        let acct = new_account(&app, maya).await;
        let (s, refused) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/ledger/actions"),
            Some(credit(8000, "big")),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(
            refused["detail"],
            "a goodwill credit of $80.00 exceeds your limit of $50.00 each"
        );
        assert_eq!(refused["decision"]["alternatives"][0]["amount_minor"], 5000);
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/approvals"),
            Some(credit(1000, "small")),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "within authority: no approval needed"
        );
        let (s, ap) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{acct}/approvals"),
            Some(credit(8000, "big")),
        )
        .await;
        assert_eq!(
            (s, ap["status"].as_str()),
            (StatusCode::CREATED, Some("pending")),
            "{ap}"
        );
        let id = ap["id"].as_str().unwrap();

        // Past its due time it escalates, once.
        assert_eq!(authority.escalate_due().await.unwrap(), 1);
        assert_eq!(authority.escalate_due().await.unwrap(), 0);
        let (_, inbox) = call(&app, sam, "GET", "/api/v1/approvals", None).await;
        assert_eq!(inbox[0]["id"], ap["id"]);
        assert_eq!(inbox[0]["escalated"], true);
        let (s, _) = call(&app, tom, "GET", "/api/v1/approvals", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not decide");
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/approvals/{id}/decision"),
            Some(json!({"version": 1, "approve": true, "reason": "me"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "nobody approves their own request"
        );
        let (s, _) = call(
            &app,
            sam,
            "POST",
            &format!("/api/v1/approvals/{id}/decision"),
            Some(json!({"version": 1, "approve": true, "reason": ""})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a decision takes a reason"
        );
        let (s, done) = call(
            &app,
            sam,
            "POST",
            &format!("/api/v1/approvals/{id}/decision"),
            Some(json!({"version": 1, "approve": true, "reason": "long-standing customer"})),
        )
        .await;
        assert_eq!(
            (s, done["status"].as_str()),
            (StatusCode::OK, Some("approved")),
            "{done}"
        );
        let (s, _) = call(
            &app,
            sam,
            "POST",
            &format!("/api/v1/approvals/{id}/decision"),
            Some(json!({"version": 2, "approve": false, "reason": "changed my mind"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "decided once");
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            view["balance_minor"], -8000,
            "approving carried the credit out"
        );
        assert_eq!(view["entries"][0]["entry"]["approval_id"], ap["id"]);
    }
}

#[tokio::test]
async fn concurrent_credits_stay_within_the_monthly_limit_and_bad_input_changes_nothing() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "agent", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, tom) = (&t[0], &t[1]);
        let acct = new_account(&app, maya).await;
        // $100 an account a month: three $40 credits at once, two pass.
        let uri = format!("/api/v1/accounts/{acct}/ledger/actions");
        let (a, b, c) = tokio::join!(
            call(&app, maya, "POST", &uri, Some(credit(4000, "m1"))),
            call(&app, tom, "POST", &uri, Some(credit(4000, "t1"))),
            call(&app, maya, "POST", &uri, Some(credit(4000, "m2"))),
        );
        let mut statuses = vec![a.0, b.0, c.0];
        statuses.sort();
        assert_eq!(
            statuses,
            vec![
                StatusCode::CREATED,
                StatusCode::CREATED,
                StatusCode::FORBIDDEN
            ]
        );
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(view["balance_minor"], -8000);

        for (body, field) in [
            (
                json!({"action": "goodwill_credit", "amount_minor": -5, "currency": "USD", "reason": "r", "idempotency_key": "b1"}),
                "amount_minor",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": 0, "currency": "USD", "reason": "r", "idempotency_key": "b2"}),
                "amount_minor",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": 100, "currency": "EUR", "reason": "r", "idempotency_key": "b3"}),
                "currency",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": 100, "currency": "usd", "reason": "r", "idempotency_key": "b4"}),
                "currency",
            ),
            (
                json!({"action": "gift", "amount_minor": 100, "currency": "USD", "reason": "r", "idempotency_key": "b5"}),
                "action",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": 100, "currency": "USD", "reason": "r", "idempotency_key": ""}),
                "idempotency_key",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": 100, "currency": "USD", "reason": "", "idempotency_key": "b6"}),
                "reason",
            ),
            (
                json!({"action": "goodwill_credit", "amount_minor": u64::MAX, "currency": "USD", "reason": "r", "idempotency_key": "b7"}),
                "amount_minor",
            ),
        ] {
            let (s, p) = call(&app, maya, "POST", &uri, Some(body)).await;
            assert_eq!(
                (s, p["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{p}"
            );
        }
        let (s, _) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/accounts/{}/ledger/actions", uuid::Uuid::now_v7()),
            Some(credit(100, "z")),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        assert_eq!(
            (
                view["balance_minor"].as_i64(),
                view["entries"].as_array().unwrap().len()
            ),
            (Some(-8000), 2),
            "nothing changed"
        );
    }
}
