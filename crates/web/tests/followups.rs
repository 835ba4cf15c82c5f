//! Follow-ups through the API on both databases, with a test clock: S2's
//! extra-mile call, what must not make a follow-up disappear, covering for
//! an absent owner, reschedules and their history, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::call;

use axum::Router;
use axum::http::StatusCode;
use extramile_domain::time::Clock;
use extramile_store::{Options, SqlStore, testing};
use extramile_web::{AppState, router};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);
impl TestClock {
    fn at(s: &str) -> Self {
        let t: Timestamp = s.parse().unwrap();
        Self(Arc::new(AtomicI64::new(t.as_microsecond())))
    }
    fn set(&self, s: &str) {
        let t: Timestamp = s.parse().unwrap();
        self.0.store(t.as_microsecond(), Ordering::SeqCst);
    }
    fn clock(&self) -> Clock {
        let c = self.0.clone();
        Arc::new(move || Timestamp::from_microsecond(c.load(Ordering::SeqCst)).unwrap())
    }
}

struct World {
    app: Router,
    state: AppState,
    clock: TestClock,
    admin: String,
    maya: String,
    tom: String,
    zoe: String,
    sue: String,
    maya_id: String,
    tom_id: String,
    runner: extramile_jobs::Runner,
}

/// Sunday 22 November 2026, 10:00 in Chicago; Maya and Tom in Customer
/// care, Zoe in Billing.
async fn world(url: &str) -> World {
    let store = Arc::new(SqlStore::open(url, &Options::default()).await.unwrap());
    let clock = TestClock::at("2026-11-22T16:00:00Z");
    let state = AppState::with_clock(store, "US", false, clock.clock())
        .with_calendar(jiff::tz::TimeZone::get("America/Chicago").unwrap(), "US");
    let care = state.staff.ensure_team("Customer care").await.unwrap();
    let billing = state.staff.ensure_team("Billing").await.unwrap();
    let t = common::add_staff(
        &state,
        &[
            ("admin@t.example", "admin", None),
            ("maya@t.example", "agent", Some(care.id)),
            ("tom@t.example", "agent", Some(care.id)),
            ("zoe@t.example", "agent", Some(billing.id)),
            ("sue@t.example", "supervisor", Some(care.id)),
        ],
    )
    .await;
    let runner = extramile_web::background::runner(
        &state,
        extramile_jobs::Options {
            node: "test".into(),
            ..Default::default()
        },
    )
    .with_clock(clock.clock());
    let app = router(state.clone());
    let (_, m) = call(&app, &t[1], "GET", "/api/v1/me", None).await;
    let (_, tm) = call(&app, &t[2], "GET", "/api/v1/me", None).await;
    World {
        app,
        state,
        clock,
        admin: t[0].clone(),
        maya: t[1].clone(),
        tom: t[2].clone(),
        zoe: t[3].clone(),
        sue: t[4].clone(),
        maya_id: m["id"].as_str().unwrap().into(),
        tom_id: tm["id"].as_str().unwrap().into(),
        runner,
    }
}

