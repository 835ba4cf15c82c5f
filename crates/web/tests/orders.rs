//! Small orders through the API on both databases: placing once, a free
//! item within authority, one beyond it refused with alternatives or sent
//! for approval, the order's states, cancelling takes the charges back,
//! offices, and bad input at its field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::call;

use axum::Router;
use axum::http::StatusCode;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use serde_json::{Value, json};
use std::sync::Arc;

struct World {
    app: Router,
    admin: String,
    maya: String,
    sue: String,
    account: String,
    location: String,
    office: String,
    cord: String,
    router_id: String,
    internet: String,
}

async fn world(url: &str) -> World {
    let store = Arc::new(SqlStore::open(url, &Options::default()).await.unwrap());
    let state = AppState::new(store, "US", false)
        .with_calendar(jiff::tz::TimeZone::get("America/Chicago").unwrap(), "US");
    let t = common::add_staff(
        &state,
        &[
            ("admin@o.example", "admin", None),
            ("maya@o.example", "agent", None),
            ("sue@o.example", "supervisor", None),
        ],
    )
    .await;
    let app = router(state);
    let product = |code: &str, kind: &str, retail: Option<i64>| {
        json!({"code": code, "name": match code { "CORD" => "Phone cord", "ROUTER" => "Wi-Fi router", _ => "Internet 100" },
            "kind": kind, "monthly_price_minor": if retail.is_some() { 0 } else { 4999 }, "currency": "USD", "retail_price_minor": retail})
    };
    let mut ids = Vec::new();
    for (code, kind, retail) in [
        ("CORD", "accessory", Some(1200)),
        ("ROUTER", "equipment", Some(8900)),
        ("INET100", "internet", None),
    ] {
        let (s, p) = call(
            &app,
            &t[0],
            "POST",
            "/api/v1/products",
            Some(product(code, kind, retail)),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    let (s, e) = call(&app, &t[0], "POST", "/api/v1/products", Some(json!({"code": "X", "name": "X", "kind": "equipment", "monthly_price_minor": 0, "currency": "USD"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "retail_price_minor", "{e}");
    let (s, p) = call(
        &app,
        &t[1],
        "POST",
        "/api/v1/people",
        Some(json!({"given_name": "Ben", "family_name": "Okafor"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (_, a) = call(
        &app,
        &t[1],
        "POST",
        "/api/v1/accounts",
        Some(json!({"holder_id": p["person"]["id"]})),
    )
    .await;
    let account = a["id"].as_str().unwrap().to_string();
    let (s, l) = call(&app, &t[1], "POST", &format!("/api/v1/accounts/{account}/locations"), Some(json!({"line1": "1200 Barton Springs Rd", "city": "Austin", "region": "TX", "postcode": "78704", "time_zone": "America/Chicago"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");

    // Offices: admins keep them; hours in the queues' syntax.
    let (s, _) = call(&app, &t[1], "POST", "/api/v1/offices", Some(json!({"name": "Downtown", "address": "500 Congress Ave, Austin", "hours": "mon-fri 09:00-17:00"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "agents do not keep the offices");
    let (s, e) = call(&app, &t[0], "POST", "/api/v1/offices", Some(json!({"name": "Downtown", "address": "500 Congress Ave, Austin", "hours": "weekdays 9 to 5"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "hours", "{e}");
    let (s, o) = call(&app, &t[0], "POST", "/api/v1/offices", Some(json!({"name": "Downtown", "address": "500 Congress Ave, Austin", "hours": "mon-fri 09:00-17:00; sat 10:00-13:00"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(
        o["time_zone"], "America/Chicago",
        "the provider's zone by default"
    );
    let (_, list) = call(&app, &t[1], "GET", "/api/v1/offices", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        list[0]["hours_now"].as_str().unwrap().contains("open")
            || list[0]["hours_now"].as_str().unwrap().contains("opens"),
        "{list}"
    );
    World {
        app,
        admin: t[0].clone(),
        maya: t[1].clone(),
        sue: t[2].clone(),
        account,
        location: l["id"].as_str().unwrap().into(),
        office: o["id"].as_str().unwrap().into(),
        cord: ids[0].clone(),
        router_id: ids[1].clone(),
        internet: ids[2].clone(),
    }
}

async fn balance(w: &World) -> (i64, usize) {
    let (s, v) = call(
        &w.app,
        &w.maya,
        "GET",
        &format!("/api/v1/accounts/{}/ledger", w.account),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["balance_minor"].as_i64().unwrap(),
        v["entry_count"].as_i64().unwrap() as usize,
    )
}

async fn place(w: &World, token: &str, body: Value) -> (StatusCode, Value) {
    call(
        &w.app,
        token,
        "POST",
        &format!("/api/v1/accounts/{}/orders", w.account),
        Some(body),
    )
    .await
}

async fn step(w: &World, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    call(
        &w.app,
        token,
        "POST",
        &format!("/api/v1/orders/{id}/steps"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn s2_a_free_replacement_cord_to_collect_is_placed_once_within_authority() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let body = json!({"lines": [{"product_id": w.cord, "free": true}], "fulfilment": "pickup", "office_id": w.office,
            "free_reason": "Cord worn out; power drops traced to it", "idempotency_key": "cord-1"});
        let (s, v) = place(&w, &w.maya, body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let o = &v["order"];
        assert_eq!(o["state"], "placed");
        assert_eq!(
            o["lines"][0]["unit_price_minor"], 1200,
            "the catalog's price"
        );
        assert_eq!(
            o["lines"][0]["free_minor"], 1200,
            "given free at once: within an agent's $25"
        );
        assert!(
            o["lines"][0]["free_by"].as_str().unwrap().contains("maya"),
            "{o}"
        );
        assert_eq!(v["office"]["name"], "Downtown");
        assert!(v["reference"].as_str().unwrap().starts_with("ORD-"));
        // The bill shows the cord and that it is free: nothing owed.
        assert_eq!(balance(&w).await, (0, 2));
        let (_, ledger) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/ledger", w.account),
            None,
        )
        .await;
        let words: Vec<&str> = ledger["next_bill"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["description"].as_str().unwrap())
            .collect();
        assert!(
            words
                .iter()
                .any(|d| d.starts_with("Phone cord (order ORD-")),
            "{words:?}"
        );
        assert!(words.contains(&"Free of charge: Phone cord"), "{words:?}");

        // The reports' money records list the free item itself.
        let (_, me) = call(&w.app, &w.maya, "GET", "/api/v1/me", None).await;
        let (s, recs) = call(
            &w.app,
            &w.sue,
            "GET",
            &format!(
                "/api/v1/reports/records?figure=money&staff={}&from=2026-01-01&to=2026-12-31",
                me["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{recs}");
        assert!(
            recs[0]["what"]
                .as_str()
                .unwrap()
                .starts_with("Free item $12.00: Cord worn out"),
            "{recs}"
        );
        assert_eq!(recs[0]["link"], format!("/accounts/{}/money", w.account));

        // A retry after a timeout (or a double click) is the same order.
        let (s, again) = place(&w, &w.maya, body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(again["order"]["id"], o["id"]);
        assert_eq!(balance(&w).await, (0, 2), "nothing booked twice");
        let mut other = body.clone();
        other["lines"][0]["free"] = json!(false);
        let (s, e) = place(&w, &w.maya, other).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "idempotency_key");

        // Picked, then collected; and nothing after that.
        let id = o["id"].as_str().unwrap();
        let (s, e) = step(&w, &w.maya, id, json!({"to": "collected", "version": 1})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(e["detail"].as_str().unwrap().contains("ready first"), "{e}");
        let (s, r) = step(&w, &w.maya, id, json!({"to": "ready", "version": 1})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, r2) = step(&w, &w.maya, id, json!({"to": "ready", "version": 1})).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a double click answers the first step: {r2}"
        );
        assert_eq!(r2["order"]["version"], 2);
        let (s, e) = step(&w, &w.maya, id, json!({"to": "shipped", "version": 2})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("collected at an office, not shipped"),
            "{e}"
        );
        let (s, c) = step(&w, &w.maya, id, json!({"to": "collected", "version": 2})).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let (s, e) = step(
            &w,
            &w.maya,
            id,
            json!({"to": "cancelled", "version": 3, "reason": "changed mind"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            e["detail"].as_str().unwrap().contains("already collected"),
            "{e}"
        );

        // Every change is on the account's timeline.
        let (_, audit) = call(
            &w.app,
            &w.admin,
            "GET",
            &format!("/api/v1/audit?account_id={}", w.account),
            None,
        )
        .await;
        let text = audit.to_string();
        assert!(text.contains("placed: Phone cord × 1 (free)"), "{text}");
        assert!(
            text.contains("ready") && text.contains("collected"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_free_item_beyond_authority_is_refused_with_alternatives_or_sent_for_approval() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let body = json!({"lines": [{"product_id": w.router_id, "free": true}], "fulfilment": "ship", "location_id": w.location,
            "free_reason": "Router died twice in a month", "idempotency_key": "router-1"});
        let (s, e) = place(&w, &w.maya, body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        assert!(
            e["decision"]["reason"]
                .as_str()
                .unwrap()
                .contains("a free item of $89.00 exceeds your limit of $25.00 each"),
            "{e}"
        );
        assert_eq!(
            e["decision"]["alternatives"][0]["action"], "goodwill_credit",
            "{e}"
        );
        assert_eq!(e["decision"]["alternatives"][0]["amount_minor"], 5000);
        assert_eq!(e["decision"]["approval_possible"], true);
        assert_eq!(balance(&w).await, (0, 0), "nothing was placed");
        let (_, list) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/orders", w.account),
            None,
        )
        .await;
        assert_eq!(list.as_array().unwrap().len(), 0);

        // Placed, charged until a supervisor approves.
        let mut ask = body.clone();
        ask["if_not_allowed"] = json!("ask_approval");
        let (s, v) = place(&w, &w.maya, ask.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["order"]["lines"][0]["free_minor"], 0);
        assert_eq!(v["approvals"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["approvals"][0]["request"]["action"], "free_item");
        assert_eq!(v["approvals"][0]["status"], "pending");
        assert_eq!(balance(&w).await, (8900, 1));
        // The retry asks once.
        let (s, v2) = place(&w, &w.maya, ask).await;
        assert_eq!(s, StatusCode::OK, "{v2}");
        assert_eq!(v2["approvals"].as_array().unwrap().len(), 1);
        let approval = v["approvals"][0]["id"].as_str().unwrap();
        let (s, d) = call(
            &w.app,
            &w.sue,
            "POST",
            &format!("/api/v1/approvals/{approval}/decision"),
            Some(json!({"version": 1, "approve": true, "reason": "Second failure in a month"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let id = v["order"]["id"].as_str().unwrap();
        let (_, after) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/orders/{id}"),
            None,
        )
        .await;
        assert_eq!(after["order"]["lines"][0]["free_minor"], 8900, "{after}");
        assert!(
            after["order"]["lines"][0]["free_by"]
                .as_str()
                .unwrap()
                .contains("sue"),
            "{after}"
        );
        assert_eq!(after["approvals"][0]["status"], "approved");
        assert_eq!(balance(&w).await, (0, 2));
        // Shipped with the carrier's reference.
        step(&w, &w.maya, id, json!({"to": "ready", "version": 1})).await;
        let (s, sh) = step(
            &w,
            &w.maya,
            id,
            json!({"to": "shipped", "version": 2, "tracking": "1Z999AA10123456784"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{sh}");
        assert_eq!(sh["order"]["tracking"], "1Z999AA10123456784");
        assert_eq!(sh["ship_to"], "1200 Barton Springs Rd, Austin 78704");

        // Another router asked free, then the order is cancelled: the
        // request is withdrawn (nothing left to give) and the bill is back
        // where it was; approving it afterwards is refused.
        let mut again = body.clone();
        again["if_not_allowed"] = json!("ask_approval");
        again["idempotency_key"] = json!("router-2");
        let (s, v) = place(&w, &w.maya, again).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(balance(&w).await.0, 8900);
        let id2 = v["order"]["id"].as_str().unwrap();
        let pending = v["approvals"][0]["id"].as_str().unwrap();
        let (s, c) = step(
            &w,
            &w.maya,
            id2,
            json!({"to": "cancelled", "version": 1, "reason": "Router came back to life"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["approvals"][0]["status"], "cancelled", "{c}");
        assert_eq!(
            c["order"]["lines"][0]["open_minor"], 0,
            "a cancelled order charges nothing"
        );
        assert_eq!(balance(&w).await.0, 0);
        let (s, d) = call(
            &w.app,
            &w.sue,
            "POST",
            &format!("/api/v1/approvals/{pending}/decision"),
            Some(json!({"version": 1, "approve": true, "reason": "ok"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{d}");
        assert_eq!(balance(&w).await.0, 0, "nothing given twice");
    }
}

#[tokio::test]
async fn cancelling_takes_the_charges_back_and_bad_input_is_refused_at_its_field() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (s, v) = place(&w, &w.maya, json!({"lines": [{"product_id": w.cord, "quantity": 2}], "fulfilment": "ship", "location_id": w.location, "idempotency_key": "k1"})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(balance(&w).await, (2400, 1));
        let id = v["order"]["id"].as_str().unwrap();
        let (s, e) = step(&w, &w.maya, id, json!({"to": "cancelled", "version": 1})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        let (s, c) = step(
            &w,
            &w.maya,
            id,
            json!({"to": "cancelled", "version": 1, "reason": "Customer found the old cord"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["order"]["cancel_reason"], "Customer found the old cord");
        assert_eq!(
            balance(&w).await,
            (0, 2),
            "the charge is taken off the bill"
        );
        let (s, _) = step(
            &w,
            &w.maya,
            id,
            json!({"to": "cancelled", "version": 1, "reason": "Customer found the old cord"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "the same cancel twice answers the first");
        assert_eq!(balance(&w).await, (0, 2), "and takes nothing back twice");
        let (s, _) = step(&w, &w.maya, id, json!({"to": "ready", "version": 2})).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // A line already made good with a goodwill credit is not given back
        // again when its order is cancelled.
        let (s, v) = call(&w.app, &w.maya, "POST", &format!("/api/v1/accounts/{}/orders", w.account),
            Some(json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "office_id": w.office}))).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a key is required: {v}"
        );
        let res = common::call_with_key(&w.app, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account),
            &json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "office_id": w.office}), "hdr-1").await;
        assert_eq!(
            res.0,
            StatusCode::CREATED,
            "the Idempotency-Key header is the key: {}",
            res.1
        );
        let again = common::call_with_key(&w.app, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account),
            &json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "office_id": w.office}), "hdr-1").await;
        assert_eq!(again.0, StatusCode::OK);
        assert_eq!(again.1["order"]["id"], res.1["order"]["id"]);
        let (s, e) = place(&w, &w.maya, json!({"lines": [{"product_id": w.cord, "quantity": 3}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "hdr-1"})).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "another quantity under the same key: {e}"
        );
        let charge = res.1["order"]["lines"][0]["charge_entry_id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, cr) = call(&w.app, &w.maya, "POST", &format!("/api/v1/accounts/{}/ledger/actions", w.account),
            Some(json!({"action": "goodwill_credit", "amount_minor": 1200, "currency": "USD", "charge_id": charge, "reason": "Sorry for the wait", "idempotency_key": "cr-1"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{cr}");
        let before = balance(&w).await;
        let oid = res.1["order"]["id"].as_str().unwrap();
        let (s, c) = step(
            &w,
            &w.maya,
            oid,
            json!({"to": "cancelled", "version": 1, "reason": "Not needed"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(
            balance(&w).await,
            before,
            "the credit already made it good: no waiver on top"
        );

        let bad = |body: Value, field: &'static str| {
            let w = &w;
            async move {
                let (s, e) = place(w, &w.maya, body).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
                assert_eq!(e["field"], field, "{e}");
            }
        };
        bad(json!({"lines": [], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "b1"}), "lines").await;
        bad(json!({"lines": [{"product_id": w.cord, "quantity": 0}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "b2"}), "lines[0].quantity").await;
        bad(json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "idempotency_key": "b3"}), "office_id").await;
        bad(json!({"lines": [{"product_id": w.cord}], "fulfilment": "drone", "idempotency_key": "b4"}), "fulfilment").await;
        bad(json!({"lines": [{"product_id": w.internet}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "b5"}), "lines[0].product_id").await;
        bad(json!({"lines": [{"product_id": w.cord, "free": true}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "b6"}), "free_reason").await;
        bad(json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": " "}), "idempotency_key").await;
        assert_eq!(
            balance(&w).await,
            (0, 4),
            "nothing of the refused orders was booked"
        );

        // Splitting a free gift into lines does not make more room: the
        // order's free items are one gift against the $25 limit.
        let (s, e) = place(&w, &w.maya, json!({"lines": [{"product_id": w.cord, "free": true}, {"product_id": w.cord, "free": true}, {"product_id": w.cord, "free": true}],
            "fulfilment": "pickup", "office_id": w.office, "free_reason": "x", "idempotency_key": "split"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        assert!(
            e["decision"]["reason"].as_str().unwrap().contains("$36.00"),
            "{e}"
        );

        // The same cancel sent twice at once is one cancel.
        let (s, v) = place(&w, &w.maya, json!({"lines": [{"product_id": w.cord}], "fulfilment": "pickup", "office_id": w.office, "idempotency_key": "twice"})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let before = balance(&w).await;
        let oid = v["order"]["id"].as_str().unwrap().to_string();
        let body = json!({"to": "cancelled", "version": 1, "reason": "Twice at once"});
        let (a, b) = tokio::join!(
            step(&w, &w.maya, &oid, body.clone()),
            step(&w, &w.maya, &oid, body)
        );
        assert_eq!(
            (a.0, b.0),
            (StatusCode::OK, StatusCode::OK),
            "{} {}",
            a.1,
            b.1
        );
        assert_eq!(
            balance(&w).await,
            (before.0 - 1200, before.1 + 1),
            "one waiver"
        );

        // Offices: a change sends the version it read; names are not shared;
        // one line each.
        let (s, e) = call(
            &w.app,
            &w.admin,
            "PUT",
            &format!("/api/v1/offices/{}", w.office),
            Some(
                json!({"name": "Downtown", "address": "500 Congress Ave, Austin", "hours": "24/7"}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "version", "{e}");
        let (s, e) = call(
            &w.app,
            &w.admin,
            "POST",
            "/api/v1/offices",
            Some(json!({"name": "downtown ", "address": "1 Elsewhere", "hours": "24/7"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "name", "{e}");
        let (s, e) = call(
            &w.app,
            &w.admin,
            "POST",
            "/api/v1/offices",
            Some(json!({"name": "North", "address": "1 Lamar\nBlvd", "hours": "24/7"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "address", "{e}");
        let (s, o) = call(&w.app, &w.admin, "PUT", &format!("/api/v1/offices/{}", w.office), Some(json!({"name": "Downtown", "address": "500 Congress Ave, Austin", "hours": "24/7", "version": 1}))).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o["version"], 2);

        // Equipment is ordered, never subscribed to.
        let (s, e) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/accounts/{}/subscriptions", w.account),
            Some(json!({"location_id": w.location, "product_id": w.cord})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["detail"].as_str().unwrap().contains("order it"), "{e}");
        // Only an order line's charge can be given free through the money form.
        let (s, e) = call(&w.app, &w.admin, "POST", &format!("/api/v1/accounts/{}/ledger/actions", w.account), Some(json!({"action": "free_item", "amount_minor": 100, "currency": "USD", "reason": "x", "idempotency_key": "f1"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "charge_id");
    }
}

#[tokio::test]
async fn the_console_orders_a_free_cord_once_and_offers_approval_for_a_router() {
    use common::{between, get_page, post_form, session};
    for url in testing::databases().await {
        let w = world(&url).await;
        let maya = session(&w.app, "maya@o.example").await;
        let admin = session(&w.app, "admin@o.example").await;
        // The account page offers the order form; the form lists goods only,
        // the open offices with their hours now, and the agent's room.
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(
            acc.text.contains("id=\"order-from-account\""),
            "{}",
            acc.text
        );
        let form = get_page(
            &w.app,
            &format!("/accounts/{}/orders/new", w.account),
            &maya.0,
        )
        .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text);
        assert!(form.text.contains("Phone cord — $12.00"));
        assert!(
            !form.text.contains("Internet 100 —"),
            "services are not ordered here"
        );
        assert!(
            form.text.contains("Downtown — 500 Congress Ave, Austin · "),
            "{}",
            form.text
        );
        assert!(
            between(&form.text, "id=\"free-room\"", "</p>").contains("$25.00"),
            "{}",
            form.text
        );
        let key = between(&form.text, "name=\"_key\" value=\"", "\"").to_string();

        // Bad input is said at its field in the label's words; nothing is ordered.
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &format!(
                "_key={key}&product_0={}&quantity_0=0&fulfilment=pickup&office_id={}",
                w.cord, w.office
            ),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains("How many: must be between 1 and 50"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &format!(
                "_key={key}&product_0={}&quantity_0=1&free_0=yes&fulfilment=pickup&office_id={}",
                w.cord, w.office
            ),
            &maya,
        )
        .await;
        assert!(
            r.text.contains("Why it is free: say why it is free"),
            "{}",
            r.text
        );

        // The free cord: a double submit is one order.
        let body = format!(
            "_key={key}&product_0={}&quantity_0=1&free_0=yes&free_reason=Worn+cord&fulfilment=pickup&office_id={}",
            w.cord, w.office
        );
        let r1 = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &body,
            &maya,
        )
        .await;
        let r2 = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &body,
            &maya,
        )
        .await;
        assert_eq!(r1.status, StatusCode::SEE_OTHER, "{}", r1.text);
        assert_eq!(r1.location, r2.location, "one order for a double submit");
        let order = r1.location.unwrap();
        let page = get_page(&w.app, &order, &maya.0).await;
        assert!(page.text.contains("Free — given by"), "{}", page.text);
        assert!(
            between(&page.text, "id=\"order-due\">", "<").contains("$0.00"),
            "{}",
            page.text
        );
        assert!(page.text.contains("id=\"step-ready\""));
        // Ready, then collected; a stale second click is answered, not refused.
        let version = between(&page.text, "name=\"version\" value=\"", "\"").to_string();
        let r = post_form(
            &w.app,
            &format!("{order}/step"),
            &format!("to=ready&version={version}"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = post_form(
            &w.app,
            &format!("{order}/step"),
            &format!("to=ready&version={version}"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = get_page(&w.app, &order, &maya.0).await;
        assert!(
            page.text.contains("id=\"step-collected\"")
                && !page.text.contains("id=\"step-shipped\""),
            "{}",
            page.text
        );
        let r = post_form(
            &w.app,
            &format!("{order}/step"),
            "to=cancelled&version=2&reason=",
            &maya,
        )
        .await;
        assert!(
            r.text.contains("Why it is cancelled: is required"),
            "{}",
            r.text
        );

        // The router is beyond her: the form comes back with the decision
        // and the choices; asking places it and sends it to a supervisor.
        let form = get_page(
            &w.app,
            &format!("/accounts/{}/orders/new", w.account),
            &maya.0,
        )
        .await;
        let key = between(&form.text, "name=\"_key\" value=\"", "\"").to_string();
        let body = format!(
            "_key={key}&product_0={}&quantity_0=1&free_0=yes&free_reason=Died+twice&fulfilment=ship&location_id={}",
            w.router_id, w.location
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &body,
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            r.text.contains("exceeds your limit of $25.00 each"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("a goodwill credit of $50.00 on the next bill"),
            "{}",
            r.text
        );
        assert!(r.text.contains("id=\"order-ask-approval\""));
        assert_eq!(balance(&w).await.1, 2, "nothing ordered yet");
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/orders", w.account),
            &format!("{body}&if_not_allowed=ask_approval"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = get_page(&w.app, &r.location.unwrap(), &maya.0).await;
        assert!(
            page.text.contains("Free item waiting for approval"),
            "{}",
            page.text
        );
        assert!(
            page.text
                .contains("$89.00 for Free of charge: Wi-Fi router asked by"),
            "{}",
            page.text
        );

        // Offices: admins add and change them; a bad hours line is said at its field.
        let r = post_form(
            &w.app,
            "/offices",
            "name=North&address=9+Lamar+Blvd&hours=weekdays",
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("Opening hours: "), "{}", r.text);
        let r = post_form(
            &w.app,
            "/offices",
            "name=North&address=9+Lamar+Blvd&hours=mon-sat+08%3A00-18%3A00",
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = get_page(&w.app, "/offices", &maya.0).await;
        assert!(page.text.contains("North") && page.text.contains("mon-sat 08:00-18:00"));
        assert!(
            !page.text.contains("id=\"office-form\""),
            "agents read the offices only"
        );
        let r = post_form(
            &w.app,
            "/offices",
            "name=South&address=1+Oltorf&hours=24%2F7",
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}
