//! Field work through the API on both databases: story S3's install whose
//! structured completion report refuses a dispatcher's cancel, a
//! supervisor's override that deletes nothing, and the restore; double
//! booking; partial completions; bad reports refused at their field.

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
    maya: String,
    dina: String,
    tess: String,
    sue: String,
    tess_id: String,
    tom_id: String,
    maya_id: String,
    account: String,
    location: String,
    products: Vec<String>,
    /// A metered service (not among `products`).
    energy: String,
    admin: String,
    tom: String,
    nina: String,
    porting_team: String,
}

async fn world(url: &str) -> World {
    world_at(url, None).await.0
}

/// With a clock the test moves, and the job runner.
async fn world_at(
    url: &str,
    clock: Option<extramile_domain::time::Clock>,
) -> (World, Option<extramile_jobs::Runner>) {
    let store = Arc::new(SqlStore::open(url, &Options::default()).await.unwrap());
    let state = match &clock {
        Some(c) => AppState::with_clock(store, "US", false, c.clone()),
        None => AppState::new(store, "US", false),
    };
    let runner = clock.map(|c| {
        extramile_web::background::runner(
            &state,
            extramile_jobs::Options {
                node: "test".into(),
                ..Default::default()
            },
        )
        .with_clock(c)
    });
    let porting = state.staff.ensure_team("Number porting").await.unwrap();
    let t = common::add_staff(
        &state,
        &[
            ("admin@f.example", "admin", None),
            ("maya@f.example", "agent", None),
            ("dina@f.example", "dispatcher", None),
            ("tess@f.example", "technician", None),
            ("tom@f.example", "technician", None),
            ("sue@f.example", "supervisor", None),
            ("nina@f.example", "specialist", Some(porting.id)),
        ],
    )
    .await;
    let admin_state = state.clone();
    let app = router(state);
    let id_of = |token: String| {
        let app = app.clone();
        async move {
            let (_, me) = call(&app, &token, "GET", "/api/v1/me", None).await;
            me["id"].as_str().unwrap().to_string()
        }
    };
    let (tess_id, tom_id, maya_id) = (
        id_of(t[3].clone()).await,
        id_of(t[4].clone()).await,
        id_of(t[1].clone()).await,
    );
    // The inventory: a hundred numbers in 217 and equipment in Tess's van.
    let system = extramile_domain::audit::Actor::system();
    admin_state
        .resources
        .import_numbers(
            &system,
            &[extramile_domain::resources::ImportNumberRow {
                line: 2,
                first: 12175550100,
                last: 12175550199,
                note: None,
            }],
        )
        .await
        .unwrap();
    let van = Some(extramile_domain::ids::StaffId(tess_id.parse().unwrap()));
    let kit: Vec<_> = ["RTR-88213", "STB-55102", "RTR-88214", "STB-55103"]
        .iter()
        .enumerate()
        .map(|(i, s)| extramile_domain::resources::ImportEquipmentRow {
            line: i as u64 + 2,
            serial: s.to_string(),
            model: if s.starts_with("RTR") {
                "Router AX3000"
            } else {
                "Set-top box 4K"
            }
            .into(),
            office_id: None,
            van_staff_id: van,
        })
        .collect();
    admin_state
        .resources
        .import_equipment(&system, &kit)
        .await
        .unwrap();
    let mut products = Vec::new();
    for (code, name, kind) in [
        ("INET100", "Internet 100", "internet"),
        ("TVBASIC", "TV Basic", "tv"),
        ("PHONE", "Home Phone", "phone"),
    ] {
        let (s, p) = call(&app, &t[0], "POST", "/api/v1/products", Some(json!({"code": code, "name": name, "kind": kind, "monthly_price_minor": 4999, "currency": "USD"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        products.push(p["id"].as_str().unwrap().to_string());
    }
    let (_, energy) = call(&app, &t[0], "POST", "/api/v1/products", Some(json!({"code": "POWER", "name": "Home Energy", "kind": "energy", "monthly_price_minor": 0, "currency": "USD"}))).await;
    let energy = energy["id"].as_str().unwrap().to_string();
    let (_, p) = call(
        &app,
        &t[1],
        "POST",
        "/api/v1/people",
        Some(json!({"given_name": "Hana", "family_name": "Kim"})),
    )
    .await;
    let (_, a) = call(
        &app,
        &t[1],
        "POST",
        "/api/v1/accounts",
        Some(json!({"holder_id": p["person"]["id"]})),
    )
    .await;
    let account = a["id"].as_str().unwrap().to_string();
    let (_, l) = call(&app, &t[1], "POST", &format!("/api/v1/accounts/{account}/locations"), Some(json!({"line1": "14 Elm St", "city": "Springfield", "region": "IL", "postcode": "62701"}))).await;
    let w = World {
        app,
        maya: t[1].clone(),
        dina: t[2].clone(),
        tess: t[3].clone(),
        sue: t[5].clone(),
        tess_id,
        tom_id,
        maya_id,
        account,
        location: l["id"].as_str().unwrap().into(),
        products,
        energy,
        admin: t[0].clone(),
        tom: t[4].clone(),
        nina: t[6].clone(),
        porting_team: porting.id.to_string(),
    };
    (w, runner)
}

async fn post(w: &World, token: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    call(&w.app, token, "POST", uri, Some(body)).await
}

fn statuses(v: &Value) -> Vec<String> {
    v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

async fn install(w: &World, products: &[String]) -> Value {
    let (s, v) = post(w, &w.maya, &format!("/api/v1/accounts/{}/work-orders", w.account), json!({"kind": "install", "location_id": w.location, "product_ids": products, "access_notes": "Side gate; dog is friendly"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

#[tokio::test]
async fn s3_a_cancel_refused_by_the_report_overridden_without_loss_and_restored() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let v = install(&w, &w.products).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        assert_eq!(v["work_order"]["state"], "requested");
        assert_eq!(
            v["work_order"]["minutes"], 120,
            "an install is expected to take two hours"
        );
        assert_eq!(statuses(&v), ["pending_install"; 3]);
        let subs: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();

        // The dispatcher schedules Tess; an agent is not a technician.
        let sched = |tech: &str, start: &str, end: &str, version: i64| json!({"version": version, "day": "2026-12-01", "window_start": start, "window_end": end, "technician_ids": [tech]});
        let (s, e) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/schedule"),
            sched(&w.maya_id, "08:00", "10:00", 1),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "technician_ids[0]", "{e}");
        let (s, v) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/schedule"),
            sched(&w.tess_id, "08:00", "10:00", 1),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, twice) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/schedule"),
            sched(&w.tess_id, "08:00", "10:00", 1),
        )
        .await;
        assert_eq!(
            (s, &twice["work_order"]["version"]),
            (StatusCode::OK, &json!(2)),
            "a double click schedules once"
        );
        let (s, _) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/schedule"),
            sched(&w.tess_id, "09:00", "11:00", 1),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "another schedule on a stale version is refused"
        );
        assert_eq!(v["work_order"]["state"], "scheduled");
        assert_eq!(v["technician_names"][0], "tess");

        // Tess is busy until noon (10:00 arrival at the latest + 2 h).
        let other = install(&w, &w.products[..1]).await;
        let oid = other["work_order"]["id"].as_str().unwrap().to_string();
        let (s, e) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{oid}/schedule"),
            sched(&w.tess_id, "11:00", "12:00", 1),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("tess is already booked 08:00–10:00 on 2026-12-01"),
            "{e}"
        );
        let (s, _) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{oid}/schedule"),
            sched(&w.tom_id, "11:00", "12:00", 1),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "another technician is free then");

        // Out she goes; a report before arriving is refused.
        let (s, v) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let report = json!({"version": 3, "lines": [
            {"subscription_id": subs[0], "installed": true, "measurements": [{"name": "downstream", "value": "940", "unit": "Mbit/s"}, {"name": "upstream", "value": "41", "unit": "Mbit/s"}]},
            {"subscription_id": subs[1], "installed": true, "measurements": [{"name": "signal", "value": "-3.5", "unit": "dBmV"}]},
            {"subscription_id": subs[2], "installed": true}],
            "equipment_serials": ["RTR-88213", "STB-55102"], "numbers": ["+12175550143"], "signed_by": "Hana Kim",
            "remark": "Customer was rude and kept me waiting 40 min. Cancel this account, never again."});
        let (s, e) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            report.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let (s, v) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "the technician says she arrived: {v}");
        let mut r = report.clone();
        r["version"] = json!(4);
        let (s, _) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/report"),
            r.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the report is the technician's");
        let (s, v) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            r.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["work_order"]["state"], "completed",
            "the structured part decides, not the remark"
        );
        assert_eq!(statuses(&v), ["active"; 3]);
        assert_eq!(
            v["report"]["remark"], report["remark"],
            "the remark is kept beside the facts"
        );
        assert_eq!(v["report"]["lines"][0]["measurements"][0]["value"], "940");
        let (s, again) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), r).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "the same report twice: the first stands: {again}"
        );

        // The dispatcher, reading the remark, tries to cancel: refused with
        // what the report says; even asking for an override.
        let cancel = json!({"to": "cancelled", "version": 5, "reason": "Technician says cancel the account"});
        let (s, e) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            cancel.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let said = e["detail"].as_str().unwrap();
        assert!(
            said.contains("says Internet 100, TV Basic and Home Phone are installed"),
            "{said}"
        );
        assert!(said.contains("a supervisor can override"), "{said}");
        let mut over = cancel.clone();
        over["override_report"] = json!(true);
        let (s, _) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            over.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "a dispatcher cannot override");
        // A supervisor can, with a reason; nothing is deleted.
        let mut no_reason = over.clone();
        no_reason["reason"] = json!("");
        let (s, e) = post(
            &w,
            &w.sue,
            &format!("/api/v1/work-orders/{id}/steps"),
            no_reason,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        // What it will do is said first; only a confirmation goes on.
        let (s, e) = post(
            &w,
            &w.sue,
            &format!("/api/v1/work-orders/{id}/steps"),
            over.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "confirm", "{e}");
        let said = e["detail"].as_str().unwrap();
        assert!(
            said.contains(
                "This puts Internet 100, TV Basic and Home Phone in pending cancellation until"
            ),
            "{said}"
        );
        assert!(
            said.contains("equipment to collect: RTR-88213, STB-55102")
                && said.contains("numbers to age (quarantined to this account, no one else can have them): (217) 555-0143"),
            "{said}"
        );
        // Before: the number and the equipment are the customer's.
        let holdings = |w: &World| {
            let app = w.app.clone();
            let token = w.maya.clone();
            let uri = format!("/api/v1/accounts/{}/holdings", w.account);
            async move { call(&app, &token, "GET", &uri, None).await.1 }
        };
        let h = holdings(&w).await;
        assert_eq!(h["numbers"][0]["number"], "+12175550143", "{h}");
        assert_eq!(h["numbers"][0]["state"], "assigned");
        assert_eq!(
            h["numbers"][0]["subscription_id"],
            json!(subs[2]),
            "on the phone service"
        );
        let kit: Vec<(String, String)> = h["equipment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["serial"].as_str().unwrap().into(),
                    e["state"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            kit,
            [
                ("RTR-88213".to_string(), "assigned".to_string()),
                ("STB-55102".into(), "assigned".into())
            ]
        );
        over["confirm"] = json!(true);
        let (s, v) = post(&w, &w.sue, &format!("/api/v1/work-orders/{id}/steps"), over).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["work_order"]["grace_until"].is_string(), "{v}");
        assert_eq!(statuses(&v), ["pending_cancellation"; 3]);
        // The number ages, quarantined to this account; the equipment is
        // to be collected.
        let h = holdings(&w).await;
        assert_eq!(h["numbers"][0]["state"], "aging", "{h}");
        assert!(h["numbers"][0]["until"].is_string());
        assert_eq!(h["equipment"][0]["state"], "pending_return");
        assert_eq!(h["equipment"][1]["state"], "pending_return");
        // Nobody else can have the number meanwhile: not offered in a
        // search, not reserved, not activated by another install.
        let (_, found) = call(
            &w.app,
            &w.maya,
            "GET",
            "/api/v1/numbers?area_code=217&pattern=0143",
            None,
        )
        .await;
        assert_eq!(found, json!([]), "an aging number is not offered");
        let (_, p2) = post(
            &w,
            &w.maya,
            "/api/v1/people",
            json!({"given_name": "Ola", "family_name": "Berg"}),
        )
        .await;
        let (_, a2) = post(
            &w,
            &w.maya,
            "/api/v1/accounts",
            json!({"holder_id": p2["person"]["id"]}),
        )
        .await;
        let a2 = a2["id"].as_str().unwrap().to_string();
        let (s, e) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/+12175550143/steps",
            json!({"to": "reserved", "version": 3, "account_id": a2}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("quarantined to its previous account"),
            "{e}"
        );
        let (_, l2) = post(&w, &w.maya, &format!("/api/v1/accounts/{a2}/locations"), json!({"line1": "2 Oak St", "city": "Springfield", "region": "IL", "postcode": "62702"})).await;
        let (_, o2) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{a2}/work-orders"),
            json!({"kind": "install", "location_id": l2["id"], "product_ids": [w.products[2]]}),
        )
        .await;
        let o2id = o2["work_order"]["id"].as_str().unwrap().to_string();
        let o2sub = o2["services"][0]["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{o2id}/schedule"), json!({"version": 1, "day": "2026-12-03", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{o2id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{o2id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{o2id}/report"), json!({"version": 4, "lines": [{"subscription_id": o2sub, "installed": true}], "numbers": ["(217) 555-0143"], "equipment_serials": ["RTR-88213"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "numbers[0]", "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("quarantined to its previous account"),
            "{e}"
        );
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{o2id}/report"), json!({"version": 4, "lines": [{"subscription_id": o2sub, "installed": true}], "numbers": ["(217) 555-0144"], "equipment_serials": ["RTR-88213"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "equipment_serials[0]", "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("not in stock (pending return, with another account)"),
            "{e}"
        );
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{o2id}/report"), json!({"version": 4, "lines": [{"subscription_id": o2sub, "installed": true}], "numbers": ["(217) 555-0144"], "equipment_serials": ["NOPE-1"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("serial NOPE-1 is not in the inventory"),
            "{e}"
        );
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{o2id}/report"), json!({"version": 4, "lines": [{"subscription_id": o2sub, "installed": true}], "numbers": ["(217) 555-0999"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("not in the number inventory"),
            "{e}"
        );
        let (_, still) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{o2id}"),
            None,
        )
        .await;
        assert_eq!(
            still["work_order"]["state"], "on_site",
            "nothing changed by refused reports"
        );
        let (s, v2) = post(&w, &w.tess, &format!("/api/v1/work-orders/{o2id}/report"), json!({"version": 4, "lines": [{"subscription_id": o2sub, "installed": true}], "numbers": ["(217) 555-0144"], "equipment_serials": ["rtr-88214"]})).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a free number and a serial in stock: {v2}"
        );
        assert_eq!(v2["report"]["numbers"][0], "+12175550144");
        assert_eq!(v2["report"]["equipment_serials"][0], "RTR-88214");
        // One action restores the same services.
        let (s, v) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/restore"),
            json!({"version": 6}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(statuses(&v), ["active"; 3]);
        let same: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(same, subs, "the same subscriptions come back");
        // …with the same number and the same equipment.
        let h = holdings(&w).await;
        assert_eq!(h["numbers"][0]["number"], "+12175550143", "{h}");
        assert_eq!(h["numbers"][0]["state"], "assigned");
        assert_eq!(h["numbers"][0]["subscription_id"], json!(subs[2]));
        assert_eq!(h["equipment"][0]["state"], "assigned");
        assert_eq!(h["equipment"][1]["state"], "assigned");
        let (_, n) = call(
            &w.app,
            &w.maya,
            "GET",
            "/api/v1/numbers/(217)%20555-0143",
            None,
        )
        .await;
        let kinds: Vec<&str> = n["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["assigned", "aging", "assigned"],
            "its history, newest first: {n}"
        );
        let (s, twice) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/restore"),
            json!({"version": 6}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a double click on Restore answers the first: {twice}"
        );
        assert_eq!(twice["work_order"]["version"], 7);
        let (s, _) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/restore"),
            json!({"version": 7}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "nothing left to restore");
        // A double booking of the same technician, and a day in the past.
        let o2 = install(&w, &w.products[..1]).await;
        let o2 = o2["work_order"]["id"].as_str().unwrap().to_string();
        let (s, e) = post(&w, &w.dina, &format!("/api/v1/work-orders/{o2}/schedule"), json!({"version": 1, "day": "2026-12-02", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id, w.tess_id]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "technician_ids[1]", "{e}");
        let (s, e) = post(&w, &w.dina, &format!("/api/v1/work-orders/{o2}/schedule"), json!({"version": 1, "day": "2020-01-07", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "day", "{e}");
        // The account's timeline tells it.
        let (_, audit) = call(
            &w.app,
            &w.sue,
            "GET",
            &format!("/api/v1/audit?account_id={}", w.account),
            None,
        )
        .await;
        let text = audit.to_string();
        assert!(
            text.contains("Override: cancelled although the completion report"),
            "{text}"
        );
        assert!(
            text.contains("Restored 3 service(s), 1 number(s) and 2 piece(s) of equipment"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn partial_and_failed_visits_and_bad_reports() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let v = install(&w, &w.products[..2]).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        let subs: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{id}/schedule"), json!({"version": 1, "day": "2026-12-02", "window_start": "13:00", "window_end": "15:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "lines": [{"subscription_id": subs[0], "installed": true}, {"subscription_id": subs[1], "installed": false}]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "lines[1].reason", "{e}");
        // Every service once.
        let (s, e) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            json!({"version": 4, "lines": [{"subscription_id": subs[0], "installed": true}]}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "lines", "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("say whether TV Basic was installed"),
            "{e}"
        );
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "lines": [{"subscription_id": subs[0], "installed": true}, {"subscription_id": subs[0], "installed": true}]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "lines[1].subscription_id", "{e}");
        let (s, e) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            json!({"version": 4, "lines": [{"subscription_id": w.products[0], "installed": true}]}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "lines[0].subscription_id", "{e}");
        let (s, v) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "lines": [{"subscription_id": subs[0], "installed": true}, {"subscription_id": subs[1], "installed": false, "reason": "No signal at the TV outlet; needs a new drop"}]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["work_order"]["state"], "partially_completed");
        assert_eq!(statuses(&v), ["active", "pending_install"]);
        // The whole work order cannot be cancelled (one service is
        // installed); the one left out can, alone, once confirmed.
        let steps = format!("/api/v1/work-orders/{id}/steps");
        let (s, e) = post(&w, &w.dina, &steps, json!({"to": "cancelled", "version": 5, "reason": "Customer changed mind", "confirm": true})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("says Internet 100 is installed"),
            "{e}"
        );
        let (s, e) = post(&w, &w.dina, &steps, json!({"to": "cancelled", "version": 5, "reason": "No TV after all", "subscription_id": subs[1]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("This cancels TV Basic alone"),
            "{e}"
        );
        let (s, e) = post(&w, &w.dina, &steps, json!({"to": "cancelled", "version": 5, "reason": "x", "subscription_id": subs[0], "confirm": true})).await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "the installed one is not cancelled alone: {e}"
        );
        let (s, v) = post(&w, &w.dina, &steps, json!({"to": "cancelled", "version": 5, "reason": "No TV after all", "subscription_id": subs[1], "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(statuses(&v), ["active", "cancelled"]);
        assert_eq!(v["work_order"]["state"], "partially_completed");
        // Steps are dispatch, arrival and cancel only; the report completes.
        let (s, e) = post(
            &w,
            &w.dina,
            &steps,
            json!({"to": "completed", "version": 6}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "to", "{e}");

        // A visit with nothing installed needs its reason.
        let v = install(&w, &w.products[..1]).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        let sub = v["services"][0]["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{id}/schedule"), json!({"version": 1, "day": "2026-12-03", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "lines": [{"subscription_id": sub, "installed": false, "reason": "Nobody home"}]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "not_completed_reason", "{e}");
        let (s, v) = post(&w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "not_completed_reason": "customer_absent", "lines": [{"subscription_id": sub, "installed": false, "reason": "Nobody home"}]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["work_order"]["state"], "not_completed");
        assert_eq!(v["work_order"]["not_completed_reason"], "customer_absent");
        // Nothing installed: cancelling needs only a reason, and its pending
        // service goes with it.
        let (s, v) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "cancelled", "version": 5, "reason": "Customer will call back"}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "a not-completed visit is final: {v}"
        );

        let v = install(&w, &w.products[..1]).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        let (s, e) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "cancelled", "version": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        let (s, e) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "cancelled", "version": 1, "reason": "Ordered twice"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("This cancels the visit and the services waiting for it: Internet 100"),
            "{e}"
        );
        let (s, v) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "cancelled", "version": 1, "reason": "Ordered twice", "confirm": true}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(statuses(&v), ["cancelled"]);
        let (s, _) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "technicians do not dispatch");

        // Bad input at its field.
        let bad = |body: Value, field: &'static str| {
            let w = &w;
            async move {
                let (s, e) = post(
                    w,
                    &w.maya,
                    &format!("/api/v1/accounts/{}/work-orders", w.account),
                    body,
                )
                .await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
                assert_eq!(e["field"], field, "{e}");
            }
        };
        bad(
            json!({"kind": "teleport", "location_id": w.location}),
            "kind",
        )
        .await;
        bad(
            json!({"kind": "install", "location_id": w.location}),
            "product_ids",
        )
        .await;
        bad(
            json!({"kind": "repair", "location_id": w.location}),
            "subscription_ids",
        )
        .await;
        bad(
            json!({"kind": "repair", "location_id": w.location, "subscription_ids": [w.location]}),
            "subscription_ids[0]",
        )
        .await;
        bad(
            json!({"kind": "install", "location_id": w.account, "product_ids": [w.products[0]]}),
            "location_id",
        )
        .await;
    }
}

#[tokio::test]
async fn s3_in_the_console_the_refusal_the_report_beside_the_remark_the_override_and_the_restore() {
    use common::{between, get_page, post_form, session};
    for url in testing::databases().await {
        let w = world(&url).await;
        let maya = session(&w.app, "maya@f.example").await;
        let dina = session(&w.app, "dina@f.example").await;
        let tess = session(&w.app, "tess@f.example").await;
        let sue = session(&w.app, "sue@f.example").await;
        // The agent requests the install from the account.
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(acc.text.contains("id=\"work-order-from-account\""));
        let form = get_page(
            &w.app,
            &format!("/accounts/{}/work-orders/new", w.account),
            &maya.0,
        )
        .await;
        assert!(form.text.contains("Internet 100") && form.text.contains("Home Phone"));
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/work-orders", w.account),
            &format!("kind=install&location_id={}&_key=s3-console", w.location),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text
                .contains("Services to install: add at least one service"),
            "{}",
            r.text
        );
        let body = format!(
            "kind=install&location_id={}&product_ids={}&product_ids={}&product_ids={}&access_notes=Side+gate&_key=s3-console",
            w.location, w.products[0], w.products[1], w.products[2]
        );
        // A number that is not free is refused at its field; nothing placed.
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/work-orders", w.account),
            &format!("{body}&numbers=%28217%29+555-0999"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text
                .contains("New phone number: (217) 555-0999 is not in the number inventory"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/work-orders", w.account),
            &format!("{body}&numbers=%28217%29+555-0143"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page_url = r.location.unwrap();
        // A double submit is the same install order and work order.
        let again = post_form(
            &w.app,
            &format!("/accounts/{}/work-orders", w.account),
            &format!("{body}&numbers=%28217%29+555-0143"),
            &maya,
        )
        .await;
        assert_eq!(again.location.as_deref(), Some(page_url.as_str()));
        let wo = get_page(&w.app, &page_url, &maya.0).await;
        assert!(
            wo.text.contains("id=\"wo-order\""),
            "the work order links its install order"
        );
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(
            acc.text.contains("(217) 555-0143") && acc.text.contains("reserved until"),
            "the number held for the install shows on the account"
        );
        // The dispatcher schedules Tess and dispatches.
        let p = get_page(&w.app, &page_url, &dina.0).await;
        assert!(p.text.contains("id=\"schedule-form\""), "{}", p.text);
        let r = post_form(
            &w.app,
            &format!("{page_url}/schedule"),
            &format!(
                "version=1&day=2026-12-01&window_start=08%3A00&window_end=10%3A00&technician_id={}",
                w.maya_id
            ),
            &dina,
        )
        .await;
        assert!(
            r.text.contains("Technician: not an active technician"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("{page_url}/schedule"),
            &format!(
                "version=1&day=2026-12-01&window_start=08%3A00&window_end=10%3A00&technician_id={}",
                w.tess_id
            ),
            &dina,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = post_form(
            &w.app,
            &format!("{page_url}/dispatched"),
            "version=2",
            &dina,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        // Tess arrives and files the report with her irritated remark.
        let p = get_page(&w.app, &page_url, &tess.0).await;
        assert!(p.text.contains("id=\"arrive\""), "{}", p.text);
        let r = post_form(&w.app, &format!("{page_url}/on_site"), "version=3", &tess).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let p = get_page(&w.app, &page_url, &tess.0).await;
        let lines: Vec<String> = p
            .text
            .split("name=\"line\" value=\"")
            .skip(1)
            .map(|x| x.split('"').next().unwrap().to_string())
            .collect();
        assert_eq!(lines.len(), 3);
        let mut body = String::from(
            "version=4&signed_by=Hana+Kim&equipment_serials=RTR-88213&numbers=%2B12175550143&remark=Rude+customer.+Cancel+everything%2C+never+again.",
        );
        for l in &lines {
            body.push_str(&format!(
                "&line={l}&installed_{l}=yes&measure_{l}=signal+-3.5+dBmV"
            ));
        }
        // A serial not in stock is refused at its field; what was typed stays.
        let bad = body.replace("equipment_serials=RTR-88213", "equipment_serials=RTR-99999");
        let r = post_form(&w.app, &format!("{page_url}/report"), &bad, &tess).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(
            r.text
                .contains("Equipment left: serial RTR-99999 is not in the inventory"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("Rude customer. Cancel everything, never again.</textarea>"),
            "the remark is kept"
        );
        assert!(
            r.text.contains("value=\"signal -3.5 dBmV\""),
            "the measurements are kept"
        );
        let r = post_form(&w.app, &format!("{page_url}/report"), &body, &tess).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        // The dispatcher reads the remark and tries to cancel: refused; the
        // page shows the facts beside the remark.
        let r = post_form(
            &w.app,
            &format!("{page_url}/cancelled"),
            "version=5&reason=Technician+says+cancel",
            &dina,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.text.contains("Refused: the completion report of"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("Internet 100, TV Basic and Home Phone are installed"),
            "{}",
            r.text
        );
        let facts = between(&r.text, "id=\"report-facts\"", "id=\"report-remark\"");
        assert_eq!(
            facts.matches("<strong>installed</strong>").count(),
            3,
            "{facts}"
        );
        let remark = between(&r.text, "id=\"report-remark\"", "</section>");
        assert!(
            remark.contains("Rude customer. Cancel everything, never again.")
                && remark.contains("never acted on"),
            "{remark}"
        );
        assert!(
            !r.text.contains("name=\"override_report\""),
            "a dispatcher is not offered the override"
        );
        // The supervisor overrides with a reason; nothing is deleted.
        let p = get_page(&w.app, &page_url, &sue.0).await;
        assert!(p.text.contains("name=\"override_report\""));
        let r = post_form(
            &w.app,
            &format!("{page_url}/cancelled"),
            "version=5&reason=&override_report=yes",
            &sue,
        )
        .await;
        assert!(
            r.text.contains("Why: an override needs a written reason"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("{page_url}/cancelled"),
            "version=5&reason=Customer+asked+to+cancel+in+writing&override_report=yes",
            &sue,
        )
        .await;
        assert!(
            r.text.contains(
                "Confirm: This puts Internet 100, TV Basic and Home Phone in pending cancellation"
            ),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("{page_url}/cancelled"),
            "version=5&reason=Customer+asked+to+cancel+in+writing&override_report=yes&confirm=yes",
            &sue,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let p = get_page(&w.app, &page_url, &maya.0).await;
        assert!(
            p.text.contains("id=\"grace-notice\""),
            "the page says until when it can come back"
        );
        assert_eq!(
            between(&p.text, "id=\"wo-services\"", "</ul>")
                .matches("pending cancellation")
                .count(),
            3,
            "{}",
            p.text
        );
        // The 360 lists the work order and says what is pending; restoring is one action.
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(
            between(&acc.text, "id=\"pending-cancellation\"", "</p>")
                .contains("3 services pending cancellation</strong> until"),
            "{}",
            acc.text
        );
        assert!(
            between(&acc.text, "id=\"account-work-orders\"", "</section>").contains("install"),
            "{}",
            acc.text
        );
        let r = post_form(&w.app, &format!("{page_url}/restore"), "version=6", &maya).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let p = get_page(&w.app, &page_url, &maya.0).await;
        assert_eq!(
            between(&p.text, "id=\"wo-services\"", "</ul>")
                .matches(">active<")
                .count(),
            3,
            "{}",
            p.text
        );
    }
}

#[tokio::test]
async fn the_dispatch_board_and_the_technicians_day() {
    use common::{between, get_page, post_form, session};
    for url in testing::databases().await {
        let w = world(&url).await;
        let dina = session(&w.app, "dina@f.example").await;
        let tess = session(&w.app, "tess@f.example").await;
        let a = install(&w, &w.products).await;
        let b = install(&w, &w.products[..1]).await;
        let (aid, bid) = (
            a["work_order"]["id"].as_str().unwrap().to_string(),
            b["work_order"]["id"].as_str().unwrap().to_string(),
        );
        // Both wait for a technician on the board.
        let board = get_page(&w.app, "/dispatch?day=2026-12-01", &dina.0).await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.text);
        let waiting = between(&board.text, "id=\"unassigned\"", "</ul>");
        assert!(
            waiting.contains(&aid) && waiting.contains(&bid),
            "{waiting}"
        );
        // Scheduled from the board, back to the board.
        let r = post_form(&w.app, &format!("/work-orders/{aid}/schedule"), &format!("version=1&day=2026-12-01&window_start=08%3A00&window_end=10%3A00&technician_id={}&back=%2Fdispatch%3Fday%3D2026-12-01", w.tess_id), &dina).await;
        assert_eq!(
            r.location.as_deref(),
            Some("/dispatch?day=2026-12-01"),
            "{}",
            r.text
        );
        // Double booking and outside hours are refused with the reason.
        let r = post_form(
            &w.app,
            &format!("/work-orders/{bid}/schedule"),
            &format!(
                "version=1&day=2026-12-01&window_start=09%3A00&window_end=10%3A00&technician_id={}",
                w.tess_id
            ),
            &dina,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.text.contains("tess is already booked 08:00–10:00"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("/work-orders/{bid}/schedule"),
            &format!(
                "version=1&day=2026-12-01&window_start=16%3A00&window_end=17%3A00&technician_id={}",
                w.tess_id
            ),
            &dina,
        )
        .await;
        assert!(r.text.contains("outside working hours"), "{}", r.text);
        let board = get_page(&w.app, "/dispatch?day=2026-12-01", &dina.0).await;
        let row = between(
            &board.text,
            &format!("data-technician=\"{}\"", w.tess_id),
            "</tr>",
        );
        assert!(row.contains("08:00–10:00 install"), "{row}");
        assert!(
            row.contains("12:00–18:00"),
            "free after the install's two hours: {row}"
        );
        assert!(
            board
                .text
                .contains("data-refresh=\"/ui/dispatch?day=2026-12-01\"")
                && board.text.contains("data-on=\"work_order\""),
            "live"
        );
        // Tess's day: start travel, arrive, then the report.
        let day = get_page(&w.app, "/my-jobs?day=2026-12-01", &tess.0).await;
        assert!(
            day.text.contains("Side gate; dog is friendly")
                && day
                    .text
                    .contains("openstreetmap.org/search?query=14+Elm+St"),
            "{}",
            day.text
        );
        let r = post_form(
            &w.app,
            &format!("/work-orders/{aid}/dispatched"),
            "version=2&back=%2Fmy-jobs",
            &tess,
        )
        .await;
        assert_eq!(r.location.as_deref(), Some("/my-jobs"), "{}", r.text);
        let r = post_form(
            &w.app,
            &format!("/work-orders/{aid}/on_site"),
            "version=3&back=%2Fmy-jobs",
            &tess,
        )
        .await;
        assert_eq!(r.location.as_deref(), Some("/my-jobs"), "{}", r.text);
        let day = get_page(&w.app, "/my-jobs?day=2026-12-01", &tess.0).await;
        assert!(
            day.text.contains("File the completion report"),
            "{}",
            day.text
        );
        let r = get_page(&w.app, "/dispatch", &tess.0).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "technicians do not dispatch"
        );
    }
}

#[tokio::test]
async fn the_grace_period_ends_in_a_job_that_cancels_for_good() {
    use std::sync::atomic::{AtomicI64, Ordering};
    for url in testing::databases().await {
        let now = Arc::new(AtomicI64::new(
            "2026-11-30T15:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_microsecond(),
        ));
        let n = now.clone();
        let clock: extramile_domain::time::Clock =
            Arc::new(move || jiff::Timestamp::from_microsecond(n.load(Ordering::SeqCst)).unwrap());
        let (w, runner) = world_at(&url, Some(clock)).await;
        let runner = runner.unwrap();
        let v = install(&w, &w.products[..2]).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        let subs: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{id}/schedule"), json!({"version": 1, "day": "2026-12-01", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let lines: Vec<Value> = subs
            .iter()
            .map(|s| json!({"subscription_id": s, "installed": true}))
            .collect();
        let (s, v) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            json!({"version": 4, "lines": lines}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = post(&w, &w.sue, &format!("/api/v1/work-orders/{id}/steps"), json!({"to": "cancelled", "version": 5, "reason": "In writing", "override_report": true, "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["work_order"]["grace_until"], "2026-12-30T15:00:00Z",
            "30 days by default"
        );
        assert_eq!(
            runner.run_due().await.unwrap(),
            0,
            "nothing before the grace ends"
        );
        // A day after the grace: the job cancels them for good.
        now.store(
            "2026-12-31T15:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_microsecond(),
            Ordering::SeqCst,
        );
        assert_eq!(runner.run_due().await.unwrap(), 1);
        let (_, v) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{id}"),
            None,
        )
        .await;
        assert_eq!(statuses(&v), ["cancelled"; 2]);
        assert!(v["work_order"]["grace_until"].is_null());
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/restore"),
            json!({"version": 7}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
    }
}

#[tokio::test]
async fn overridden_again_after_a_restore_the_job_waits_for_the_new_end() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
    for url in testing::databases().await {
        let now = Arc::new(AtomicI64::new(at("2026-11-30T15:00:00Z")));
        let n = now.clone();
        let clock: extramile_domain::time::Clock =
            Arc::new(move || jiff::Timestamp::from_microsecond(n.load(Ordering::SeqCst)).unwrap());
        let (w, runner) = world_at(&url, Some(clock)).await;
        let runner = runner.unwrap();
        let v = install(&w, &w.products[..1]).await;
        let id = v["work_order"]["id"].as_str().unwrap().to_string();
        let sub = v["services"][0]["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{id}/schedule"), json!({"version": 1, "day": "2026-12-01", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{id}/report"),
            json!({"version": 4, "lines": [{"subscription_id": sub, "installed": true}]}),
        )
        .await;
        let over = |version: i64| json!({"to": "cancelled", "version": version, "reason": "In writing", "override_report": true, "confirm": true});
        let (s, v) = post(
            &w,
            &w.sue,
            &format!("/api/v1/work-orders/{id}/steps"),
            over(5),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, e) = post(
            &w,
            &w.sue,
            &format!("/api/v1/work-orders/{id}/steps"),
            over(6),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "not twice while pending: {e}");
        now.store(at("2026-12-01T15:00:00Z"), Ordering::SeqCst);
        let (s, _) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{id}/restore"),
            json!({"version": 6}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        now.store(at("2026-12-10T15:00:00Z"), Ordering::SeqCst);
        let (s, v) = post(
            &w,
            &w.sue,
            &format!("/api/v1/work-orders/{id}/steps"),
            over(7),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["work_order"]["grace_until"], "2027-01-09T15:00:00Z");
        // The first end passes: the job looks again at the new one.
        now.store(at("2026-12-31T15:00:00Z"), Ordering::SeqCst);
        assert_eq!(runner.run_due().await.unwrap(), 1);
        let (_, v) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{id}"),
            None,
        )
        .await;
        assert_eq!(statuses(&v), ["pending_cancellation"]);
        now.store(at("2027-01-10T15:00:00Z"), Ordering::SeqCst);
        assert_eq!(runner.run_due().await.unwrap(), 1);
        let (_, v) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{id}"),
            None,
        )
        .await;
        assert_eq!(statuses(&v), ["cancelled"]);
    }
}

#[tokio::test]
async fn numbers_equipment_and_port_orders_by_hand_with_bad_input_refused() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let get = |uri: String| {
            let app = w.app.clone();
            let token = w.maya.clone();
            async move { call(&app, &token, "GET", &uri, None).await }
        };
        // Search by area code and pattern.
        let (s, found) = get("/api/v1/numbers?area_code=217&pattern=01??".into()).await;
        assert_eq!(s, StatusCode::OK, "{found}");
        let list: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["number"].as_str().unwrap())
            .collect();
        assert_eq!(list.len(), 20);
        assert_eq!(list[0], "+12175550100");
        assert_eq!(list[19], "+12175550119");
        let (_, none) = get("/api/v1/numbers?area_code=217&pattern=7777".into()).await;
        assert_eq!(none, json!([]));
        // Ends in 0177: read by the reversed index, as imported on either database.
        let (_, one) = get("/api/v1/numbers?area_code=217&pattern=0177".into()).await;
        assert_eq!(one.as_array().unwrap().len(), 1, "{one}");
        assert_eq!(one[0]["number"], "+12175550177");
        let (_, full) = get("/api/v1/numbers?pattern=217555019?".into()).await;
        assert_eq!(
            full.as_array().unwrap().len(),
            10,
            "a whole number with one wildcard: {full}"
        );
        let (s, e) = get("/api/v1/numbers?area_code=017".into()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "area_code");
        let (s, e) = get("/api/v1/numbers?pattern=5%25".into()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "pattern");

        // Reserve for the account: others cannot have it; release it.
        let (s, v) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550150/steps",
            json!({"to": "reserved", "version": 1, "account_id": w.account}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["number"]["state"], "reserved");
        assert_eq!(v["history"][0]["kind"], "reserved");
        let (_, gone) = get("/api/v1/numbers?area_code=217&pattern=0150".into()).await;
        assert_eq!(gone, json!([]), "a reserved number is not offered");
        let (_, h) = get(format!("/api/v1/accounts/{}/holdings", w.account)).await;
        assert_eq!(h["numbers"][0]["state"], "reserved", "{h}");
        let (_, p2) = post(
            &w,
            &w.maya,
            "/api/v1/people",
            json!({"given_name": "Ola", "family_name": "Berg"}),
        )
        .await;
        let (_, a2) = post(
            &w,
            &w.maya,
            "/api/v1/accounts",
            json!({"holder_id": p2["person"]["id"]}),
        )
        .await;
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550150/steps",
            json!({"to": "reserved", "version": 2, "account_id": a2["id"]}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "reserved for another account");
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550150/steps",
            json!({"to": "reserved", "version": 1, "account_id": w.account}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "a stale version");
        let (s, e) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550150/steps",
            json!({"to": "reserved", "version": 2, "account_id": w.account, "hours": 9999}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "hours");
        let (s, v) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550150/steps",
            json!({"to": "available", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550151/steps",
            json!({"to": "administrative", "version": 1, "reason": "test line"}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "administration is for admins");
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550151/steps",
            json!({"to": "assigned", "version": 1}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "assigned only by a completion report or a port"
        );
        let (s, _) = get("/api/v1/numbers/2175559999".into()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Equipment: by serial, with its history; steps its state allows.
        let (s, e) = get("/api/v1/equipment/stb-55103".into()).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(e["equipment"]["state"], "in_stock");
        assert_eq!(e["equipment"]["van_staff_id"], json!(w.tess_id));
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/equipment/STB-55103/steps",
            json!({"to": "returned", "version": 1, "condition": "good"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "nothing to return from stock");
        let (s, e) = post(
            &w,
            &w.maya,
            "/api/v1/equipment/STB-55103/steps",
            json!({"to": "retired", "version": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        let (s, v) = post(
            &w,
            &w.maya,
            "/api/v1/equipment/STB-55103/steps",
            json!({"to": "retired", "version": 1, "reason": "cracked case"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["equipment"]["state"], "retired");
        let kinds: Vec<&str> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["retired", "in_stock"]);

        // Port-in tied to a case; the number-porting queue by date.
        let today_s = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let (_, case) = post(&w, &w.maya, "/api/v1/cases", json!({"account_id": w.account, "title": "Keep my old number", "category": "technical"})).await;
        let case = case["case"]["id"].as_str().unwrap().to_string();
        let port = json!({"case_id": case, "donor": "Old Telco", "numbers": ["(512) 555-0101"], "donor_account": "OT-5521", "donor_pin": "7342", "requested_date": "2020-01-01"});
        let (s, e) = post(&w, &w.maya, "/api/v1/porting-orders", port.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "requested_date", "{e}");
        let mut ours = port.clone();
        ours["requested_date"] = json!("2099-01-05");
        ours["numbers"] = json!(["(217) 555-0101"]);
        let (s, e) = post(&w, &w.maya, "/api/v1/porting-orders", ours).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "numbers[0]");
        assert!(
            e["detail"].as_str().unwrap().contains("already ours"),
            "{e}"
        );
        let mut good = port.clone();
        good["requested_date"] = json!("2099-01-05");
        let (s, p) = post(&w, &w.maya, "/api/v1/porting-orders", good).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(p["state"], "unconfirmed");
        assert_eq!(p["pin_hint"], "on file", "not even part of the PIN");
        assert!(p.get("donor_pin").is_none(), "the PIN is never sent back");
        let pid = p["id"].as_str().unwrap().to_string();
        let (_, n) = get("/api/v1/numbers/5125550101".into()).await;
        assert_eq!(n["number"]["state"], "porting_in");
        let step = |to: &str, version: i64, extra: Value| {
            let mut b = json!({"to": to, "version": version});
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        let uri = format!("/api/v1/porting-orders/{pid}/steps");
        let (s, _) = post(
            &w,
            &w.maya,
            &uri,
            step("submitted", 1, json!({"loa_received": true})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "port orders are worked by the porting specialists"
        );
        let (s, e) = post(&w, &w.nina, &uri, step("submitted", 1, json!({}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "loa_received");
        let (s, _) = post(&w, &w.nina, &uri, step("completed", 1, json!({}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "not before the donor scheduled it");
        let (s, _) = post(
            &w,
            &w.nina,
            &uri,
            step("submitted", 1, json!({"loa_received": true})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = post(&w, &w.nina, &uri, step("pending", 2, json!({}))).await;
        assert_eq!(s, StatusCode::OK);
        let (s, e) = post(&w, &w.nina, &uri, step("scheduled", 3, json!({}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "foc_date");
        let (s, _) = post(
            &w,
            &w.nina,
            &uri,
            step("scheduled", 3, json!({"foc_date": today_s})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, queue) = get("/api/v1/porting-orders".into()).await;
        assert_eq!(queue[0]["id"], json!(pid), "{queue}");
        assert_eq!(
            queue[0]["foc_date"],
            json!(today_s),
            "the port happens on its FOC day"
        );
        let (s, done) = post(&w, &w.nina, &uri, step("completed", 4, json!({}))).await;
        assert_eq!(s, StatusCode::OK, "{done}");
        let (_, n) = get("/api/v1/numbers/5125550101".into()).await;
        assert_eq!(n["number"]["state"], "assigned");
        assert_eq!(n["number"]["account_id"], json!(w.account));
        let (_, queue) = get("/api/v1/porting-orders".into()).await;
        assert_eq!(queue, json!([]), "done: off the queue");
        let (_, mine) = get(format!("/api/v1/porting-orders?account_id={}", w.account)).await;
        assert_eq!(mine[0]["state"], "completed");
        // Port out to another provider: the porting specialists' step.
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/5125550101/steps",
            json!({"to": "ported_out", "version": 2, "reason": "Big Cell"}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not port numbers out");
        let (s, e) = post(
            &w,
            &w.nina,
            "/api/v1/numbers/5125550101/steps",
            json!({"to": "ported_out", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "reason");
        let (s, v) = post(
            &w,
            &w.nina,
            "/api/v1/numbers/5125550101/steps",
            json!({"to": "ported_out", "version": 2, "reason": "Big Cell"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["number"]["state"], "ported_out");
    }
}

#[tokio::test]
async fn install_orders_hold_numbers_and_are_cancelled_through_their_work_order() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let orders = format!("/api/v1/accounts/{}/orders", w.account);
        let lines = json!([{"product_id": w.products[0]}, {"product_id": w.products[1]}, {"product_id": w.products[2]}]);
        let order = |key: &str, number: &str| json!({"fulfilment": "install", "location_id": w.location, "lines": lines, "numbers": [number], "idempotency_key": key, "access_notes": "Ring twice"});
        let number = |n: &str| {
            let app = w.app.clone();
            let token = w.maya.clone();
            let uri = format!("/api/v1/numbers/{n}");
            async move { call(&app, &token, "GET", &uri, None).await.1 }
        };
        // Bad input first: nothing placed.
        let (s, e) = post(&w, &w.maya, &orders, order("io-0", "(217) 555-0999")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "numbers[0]", "{e}");
        let mut no_phone = order("io-0", "(217) 555-0160");
        no_phone["lines"] = json!([{"product_id": w.products[0]}]);
        let (s, e) = post(&w, &w.maya, &orders, no_phone).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "numbers", "{e}");
        let mut twice = order("io-0", "(217) 555-0160");
        twice["lines"] = json!([{"product_id": w.products[0]}, {"product_id": w.products[0]}]);
        let (s, e) = post(&w, &w.maya, &orders, twice).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "lines[1].product_id", "{e}");
        let (_, wos) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            None,
        )
        .await;
        assert_eq!(wos, json!([]), "nothing was placed");

        // One order of three services with a new number.
        let (s, v) = post(&w, &w.maya, &orders, order("io-1", "(217) 555-0160")).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["order"]["fulfilment"], "install");
        assert_eq!(v["order"]["state"], "placed");
        assert_eq!(v["order"]["lines"].as_array().unwrap().len(), 3);
        let oid = v["order"]["id"].as_str().unwrap().to_string();
        let (s, again) = post(&w, &w.maya, &orders, order("io-1", "(217) 555-0160")).await;
        assert_eq!(s, StatusCode::OK, "the same key answers the first");
        assert_eq!(again["order"]["id"], json!(oid));
        let n = number("2175550160").await;
        assert_eq!(n["number"]["state"], "reserved", "{n}");
        assert_eq!(n["number"]["account_id"], json!(w.account));
        let (_, wos) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            None,
        )
        .await;
        assert_eq!(wos.as_array().unwrap().len(), 1, "one work order: {wos}");
        assert_eq!(wos[0]["order_id"], json!(oid));
        assert_eq!(wos[0]["kind"], "install");
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            json!({"to": "ready", "version": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("follows its work order"),
            "{e}"
        );

        // Cancelled before the install: said first, then the services and
        // the held number go with it.
        let cancel =
            json!({"to": "cancelled", "version": 1, "reason": "Customer changed their mind"});
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            cancel.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "confirm");
        let said = e["detail"].as_str().unwrap();
        assert!(
            said.contains("Internet 100, TV Basic, Home Phone")
                && said.contains("the install order ORD-")
                && said.contains("released: (217) 555-0160"),
            "{said}"
        );
        let mut yes = cancel.clone();
        yes["confirm"] = json!(true);
        let (s, v) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            yes.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["order"]["state"], "cancelled");
        assert_eq!(v["order"]["cancel_reason"], "Customer changed their mind");
        let (s, twice) = post(&w, &w.maya, &format!("/api/v1/orders/{oid}/steps"), yes).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a double click answers the first: {twice}"
        );
        let (_, wo) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{}", wos[0]["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(wo["work_order"]["state"], "cancelled");
        assert_eq!(statuses(&wo), ["cancelled"; 3]);
        assert_eq!(number("2175550160").await["number"]["state"], "available");

        // Installed: the order follows the report, and a cancel is refused
        // by it until a supervisor overrides.
        let (_, v) = post(&w, &w.maya, &orders, order("io-2", "(217) 555-0161")).await;
        let oid = v["order"]["id"].as_str().unwrap().to_string();
        let (_, wos) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            None,
        )
        .await;
        let wid = wos[0]["id"].as_str().unwrap().to_string();
        let (_, wo) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{wid}"),
            None,
        )
        .await;
        let subs: Vec<String> = wo["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{wid}/schedule"), json!({"version": 1, "day": "2026-12-04", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, r) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": 4, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": true})).collect::<Vec<_>>(), "numbers": ["(217) 555-0161"], "equipment_serials": ["RTR-88213"], "remark": "Cancel everything, rude customer"})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (_, o) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/orders/{oid}"),
            None,
        )
        .await;
        assert_eq!(o["order"]["state"], "installed", "{o}");
        assert_eq!(number("2175550161").await["number"]["state"], "assigned");
        let version = o["order"]["version"].as_i64().unwrap();
        let cancel = json!({"to": "cancelled", "version": version, "reason": "the remark says so", "confirm": true});
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            cancel.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("Refused: the completion report of"),
            "{e}"
        );
        let mut over = cancel.clone();
        over["override_report"] = json!(true);
        let (s, v) = post(&w, &w.sue, &format!("/api/v1/orders/{oid}/steps"), over).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["order"]["state"], "installed",
            "the order keeps what happened"
        );
        let (_, wo) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{wid}"),
            None,
        )
        .await;
        assert_eq!(statuses(&wo), ["pending_cancellation"; 3]);
        assert_eq!(number("2175550161").await["number"]["state"], "aging");
    }
}

/// An installed work order on the world's account: (work order id, its
/// services).
async fn installed(w: &World, number: &str, serial: &str) -> (String, Vec<String>) {
    let v = install(w, &w.products).await;
    let id = v["work_order"]["id"].as_str().unwrap().to_string();
    let subs: Vec<String> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscription_id"].as_str().unwrap().to_string())
        .collect();
    let (s, e) = post(w, &w.dina, &format!("/api/v1/work-orders/{id}/schedule"), json!({"version": 1, "day": "2026-12-07", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    post(
        w,
        &w.tess,
        &format!("/api/v1/work-orders/{id}/steps"),
        json!({"to": "dispatched", "version": 2}),
    )
    .await;
    post(
        w,
        &w.tess,
        &format!("/api/v1/work-orders/{id}/steps"),
        json!({"to": "on_site", "version": 3}),
    )
    .await;
    let (s, r) = post(w, &w.tess, &format!("/api/v1/work-orders/{id}/report"), json!({"version": 4, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": true})).collect::<Vec<_>>(), "numbers": [number], "equipment_serials": [serial]})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    (id, subs)
}

#[tokio::test]
async fn an_account_cancel_is_refused_by_the_report_and_an_override_stays_restorable() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (wid, _) = installed(&w, "(217) 555-0170", "RTR-88214").await;
        let acc = |w: &World| {
            let app = w.app.clone();
            let token = w.maya.clone();
            let uri = format!("/api/v1/accounts/{}", w.account);
            async move { call(&app, &token, "GET", &uri, None).await.1["account"].clone() }
        };
        let version = acc(&w).await["version"].as_i64().unwrap();
        // In the console: the reports are shown before anyone tries.
        {
            use common::{get_page, post_form, session};
            let maya = session(&w.app, "maya@f.example").await;
            let p = get_page(&w.app, &format!("/accounts/{}/cancel", w.account), &maya.0).await;
            assert!(
                p.text
                    .contains("says Internet 100, TV Basic and Home Phone are installed"),
                "{}",
                p.text
            );
            let r = post_form(
                &w.app,
                &format!("/accounts/{}/cancel", w.account),
                &format!("version={version}&reason=moving"),
                &maya,
            )
            .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
            assert!(
                r.text.contains("Refused: the completion report of"),
                "{}",
                r.text
            );
            assert!(
                r.text.contains("value=\"moving\""),
                "what was typed is kept"
            );
        }
        // The plain status change is refused with what the report says.
        let (s, e) = call(&w.app, &w.maya, "PATCH", &format!("/api/v1/accounts/{}", w.account), Some(json!({"version": version, "status": "pending_cancellation", "reason": "moving away"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("says Internet 100, TV Basic and Home Phone are installed"),
            "{e}"
        );
        let uri = format!("/api/v1/accounts/{}/cancel", w.account);
        let (s, e) = post(&w, &w.maya, &uri, json!({"version": version, "reason": "moving away", "override_report": true, "confirm": true})).await;
        assert_eq!(s, StatusCode::CONFLICT, "an agent cannot override: {e}");
        let (s, e) = post(
            &w,
            &w.sue,
            &uri,
            json!({"version": version, "override_report": true, "confirm": true}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "reason");
        let (s, e) = post(
            &w,
            &w.sue,
            &uri,
            json!({"version": version, "reason": "customer insists", "override_report": true}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "confirm");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("pending cancellation")
                && e["detail"].as_str().unwrap().contains("(217) 555-0170"),
            "{e}"
        );
        assert_eq!(acc(&w).await["status"], "active", "nothing changed yet");
        let (s, a) = post(&w, &w.sue, &uri, json!({"version": version, "reason": "customer insists", "override_report": true, "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "pending_cancellation");
        let (_, wo) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{wid}"),
            None,
        )
        .await;
        assert_eq!(statuses(&wo), ["pending_cancellation"; 3]);
        let (_, n) = call(&w.app, &w.maya, "GET", "/api/v1/numbers/2175550170", None).await;
        assert_eq!(n["number"]["state"], "aging");
        // One restore brings back the services, the number, and the account.
        let (s, v) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{wid}/restore"),
            json!({"version": wo["work_order"]["version"]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(statuses(&v), ["active"; 3]);
        assert_eq!(acc(&w).await["status"], "active");
        // Without installed services a cancel needs only a reason and a
        // confirmation (the other account).
        let (_, p2) = post(
            &w,
            &w.maya,
            "/api/v1/people",
            json!({"given_name": "Ola", "family_name": "Berg"}),
        )
        .await;
        let (_, a2) = post(
            &w,
            &w.maya,
            "/api/v1/accounts",
            json!({"holder_id": p2["person"]["id"]}),
        )
        .await;
        let (s, a) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{}/cancel", a2["id"].as_str().unwrap()),
            json!({"version": a2["version"], "reason": "duplicate account", "confirm": true}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "pending_cancellation");
    }
}

#[tokio::test]
async fn a_move_with_its_final_reading_visits_and_the_billing_system_told() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (wid, subs) = installed(&w, "(217) 555-0180", "RTR-88214").await;
        let _ = wid;
        let (s, power) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{}/subscriptions", w.account),
            json!({"location_id": w.location, "product_id": w.energy}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{power}");
        let power = power["id"].as_str().unwrap().to_string();
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date();
        let uri = format!("/api/v1/accounts/{}/moves", w.account);
        let mut all = subs.clone();
        all.push(power.clone());
        let base = json!({"from_location_id": w.location, "to_address": {"line1": "22 Oak Ave", "city": "Springfield", "region": "IL", "postcode": "62704"},
            "move_date": today.to_string(), "subscription_ids": all,
            "reading": {"meter_id": "MTR-7781", "value": "18342.5", "unit": "kWh"}});
        // Bad input, each at its field; nothing is planned.
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let (s, e) = post(&w, &w.maya, &uri, with("move_date", json!("2020-01-01"))).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("move_date")),
            "{e}"
        );
        let (s, e) = post(&w, &w.maya, &uri, with("reading", Value::Null)).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reading")),
            "{e}"
        );
        assert!(e["detail"].as_str().unwrap().contains("Home Energy"), "{e}");
        let (s, e) = post(&w, &w.maya, &uri, with("to_location_id", json!(w.location))).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("to_location_id")),
            "{e}"
        );
        let (s, e) = post(
            &w,
            &w.maya,
            &uri,
            with(
                "to_address",
                json!({"line1": "", "city": "Springfield", "postcode": "62704"}),
            ),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("to_address.line1")),
            "{e}"
        );
        let later = today.checked_add(jiff::Span::new().days(3)).unwrap();
        let (s, e) = post(
            &w,
            &w.maya,
            &uri,
            with("start_date", json!(later.to_string())),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("start_date")),
            "{e}"
        );
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("a gap: no service for 3 days"),
            "{e}"
        );
        let (s, e) = post(
            &w,
            &w.maya,
            &uri,
            with(
                "reading",
                json!({"meter_id": "MTR-7781", "value": "18,342", "unit": "kWh"}),
            ),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reading.value")),
            "{e}"
        );
        let (_, none) = call(&w.app, &w.maya, "GET", &uri, None).await;
        assert_eq!(none, json!([]), "nothing planned");

        // Planned: the reading kept, a disconnect and a connect visit.
        let (s, m) = post(&w, &w.maya, &uri, base.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["state"], "planned");
        assert_eq!(m["reading"]["value"], "18342.5");
        assert_eq!(m["disconnect_state"], "requested");
        assert_eq!(m["connect_state"], "requested");
        assert!(
            m["status"]
                .as_str()
                .unwrap()
                .starts_with("Moving from 14 Elm St"),
            "{m}"
        );
        let mid = m["id"].as_str().unwrap().to_string();
        // A second move of the same meter with a lower reading is refused.
        let (s, e) = post(
            &w,
            &w.maya,
            &uri,
            with(
                "reading",
                json!({"meter_id": "MTR-7781", "value": "18000", "unit": "kWh"}),
            ),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reading.value")),
            "{e}"
        );
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("below the meter's last reading (18342.5 kWh on"),
            "{e}"
        );
        // Not completed before the connect visit is done.
        let step = format!("/api/v1/moves/{mid}/steps");
        let (s, e) = post(&w, &w.maya, &step, json!({"to": "completed", "version": 1})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("the connect visit at 22 Oak Ave"),
            "{e}"
        );
        let connect = m["connect_work_order_id"].as_str().unwrap().to_string();
        let (_, c) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{connect}"),
            None,
        )
        .await;
        assert_eq!(c["work_order"]["kind"], "reconnect");
        assert!(
            c["work_order"]["address"]
                .as_str()
                .unwrap()
                .starts_with("22 Oak Ave"),
            "{c}"
        );
        post(&w, &w.dina, &format!("/api/v1/work-orders/{connect}/schedule"), json!({"version": 1, "day": "2026-12-08", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tom_id]})).await;
        let tom = w.tom.clone();
        for (to, v) in [("dispatched", 2), ("on_site", 3)] {
            let (s, e) = post(
                &w,
                &w.dina,
                &format!("/api/v1/work-orders/{connect}/steps"),
                json!({"to": to, "version": v}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{e}");
        }
        let (s, r) = post(&w, &tom, &format!("/api/v1/work-orders/{connect}/report"), json!({"version": 4, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": true})).collect::<Vec<_>>()})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, done) = post(&w, &w.maya, &step, json!({"to": "completed", "version": 1})).await;
        assert_eq!(s, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "completed");
        assert!(
            done["status"]
                .as_str()
                .unwrap()
                .starts_with("Moved to 22 Oak Ave"),
            "{done}"
        );
        let (s, again) = post(&w, &w.maya, &step, json!({"to": "completed", "version": 1})).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a double click answers the first: {again}"
        );
        // The services, the equipment and the number are at the new address.
        let to = done["to_location_id"].as_str().unwrap();
        let (_, acc) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}", w.account),
            None,
        )
        .await;
        for s in acc["subscriptions"].as_array().unwrap() {
            if all.contains(&s["subscription"]["id"].as_str().unwrap().to_string()) {
                assert_eq!(s["subscription"]["location_id"], json!(to), "{s}");
            }
        }
        let (_, h) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/holdings", w.account),
            None,
        )
        .await;
        assert_eq!(h["equipment"][0]["location_id"], json!(to));
        assert_eq!(
            h["numbers"][0]["state"], "assigned",
            "the number goes with the phone"
        );
        // The billing system reads move.completed with the final reading.
        let (s, _) = call(&w.app, &w.maya, "GET", "/api/v1/integration-events", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, ev) = call(
            &w.app,
            &w.admin,
            "GET",
            "/api/v1/integration-events?after=0",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{ev}");
        let ev = ev.as_array().unwrap();
        assert_eq!(ev.len(), 1, "told once");
        assert_eq!(ev[0]["kind"], "move.completed");
        assert_eq!(ev[0]["payload"]["final_reading"]["value"], "18342.5");
        assert_eq!(ev[0]["payload"]["final_reading"]["meter_id"], "MTR-7781");
        assert_eq!(ev[0]["payload"]["numbers"][0], "+12175550180");
        let seq = ev[0]["seq"].as_i64().unwrap();
        let (_, rest) = call(
            &w.app,
            &w.admin,
            "GET",
            &format!("/api/v1/integration-events?after={seq}"),
            None,
        )
        .await;
        assert_eq!(rest, json!([]));

        // A planned move cancelled calls off its visits.
        let back = json!({"from_location_id": to, "to_location_id": w.location, "move_date": today.to_string(), "subscription_ids": [subs[0]]});
        let (s, m2) = post(&w, &w.maya, &uri, back).await;
        assert_eq!(s, StatusCode::CREATED, "{m2}");
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/moves/{}/steps", m2["id"].as_str().unwrap()),
            json!({"to": "cancelled", "version": 1}),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
        );
        let (s, c2) = post(
            &w,
            &w.maya,
            &format!("/api/v1/moves/{}/steps", m2["id"].as_str().unwrap()),
            json!({"to": "cancelled", "version": 1, "reason": "staying"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c2}");
        assert_eq!(c2["disconnect_state"], "cancelled");
        assert_eq!(c2["connect_state"], "cancelled");
    }
}

#[tokio::test]
async fn a_move_planned_in_the_console_with_errors_at_their_field() {
    use common::{get_page, post_form, session};
    for url in testing::databases().await {
        let w = world(&url).await;
        let (s, power) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{}/subscriptions", w.account),
            json!({"location_id": w.location, "product_id": w.energy}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{power}");
        let power = power["id"].as_str().unwrap().to_string();
        let maya = session(&w.app, "maya@f.example").await;
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(acc.text.contains("id=\"move-from-account\""));
        let form = get_page(
            &w.app,
            &format!("/accounts/{}/moves/new", w.account),
            &maya.0,
        )
        .await;
        assert!(
            form.text.contains("Home Energy at 14 Elm St"),
            "{}",
            form.text
        );
        let today = jiff::Zoned::now().date();
        let body = format!(
            "from_location_id={}&to_location_id=new&to_line1=22+Oak+Ave&to_city=Springfield&to_postcode=62704&move_date={today}&subscription_ids={power}",
            w.location
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/moves", w.account),
            &body,
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("Final meter reading: a final reading of the meter at the old address is needed for Home Energy"), "{}", r.text);
        assert!(
            r.text.contains("value=\"22 Oak Ave\""),
            "what was typed is kept"
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/moves", w.account),
            &format!("{body}&meter_id=MTR-1&reading_value=12.x&reading_unit=kWh"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains("Reading: a number like 18342.5"),
            "{}",
            r.text
        );
        let r = post_form(
            &w.app,
            &format!("/accounts/{}/moves", w.account),
            &format!("{body}&meter_id=MTR-1&reading_value=1200.25&reading_unit=kWh"),
            &maya,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page_url = r.location.unwrap();
        let p = get_page(&w.app, &page_url, &maya.0).await;
        assert!(p.text.contains("1200.25 kWh on meter MTR-1"), "{}", p.text);
        assert!(p.text.contains("Moving from 14 Elm St"), "{}", p.text);
        // Energy needs no visit: it completes on the day.
        let r = post_form(&w.app, &format!("{page_url}/completed"), "version=1", &maya).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let acc = get_page(&w.app, &format!("/accounts/{}", w.account), &maya.0).await;
        assert!(
            acc.text.contains("Moved to 22 Oak Ave"),
            "one status on the 360"
        );
    }
}

/// Story S3 end to end on a moved clock: the install order, the report with
/// an irritated remark, the dispatcher's cancel refused, a supervisor's
/// override that deletes nothing, the number kept for the account, four
/// days with the number-porting specialists brought in, and one restore.
#[tokio::test]
async fn s3_the_install_cancelled_by_mistake_over_four_days() {
    use std::sync::atomic::{AtomicI64, Ordering};
    for url in testing::databases().await {
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        let now = Arc::new(AtomicI64::new(at("2026-12-01T15:00:00Z")));
        let n = now.clone();
        let clock: extramile_domain::time::Clock =
            Arc::new(move || jiff::Timestamp::from_microsecond(n.load(Ordering::SeqCst)).unwrap());
        let (w, _runner) = world_at(&url, Some(clock)).await;
        let get = |token: &str, uri: String| {
            let app = w.app.clone();
            let token = token.to_string();
            async move { call(&app, &token, "GET", &uri, None).await.1 }
        };

        // Day 1, Tuesday: Hana calls; Maya opens the case she will own and
        // places one install order of three services with a new number.
        let (s, case) = post(&w, &w.maya, "/api/v1/cases", json!({"account_id": w.account, "title": "New install: internet, TV and phone", "category": "technical"})).await;
        assert_eq!(s, StatusCode::CREATED, "{case}");
        let case_id = case["case"]["id"].as_str().unwrap().to_string();
        let (s, o) = post(&w, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account), json!({"fulfilment": "install", "location_id": w.location, "case_id": case_id,
            "lines": [{"product_id": w.products[0]}, {"product_id": w.products[1]}, {"product_id": w.products[2]}],
            "numbers": ["(217) 555-0143"], "idempotency_key": "s3-install"})).await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let order = o["order"]["id"].as_str().unwrap().to_string();
        let wos = get(
            &w.maya,
            format!("/api/v1/accounts/{}/work-orders", w.account),
        )
        .await;
        let wid = wos[0]["id"].as_str().unwrap().to_string();
        assert_eq!(
            wos[0]["case_id"],
            json!(case_id),
            "the work order belongs to the case"
        );
        let (s, _) = post(&w, &w.dina, &format!("/api/v1/work-orders/{wid}/schedule"), json!({"version": 1, "day": "2026-12-02", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        assert_eq!(s, StatusCode::OK);

        // Day 2, Wednesday: Tess installs everything and vents in the remark.
        now.store(at("2026-12-02T14:00:00Z"), Ordering::SeqCst);
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let wo = get(&w.tess, format!("/api/v1/work-orders/{wid}")).await;
        let subs: Vec<String> = wo["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        let (s, r) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": 4,
            "lines": [{"subscription_id": subs[0], "installed": true, "measurements": [{"name": "downstream", "value": "940", "unit": "Mbit/s"}]},
                      {"subscription_id": subs[1], "installed": true}, {"subscription_id": subs[2], "installed": true}],
            "equipment_serials": ["RTR-88213", "STB-55102"], "numbers": ["(217) 555-0143"], "signed_by": "Hana Kim",
            "remark": "Customer kept me waiting and shouted. Cancel this account, never again."})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["work_order"]["state"], "completed");
        assert_eq!(
            get(&w.maya, format!("/api/v1/orders/{order}")).await["order"]["state"],
            "installed"
        );

        // The dispatcher reads the remark and tries to cancel the order.
        let ov = get(&w.dina, format!("/api/v1/orders/{order}")).await["order"]["version"]
            .as_i64()
            .unwrap();
        let (s, e) = post(&w, &w.dina, &format!("/api/v1/orders/{order}/steps"), json!({"to": "cancelled", "version": ov, "reason": "technician says cancel", "confirm": true})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["detail"].as_str().unwrap().contains("the completion report of 2 Dec 2026 says Internet 100, TV Basic and Home Phone are installed; a supervisor can override"), "{e}");

        // Suppose a supervisor overrides on the account: nothing is deleted.
        let av = get(&w.sue, format!("/api/v1/accounts/{}", w.account)).await["account"]["version"]
            .as_i64()
            .unwrap();
        let (s, a) = post(&w, &w.sue, &format!("/api/v1/accounts/{}/cancel", w.account), json!({"version": av, "reason": "dispatcher relayed the remark", "override_report": true, "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "pending_cancellation");
        let acc = get(&w.maya, format!("/api/v1/accounts/{}", w.account)).await;
        let states: Vec<&str> = acc["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription"]["status"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["pending_cancellation"; 3], "{acc}");
        let num = get(&w.maya, "/api/v1/numbers/2175550143".into()).await;
        assert_eq!(num["number"]["state"], "aging");
        assert_eq!(
            num["number"]["account_id"],
            json!(w.account),
            "quarantined to this account"
        );
        assert_eq!(
            num["number"]["until"], "2027-03-02T14:00:00Z",
            "90 days for a residential number"
        );
        // The case says so as prominently as the account.
        let maya = common::session(&w.app, "maya@f.example").await;
        let page = common::get_page(&w.app, &format!("/cases/{case_id}"), &maya.0).await;
        assert!(
            page.text.contains("id=\"case-pending-cancellation\""),
            "{}",
            page.text
        );

        // Day 3, Thursday: another customer cannot take the number; Hana
        // calls about it and Maya brings in the number-porting specialists.
        now.store(at("2026-12-03T16:00:00Z"), Ordering::SeqCst);
        let (_, p2) = post(
            &w,
            &w.maya,
            "/api/v1/people",
            json!({"given_name": "Ola", "family_name": "Berg"}),
        )
        .await;
        let (_, a2) = post(
            &w,
            &w.maya,
            "/api/v1/accounts",
            json!({"holder_id": p2["person"]["id"]}),
        )
        .await;
        let (s, e) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550143/steps",
            json!({"to": "reserved", "version": num["number"]["version"], "account_id": a2["id"]}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let cv = get(&w.maya, format!("/api/v1/cases/{case_id}")).await["case"]["version"]
            .as_i64()
            .unwrap();
        let (s, c) = post(&w, &w.maya, &format!("/api/v1/cases/{case_id}/escalate"), json!({"version": cv, "team_id": w.porting_team, "note": "Customer's new number shows as aging after a mistaken cancel; keep it for her"})).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        // The specialist sees it but the case stays Maya's.
        let (s, _) = post(
            &w,
            &w.nina,
            &format!("/api/v1/cases/{case_id}/escalate"),
            json!({"version": cv + 1, "team_id": w.porting_team, "note": "taking it"}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "only the owner or a supervisor changes the case"
        );
        let n = get(&w.nina, "/api/v1/numbers/2175550143".into()).await;
        assert!(
            n["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "aging"),
            "{n}"
        );

        // Day 4, Friday: one action restores all three services, the same
        // equipment, the same number, and the account.
        now.store(at("2026-12-04T16:00:00Z"), Ordering::SeqCst);
        let wo = get(&w.maya, format!("/api/v1/work-orders/{wid}")).await;
        let (s, v) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{wid}/restore"),
            json!({"version": wo["work_order"]["version"]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(statuses(&v), ["active"; 3]);
        let same: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(same, subs, "the same subscriptions");
        let h = get(&w.maya, format!("/api/v1/accounts/{}/holdings", w.account)).await;
        assert_eq!(h["numbers"][0]["number"], "+12175550143");
        assert_eq!(h["numbers"][0]["state"], "assigned");
        let kit: Vec<(&str, &str)> = h["equipment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["serial"].as_str().unwrap(), e["state"].as_str().unwrap()))
            .collect();
        assert_eq!(kit, [("RTR-88213", "assigned"), ("STB-55102", "assigned")]);
        let acc = get(&w.maya, format!("/api/v1/accounts/{}", w.account)).await;
        assert_eq!(acc["account"]["status"], "active");
        // The case: still Maya's, escalated to the porting specialists, and
        // the customer has waited since Tuesday.
        let c = get(&w.maya, format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(c["case"]["owner_id"], json!(w.maya_id), "{c}");
        assert_eq!(c["case"]["escalated_to"], json!(w.porting_team));
        assert_eq!(
            c["sla"]["customer_waiting_secs"],
            3 * 86_400 + 3_600,
            "Tuesday 15:00 to Friday 16:00"
        );
        // The subscription history tells all four days.
        let text = get(&w.sue, format!("/api/v1/audit?account_id={}", w.account))
            .await
            .to_string();
        for said in [
            "Install order",
            "Completion report: completed",
            "pending cancellation",
            "Escalated to Number porting",
            "Restored 3 service(s), 1 number(s) and 2 piece(s) of equipment",
            "active again (restored)",
        ] {
            assert!(text.contains(said), "{said}: {text}");
        }
    }
}

#[tokio::test]
async fn a_partly_installed_order_cancels_the_service_left_out_alone_not_the_order() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (_, o) = post(&w, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account), json!({"fulfilment": "install", "location_id": w.location,
            "lines": [{"product_id": w.products[0]}, {"product_id": w.products[1]}], "idempotency_key": "partial"})).await;
        let oid = o["order"]["id"].as_str().unwrap().to_string();
        let wos = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            None,
        )
        .await
        .1;
        let wid = wos[0]["id"].as_str().unwrap().to_string();
        let wo = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{wid}"),
            None,
        )
        .await
        .1;
        let subs: Vec<String> = wo["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{wid}/schedule"), json!({"version": 1, "day": "2026-12-09", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, r) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": 4, "lines": [
            {"subscription_id": subs[0], "installed": true}, {"subscription_id": subs[1], "installed": false, "reason": "no coax outlet"}]})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["work_order"]["state"], "partially_completed");
        let o = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/orders/{oid}"),
            None,
        )
        .await
        .1;
        let v = o["order"]["version"].as_i64().unwrap();
        let uri = format!("/api/v1/orders/{oid}/steps");
        // The whole order: refused by what the report says is installed.
        let (s, e) = post(&w, &w.maya, &uri, json!({"to": "cancelled", "version": v, "reason": "customer wants none of it", "confirm": true})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("says Internet 100 is installed"),
            "{e}"
        );
        // The service left out, alone: said first, then done.
        let (s, e) = post(&w, &w.maya, &uri, json!({"to": "cancelled", "version": v, "reason": "no TV after all", "subscription_id": subs[1]})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("confirm")),
            "{e}"
        );
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("This cancels TV Basic alone"),
            "{e}"
        );
        let (s, o) = post(&w, &w.maya, &uri, json!({"to": "cancelled", "version": v, "reason": "no TV after all", "subscription_id": subs[1], "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(
            o["order"]["state"], "installed",
            "the order keeps what was installed"
        );
        let wo = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/work-orders/{wid}"),
            None,
        )
        .await
        .1;
        assert_eq!(statuses(&wo), ["active", "cancelled"]);
        // The installed one cannot be cancelled alone.
        let (s, e) = post(&w, &w.maya, &uri, json!({"to": "cancelled", "version": v, "reason": "x", "subscription_id": subs[0], "confirm": true})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
    }
}

/// What a hostile tester found, each refused now, nothing changed.
#[tokio::test]
async fn holes_an_attacker_found_stay_closed() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let get = |token: &str, uri: String| {
            let app = w.app.clone();
            let token = token.to_string();
            async move { call(&app, &token, "GET", &uri, None).await }
        };
        let (wid, subs) = installed(&w, "(217) 555-0190", "RTR-88214").await;
        let wo = get(&w.maya, format!("/api/v1/work-orders/{wid}")).await.1;
        // An override ages the number, quarantined to this account.
        let (s, v) = post(&w, &w.sue, &format!("/api/v1/work-orders/{wid}/steps"), json!({"to": "cancelled", "version": wo["work_order"]["version"], "reason": "test", "override_report": true, "confirm": true})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // Holding it for a new install of the same account keeps it aging,
        // and cancelling that order does not free it.
        let (s, o) = post(&w, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account), json!({"fulfilment": "install", "location_id": w.location, "lines": [{"product_id": w.products[2]}], "numbers": ["(217) 555-0190"], "idempotency_key": "hold-aging"})).await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let n = get(&w.maya, "/api/v1/numbers/2175550190".into()).await.1;
        assert_eq!(n["number"]["state"], "aging", "{n}");
        let oid = o["order"]["id"].as_str().unwrap();
        let (s, _) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            json!({"to": "cancelled", "version": 1, "reason": "x", "confirm": true}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let n = get(&w.maya, "/api/v1/numbers/2175550190".into()).await.1;
        assert_eq!(n["number"]["state"], "aging", "still quarantined: {n}");
        // Only the porting specialists port a number out.
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550191/steps",
            json!({"to": "reserved", "version": 1, "account_id": w.account}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // A number held for administration cannot be ported in.
        let (s, _) = post(
            &w,
            &w.admin,
            "/api/v1/numbers/2175550198/steps",
            json!({"to": "administrative", "version": 1, "reason": "test line"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, case) = post(
            &w,
            &w.maya,
            "/api/v1/cases",
            json!({"account_id": w.account, "title": "Port", "category": "technical"}),
        )
        .await;
        let case = case["case"]["id"].as_str().unwrap().to_string();
        let (s, e) = post(&w, &w.maya, "/api/v1/porting-orders", json!({"case_id": case, "donor": "X", "numbers": ["2175550198"], "donor_account": "1", "requested_date": "2099-01-01", "loa_received": true})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("numbers[0]")),
            "{e}"
        );
        // A port completes on a phone service, on its FOC day; a rejected
        // one can be called off.
        let (s, p) = post(&w, &w.maya, "/api/v1/porting-orders", json!({"case_id": case, "donor": "X", "numbers": ["(312) 555-0100"], "donor_account": "1", "requested_date": "2099-01-01", "loa_received": true})).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let uri = format!("/api/v1/porting-orders/{}/steps", p["id"].as_str().unwrap());
        for (to, v, extra) in [
            ("submitted", 1, json!({})),
            ("pending", 2, json!({})),
            ("scheduled", 3, json!({"foc_date": "2099-01-02"})),
        ] {
            let mut b = json!({"to": to, "version": v});
            for (k, x) in extra.as_object().unwrap() {
                b[k] = x.clone();
            }
            let (s, e) = post(&w, &w.nina, &uri, b).await;
            assert_eq!(s, StatusCode::OK, "{to}: {e}");
        }
        let (s, e) = post(
            &w,
            &w.nina,
            &uri,
            json!({"to": "completed", "version": 4, "subscription_id": subs[0]}),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("subscription_id")),
            "internet is not a phone service: {e}"
        );
        let (s, e) = post(&w, &w.nina, &uri, json!({"to": "completed", "version": 4})).await;
        assert_eq!(s, StatusCode::CONFLICT, "not before the FOC date: {e}");
        let (s, _) = post(
            &w,
            &w.nina,
            &uri,
            json!({"to": "rejected", "version": 4, "reason": "PIN wrong"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, c) = post(
            &w,
            &w.nina,
            &uri,
            json!({"to": "cancelled", "version": 5, "reason": "customer keeps the old provider"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let n = get(&w.maya, "/api/v1/numbers/3125550100".into()).await.1;
        assert_eq!(
            n["number"]["state"], "ported_out",
            "left with its provider: {n}"
        );
        let (s, _) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550191/steps",
            json!({"to": "available", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // A work order names each service once, a bounded number of them.
        let (s, e) = post(&w, &w.maya, &format!("/api/v1/accounts/{}/work-orders", w.account), json!({"kind": "install", "location_id": w.location, "product_ids": [w.products[0], w.products[0]]})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("product_ids[1]")),
            "{e}"
        );
        let many: Vec<&String> = std::iter::repeat_n(&w.products[0], 21).collect();
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            json!({"kind": "install", "location_id": w.location, "product_ids": many}),
        )
        .await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("product_ids")),
            "{e}"
        );
        // A second, different report on a filed visit is refused; a long
        // measurement too.
        let wo = get(&w.maya, format!("/api/v1/work-orders/{wid}")).await.1;
        let v = wo["work_order"]["version"].as_i64().unwrap();
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": v - 1, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": false, "reason": "x"})).collect::<Vec<_>>(), "not_completed_reason": "other"})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let other = install(&w, &w.products[..1]).await;
        let oid2 = other["work_order"]["id"].as_str().unwrap().to_string();
        let osub = other["services"][0]["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{oid2}/schedule"), json!({"version": 1, "day": "2026-12-08", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{oid2}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{oid2}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{oid2}/report"), json!({"version": 4, "lines": [{"subscription_id": osub, "installed": true, "measurements": [{"name": "x".repeat(61), "value": "1", "unit": "dB"}]}]})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("lines[0].measurements[0].name")
            ),
            "{e}"
        );
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{oid2}/report"), json!({"version": 4, "lines": [{"subscription_id": osub, "installed": false, "reason": "y".repeat(301)}], "not_completed_reason": "other"})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].reason")),
            "{e}"
        );
        // Holdings of no account: not found.
        let (s, _) = get(
            &w.maya,
            format!("/api/v1/accounts/{}/holdings", uuid::Uuid::now_v7()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Closed: what was pending cancellation stays so.
        let acc = get(&w.maya, format!("/api/v1/accounts/{}", w.account))
            .await
            .1;
        let (s, a) = call(&w.app, &w.sue, "PATCH", &format!("/api/v1/accounts/{}", w.account), Some(json!({"version": acc["account"]["version"], "status": "closed", "reason": "closing"}))).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/work-orders/{wid}/restore"),
            json!({"version": wo["work_order"]["version"]}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("the account is closed"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_service_is_in_one_planned_move_and_a_move_under_way_is_not_called_off() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (_, subs) = installed(&w, "(217) 555-0192", "RTR-88214").await;
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let uri = format!("/api/v1/accounts/{}/moves", w.account);
        let m = |line1: &str| json!({"from_location_id": w.location, "to_address": {"line1": line1, "city": "Springfield", "postcode": "62704"}, "move_date": today, "subscription_ids": subs});
        let (s, first) = post(&w, &w.maya, &uri, m("1 New St")).await;
        assert_eq!(s, StatusCode::CREATED, "{first}");
        let (s, e) = post(&w, &w.maya, &uri, m("99 Other Rd")).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("subscription_ids[0]")
            ),
            "{e}"
        );
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("already in the move to 1 New St"),
            "{e}"
        );
        let (_, acc) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{}", w.account),
            None,
        )
        .await;
        assert_eq!(
            acc["locations"].as_array().unwrap().len(),
            2,
            "no second new address: {acc}"
        );
        // The disconnect visit under way: the move is not called off.
        let d = first["disconnect_work_order_id"]
            .as_str()
            .unwrap()
            .to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{d}/schedule"), json!({"version": 1, "day": "2026-12-10", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tom_id]})).await;
        let (s, _) = post(
            &w,
            &w.dina,
            &format!("/api/v1/work-orders/{d}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let mid = first["id"].as_str().unwrap();
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/moves/{mid}/steps"),
            json!({"to": "cancelled", "version": 1, "reason": "stays"}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let (_, still) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/moves/{mid}"),
            None,
        )
        .await;
        assert_eq!(still["state"], "planned", "nothing changed: {still}");
        assert_eq!(still["connect_state"], "requested");
    }
}

/// What a cold review of the code found, each closed.
#[tokio::test]
async fn what_a_cold_review_found_stays_closed() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let get = |uri: String| {
            let app = w.app.clone();
            let token = w.maya.clone();
            async move { call(&app, &token, "GET", &uri, None).await.1 }
        };
        // An install order is installed by its report, not by hand; the
        // number it holds is released only by cancelling it.
        let (_, o) = post(&w, &w.maya, &format!("/api/v1/accounts/{}/orders", w.account), json!({"fulfilment": "install", "location_id": w.location, "lines": [{"product_id": w.products[0]}, {"product_id": w.products[2]}], "numbers": ["(217) 555-0155"], "idempotency_key": "review"})).await;
        let oid = o["order"]["id"].as_str().unwrap().to_string();
        let (s, e) = post(
            &w,
            &w.maya,
            &format!("/api/v1/orders/{oid}/steps"),
            json!({"to": "installed", "version": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let n = get("/api/v1/numbers/2175550155".into()).await;
        let (s, e) = post(
            &w,
            &w.maya,
            "/api/v1/numbers/2175550155/steps",
            json!({"to": "available", "version": n["number"]["version"]}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("held for install order"),
            "{e}"
        );
        // A number ported in before the phone service goes on it when the
        // technician activates it.
        let (_, case) = post(
            &w,
            &w.maya,
            "/api/v1/cases",
            json!({"account_id": w.account, "title": "Keep my number", "category": "technical"}),
        )
        .await;
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let (_, p) = post(&w, &w.maya, "/api/v1/porting-orders", json!({"case_id": case["case"]["id"], "donor": "Old Telco", "numbers": ["(312) 555-0199"], "donor_account": "9", "requested_date": today, "loa_received": true})).await;
        let uri = format!("/api/v1/porting-orders/{}/steps", p["id"].as_str().unwrap());
        for (to, v, foc) in [
            ("submitted", 1, None),
            ("pending", 2, None),
            ("scheduled", 3, Some(today.clone())),
            ("completed", 4, None),
        ] {
            let mut b = json!({"to": to, "version": v});
            if let Some(f) = foc {
                b["foc_date"] = json!(f);
            }
            let (s, e) = post(&w, &w.nina, &uri, b).await;
            assert_eq!(s, StatusCode::OK, "{to}: {e}");
        }
        let wo = get(format!("/api/v1/accounts/{}/work-orders", w.account)).await;
        let wid = wo[0]["id"].as_str().unwrap().to_string();
        let v = get(format!("/api/v1/work-orders/{wid}")).await;
        let subs: Vec<String> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["subscription_id"].as_str().unwrap().to_string())
            .collect();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{wid}/schedule"), json!({"version": 1, "day": "2026-12-11", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{wid}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, e) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": 4, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": true})).collect::<Vec<_>>(), "numbers": ["", "(217) 555-0155", "(312) 555-0199"], "equipment_serials": ["RTR/1"]})).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("equipment_serials[0]")
            ),
            "a serial as on its label: {e}"
        );
        let (s, r) = post(&w, &w.tess, &format!("/api/v1/work-orders/{wid}/report"), json!({"version": 4, "lines": subs.iter().map(|s| json!({"subscription_id": s, "installed": true})).collect::<Vec<_>>(), "numbers": ["", "(217) 555-0155", "(312) 555-0199"]})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let n = get("/api/v1/numbers/3125550199".into()).await;
        assert_eq!(
            n["number"]["subscription_id"],
            json!(subs[1]),
            "the ported number is on the phone service: {n}"
        );
        // A repair whose report says the same service installed: an account
        // override still ends in one pass.
        let (_, rep) = post(
            &w,
            &w.maya,
            &format!("/api/v1/accounts/{}/work-orders", w.account),
            json!({"kind": "repair", "location_id": w.location, "subscription_ids": [subs[0]]}),
        )
        .await;
        let rid = rep["work_order"]["id"].as_str().unwrap().to_string();
        post(&w, &w.dina, &format!("/api/v1/work-orders/{rid}/schedule"), json!({"version": 1, "day": "2026-12-14", "window_start": "08:00", "window_end": "10:00", "technician_ids": [w.tess_id]})).await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{rid}/steps"),
            json!({"to": "dispatched", "version": 2}),
        )
        .await;
        post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{rid}/steps"),
            json!({"to": "on_site", "version": 3}),
        )
        .await;
        let (s, r) = post(
            &w,
            &w.tess,
            &format!("/api/v1/work-orders/{rid}/report"),
            json!({"version": 4, "lines": [{"subscription_id": subs[0], "installed": true}]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let acc = get(format!("/api/v1/accounts/{}", w.account)).await;
        let av = acc["account"]["version"].as_i64().unwrap();
        let (s, a) = post(
            &w,
            &w.dina,
            &format!("/api/v1/accounts/{}/cancel", w.account),
            json!({"version": av, "reason": "r", "override_report": true, "confirm": true}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "dispatch does not cancel accounts: {a}"
        );
        let (s, a) = post(
            &w,
            &w.sue,
            &format!("/api/v1/accounts/{}/cancel", w.account),
            json!({"version": av, "reason": "r", "override_report": true, "confirm": true}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let v = get(format!("/api/v1/work-orders/{wid}")).await;
        assert_eq!(statuses(&v), ["pending_cancellation"; 2]);
        let (s, again) = post(
            &w,
            &w.sue,
            &format!("/api/v1/accounts/{}/cancel", w.account),
            json!({"version": av, "reason": "r", "override_report": true, "confirm": true}),
        )
        .await;
        assert_eq!(
            (s, &again["status"]),
            (StatusCode::OK, &json!("pending_cancellation")),
            "the same request again: {again}"
        );
    }
}