/// Ben Okafor, holder of an account in Austin, Texas: (person, account, phone id).
async fn ben(w: &World) -> (String, String, String) {
    let (s, p) = call(&w.app, &w.maya, "POST", "/api/v1/people", Some(json!({"given_name": "Ben", "family_name": "Okafor", "contact_points": [{"kind": "phone", "value": "(512) 555-0187", "is_primary": true}]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let person = p["person"]["id"].as_str().unwrap().to_string();
    let phone = p["contact_points"][0]["id"].as_str().unwrap().to_string();
    let (_, a) = call(
        &w.app,
        &w.maya,
        "POST",
        "/api/v1/accounts",
        Some(json!({"holder_id": person})),
    )
    .await;
    let account = a["id"].as_str().unwrap().to_string();
    let (s, l) = call(&w.app, &w.maya, "POST", &format!("/api/v1/accounts/{account}/locations"), Some(json!({"line1": "1200 Barton Springs Rd", "city": "Austin", "region": "TX", "postcode": "78704", "time_zone": "America/Chicago"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    (person, account, phone)
}

async fn follow_up(w: &World, token: &str, id: &str) -> Value {
    let (s, v) = call(
        &w.app,
        token,
        "GET",
        &format!("/api/v1/follow-ups/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn mine(w: &World, token: &str) -> Vec<Value> {
    let (s, v) = call(&w.app, token, "GET", "/api/v1/follow-ups?scope=mine", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn s2_the_extra_mile_call_is_promised_falls_due_on_a_holiday_and_is_made() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (person, account, phone) = ben(&w).await;
        // The provider's calendar: the day after Thanksgiving.
        let (s, h) = call(
            &w.app,
            &w.admin,
            "PUT",
            "/api/v1/holidays",
            Some(json!({"region": "US", "on": "2026-11-27", "name": "Day after Thanksgiving"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{h}");
        let (s, _) = call(
            &w.app,
            &w.maya,
            "PUT",
            "/api/v1/holidays",
            Some(json!({"region": "US", "on": "2026-12-24", "name": "x"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not keep the calendar");

        // Ben calls: his internet drops at random since the upgrade.
        let (_, i) = call(&w.app, &w.maya, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let contact = i["interaction"]["id"].as_str().unwrap().to_string();
        let (s, c) = call(&w.app, &w.maya, "POST", "/api/v1/cases", Some(json!({"account_id": account, "title": "Internet drops at random since the speed upgrade", "category": "technical", "interaction_id": contact, "description": "Power source suspected; hard reboot advised; upgrade last week noted."}))).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let case = c["case"]["id"].as_str().unwrap().to_string();

        // She promises a call in five days (Friday 27th).
        let body = json!({"account_id": account, "person_id": person, "contact_point_id": phone, "case_id": case, "interaction_id": contact, "purpose": "Check the line has stayed up since the hard reboot", "due_on": "2026-11-27", "window_start": "10:00", "window_end": "12:00"});
        let (s, f) = call(
            &w.app,
            &w.maya,
            "POST",
            "/api/v1/follow-ups",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let id = f["id"].as_str().unwrap().to_string();
        assert_eq!(f["state"], "scheduled");
        assert_eq!(f["owner_id"], w.maya_id.as_str());
        let list = mine(&w, &w.maya).await;
        assert_eq!(list.len(), 1);
        assert_eq!(
            list[0]["holiday"], "Day after Thanksgiving",
            "the list says the day is a holiday"
        );
        assert_eq!(list[0]["contact_value"], "(512) 555-0187");
        assert_eq!(list[0]["overdue"], false);

        // Nothing happens before the day.
        let mut live = w.state.hub.subscribe();
        assert_eq!(w.runner.run_due().await.unwrap(), 0);
        w.clock.set("2026-11-26T22:00:00Z"); // Thursday 16:00 in Chicago
        assert_eq!(w.runner.run_due().await.unwrap(), 0);
        assert_eq!(
            follow_up(&w, &w.maya, &id).await["follow_up"]["state"],
            "scheduled"
        );

        // Friday 07:00 in Chicago: it is due, and Maya is told live.
        w.clock.set("2026-11-27T13:00:00Z");
        assert_eq!(w.runner.run_due().await.unwrap(), 1);
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(v["follow_up"]["state"], "due");
        let ev = live.try_recv().unwrap();
        assert_eq!(ev.kind, "follow_up_due");
        assert!(
            ev.is_for(
                w.maya_id
                    .parse()
                    .map(extramile_domain::ids::StaffId)
                    .unwrap()
            )
        );
        // Run again (another node, a repeat): nothing more.
        assert_eq!(w.runner.run_due().await.unwrap(), 0);

        // She calls: an outbound contact with Ben, on the case.
        let (s, callv) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/call"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{callv}");
        assert_eq!(callv["interaction"]["channel"], "follow_up_call");
        assert_eq!(callv["interaction"]["state"], "connected");
        let out = callv["interaction"]["id"].as_str().unwrap().to_string();
        // A double click answers the same call.
        let (_, again) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/call"),
            None,
        )
        .await;
        assert_eq!(again["interaction"]["id"], out.as_str());
        let (_, cases) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/interactions/{out}/cases"),
            None,
        )
        .await;
        assert_eq!(cases[0]["id"], case.as_str(), "the call is on the case");

        // On the call she notices a frayed power cord and offers a
        // replacement to collect at the office, free: within her authority.
        let (s, cord) = call(&w.app, &w.admin, "POST", "/api/v1/products", Some(json!({"code": "CORD", "name": "Phone cord (replacement)", "kind": "accessory", "monthly_price_minor": 0, "currency": "USD", "retail_price_minor": 1200}))).await;
        assert_eq!(s, StatusCode::CREATED, "{cord}");
        let (s, office) = call(&w.app, &w.admin, "POST", "/api/v1/offices", Some(json!({"name": "Austin South", "address": "2200 S Lamar Blvd, Austin", "hours": "mon-fri 09:00-17:00; sat 10:00-13:00"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{office}");
        let (s, order) = call(&w.app, &w.maya, "POST", &format!("/api/v1/accounts/{account}/orders"), Some(json!({
            "lines": [{"product_id": cord["id"], "free": true}], "fulfilment": "pickup", "office_id": office["id"],
            "case_id": case, "interaction_id": out, "free_reason": "Frayed power cord: the likely cause of the drops",
            "idempotency_key": "s2-cord"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["order"]["case_id"], case.as_str());
        assert_eq!(order["order"]["interaction_id"], out.as_str());
        assert_eq!(
            order["order"]["lines"][0]["free_minor"], 1200,
            "free, within her authority"
        );
        assert_eq!(order["office"]["name"], "Austin South");
        let (_, ledger) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/accounts/{account}/ledger"),
            None,
        )
        .await;
        assert_eq!(ledger["balance_minor"], 0, "nothing to pay for the cord");

        // The wrap-up needs the follow-up's outcome, and records it.
        let version = callv["interaction"]["version"].as_i64().unwrap();
        let wrap = json!({"version": version, "outcome": "resolved", "disposition": "technical", "notes": "Stable since the reboot; frayed power cord noticed"});
        let (s, p) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/interactions/{out}/wrap-up"),
            Some(wrap.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["field"], "follow_up_outcome");
        let mut wrap = wrap;
        wrap["follow_up_outcome"] = json!("reached_resolved");
        let (s, p) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/interactions/{out}/wrap-up"),
            Some(wrap),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(v["follow_up"]["state"], "done");
        assert_eq!(v["follow_up"]["outcome"], "reached_resolved");
        assert_eq!(
            v["follow_up"]["done_by"],
            w.maya_id.as_str(),
            "the credit is hers"
        );
        let actions: Vec<&str> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["scheduled", "due", "called", "done"]);
        assert!(
            mine(&w, &w.maya).await.is_empty(),
            "done ones leave the due list"
        );
        let (_, all) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/follow-ups?scope=account&account_id={account}"),
            None,
        )
        .await;
        assert_eq!(all.as_array().unwrap().len(), 1, "the account keeps it");

        // The weekly report counts her extra-mile call (Monday 30th: last
        // week is 23–29 November).
        w.clock.set("2026-11-30T15:00:00Z");
        let (s, r) = call(&w.app, &w.maya, "GET", "/api/v1/reports", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not read reports: {r}");
        let (s, r) = call(&w.app, &w.sue, "GET", "/api/v1/reports", None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["from"], "2026-11-23");
        assert_eq!(
            r["headline"],
            "Last week your staff made 1 extra-mile call."
        );
        let row = r["extra_mile"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "maya")
            .unwrap()
            .clone();
        assert_eq!(
            (
                row["follow_ups_done"].as_i64(),
                row["reached_resolved"].as_i64(),
                row["on_time"].as_i64()
            ),
            (Some(1), Some(1), Some(1)),
            "{row}"
        );
        let fig = r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "extra_mile_calls")
            .unwrap()
            .clone();
        assert_eq!(fig["value"], "1");
        assert!(
            fig["rule"]
                .as_str()
                .unwrap()
                .contains("credited to whoever made the call")
        );
        let (s, recs) = call(
            &w.app,
            &w.sue,
            "GET",
            fig["records"]
                .as_str()
                .unwrap()
                .replace("/reports/records", "/api/v1/reports/records")
                .as_str(),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{recs}");
        assert_eq!(
            recs[0]["link"],
            format!("/follow-ups/{id}").as_str(),
            "the record behind the figure"
        );
        // The week before counts nothing; another team counts nothing.
        let (_, r) = call(
            &w.app,
            &w.sue,
            "GET",
            "/api/v1/reports?from=2026-11-16&to=2026-11-22",
            None,
        )
        .await;
        assert_eq!(
            r["headline"],
            "From Mon 16 Nov to Sun 22 Nov 2026 your staff made 0 extra-mile calls."
        );
        let (s, p) = call(
            &w.app,
            &w.sue,
            "GET",
            "/api/v1/reports?from=2026-11-30&to=2026-11-01",
            None,
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("to"))
        );
        // The same figures as CSV.
        let req = axum::http::Request::get("/api/v1/reports")
            .header("authorization", format!("Bearer {}", w.sue))
            .header("accept", "text/csv")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(w.app.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let csv_bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8_lossy(&csv_bytes).to_string();
        assert!(
            text.starts_with("section,person,measure,value,rule\n"),
            "{text}"
        );
        assert!(
            text.contains("extra mile,maya,extra-mile calls,1,"),
            "{text}"
        );
        assert!(
            text.contains("headline,,sentence,Last week your staff made 1 extra-mile call.,"),
            "{text}"
        );
        w.clock.set("2026-11-27T16:00:00Z");

        // The same request again under its key schedules nothing new.
        let (s1, k1) =
            common::call_with_key(&w.app, &w.maya, "/api/v1/follow-ups", &body, "fu-key-1").await;
        let (s2, k2) =
            common::call_with_key(&w.app, &w.maya, "/api/v1/follow-ups", &body, "fu-key-1").await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK), "{k1} {k2}");
        assert_eq!(k1["id"], k2["id"]);
    }
}

#[tokio::test]
async fn a_follow_up_does_not_disappear_because_something_else_happened() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (person, account, phone) = ben(&w).await;
        let (_, i) = call(&w.app, &w.maya, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let contact = i["interaction"]["id"].as_str().unwrap().to_string();
        let (_, c) = call(&w.app, &w.maya, "POST", "/api/v1/cases", Some(json!({"account_id": account, "title": "Drops", "category": "technical", "interaction_id": contact}))).await;
        let case = c["case"]["id"].as_str().unwrap().to_string();
        let (_, f) = call(&w.app, &w.maya, "POST", "/api/v1/follow-ups", Some(json!({"account_id": account, "person_id": person, "case_id": case, "purpose": "Check the line", "due_on": "2026-11-27"}))).await;
        let id = f["id"].as_str().unwrap().to_string();
        let same = |v: &Value| {
            let f = &v["follow_up"];
            (
                f["state"].clone(),
                f["owner_id"].clone(),
                f["due_on"].clone(),
                f["version"].clone(),
            )
        };
        let before = same(&follow_up(&w, &w.maya, &id).await);

        // 1. The customer contacts us about the same case.
        let (_, i2) = call(&w.app, &w.tom, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let i2 = i2["interaction"]["id"].as_str().unwrap().to_string();
        let (s, _) = call(
            &w.app,
            &w.tom,
            "POST",
            &format!("/api/v1/cases/{case}/interactions"),
            Some(json!({"interaction_id": i2})),
        )
        .await;
        assert!(s.is_success(), "{s}");
        assert_eq!(
            same(&follow_up(&w, &w.maya, &id).await),
            before,
            "after a new contact"
        );

        // 2. The case changes status, 3. is handed over, 4. is resolved.
        let (_, cv) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/cases/{case}"),
            None,
        )
        .await;
        let v = cv["case"]["version"].as_i64().unwrap();
        let (s, cv) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/cases/{case}/status"),
            Some(json!({"version": v, "status": "open"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{cv}");
        assert_eq!(
            same(&follow_up(&w, &w.maya, &id).await),
            before,
            "after a status change"
        );
        let v = cv["case"]["version"].as_i64().unwrap();
        let (s, cv) = call(&w.app, &w.maya, "POST", &format!("/api/v1/cases/{case}/handover"), Some(json!({"version": v, "new_owner_id": w.tom_id, "note": "Tom has the modem history"}))).await;
        assert_eq!(s, StatusCode::OK, "{cv}");
        assert_eq!(
            same(&follow_up(&w, &w.maya, &id).await),
            before,
            "after a handover: still Maya's promise"
        );
        let v = cv["case"]["version"].as_i64().unwrap();
        let (s, cv) = call(
            &w.app,
            &w.tom,
            "POST",
            &format!("/api/v1/cases/{case}/resolve"),
            Some(json!({"version": v, "confirmed_by_customer": true, "note": "Ben: it works now"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{cv}");
        assert_eq!(
            same(&follow_up(&w, &w.maya, &id).await),
            before,
            "after the case is resolved"
        );

        // 5. The person's phone number changes: the list shows the new one.
        let (s, cp) = call(
            &w.app,
            &w.maya,
            "PATCH",
            &format!("/api/v1/contact-points/{phone}"),
            Some(json!({"version": 1, "value": "(512) 555-0199"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{cp}");
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(same(&v), before, "after the number changed");
        assert_eq!(v["follow_up"]["contact_value"], "(512) 555-0199");

        // 6. The owner is away on the due day: still hers, still due, and
        // her team covers it.
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "away"})),
        )
        .await;
        assert!(s.is_success());
        w.clock.set("2026-11-27T15:00:00Z");
        assert_eq!(w.runner.run_due().await.unwrap(), 1);
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(v["follow_up"]["state"], "due");
        assert_eq!(v["follow_up"]["owner_id"], w.maya_id.as_str());
        assert_eq!(
            mine(&w, &w.maya).await.len(),
            1,
            "still at the top of her list"
        );
        let (_, team) = call(&w.app, &w.tom, "GET", "/api/v1/follow-ups?scope=team", None).await;
        assert_eq!(team.as_array().unwrap().len(), 1, "{team}");
        assert_eq!(
            team[0]["covering_for"], "maya",
            "Tom sees it as covering for Maya"
        );
        let (_, other) = call(&w.app, &w.zoe, "GET", "/api/v1/follow-ups?scope=team", None).await;
        assert!(
            other.as_array().unwrap().is_empty(),
            "another department does not"
        );

        // Tom calls; the credit is his, the follow-up stays Maya's.
        let (s, callv) = call(
            &w.app,
            &w.tom,
            "POST",
            &format!("/api/v1/follow-ups/{id}/call"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{callv}");
        let out = callv["interaction"]["id"].as_str().unwrap().to_string();
        let version = callv["interaction"]["version"].as_i64().unwrap();
        let (s, p) = call(&w.app, &w.tom, "POST", &format!("/api/v1/interactions/{out}/wrap-up"), Some(json!({"version": version, "outcome": "resolved", "disposition": "technical", "follow_up_outcome": "reached_more"}))).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(v["follow_up"]["state"], "done");
        assert_eq!(v["follow_up"]["done_by"], w.tom_id.as_str());
        assert_eq!(v["follow_up"]["owner_id"], w.maya_id.as_str());
        let last = v["history"].as_array().unwrap().last().unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(last.contains("(covering)"), "{last}");
        // Zoe (another department) may not touch it.
        let (s, _) = call(
            &w.app,
            &w.zoe,
            "POST",
            &format!("/api/v1/follow-ups/{id}/call"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn reschedules_are_counted_with_reasons_no_answer_keeps_it_open_and_overdue_ones_stay() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (person, account, _) = ben(&w).await;
        let (_, f) = call(&w.app, &w.maya, "POST", "/api/v1/follow-ups", Some(json!({"account_id": account, "person_id": person, "purpose": "Check the bill", "due_on": "2026-11-24"}))).await;
        let id = f["id"].as_str().unwrap().to_string();

        // No reason, no reschedule; a day in the past is refused.
        let (s, p) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/reschedule"),
            Some(json!({"version": 1, "due_on": "2026-11-25", "reason": " "})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
        );
        let (s, p) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/reschedule"),
            Some(json!({"version": 1, "due_on": "2026-11-21", "reason": "x"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("due_on"))
        );
        let (s, f) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/reschedule"),
            Some(json!({"version": 1, "due_on": "2026-11-25", "reason": "Ben is travelling"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["reschedules"], 1);
        // A stale version is a conflict, not a silent overwrite.
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/reschedule"),
            Some(json!({"version": 1, "due_on": "2026-11-26", "reason": "again"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);

        // A job that runs before the day (a clock ahead, a zone changed)
        // looks again at the start of the day instead of being lost.
        let early = extramile_domain::jobs::NewJob::new(
            extramile_domain::jobs::kinds::FOLLOW_UP_DUE,
            json!({"follow_up_id": id}),
            "2026-11-22T16:00:00Z".parse().unwrap(),
        );
        w.state
            .store
            .enqueue_jobs(std::slice::from_ref(&early))
            .await
            .unwrap();
        assert_eq!(w.runner.run_due().await.unwrap(), 1);
        let again = w.state.store.job(early.id).await.unwrap().unwrap();
        assert_eq!(
            again.state,
            extramile_domain::jobs::JobState::Pending,
            "re-armed, not done"
        );
        assert_eq!(
            again.run_at,
            "2026-11-25T06:00:00Z".parse::<Timestamp>().unwrap(),
            "midnight in Chicago on its day"
        );

        // The first job (for the 24th) finds it moved and does nothing; the
        // 25th's makes it due.
        w.clock.set("2026-11-24T15:00:00Z");
        w.runner.run_due().await.unwrap();
        assert_eq!(
            follow_up(&w, &w.maya, &id).await["follow_up"]["state"],
            "scheduled"
        );
        w.clock.set("2026-11-25T15:00:00Z");
        w.runner.run_due().await.unwrap();
        let v = follow_up(&w, &w.maya, &id).await;
        assert_eq!(v["follow_up"]["state"], "due");
        let resched = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "rescheduled")
            .unwrap()
            .clone();
        assert_eq!(
            resched["detail"],
            "from 2026-11-24 to 2026-11-25 — Ben is travelling"
        );

        // No answer: an attempt; it stays due.
        let version = v["follow_up"]["version"].as_i64().unwrap();
        let (s, f) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/complete"),
            Some(json!({"version": version, "outcome": "no_answer"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["state"], "due");
        // Missed only after its day.
        let version = f["version"].as_i64().unwrap();
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/miss"),
            Some(json!({"version": version, "reason": "unreachable"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The next day it is overdue, still listed.
        w.clock.set("2026-11-26T15:00:00Z");
        let list = mine(&w, &w.maya).await;
        assert_eq!((list.len(), list[0]["overdue"].clone()), (1, json!(true)));
        let (s, f) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/miss"),
            Some(json!({"version": version, "reason": "Unreachable three times"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["state"], "missed");
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{id}/cancel"),
            Some(json!({"version": f["version"], "reason": "x"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "a closed follow-up stays closed");

        // Reassigned: the new owner is told and it is on their list.
        let (_, g) = call(&w.app, &w.maya, "POST", "/api/v1/follow-ups", Some(json!({"account_id": account, "person_id": person, "purpose": "Confirm the credit", "due_on": "2026-11-30"}))).await;
        let gid = g["id"].as_str().unwrap().to_string();
        let (s, g) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/follow-ups/{gid}/reassign"),
            Some(json!({"version": 1, "owner_id": w.tom_id, "reason": "Maya on leave"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{g}");
        assert_eq!(mine(&w, &w.tom).await.len(), 1);
        let (s, g) = call(
            &w.app,
            &w.tom,
            "POST",
            &format!("/api/v1/follow-ups/{gid}/cancel"),
            Some(json!({"version": g["version"], "reason": "Ben asked us not to call"})),
        )
        .await;
        assert_eq!(
            (s, g["state"].as_str()),
            (StatusCode::OK, Some("cancelled"))
        );
    }
}

#[tokio::test]
async fn bad_follow_ups_are_refused_at_the_field() {
    for url in testing::databases().await {
        let w = world(&url).await;
        let (person, account, _) = ben(&w).await;
        let (_, stranger) = call(
            &w.app,
            &w.maya,
            "POST",
            "/api/v1/people",
            Some(json!({"given_name": "Ann", "family_name": "Other"})),
        )
        .await;
        let stranger = stranger["person"]["id"].as_str().unwrap();
        let base = json!({"account_id": account, "person_id": person, "purpose": "Call back", "due_on": "2026-11-27"});
        let cases = [
            (json!({"person_id": stranger}), "person_id"),
            (json!({"due_on": "2026-11-21"}), "due_on"),
            (json!({"due_on": "next friday"}), "due_on"),
            (json!({"purpose": "  "}), "purpose"),
            (json!({"window_start": "14:00"}), "window_end"),
            (
                json!({"window_start": "16:00", "window_end": "15:00"}),
                "window_end",
            ),
            (
                json!({"owner_id": "0190aaaa-0000-7000-8000-000000000000"}),
                "owner_id",
            ),
            (
                json!({"case_id": "0190aaaa-0000-7000-8000-000000000000"}),
                "case_id",
            ),
        ];
        for (change, field) in cases {
            let mut body = base.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, p) = call(
                &w.app,
                &w.maya,
                "POST",
                "/api/v1/follow-ups",
                Some(body.clone()),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {p}");
            assert_eq!(p["field"], field, "{body} → {p}");
        }
        let (s, _) = call(
            &w.app,
            &w.maya,
            "GET",
            "/api/v1/follow-ups?scope=everyone",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = call(&w.app, &w.maya, "GET", "/api/v1/jobs", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not see jobs");
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            "/api/v1/follow-ups",
            Some(base.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, j) = call(&w.app, &w.admin, "GET", "/api/v1/jobs?state=pending", None).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(
            j["counts"]["pending"], 1,
            "the Ben follow-up's due job waits: {j}"
        );
    }
}

#[tokio::test]
async fn a_resolved_case_gets_one_signed_survey_whose_answer_credits_its_staff_and_compliments_are_confirmed()
 {
    for url in testing::databases().await {
        let w = world(&url).await;
        // Contacts keep the real time and cases the clock they are given:
        // both now.
        w.clock.set(&jiff::Timestamp::now().to_string());
        let (person, account, _) = ben(&w).await;
        let (_, i) = call(&w.app, &w.maya, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let contact = i["interaction"]["id"].as_str().unwrap().to_string();
        let (_, c) = call(&w.app, &w.maya, "POST", "/api/v1/cases", Some(json!({"account_id": account, "title": "Drops", "category": "technical", "interaction_id": contact}))).await;
        let case = c["case"]["id"].as_str().unwrap().to_string();
        let v = c["case"]["version"].as_i64().unwrap();
        let (s, r) = call(&w.app, &w.maya, "POST", &format!("/api/v1/cases/{case}/resolve"), Some(json!({"version": v, "confirmed_by_customer": true, "note": "Works since the reboot"}))).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        // Another contact, wrapped up outside any case, gets its own.
        let (_, i2) = call(&w.app, &w.tom, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let c2 = i2["interaction"]["id"].as_str().unwrap().to_string();
        let (s, _) = call(&w.app, &w.tom, "POST", &format!("/api/v1/interactions/{c2}/wrap-up"), Some(json!({"version": i2["interaction"]["version"], "outcome": "resolved", "disposition": "information"}))).await;
        assert_eq!(s, StatusCode::OK);

        // The sweep looks back from now.
        let now = jiff::Timestamp::now();
        w.clock.set(&now.to_string());
        assert_eq!(w.state.feedback.sweep().await.unwrap(), 2, "{url}");
        assert_eq!(
            w.state.feedback.sweep().await.unwrap(),
            0,
            "a second sweep makes none"
        );
        let (s, sv) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/surveys?case_id={case}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{sv}");
        let link = sv["link"].as_str().unwrap().to_string();
        assert!(
            sv["staff"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == w.maya_id.as_str()),
            "{sv}"
        );
        let (s, sv2) = call(
            &w.app,
            &w.tom,
            "GET",
            &format!("/api/v1/surveys?interaction_id={c2}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{sv2}");
        assert_eq!(sv2["staff"], json!([w.tom_id]));
        let link2 = sv2["link"].as_str().unwrap().to_string();

        // The customer's page: no sign-in, no staff names.
        let page = common::browse(
            &w.app,
            axum::http::Request::get(link.as_str())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("How did we do?"));
        assert!(
            !page.text.contains("maya") && !page.text.contains("Maya"),
            "no staff data"
        );
        let post = |uri: String, body: &'static str| {
            let app = w.app.clone();
            async move {
                common::browse(
                    &app,
                    axum::http::Request::post(uri.as_str())
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(axum::body::Body::from(body))
                        .unwrap(),
                )
                .await
            }
        };
        let forged = format!("{}0", &link[..link.len() - 1]);
        let forged = if forged == link {
            format!("{}1", &link[..link.len() - 1])
        } else {
            forged
        };
        assert_eq!(
            post(forged, "rating=5").await.status,
            StatusCode::NOT_FOUND,
            "a made-up link"
        );
        let r = post(link.clone(), "rating=9").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("Your rating: choose from 1 to 5"));
        let r = post(
            link.clone(),
            "rating=5&comment=Maya+was+patient+and+called+back+as+promised",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("recorded"));
        let r = post(link.clone(), "rating=1").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "single use");
        let (_, sv) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/surveys?case_id={case}"),
            None,
        )
        .await;
        assert_eq!(sv["rating"], 5);
        // The report counts it: overall, for Maya, in its chart and records;
        // the CSV names the person it was made for.
        let day = w.clock.clock()()
            .to_zoned(jiff::tz::TimeZone::get("America/Chicago").unwrap())
            .date();
        let q = format!("from={day}&to={day}&staff={}", w.maya_id);
        let (s, r) = call(&w.app, &w.sue, "GET", &format!("/api/v1/reports?{q}"), None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let fig = r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "satisfaction")
            .unwrap()
            .clone();
        assert_eq!(
            fig["value"], "5.0 of 5 from 1 answer; 100.0% rated 4 or 5",
            "{fig}"
        );
        let maya = r["extra_mile"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["staff_id"] == w.maya_id.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            (
                maya["satisfaction_answers"].as_i64(),
                maya["satisfaction_tenths"].as_i64()
            ),
            (Some(1), Some(50)),
            "{maya}"
        );
        let chart = r["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "satisfaction")
            .unwrap()
            .clone();
        assert_eq!(chart["bars"][4]["value"], 1, "{chart}");
        assert_eq!(r["filters"][0]["filter"], "person");
        let (_, recs) = call(
            &w.app,
            &w.sue,
            "GET",
            &format!("/api/v1/reports/records?figure=satisfaction&{q}"),
            None,
        )
        .await;
        assert!(
            recs[0]["what"]
                .as_str()
                .unwrap()
                .starts_with("Rated 5 of 5"),
            "{recs}"
        );
        assert_eq!(recs[0]["link"], format!("/cases/{case}"));
        let req = axum::http::Request::get(format!("/api/v1/reports?{q}"))
            .header("authorization", format!("Bearer {}", w.sue))
            .header("accept", "text/csv")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(w.app.clone(), req)
            .await
            .unwrap();
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8_lossy(&body).to_string();
        assert!(text.contains("filter,,person,maya"), "{text}");
        assert!(
            text.contains("chart: Satisfaction ratings,,5 of 5,1,answers"),
            "{text}"
        );
        assert!(
            text.contains("satisfaction,maya,average rating (of 5),5.0,"),
            "{text}"
        );
        // Expired: fifteen days later the other link is closed.
        w.clock
            .set(&(now + jiff::SignedDuration::from_hours(24 * 15)).to_string());
        let r = post(link2, "rating=4").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("closed"), "{}", r.text);

        // A compliment on a social post, credited to Maya; confirmed by
        // someone other than who recorded it.
        let (s, p) = call(&w.app, &w.sue, "POST", "/api/v1/kudos", Some(json!({"kind": "compliment", "source": "social", "words": "Maya called me back on a holiday!", "staff_ids": [w.maya_id]}))).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("link"))
        );
        let (s, p) = call(
            &w.app,
            &w.sue,
            "POST",
            "/api/v1/kudos",
            Some(json!({"kind": "compliment", "source": "phone", "words": "Thanks"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("staff_ids"))
        );
        let (s, k) = call(&w.app, &w.sue, "POST", "/api/v1/kudos", Some(json!({"kind": "compliment", "source": "social", "link": "https://social.example/ben/1", "words": "Maya called me back on a holiday!", "staff_ids": [w.maya_id], "on": "2026-11-28"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let kid = k["id"].as_str().unwrap().to_string();
        let (_, f) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/staff/{}/feedback", w.maya_id),
            None,
        )
        .await;
        assert_eq!(
            (f["ratings"].as_i64(), f["average_x100"].as_i64()),
            (Some(1), Some(500)),
            "{f}"
        );
        assert!(
            f["kudos"].as_array().unwrap().is_empty(),
            "not yet confirmed"
        );
        let (s, _) = call(
            &w.app,
            &w.sue,
            "POST",
            &format!("/api/v1/kudos/{kid}/confirm"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not by who recorded it");
        let (s, _) = call(
            &w.app,
            &w.maya,
            "POST",
            &format!("/api/v1/kudos/{kid}/confirm"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "agents do not confirm");
        let (s, _) = call(
            &w.app,
            &w.admin,
            "POST",
            &format!("/api/v1/kudos/{kid}/confirm"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = call(
            &w.app,
            &w.admin,
            "POST",
            &format!("/api/v1/kudos/{kid}/confirm"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, f) = call(
            &w.app,
            &w.maya,
            "GET",
            &format!("/api/v1/staff/{}/feedback", w.maya_id),
            None,
        )
        .await;
        assert_eq!(f["kudos"][0]["words"], "Maya called me back on a holiday!");
        let (s, _) = call(&w.app, &w.maya, "GET", "/api/v1/surveys", None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
