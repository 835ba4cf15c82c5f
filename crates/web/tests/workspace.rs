//! Issue 10's findings through the API and the console, on both databases:
//! compensation is tied to the charge it makes good (no $79.98 for a $39.99
//! dispute); creating forms and requests act once under a key; the bill
//! shows the customer's words, never the internal note.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{between, call, get_page, new_account, post_form, session, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;

#[tokio::test]
async fn a_credit_about_a_charge_makes_it_good_and_nobody_pays_it_twice() {
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
        let (_, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": "inv-1", "memo": "Technician visit: inside wiring"}))).await;
        let act = format!("/api/v1/accounts/{acct}/ledger/actions");
        // Maya makes the disputed charge good with a credit naming it.
        let (s, credit) = call(&app, maya, "POST", &act, Some(json!({"action": "goodwill_credit", "amount_minor": 3999, "currency": "USD", "charge_id": charge["id"], "reason": "Rosa disputes the visit; the tech never came in", "label": "Credit for a technician visit", "idempotency_key": "c1"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {credit}");
        assert_eq!(
            credit["related_entry_id"], charge["id"],
            "{url}: the credit names the charge"
        );
        // The charge shows what was given and by whom.
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        let c = view["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entry"]["id"] == charge["id"])
            .unwrap()
            .clone();
        assert_eq!(c["compensated_minor"], 3999, "{url}: {c}");
        assert_eq!(c["compensated_by"], "maya", "{url}");
        // The billing specialist then tries to waive it too: refused, saying
        // what was already given.
        let (s, p) = call(&app, bea, "POST", &act, Some(json!({"action": "charge_waiver", "amount_minor": 3999, "currency": "USD", "charge_id": charge["id"], "reason": "valid complaint", "idempotency_key": "w1"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {p}");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("$39.99 was already given about this charge (last by maya"),
            "{url}: {detail}"
        );
        assert!(detail.contains("$0.00 of it is left"), "{url}: {detail}");
        // Nor a second credit about it.
        let (s, _) = call(&app, bea, "POST", &act, Some(json!({"action": "goodwill_credit", "amount_minor": 100, "currency": "USD", "charge_id": charge["id"], "reason": "more", "idempotency_key": "c2"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        // The bill: the customer's words, not the internal note; no refund offered.
        let (_, view) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{acct}/ledger"),
            None,
        )
        .await;
        let lines = view["next_bill"]["lines"].to_string();
        assert!(
            lines.contains("Credit for a technician visit"),
            "{url}: {lines}"
        );
        assert!(
            !lines.contains("disputes"),
            "{url}: the internal note stays off the bill: {lines}"
        );
        assert_eq!(
            view["balance_minor"], 0,
            "{url}: $39.99 given for a $39.99 dispute, not $79.98"
        );
        assert!(view["overpayment_minor"].is_null(), "{url}");
    }
}

#[tokio::test]
async fn what_was_given_about_a_charge_counts_against_the_limit_each() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, billing) = (&t[0], &t[1]);
        let acct = new_account(&app, maya).await;
        let (_, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 9000, "currency": "USD", "external_id": "inv-2", "memo": "Install"}))).await;
        let act = format!("/api/v1/accounts/{acct}/ledger/actions");
        // Agents may credit $50 each: $40 now, then $20 more about the same
        // charge would be $60 for one charge.
        let (s, _) = call(&app, maya, "POST", &act, Some(json!({"action": "goodwill_credit", "amount_minor": 4000, "currency": "USD", "charge_id": charge["id"], "reason": "late install", "idempotency_key": "a"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        let (s, d) = call(&app, maya, "POST", &act, Some(json!({"action": "goodwill_credit", "amount_minor": 2000, "currency": "USD", "charge_id": charge["id"], "reason": "still late", "idempotency_key": "b"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}: {d}");
        let reason = d["detail"].as_str().unwrap_or_default();
        assert!(
            reason.contains(
                "would make $60.00 given about this charge, beyond your limit of $50.00 each"
            ) && reason.contains("$40.00 was already given about this charge"),
            "{url}: {d}"
        );
        assert_eq!(
            d["decision"]["alternatives"][0]["amount_minor"], 1000,
            "{url}: the $10 left of the $50: {d}"
        );
        // Without naming a charge the same $20 is an ordinary credit.
        let (s, _) = call(&app, maya, "POST", &act, Some(json!({"action": "goodwill_credit", "amount_minor": 2000, "currency": "USD", "reason": "outage", "idempotency_key": "c"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
    }
}

#[tokio::test]
async fn creating_twice_under_one_key_creates_once() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let maya = &t[0];
        let acct = new_account(&app, maya).await;
        let keyed = |uri: &str, key: &str, body: serde_json::Value| {
            let req = axum::http::Request::post(uri.to_string())
                .header("authorization", format!("Bearer {maya}"))
                .header("content-type", "application/json")
                .header("idempotency-key", key)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let app = app.clone();
            async move {
                use http_body_util::BodyExt;
                use tower::ServiceExt;
                let res = app.oneshot(req).await.unwrap();
                let st = res.status();
                let b = res.into_body().collect().await.unwrap().to_bytes();
                (
                    st,
                    serde_json::from_slice::<serde_json::Value>(&b).unwrap_or_default(),
                )
            }
        };
        let body =
            json!({"account_id": acct, "title": "Disputed visit", "category": "billing_dispute"});
        // A double click: both at once.
        let (a, b) = tokio::join!(
            keyed("/api/v1/cases", "k-1", body.clone()),
            keyed("/api/v1/cases", "k-1", body.clone())
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CREATED],
            "{url}: {a:?} {b:?}"
        );
        assert_eq!(a.1["case"]["id"], b.1["case"]["id"], "{url}: one case");
        // A retry later answers the same case.
        let (s, c) = keyed("/api/v1/cases", "k-1", body.clone()).await;
        assert_eq!(
            (s, &c["case"]["id"]),
            (StatusCode::OK, &a.1["case"]["id"]),
            "{url}"
        );
        // A refused create frees its key: corrected, the same key creates.
        let (s, _) = keyed(
            "/api/v1/cases",
            "k-2",
            json!({"account_id": acct, "title": "", "category": "billing_dispute"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let (s, _) = keyed("/api/v1/cases", "k-2", body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        // Contacts too.
        let contact = json!({"channel": "outbound_call", "account_id": acct});
        let (s1, x) = keyed("/api/v1/interactions", "i-1", contact.clone()).await;
        let (s2, y) = keyed("/api/v1/interactions", "i-1", contact.clone()).await;
        assert_eq!(
            (s1, s2),
            (StatusCode::CREATED, StatusCode::OK),
            "{url}: {x}"
        );
        assert_eq!(x["interaction"]["id"], y["interaction"]["id"], "{url}");
        // A key used for a case is not a contact's.
        let (s, p) = keyed("/api/v1/interactions", "k-1", contact.clone()).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key")),
            "{url}: {p}"
        );
        let (s, p) = keyed("/api/v1/cases", &"x".repeat(101), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {p}");
        assert_eq!(p["field"], "Idempotency-Key", "{url}: {p}");

        // The console's new-customer form: sent twice, one customer.
        let cookie = session(&app, "maya@t.example").await;
        let form = "_key=form-1&given_name=Twice&family_name=Clicked&phone=555-010-7777";
        let first = post_form(&app, "/customers/new", form, &cookie).await;
        let second = post_form(&app, "/customers/new", form, &cookie).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{url}: {}", first.text);
        assert_eq!(second.status, StatusCode::SEE_OTHER, "{url}");
        assert_eq!(first.location, second.location, "{url}: the same account");
        let (_, found) = call(&app, maya, "GET", "/api/v1/lookup?q=Twice%20Clicked", None).await;
        let n = found.as_array().map_or(0, Vec::len);
        assert_eq!(n, 1, "{url}: one customer: {found}");
        let page = get_page(&app, "/customers/new", &cookie.0).await;
        assert!(
            between(&page.text, "name=\"_key\" value=\"", "\"").len() >= 32,
            "{url}: the form carries a key"
        );
    }
}

#[tokio::test]
async fn presence_follows_calls_and_routing_never_offers_a_second_call() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("admin@t.example", "admin", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
        let app = router(state.clone());
        let (admin, maya) = (&t[0], &t[1]);
        let acct = new_account(&app, maya).await;
        let (s, q) = call(
            &app,
            admin,
            "POST",
            "/api/v1/queues",
            Some(json!({"name": "Care", "skill": "general", "time_zone": "UTC", "hours": "24/7"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {q}");
        let (_, slow) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "Care with notes", "skill": "general", "time_zone": "UTC", "hours": "24/7", "after_call_secs": 60}))).await;
        let (s, bad) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "X", "skill": "general", "time_zone": "UTC", "hours": "24/7", "after_call_secs": 7200}))).await;
        assert_eq!(
            (s, bad["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("after_call_secs")),
            "{url}"
        );
        let maya_id = call(&app, maya, "GET", "/api/v1/me", None).await.1["id"].clone();
        call(
            &app,
            admin,
            "PUT",
            &format!("/api/v1/staff/{}/skills", maya_id.as_str().unwrap()),
            Some(json!({"skills": ["general"]})),
        )
        .await;
        let (s, _) = call(
            &app,
            maya,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}");
        let presence = |app: axum::Router, token: String| async move {
            call(&app, &token, "GET", "/api/v1/me/work", None).await.1["availability"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        // Maya takes a call at her desk: on the call, she is busy.
        let (s, mine) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "inbound_call", "account_id": acct, "in_progress": true})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {mine}");
        assert_eq!(
            mine["interaction"]["state"], "connected",
            "{url}: a call taken at the desk needs no Answer"
        );
        assert_eq!(presence(app.clone(), maya.clone()).await, "busy", "{url}");
        // Another caller waits: routing does not offer Maya a second call.
        let (_, other) = call(
            &app,
            admin,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "chat", "account_id": acct})),
        )
        .await;
        let other_id = other["interaction"]["id"].as_str().unwrap().to_string();
        let (s, pos) = call(
            &app,
            admin,
            "POST",
            &format!("/api/v1/interactions/{other_id}/enqueue"),
            Some(json!({"queue_id": q["id"]})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {pos}");
        assert!(
            pos["offered_to"].is_null(),
            "{url}: not offered while she is on a call: {pos}"
        );
        // She wraps up: available again, and the waiting contact is offered to her.
        let id = mine["interaction"]["id"].as_str().unwrap();
        let (s, w) = call(&app, maya, "POST", &format!("/api/v1/interactions/{id}/wrap-up"), Some(json!({"version": mine["interaction"]["version"], "outcome": "resolved", "disposition": "billing_dispute"}))).await;
        assert_eq!(s, StatusCode::OK, "{url}: {w}");
        let (_, pos) = call(
            &app,
            admin,
            "GET",
            &format!("/api/v1/interactions/{other_id}/queue-position"),
            None,
        )
        .await;
        assert_eq!(pos["offered_to"], maya_id, "{url}: {pos}");
        // A voice contact from a queue with after-call work keeps her busy
        // for that long after the wrap-up.
        call(
            &app,
            maya,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        let (_, third) = call(
            &app,
            admin,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "inbound_call", "account_id": acct})),
        )
        .await;
        let third_id = third["interaction"]["id"].as_str().unwrap().to_string();
        call(
            &app,
            admin,
            "POST",
            &format!("/api/v1/interactions/{third_id}/enqueue"),
            Some(json!({"queue_id": slow["id"]})),
        )
        .await;
        let (_, v) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{third_id}"),
            None,
        )
        .await;
        let (s, a) = call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{third_id}/state"),
            Some(json!({"version": v["interaction"]["version"], "state": "connected"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {a}");
        assert_eq!(presence(app.clone(), maya.clone()).await, "busy", "{url}");
        call(&app, maya, "POST", &format!("/api/v1/interactions/{third_id}/wrap-up"), Some(json!({"version": a["interaction"]["version"], "outcome": "resolved", "disposition": "outage"}))).await;
        assert_eq!(
            presence(app.clone(), maya.clone()).await,
            "busy",
            "{url}: after-call work"
        );
        assert_eq!(
            state.routing.end_after_call().await.unwrap(),
            0,
            "{url}: not over yet"
        );
    }
}

#[tokio::test]
async fn every_page_shows_presence_the_call_bar_and_what_waits() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
            ],
        )
        .await;
        let app = router(state);
        let maya_token = &t[0];
        let acct = new_account(&app, maya_token).await;
        let maya = session(&app, "maya@t.example").await;
        let sam = session(&app, "sam@t.example").await;
        // Presence is in the header of every page, and can be changed there.
        let page = get_page(&app, &format!("/accounts/{acct}"), &maya.0).await;
        assert!(
            between(&page.text, "id=\"presence\"", "</select>")
                .contains("value=\"offline\" selected"),
            "{url}"
        );
        assert!(
            !page.text.contains("id=\"call-bar\""),
            "{url}: no call, no call bar"
        );
        assert!(
            page.text.contains("class=\"skip-link\" href=\"#main\""),
            "{url}"
        );
        let here = format!("/accounts/{acct}");
        let set = common::browse(
            &app,
            axum::http::Request::post("/work/availability")
                .header("cookie", &maya.0)
                .header("referer", format!("http://localhost{here}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "_csrf={}&back=here&state=available",
                    maya.1
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(
            set.location.as_deref(),
            Some(here.as_str()),
            "{url}: back to the page it was set on"
        );
        // She logs the call she is on from the 360: the call bar follows her
        // to every page, and she is busy.
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        assert_eq!(
            started.status,
            StatusCode::SEE_OTHER,
            "{url}: {}",
            started.text
        );
        let page = get_page(&app, "/search?q=zzz", &maya.0).await;
        let bar = between(&page.text, "id=\"call-bar\"", "</section>");
        assert!(
            bar.contains("connected") && bar.contains("Rosa Alvarez") && bar.contains("Wrap up"),
            "{url}: {bar}"
        );
        assert!(
            bar.contains("value=\"on_hold\""),
            "{url}: Hold from any page"
        );
        assert!(
            between(&page.text, "id=\"presence\"", "</select>").contains("value=\"busy\" selected"),
            "{url}"
        );
        // The same form sent again (a double click) starts nothing new.
        let again = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        assert_eq!(again.location, started.location, "{url}");
        // Not allowed keeps the header, the navigation and the call bar.
        let refused = get_page(&app, "/policies", &maya.0).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{url}");
        assert!(
            refused.text.contains("Sign out") && refused.text.contains("id=\"call-bar\""),
            "{url}: {}",
            refused.text
        );
        let missing = get_page(&app, "/consultz", &maya.0).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{url}");
        assert!(
            missing.text.contains("Sign out") && missing.text.contains("Not found"),
            "{url}: {}",
            missing.text
        );
        let (s, p) = call(&app, maya_token, "GET", "/api/v1/nothing-here", None).await;
        assert_eq!(
            (s, p["status"].as_i64()),
            (StatusCode::NOT_FOUND, Some(404)),
            "{url}: the API answers problem+json"
        );
        // An approval request shows as a count on the supervisor's Approvals link.
        let before = get_page(&app, "/work", &sam.0).await;
        assert!(
            !between(&before.text, "id=\"nav-approvals\"", "</a>").contains("class=\"count\""),
            "{url}"
        );
        let (s, _) = call(&app, maya_token, "POST", &format!("/api/v1/accounts/{acct}/approvals"), Some(json!({"action": "goodwill_credit", "amount_minor": 60000, "currency": "USD", "reason": "big outage", "idempotency_key": "ask-1"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        let after = get_page(&app, "/work", &sam.0).await;
        assert!(
            between(&after.text, "id=\"nav-approvals\"", "</a>").contains(">1<"),
            "{url}: {}",
            between(&after.text, "id=\"nav-approvals\"", "</a>")
        );
    }
}

#[tokio::test]
async fn forms_have_no_risky_defaults_and_errors_sit_at_the_field_in_its_words() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let token = &t[0];
        let acct = new_account(&app, token).await;
        let maya = session(&app, "maya@t.example").await;
        // Categories are a pick-list, in the API too.
        let (s, p) = call(
            &app,
            token,
            "POST",
            "/api/v1/cases",
            Some(json!({"account_id": acct, "title": "x", "category": "whatever"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("category")),
            "{url}: {p}"
        );
        assert!(
            p["detail"].as_str().unwrap().contains("Billing dispute"),
            "{url}: the choices are named: {p}"
        );
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        let contact = started.location.unwrap();
        let page = get_page(&app, &contact, &maya.0).await;
        let category = between(&page.text, "id=\"case_category\"", "</select>");
        assert!(
            category.contains("<option value=\"\">choose…</option>")
                && category.contains(">Billing dispute</option>"),
            "{url}: {category}"
        );
        assert!(
            !page.text.contains("placeholder=\"billing_dispute\""),
            "{url}: no codes as placeholders"
        );
        // Open a case without a category: the error is at the field.
        let bad = post_form(
            &app,
            &format!("{contact}/open-case"),
            "_key=c0&case_title=Disputed+visit&case_category=",
            &maya,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(
            bad.text
                .contains("id=\"e-case_category\">Category: choose one<"),
            "{url}: {}",
            between(&bad.text, "id=\"case_category\"", "</div>")
        );
        let opened = post_form(
            &app,
            &format!("{contact}/open-case"),
            "_key=c1&case_title=Disputed+visit&case_category=billing_dispute",
            &maya,
        )
        .await;
        let case = format!(
            "/cases/{}",
            between(opened.location.as_deref().unwrap(), "opened=", "#")
        );
        // Resolve has no pre-selected answer, and a confirmation needs words.
        let page = get_page(&app, &case, &maya.0).await;
        let choices = between(
            &page.text,
            "<legend>Did the customer confirm it is fixed?</legend>",
            "</fieldset>",
        );
        assert!(
            !choices.contains("checked"),
            "{url}: nothing chosen for the agent: {choices}"
        );
        let version = between(&page.text, "name=\"version\" value=\"", "\"");
        let none = post_form(
            &app,
            &format!("{case}/resolve"),
            &format!("version={version}&resolution_note="),
            &maya,
        )
        .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(none.text.contains("id=\"e-confirmed\">Did the customer confirm it is fixed?: say whether the customer confirmed it<"), "{url}");
        let empty = post_form(
            &app,
            &format!("{case}/resolve"),
            &format!("version={version}&confirmed=yes&resolution_note="),
            &maya,
        )
        .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: one click records no empty confirmation"
        );
        assert!(empty.text.contains("id=\"e-resolution_note\">"), "{url}");
        assert!(
            empty
                .text
                .contains("write what the customer said to confirm it"),
            "{url}"
        );
        // Wrap-up: the reason's error says Reason, not disposition.
        let page = get_page(&app, &contact, &maya.0).await;
        let version = between(
            between(&page.text, "id=\"wrap-h\"", "</form>"),
            "name=\"version\" value=\"",
            "\"",
        )
        .to_string();
        let bad = post_form(
            &app,
            &format!("{contact}/wrap-up"),
            &format!("version={version}&outcome=assisted_resolution&disposition="),
            &maya,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(
            bad.text
                .contains("id=\"e-disposition\">Reason: choose one<"),
            "{url}"
        );
        assert!(!bad.text.contains("disposition: "), "{url}");
        let done = post_form(
            &app,
            &format!("{contact}/wrap-up"),
            &format!("version={version}&outcome=assisted_resolution&disposition=billing_dispute"),
            &maya,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{url}: {}", done.text);
        // The timeline in people's words.
        let page = get_page(&app, &contact, &maya.0).await;
        let timeline = between(&page.text, "id=\"timeline\"", "</ol>");
        assert!(
            timeline.contains("Wrapped up")
                && timeline.contains("Resolved with a colleague&#39;s help · Billing dispute"),
            "{url}: {timeline}"
        );
        assert!(
            !timeline.contains("assisted_resolution") && !timeline.contains("wrapped up"),
            "{url}: {timeline}"
        );
    }
}

#[tokio::test]
async fn the_consult_card_tells_the_specialist_who_what_and_how_long_the_customer_waits() {
    for url in testing::databases().await {
        let store = std::sync::Arc::new(
            extramile_store::SqlStore::open(&url, &extramile_store::Options::default())
                .await
                .unwrap(),
        );
        let state = extramile_web::AppState::new(store, "US", false);
        let billing = state.staff.ensure_team("Billing").await.unwrap();
        let t = common::add_staff(
            &state,
            &[
                ("maya@t.example", "agent", None),
                ("bea@t.example", "specialist", Some(billing.id)),
            ],
        )
        .await;
        let app = router(state);
        let maya_token = &t[0];
        let acct = new_account(&app, maya_token).await;
        let maya = session(&app, "maya@t.example").await;
        let bea = session(&app, "bea@t.example").await;
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        let contact = started.location.unwrap();
        let opened = post_form(
            &app,
            &format!("{contact}/open-case"),
            "_key=c1&case_title=Disputed+visit&case_category=billing_dispute",
            &maya,
        )
        .await;
        let case = format!(
            "/cases/{}",
            between(opened.location.as_deref().unwrap(), "opened=", "#")
        );
        // On the case page the live contact is preselected for the consult.
        let page = get_page(&app, &case, &maya.0).await;
        let on = between(&page.text, "id=\"interaction_id\"", "</select>");
        let live = contact.trim_start_matches("/interactions/");
        assert!(
            on.contains(&format!("<option value=\"{live}\" selected>")),
            "{url}: {on}"
        );
        let asked = post_form(
            &app,
            &format!("{case}/consult"),
            &format!(
                "_key=q1&team_id={}&question=Is+the+%2439.99+charge+valid%3F&interaction_id={live}",
                billing.id
            ),
            &maya,
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{url}: {}", asked.text);
        // Bea's consults page: who, which account and case, the question, and the customer waiting.
        let page = get_page(&app, "/consults", &bea.0).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let card = between(&page.text, "class=\"consult\"", "</li>");
        assert!(
            card.contains("Is the $39.99 charge valid?"),
            "{url}: {card}"
        );
        assert!(card.contains("<strong>maya</strong> asks"), "{url}: {card}");
        assert!(
            card.contains("Rosa Alvarez") && card.contains("EM"),
            "{url}: the account: {card}"
        );
        assert!(
            card.contains("case <a href=\"/cases/") && card.contains("Disputed visit"),
            "{url}: {card}"
        );
        assert!(
            card.contains("Customer on the line, waiting <time class=\"ticker\""),
            "{url}: {card}"
        );
        assert!(
            page.text.contains("href=\"/consults\""),
            "{url}: specialists have a Consults link"
        );
        // The contact's timeline tells the story of the work beside it.
        let page = get_page(&app, &contact, &maya.0).await;
        let timeline = between(&page.text, "id=\"timeline\"", "</ol>");
        assert!(
            timeline.contains("Case opened") && timeline.contains("Disputed visit"),
            "{url}: {timeline}"
        );
        assert!(
            timeline.contains("Asked a department")
                && timeline.contains("Billing: Is the $39.99 charge valid?"),
            "{url}: {timeline}"
        );
    }
}

#[tokio::test]
async fn my_work_is_a_page_of_cases_due_first_with_the_count() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let token = &t[0];
        let acct = new_account(&app, token).await;
        for i in 0..50 {
            call(&app, token, "POST", "/api/v1/cases", Some(json!({"account_id": acct, "title": format!("Low {i}"), "category": "technical", "priority": "low"}))).await;
        }
        let (_, urgent) = call(&app, token, "POST", "/api/v1/cases", Some(json!({"account_id": acct, "title": "Urgent one", "category": "outage", "priority": "urgent"}))).await;
        let maya = session(&app, "maya@t.example").await;
        let page = get_page(&app, "/work", &maya.0).await;
        let head = between(&page.text, "id=\"cases-h\">", "</h2>");
        assert!(
            head.contains("My open cases (51)")
                && head.contains("1–50 of 51, breached and due first"),
            "{url}: {head}"
        );
        let first_row = between(
            between(&page.text, "id=\"cases-h\"", "</table>"),
            "<tbody>",
            "</tr>",
        );
        assert!(
            first_row.contains("Urgent one"),
            "{url}: the case due first leads, though opened last: {first_row}"
        );
        assert!(
            page.text
                .contains("href=\"/work?cases_page=2\" rel=\"next\""),
            "{url}"
        );
        let two = get_page(&app, "/work?cases_page=2", &maya.0).await;
        assert!(
            between(&two.text, "id=\"cases-h\">", "</h2>").contains("51–51 of 51"),
            "{url}"
        );
        let (_, api) = call(
            &app,
            token,
            "GET",
            "/api/v1/me/work?cases_limit=10&cases_offset=0",
            None,
        )
        .await;
        assert_eq!(
            (
                api["cases"].as_array().unwrap().len(),
                api["cases_total"].as_i64()
            ),
            (10, Some(51)),
            "{url}"
        );
        assert_eq!(api["cases"][0]["case"]["id"], urgent["case"]["id"], "{url}");
        let (s, p) = call(&app, token, "GET", "/api/v1/me/work?cases_limit=lots", None).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("cases_limit")),
            "{url}: {p}"
        );
    }
}

#[tokio::test]
async fn search_says_how_many_tells_namesakes_apart_and_puts_current_holders_first() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let token = &t[0];
        let person = |given: &str, family: &str, phone: Option<&str>| {
            let mut body = json!({"given_name": given, "family_name": family});
            if let Some(p) = phone {
                body["contact_points"] = json!([{"kind": "phone", "value": p, "is_primary": true}]);
            }
            body
        };
        let add = |given: &'static str,
                   family: &'static str,
                   phone: Option<&'static str>,
                   city: Option<&'static str>| {
            let app = app.clone();
            let body = person(given, family, phone);
            let token = token.clone();
            async move {
                let (_, p) = call(&app, &token, "POST", "/api/v1/people", Some(body)).await;
                let (_, a) = call(
                    &app,
                    &token,
                    "POST",
                    "/api/v1/accounts",
                    Some(json!({"holder_id": p["person"]["id"]})),
                )
                .await;
                if let Some(c) = city {
                    call(
                        &app,
                        &token,
                        "POST",
                        &format!("/api/v1/accounts/{}/locations", a["id"].as_str().unwrap()),
                        Some(json!({"line1": "1 Main St", "city": c, "postcode": "12345"})),
                    )
                    .await;
                }
                (
                    p["person"]["id"].as_str().unwrap().to_string(),
                    a["id"].as_str().unwrap().to_string(),
                )
            }
        };
        add("David", "Smith", Some("555-010-1111"), Some("Springfield")).await;
        add("David", "Smith", Some("555-010-2222"), Some("Shelbyville")).await;
        for given in [
            "Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jo", "Kim", "Lou",
            "Max", "Ned", "Oz", "Pat", "Quin", "Ray", "Sal", "Tam", "Uma", "Val",
        ] {
            add(given, "Smith", None, None).await;
        }
        let maya = session(&app, "maya@t.example").await;
        let page = get_page(&app, "/search?q=smith", &maya.0).await;
        let count = between(&page.text, "id=\"results-count\"", "</p>");
        assert!(
            count.contains("20 of 24 — refine"),
            "{url}: it says there are more: {count}"
        );
        let rows: Vec<&str> = page
            .text
            .split("<tr>")
            .filter(|r| r.contains("David Smith"))
            .collect();
        assert_eq!(rows.len(), 2, "{url}");
        assert!(
            rows.iter().any(|r| r.contains("Springfield · phone …1111")),
            "{url}: {rows:?}"
        );
        assert!(
            rows.iter().any(|r| r.contains("Shelbyville · phone …2222")),
            "{url}: {rows:?}"
        );

        // Miguel held the account before Rosa and has died: Rosa comes first.
        let (miguel, acct) = add("Miguel", "Alvarez", None, None).await;
        let (_, rosa) = call(
            &app,
            token,
            "POST",
            "/api/v1/people",
            Some(person("Rosa", "Alvarez", None)),
        )
        .await;
        let (s, _) = call(
            &app,
            token,
            "POST",
            &format!("/api/v1/accounts/{acct}/roles"),
            Some(json!({"person_id": rosa["person"]["id"], "kind": "holder"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        let (_, view) = call(
            &app,
            token,
            "GET",
            &format!("/api/v1/accounts/{acct}"),
            None,
        )
        .await;
        let role = view["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person"]["id"] == miguel.as_str())
            .unwrap()["role"]
            .clone();
        let (s, ended) = call(
            &app,
            token,
            "POST",
            &format!("/api/v1/roles/{}/end", role["id"].as_str().unwrap()),
            Some(json!({"version": role["version"], "reason": "deceased"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {ended}");
        let page = get_page(&app, "/search?q=alvrez", &maya.0).await;
        let (r, m) = (
            page.text.find(">Rosa Alvarez</a></td>"),
            page.text.find(">Miguel Alvarez</a></td>"),
        );
        assert!(
            r.is_some() && m.is_some() && r < m,
            "{url}: the current holder first: {}",
            between(&page.text, "<tbody>", "</tbody>")
        );
    }
}

#[tokio::test]
async fn a_limit_above_ones_own_or_a_role_above_needs_a_reason_and_supervisors_read_policies() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("ann@t.example", "admin", None),
                ("sam@t.example", "supervisor", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
        let app = router(state);
        let admin = &t[0];
        // Refunds up to $20,000 each for agents: more than admins' own $10,000.
        let body = json!({"role": "agent", "action": "refund", "currency": "USD", "per_entry_limit_minor": 2_000_000});
        let (s, p) = call(&app, admin, "PUT", "/api/v1/policies", Some(body.clone())).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
            "{url}: {p}"
        );
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("more than your own limit for refund"),
            "{url}: {p}"
        );
        let mut with_reason = body.clone();
        with_reason["reason"] = json!("year-end refunds of the price error, approved by the COO");
        let (s, p) = call(&app, admin, "PUT", "/api/v1/policies", Some(with_reason)).await;
        assert_eq!(s, StatusCode::OK, "{url}: {p}");
        // Within one's own and below every role above: no reason needed.
        let (s, p) = call(&app, admin, "PUT", "/api/v1/policies", Some(json!({"role": "agent", "action": "goodwill_credit", "currency": "USD", "per_entry_limit_minor": 4000}))).await;
        assert_eq!(s, StatusCode::OK, "{url}: {p}");
        // Supervisors read the policies (not change them); agents do not.
        let sam = session(&app, "sam@t.example").await;
        let page = get_page(&app, "/policies", &sam.0).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        assert!(
            page.text.contains("id=\"policies\"") && !page.text.contains("id=\"policy-form\""),
            "{url}"
        );
        let maya = session(&app, "maya@t.example").await;
        assert_eq!(
            get_page(&app, "/policies", &maya.0).await.status,
            StatusCode::FORBIDDEN,
            "{url}"
        );
        // The console says so at the reason field.
        let ann = session(&app, "ann@t.example").await;
        let refused = post_form(
            &app,
            "/policies",
            "who=role%3Aagent&action=refund&currency=USD&each=20000&month=",
            &ann,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(
            refused
                .text
                .contains("id=\"e-reason\">Why: $20,000.00 each is more than your own limit"),
            "{url}: {}",
            between(&refused.text, "id=\"policy-form\"", "</form>")
        );
    }
}

#[tokio::test]
async fn supervisors_see_decided_requests_and_an_open_queue_nobody_answers() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
                ("ann@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, sam, admin) = (&t[0], &t[1], &t[2]);
        let acct = new_account(&app, maya).await;
        let (_, asked) = call(&app, maya, "POST", &format!("/api/v1/accounts/{acct}/approvals"), Some(json!({"action": "goodwill_credit", "amount_minor": 6000, "currency": "USD", "reason": "outage all week", "idempotency_key": "a1"}))).await;
        let sam_page = session(&app, "sam@t.example").await;
        let page = get_page(&app, "/approvals", &sam_page.0).await;
        assert!(
            between(&page.text, "id=\"decided\"", "</section>").contains("No request decided yet"),
            "{url}"
        );
        let (s, d) = call(
            &app,
            sam,
            "POST",
            &format!(
                "/api/v1/approvals/{}/decision",
                asked["id"].as_str().unwrap()
            ),
            Some(
                json!({"version": asked["version"], "approve": true, "reason": "confirmed outage"}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {d}");
        let page = get_page(&app, "/approvals", &sam_page.0).await;
        let decided = between(&page.text, "id=\"decided\"", "</section>");
        assert!(
            decided.contains("approved")
                && decided.contains("confirmed outage")
                && decided.contains("maya"),
            "{url}: {decided}"
        );
        // An open queue with nobody available is the wall's alarm.
        call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "Night line", "skill": "night", "time_zone": "UTC", "hours": "24/7"}))).await;
        let wall = get_page(&app, "/queues", &sam_page.0).await;
        let alarm = between(&wall.text, "id=\"unstaffed\"", "</p>");
        assert!(
            alarm.contains("Open with nobody available:") && alarm.contains("Night line"),
            "{url}: {alarm}"
        );
    }
}

#[tokio::test]
async fn the_audit_log_filters_by_person_account_action_and_date_and_reads_as_changes() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, tom, sam) = (&t[0], &t[1], &t[2]);
        let rosa = new_account(&app, maya).await;
        let other = new_account(&app, tom).await;
        let (_, acct) = call(&app, maya, "GET", &format!("/api/v1/accounts/{rosa}"), None).await;
        let number = acct["account"]["number"].as_str().unwrap().to_string();
        let version = acct["account"]["version"].clone();
        let (s, e) = call(&app, maya, "PATCH", &format!("/api/v1/accounts/{rosa}"), Some(json!({"version": version, "status": "suspended", "reason": "asked to pause while abroad"}))).await;
        assert!(s.is_success(), "{url}: {e}");
        let maya_id = call(&app, maya, "GET", "/api/v1/me", None).await.1["id"]
            .as_str()
            .unwrap()
            .to_string();
        // By person: only Maya's events.
        let (_, mine) = call(
            &app,
            sam,
            "GET",
            &format!("/api/v1/audit?actor={maya_id}"),
            None,
        )
        .await;
        assert!(
            !mine.as_array().unwrap().is_empty()
                && mine
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["actor_id"] == maya_id.as_str()),
            "{url}"
        );
        // The page: by account number and action, with what changed in words.
        let sam_page = session(&app, "sam@t.example").await;
        let page = get_page(
            &app,
            &format!("/audit?account={number}&action=update"),
            &sam_page.0,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let rows = between(&page.text, "id=\"audit-rows\"", "</table>\n");
        assert!(rows.contains("<th scope=\"row\">status</th><td class=\"was\">active</td><td aria-hidden=\"true\">→</td><td class=\"now\">suspended</td>"), "{url}: {rows}");
        assert!(rows.contains("asked to pause while abroad"), "{url}");
        let everything = get_page(&app, &format!("/audit?account={number}"), &sam_page.0).await;
        assert!(
            !everything.text.contains(&other),
            "{url}: another account's events stay out"
        );
        // Dates: nothing before the epoch's first day; a bad date is said at once.
        let old = get_page(&app, "/audit?to=1999-01-01", &sam_page.0).await;
        assert!(old.text.contains("Nothing matches."), "{url}");
        let bad = get_page(&app, "/audit?from=yesterday", &sam_page.0).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(bad.text.contains("from: a date like 2026-11-29"), "{url}");
        let bad = get_page(&app, "/audit?account=EM99999999", &sam_page.0).await;
        assert!(bad.text.contains("no account with this number"), "{url}");
    }
}

#[tokio::test]
async fn times_are_in_the_readers_zone_and_the_customers_local_time_shows() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let token = &t[0];
        let acct = new_account(&app, token).await;
        let maya = session(&app, "maya@t.example").await;
        // The provider's zone (UTC in this test) until she chooses hers.
        let page = get_page(&app, "/me", &maya.0).await;
        assert!(
            between(&page.text, "id=\"now-here\">", "<").ends_with("UTC"),
            "{url}"
        );
        let bad = post_form(&app, "/me", "time_zone=Mars%2FOlympus", &maya).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(
            bad.text
                .contains("id=\"e-time_zone\">Time zone: an IANA time zone"),
            "{url}"
        );
        let saved = post_form(&app, "/me", "time_zone=America%2FDenver", &maya).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{url}");
        let page = get_page(&app, "/me?saved=1", &maya.0).await;
        let now = between(&page.text, "id=\"now-here\">", "<");
        assert!(now.ends_with("MST") || now.ends_with("MDT"), "{url}: {now}");
        // Every time on a page is in her zone: the audit trail of the account.
        let (_, me) = call(&app, token, "GET", "/api/v1/me", None).await;
        assert_eq!(me["time_zone"], "America/Denver", "{url}");
        // A service address with a known zone shows the customer's local time.
        let (s, l) = call(&app, token, "POST", &format!("/api/v1/accounts/{acct}/locations"), Some(json!({"line1": "742 Evergreen Terrace", "city": "Santa Fe", "postcode": "87501", "time_zone": "America/Denver"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {l}");
        let (s, p) = call(&app, token, "POST", &format!("/api/v1/accounts/{acct}/locations"), Some(json!({"line1": "1 Nowhere", "city": "X", "postcode": "1", "time_zone": "Nowhere/Land"}))).await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("time_zone")),
            "{url}"
        );
        let page = get_page(&app, &format!("/accounts/{acct}"), &maya.0).await;
        let local = between(&page.text, "id=\"local-time\"", "</span>");
        assert!(
            local.contains("their local time")
                && local.contains("data-zone=\"America/Denver\"")
                && local.contains("America/Denver"),
            "{url}: {local}"
        );
        // Relative times tick in the page: they carry their instant.
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        let page = get_page(&app, started.location.as_deref().unwrap(), &maya.0).await;
        assert!(
            page.text.contains("class=\"ticker\" data-since=\""),
            "{url}: the call timer ticks"
        );
        assert!(
            between(&page.text, "id=\"call-bar\"", "</section>")
                .contains("data-zone=\"America/Denver\""),
            "{url}: the call bar shows the customer's time"
        );
    }
}

#[tokio::test]
async fn crediting_from_the_call_comes_back_to_the_call() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
            ],
        )
        .await;
        let app = router(state);
        let (token, billing) = (&t[0], &t[1]);
        let acct = new_account(&app, token).await;
        let (_, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": "inv-9", "memo": "Technician visit"}))).await;
        let maya = session(&app, "maya@t.example").await;
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        let contact = started.location.unwrap();
        let page = get_page(&app, &contact, &maya.0).await;
        let quick = between(&page.text, "id=\"quick-money\"", "</form>");
        assert!(
            quick.contains(&format!(
                "value=\"{}\" data-left=\"39.99\"",
                charge["id"].as_str().unwrap()
            )),
            "{url}: {quick}"
        );
        let key = between(quick, "name=\"idempotency_key\" value=\"", "\"");
        let waiver = format!(
            "currency=USD&idempotency_key={key}&back={}&action=charge_waiver&charge_id={}&amount=39.99&label=&reason=disputed&intent=apply",
            contact.replace('/', "%2F"),
            charge["id"].as_str().unwrap()
        );
        let refused = post_form(&app, &format!("/accounts/{acct}/money/act"), &waiver, &maya).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{url}");
        let alt = between(&refused.text, "class=\"alternative\">", "</form>");
        assert!(
            alt.contains("name=\"back\""),
            "{url}: the alternative goes back to the call: {alt}"
        );
        let alt_key = between(alt, "name=\"idempotency_key\" value=\"", "\"");
        let apply = format!(
            "intent=apply&action=goodwill_credit&amount=39.99&currency=USD&credit_reason=goodwill&charge_id={}&idempotency_key={alt_key}&reason=disputed&back={}",
            charge["id"].as_str().unwrap(),
            contact.replace('/', "%2F")
        );
        let done = post_form(&app, &format!("/accounts/{acct}/money/act"), &apply, &maya).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{url}: {}", done.text);
        let back = done.location.unwrap();
        assert!(
            back.starts_with(&format!("{contact}?applied=")),
            "{url}: {back}"
        );
        let page = get_page(&app, &back, &maya.0).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {back}");
        let notice = between(&page.text, "id=\"money-notice\">", "</p>");
        assert!(
            notice.contains("$39.99") && notice.contains("Credit for: Technician visit"),
            "{url}: {notice}"
        );
    }
}

#[tokio::test]
async fn the_admin_maintains_the_pick_lists_staff_choose_from() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("ann@t.example", "admin", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
        let app = router(state);
        let (admin, maya_token) = (&t[0], &t[1]);
        let acct = new_account(&app, maya_token).await;
        let ann = session(&app, "ann@t.example").await;
        let added = post_form(
            &app,
            "/pick-lists",
            "list=case_category&label=Porting+delay&value=porting_delay",
            &ann,
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{url}: {}", added.text);
        let retired = post_form(
            &app,
            "/pick-lists",
            "list=case_category&label=Outage&value=outage&position=2&active=no",
            &ann,
        )
        .await;
        assert_eq!(retired.status, StatusCode::SEE_OTHER, "{url}");
        // Two tabs: renamed in one, retired in the other as it was shown
        // before: refused, not undone.
        let renamed = post_form(&app, "/pick-lists", "list=case_category&value=technical&label=Technical+fault&position=3&active=yes&was=Technical+problem%7Ctrue", &ann).await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{url}");
        let stale = post_form(&app, "/pick-lists", "list=case_category&value=technical&label=Technical+problem&position=3&active=no&was=Technical+problem%7Ctrue", &ann).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{url}");
        assert!(
            stale.text.contains("now reads “Technical fault”"),
            "{url}: {}",
            stale.text
        );
        let bad = post_form(
            &app,
            "/pick-lists",
            "list=case_category&label=&value=x",
            &ann,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(bad.text.contains("Shown as: is required"), "{url}");
        // The agent's form offers the new word and not the retired one.
        let maya = session(&app, "maya@t.example").await;
        let started = post_form(
            &app,
            &format!("/accounts/{acct}/interactions"),
            "_key=k1&channel=inbound_call",
            &maya,
        )
        .await;
        let page = get_page(&app, started.location.as_deref().unwrap(), &maya.0).await;
        let categories = between(&page.text, "id=\"case_category\"", "</select>");
        assert!(
            categories.contains(">Porting delay<") && !categories.contains(">Outage<"),
            "{url}: {categories}"
        );
        let (s, p) = call(
            &app,
            maya_token,
            "POST",
            "/api/v1/cases",
            Some(json!({"account_id": acct, "title": "x", "category": "outage"})),
        )
        .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("category")),
            "{url}: retired: {p}"
        );
        let (_, list) = call(
            &app,
            maya_token,
            "GET",
            "/api/v1/pick-lists/case_category",
            None,
        )
        .await;
        let outage = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["value"] == "outage")
            .unwrap()
            .clone();
        assert_eq!(outage["active"], false, "{url}: retired stays readable");
        let (s, _) = call(
            &app,
            maya_token,
            "PUT",
            "/api/v1/pick-lists/case_category",
            Some(json!({"value": "x", "label": "X"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{url}: agents do not maintain lists"
        );
        let (s, _) = call(
            &app,
            admin,
            "PUT",
            "/api/v1/pick-lists/nonsense",
            Some(json!({"value": "x", "label": "X"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        // The 360 logs the call the agent is on, not an outbound one; open
        // queues are offered first.
        let page = get_page(&app, &format!("/accounts/{acct}"), &maya.0).await;
        let channel = between(&page.text, "id=\"start-channel\"", "</select>");
        assert!(
            channel.contains("<option value=\"inbound_call\" selected>"),
            "{url}: {channel}"
        );
    }
}

#[tokio::test]
async fn an_open_queue_is_offered_first() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("ann@t.example", "admin", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
        let app = router(state);
        let (admin, maya_token) = (&t[0], &t[1]);
        let acct = new_account(&app, maya_token).await;
        // "A closed" sorts first by name but opens one minute a week.
        let (s, _) = call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "A closed one", "skill": "general", "time_zone": "UTC", "hours": "sun 03:00-03:01"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{url}");
        call(&app, admin, "POST", "/api/v1/queues", Some(json!({"name": "Z always open", "skill": "general", "time_zone": "UTC", "hours": "24/7"}))).await;
        let (_, chat) = call(
            &app,
            admin,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "chat", "account_id": acct})),
        )
        .await;
        let maya = session(&app, "maya@t.example").await;
        let page = get_page(
            &app,
            &format!(
                "/interactions/{}",
                chat["interaction"]["id"].as_str().unwrap()
            ),
            &maya.0,
        )
        .await;
        let queues = between(&page.text, "name=\"queue_id\"", "</select>");
        let first = between(queues, "<option", "</option>");
        assert!(
            first.contains("Z always open (open"),
            "{url}: the first queue offered answers now: {queues}"
        );
    }
}

#[tokio::test]
async fn a_refused_address_never_makes_the_customer_twice() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let token = &t[0];
        let maya = session(&app, "maya@t.example").await;
        let long = "9".repeat(25);
        let form = format!(
            "_key=nc-1&given_name=Una&family_name=Address&line1=1+Main+St&city=Springfield&postcode={long}"
        );
        let first = post_form(&app, "/customers/new", &form, &maya).await;
        assert!(
            first
                .text
                .contains("The customer and the account are saved; the service address is not yet"),
            "{url}: {}",
            first.text
        );
        assert!(
            first.text.contains("action=\"/accounts/"),
            "{url}: the address form is the account's"
        );
        let again = post_form(&app, "/customers/new", &form, &maya).await;
        assert_eq!(
            again.status,
            StatusCode::SEE_OTHER,
            "{url}: the same form again is the customer made the first time"
        );
        let (_, found) = call(&app, token, "GET", "/api/v1/lookup?q=Una%20Address", None).await;
        assert_eq!(
            found.as_array().map_or(0, Vec::len),
            1,
            "{url}: one customer: {found}"
        );
    }
}
