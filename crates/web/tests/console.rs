//! The console for contacts and cases: work lists through the API, and the
//! pages played through their forms as a browser would (cookie session and
//! CSRF token), on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{between, call, get_page, post_form, session, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::{Value, json};

async fn account_with_holder(app: &axum::Router, token: &str, given: &str) -> (String, String) {
    let (s, p) = call(app, token, "POST", "/api/v1/people", Some(json!({"given_name": given, "family_name": "Test", "contact_points": [{"kind": "phone", "value": "(505) 555-0134"}]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["person"]["id"].as_str().unwrap().to_string();
    let (s, a) = call(
        app,
        token,
        "POST",
        "/api/v1/accounts",
        Some(json!({"holder_id": pid})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    (pid, a["id"].as_str().unwrap().to_string())
}

fn ids(list: &Value, path: &[&str]) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let mut v = x;
            for k in path {
                v = &v[*k];
            }
            v.as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn my_work_lists_what_is_on_my_plate_and_nothing_else() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
                ("ada@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya, tom, sam, ada) = (&t[0], &t[1], &t[2], &t[3]);
        let (person, account) = account_with_holder(&app, maya, "Ben").await;

        // Maya calls Ben back and opens a case from the call.
        let (_, call1) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "follow_up_call", "account_id": account, "person_id": person})),
        )
        .await;
        let c1 = call1["interaction"]["id"].as_str().unwrap().to_string();
        let (_, case) = call(&app, maya, "POST", "/api/v1/cases", Some(json!({"account_id": account, "title": "Drops since upgrade", "category": "technical", "interaction_id": c1}))).await;
        let case_id = case["case"]["id"].as_str().unwrap().to_string();

        let (s, work) = call(&app, maya, "GET", "/api/v1/me/work", None).await;
        assert_eq!(s, StatusCode::OK, "{work}");
        assert_eq!(
            ids(&work["interactions"], &["interaction", "id"]),
            vec![c1.clone()]
        );
        assert!(
            work["interactions"][0]["account_number"]
                .as_str()
                .unwrap()
                .starts_with("EM"),
            "{work}"
        );
        assert_eq!(ids(&work["cases"], &["case", "id"]), vec![case_id.clone()]);
        assert_eq!(work["cases"][0]["sla"]["resolution"], "running");
        assert_eq!(
            work["availability"], "busy",
            "on the call she started: busy (nobody becomes available by a call)"
        );
        let (_, tom_work) = call(&app, tom, "GET", "/api/v1/me/work", None).await;
        assert!(
            tom_work["interactions"].as_array().unwrap().is_empty(),
            "{tom_work}"
        );
        assert!(tom_work["cases"].as_array().unwrap().is_empty());

        // A warm transfer to Tom is on his list, marked for him to accept.
        let (s, v) = call(&app, maya, "POST", &format!("/api/v1/interactions/{c1}/transfer"), Some(json!({"version": call1["interaction"]["version"], "to_staff_id": tom_work_id(&app, tom).await, "mode": "warm", "note": "Ben's line, see the case"}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, tom_work) = call(&app, tom, "GET", "/api/v1/me/work", None).await;
        assert_eq!(
            ids(&tom_work["interactions"], &["interaction", "id"]),
            vec![c1.clone()]
        );
        assert_eq!(
            tom_work["interactions"][0]["interaction"]["pending_transfer_note"],
            "Ben's line, see the case"
        );

        // The contact's cases and the account's lists.
        let (_, linked) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/interactions/{c1}/cases"),
            None,
        )
        .await;
        assert_eq!(ids(&linked, &["id"]), vec![case_id.clone()]);
        let (_, acases) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{account}/cases"),
            None,
        )
        .await;
        assert_eq!(ids(&acases, &["id"]), vec![case_id.clone()]);
        let (_, contacts) = call(
            &app,
            maya,
            "GET",
            &format!("/api/v1/accounts/{account}/interactions"),
            None,
        )
        .await;
        assert_eq!(ids(&contacts, &["id"]), vec![c1.clone()]);

        // Resolved cases leave the list.
        call(&app, maya, "POST", &format!("/api/v1/cases/{case_id}/resolve"), Some(json!({"version": 1, "confirmed_by_customer": true, "note": "works since the reboot"}))).await;
        let (_, work) = call(&app, maya, "GET", "/api/v1/me/work", None).await;
        assert!(work["cases"].as_array().unwrap().is_empty(), "{work}");

        // The queue wall is for supervisors; it shows every queue and agent.
        let (s, _) = call(&app, maya, "GET", "/api/v1/queues/wall", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, q) = call(
            &app,
            ada,
            "POST",
            "/api/v1/queues",
            Some(json!({"name": "Care", "skill": "general", "time_zone": "UTC", "hours": "24/7"})),
        )
        .await;
        let (_, tom_me) = call(&app, tom, "GET", "/api/v1/me", None).await;
        call(
            &app,
            ada,
            "PUT",
            &format!("/api/v1/staff/{}/skills", tom_me["id"].as_str().unwrap()),
            Some(json!({"skills": ["general"]})),
        )
        .await;
        let (_, chat) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "chat", "account_id": account})),
        )
        .await;
        let chat_id = chat["interaction"]["id"].as_str().unwrap().to_string();
        call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{chat_id}/enqueue"),
            Some(json!({"queue_id": q["id"]})),
        )
        .await;
        let (_, tom_work) = call(&app, tom, "GET", "/api/v1/me/work", None).await;
        assert_eq!(
            tom_work["queues"][0]["queue"]["name"], "Care",
            "Tom serves Care by his skill"
        );
        assert_eq!(tom_work["queues"][0]["waiting"], 1);
        let (_, maya_work) = call(&app, maya, "GET", "/api/v1/me/work", None).await;
        assert!(
            maya_work["queues"].as_array().unwrap().is_empty(),
            "Maya has no skill for it"
        );
        let (s, wall) = call(&app, sam, "GET", "/api/v1/queues/wall", None).await;
        assert_eq!(s, StatusCode::OK, "{wall}");
        assert_eq!(wall["queues"][0]["waiting"], 1);
        assert!(wall["queues"][0]["oldest_waiting_since"].is_string());
        let tom_row = wall["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "tom")
            .unwrap();
        assert_eq!(tom_row["state"], "offline");
        assert_eq!(tom_row["skills"], json!(["general"]));

        // Tom becomes available: the chat is offered to him, on his list.
        call(
            &app,
            tom,
            "POST",
            "/api/v1/me/availability",
            Some(json!({"state": "available"})),
        )
        .await;
        let (_, tom_work) = call(&app, tom, "GET", "/api/v1/me/work", None).await;
        let offered = tom_work["interactions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["interaction"]["id"] == json!(chat_id))
            .unwrap();
        assert_eq!(offered["offered_to_me"], true);
        let (_, wall) = call(&app, sam, "GET", "/api/v1/queues/wall", None).await;
        assert_eq!(wall["queues"][0]["waiting"], 0);
        let tom_row = wall["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "tom")
            .unwrap();
        assert_eq!(tom_row["state"], "busy");

        // A queued contact that is abandoned no longer waits, nor is routed.
        let (_, chat2) = call(
            &app,
            maya,
            "POST",
            "/api/v1/interactions",
            Some(json!({"channel": "chat", "account_id": account})),
        )
        .await;
        let chat2_id = chat2["interaction"]["id"].as_str().unwrap().to_string();
        call(
            &app,
            maya,
            "POST",
            &format!("/api/v1/interactions/{chat2_id}/enqueue"),
            Some(json!({"queue_id": q["id"]})),
        )
        .await;
        let (_, wall) = call(&app, sam, "GET", "/api/v1/queues/wall", None).await;
        assert_eq!(wall["queues"][0]["waiting"], 1);
        let (s, v) = call(
            &app,
            sam,
            "POST",
            &format!("/api/v1/interactions/{chat2_id}/state"),
            Some(json!({"version": 2, "state": "ended"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, wall) = call(&app, sam, "GET", "/api/v1/queues/wall", None).await;
        assert_eq!(
            wall["queues"][0]["waiting"], 0,
            "an abandoned contact waits no more"
        );
    }
}

async fn tom_work_id(app: &axum::Router, tom: &str) -> String {
    let (_, me) = call(app, tom, "GET", "/api/v1/me", None).await;
    me["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_contact_and_its_case_are_worked_through_the_pages() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("tom@t.example", "agent", None),
            ],
        )
        .await;
        let billing = state.staff.ensure_team("Billing").await.unwrap();
        common::add_staff(&state, &[("bea@t.example", "specialist", Some(billing.id))]).await;
        let app = router(state);
        let (_, account) = account_with_holder(&app, &t[0], "Rosa").await;
        let maya = session(&app, "maya@t.example").await;

        let work = get_page(&app, "/work", &maya.0).await;
        assert_eq!(work.status, StatusCode::OK);
        assert!(
            work.text.contains("My work")
                && work.text.contains("data-refresh=\"/ui/work?cases_page=1\""),
            "{}",
            work.text
        );

        // Start a call from the 360: the contact page opens, Rosa not yet verified.
        let started = post_form(
            &app,
            &format!("/accounts/{account}/interactions"),
            &format!(
                "channel=outbound_call&person_id={}",
                between(
                    &get_page(&app, &format!("/accounts/{account}"), &maya.0)
                        .await
                        .text,
                    "name=\"person_id\"><option value=\"",
                    "\""
                )
            ),
            &maya,
        )
        .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
        let contact = started.location.unwrap();
        let page = get_page(&app, &contact, &maya.0).await;
        assert!(page.text.contains("Not verified"), "{}", page.text);
        let rosa = between(&page.text, "name=\"person_id\" value=\"", "\"").to_string();

        // Verify once; a second verification is refused with who and when.
        let ok = post_form(
            &app,
            &format!("{contact}/verify"),
            &format!("person_id={rosa}&method=account_pin"),
            &maya,
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let page = get_page(&app, &contact, &maya.0).await;
        assert!(
            page.text
                .contains("Identity verified by maya (account pin)"),
            "{}",
            page.text
        );
        let again = post_form(
            &app,
            &format!("{contact}/verify"),
            &format!("person_id={rosa}&method=photo_id"),
            &maya,
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again.text.contains("role=\"alert\"") && again.text.contains("already verified"),
            "{}",
            again.text
        );

        // A case with no title is refused and what was typed stays.
        let bad = post_form(
            &app,
            &format!("{contact}/open-case"),
            "case_title=&case_category=billing_dispute&case_description=Rosa+disputes+%2439.99",
            &maya,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains(
                "<small class=\"error\" id=\"e-case_title\">Problem: is required</small>"
            ),
            "the error is at the field, in its label's words: {}",
            bad.text
        );
        assert!(
            bad.text.contains("Rosa disputes $39.99</textarea>"),
            "typed text is kept"
        );
        let opened = post_form(
            &app,
            &format!("{contact}/open-case"),
            "case_title=Disputed+charge&case_category=billing_dispute&case_priority=high",
            &maya,
        )
        .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text);
        let case = format!(
            "/cases/{}",
            between(opened.location.as_deref().unwrap(), "opened=", "#")
        );
        assert!(case.starts_with("/cases/"));

        // Ask Billing from the contact; the consult shows its position.
        let asked = post_form(
            &app,
            &format!("{contact}/consult"),
            &format!(
                "team_id={}&consult_case_id={}&question=Can+the+charge+go%3F",
                billing.id,
                case.trim_start_matches("/cases/")
            ),
            &maya,
        )
        .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
        let page = get_page(&app, &contact, &maya.0).await;
        assert!(page.text.contains("position 1 — next"), "{}", page.text);

        // Bea picks it up from her work list, joins the call and answers.
        let bea = session(&app, "bea@t.example").await;
        let inbox = get_page(&app, "/work", &bea.0).await;
        assert!(inbox.text.contains("Can the charge go?"), "{}", inbox.text);
        let consult = between(&inbox.text, "action=\"/consults/", "/pick-up").to_string();
        let picked = post_form(
            &app,
            &format!("/consults/{consult}/pick-up"),
            "version=1&back=/work",
            &bea,
        )
        .await;
        assert_eq!(picked.location.as_deref(), Some("/work"));
        let joined = post_form(
            &app,
            &format!("/consults/{consult}/join"),
            "version=2",
            &bea,
        )
        .await;
        assert_eq!(joined.location.as_deref(), Some(contact.as_str()));
        let stale = post_form(
            &app,
            &format!("/consults/{consult}/answer"),
            &format!("version=1&answer=Valid+charge&back={contact}"),
            &bea,
        )
        .await;
        assert_eq!(
            stale.status,
            StatusCode::CONFLICT,
            "a stale answer is refused on the page it came from"
        );
        assert!(
            stale.text.contains("value=\"Valid charge\""),
            "the typed answer stays"
        );
        let answered = post_form(
            &app,
            &format!("/consults/{consult}/answer"),
            &format!("version=3&answer=Valid+charge&back={contact}"),
            &bea,
        )
        .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text);
        let page = get_page(&app, &contact, &maya.0).await;
        assert!(page.text.contains("Answer: Valid charge"));
        assert!(
            page.text
                .contains("bea</strong> <span class=\"badge role-specialist\">"),
            "{}",
            page.text
        );
        assert!(page.text.contains("0 transfers"));

        // The case page: clocks, the contact, and resolving needs a reason
        // when the customer did not confirm.
        let cpage = get_page(&app, &case, &maya.0).await;
        assert!(
            cpage.text.contains("Disputed charge") && cpage.text.contains("customer waiting"),
            "{}",
            cpage.text
        );
        assert!(cpage.text.contains(&contact));
        let unconfirmed = post_form(
            &app,
            &format!("{case}/resolve"),
            "version=1&confirmed=no&resolution_note=",
            &maya,
        )
        .await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
        let resolved = post_form(
            &app,
            &format!("{case}/resolve"),
            "version=1&confirmed=yes&resolution_note=Rosa+and+Ana+are+happy",
            &maya,
        )
        .await;
        assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.text);
        assert!(
            get_page(&app, &case, &maya.0)
                .await
                .text
                .contains("Confirmed by the customer")
        );

        // Tom may look but not act: no forms for him, and a post is refused.
        let tom = session(&app, "tom@t.example").await;
        let tpage = get_page(&app, &contact, &tom.0).await;
        assert!(!tpage.text.contains("/wrap-up"), "only the owner wraps up");
        let refused = post_form(
            &app,
            &format!("{contact}/state"),
            "version=9&state=on_hold",
            &tom,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // Wrap up and end: back to my work, where the contact is gone.
        let version = between(
            &get_page(&app, &contact, &maya.0).await.text,
            "name=\"version\" value=\"",
            "\"",
        )
        .to_string();
        let done = post_form(&app, &format!("{contact}/wrap-up"), &format!("version={version}&outcome=resolved&disposition=billing_dispute&wrap_notes=credit+next"), &maya).await;
        assert_eq!(done.location.as_deref(), Some("/work"), "{}", done.text);
        let work = get_page(&app, "/ui/work", &maya.0).await;
        assert!(
            work.text.contains("No contact in progress"),
            "{}",
            work.text
        );
    }
}
