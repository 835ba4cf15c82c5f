//! Follow-ups in the console, on both databases: promising a call from a
//! contact (a weekend or holiday suggests the next working day and lets the
//! agent keep hers), the due call at the top of My work, "Call now" and the
//! outcome asked at wrap-up; the holiday calendar and the jobs page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{between, call, get_page, post_form, session, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;

fn enc(s: &str) -> String {
    s.replace(' ', "+").replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test]
async fn an_agent_promises_a_call_sees_it_due_calls_and_records_how_it_went() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("admin@t.example", "admin", None),
            ],
        )
        .await;
        let runner = extramile_web::background::runner(
            &state,
            extramile_jobs::Options {
                node: "t".into(),
                ..Default::default()
            },
        );
        let app = router(state);
        let (maya, admin) = (&t[0], &t[1]);
        let (_, p) = call(&app, maya, "POST", "/api/v1/people", Some(json!({"given_name": "Ben", "family_name": "Okafor", "contact_points": [{"kind": "phone", "value": "(512) 555-0187"}]}))).await;
        let person = p["person"]["id"].as_str().unwrap().to_string();
        let (_, a) = call(
            &app,
            maya,
            "POST",
            "/api/v1/accounts",
            Some(json!({"holder_id": person})),
        )
        .await;
        let account = a["id"].as_str().unwrap().to_string();
        let (_, i) = call(&app, maya, "POST", "/api/v1/interactions", Some(json!({"channel": "inbound_call", "account_id": account, "person_id": person, "in_progress": true}))).await;
        let contact = i["interaction"]["id"].as_str().unwrap().to_string();
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        // A holiday today, in the provider's calendar.
        let (s, _) = call(
            &app,
            admin,
            "PUT",
            "/api/v1/holidays",
            Some(json!({"region": "US", "on": today.to_string(), "name": "Founders Day"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let maya_s = session(&app, "maya@t.example").await;

        // The contact page offers to promise a call.
        let page = get_page(&app, &format!("/interactions/{contact}"), &maya_s.0).await;
        let link = between(&page.text, "id=\"promise-call\"", ">");
        assert!(page.text.contains("Promise a call back"), "{}", page.text);
        let _ = link;
        let form = get_page(
            &app,
            &format!("/follow-ups/new?account={account}&interaction={contact}"),
            &maya_s.0,
        )
        .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text.contains("Ben Okafor"),
            "the person to call is offered"
        );
        assert!(
            form.text.contains("Founders Day"),
            "holidays ahead are shown"
        );
        let key = between(&form.text, "name=\"_key\" value=\"", "\"").to_string();

        // Empty purpose: refused at the field in its label's words.
        let base = format!(
            "account_id={account}&interaction_id={contact}&case_id=&back=%2Finteractions%2F{contact}&person_id={person}&contact_point_id=&owner_id=&window_start=&window_end=&_key={key}"
        );
        let r = post_form(
            &app,
            "/follow-ups",
            &format!("{base}&purpose=&due_on={today}"),
            &maya_s,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("What to check: is required"), "{}", r.text);
        // On the holiday: the next working day is suggested, not forced.
        let body = format!(
            "{base}&purpose={}&due_on={today}",
            enc("Check the line stayed up")
        );
        let r = post_form(&app, "/follow-ups", &body, &maya_s).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("is Founders Day"), "{}", r.text);
        assert!(r.text.contains("id=\"use-suggested\"") && r.text.contains("id=\"keep-day\""));
        // She keeps the day; sent twice (a double click), one follow-up.
        let keep = format!("{body}&keep_day=1");
        let r1 = post_form(&app, "/follow-ups", &keep, &maya_s).await;
        let r2 = post_form(&app, "/follow-ups", &keep, &maya_s).await;
        assert_eq!(r1.status, StatusCode::SEE_OTHER);
        assert_eq!(
            r1.location.as_deref(),
            Some(format!("/interactions/{contact}").as_str()),
            "back to the call"
        );
        assert_eq!(r2.status, StatusCode::SEE_OTHER);
        let (_, mine) = call(&app, maya, "GET", "/api/v1/follow-ups", None).await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        let fu = mine[0]["id"].as_str().unwrap().to_string();

        // The job makes it due; My work puts it at the top with Call now.
        runner.run_due().await.unwrap();
        let work = get_page(&app, "/work", &maya_s.0).await;
        let card = between(&work.text, "id=\"follow-ups-due\"", "</section>");
        assert!(card.contains("Check the line stayed up"), "{}", work.text);
        assert!(card.contains("holiday: Founders Day"), "{card}");
        assert!(card.contains(&format!("/follow-ups/{fu}/call")), "{card}");
        let detail = get_page(&app, &format!("/follow-ups/{fu}"), &maya_s.0).await;
        assert!(between(&detail.text, "id=\"fu-state\"", "</span>").contains("due"));

        // Call now opens the outbound contact; its wrap-up asks how it went.
        let r = post_form(&app, &format!("/follow-ups/{fu}/call"), "", &maya_s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let to = r.location.unwrap();
        let out = get_page(&app, &to, &maya_s.0).await;
        assert!(out.text.contains("How the follow-up went"), "{}", out.text);
        let out_id = to.trim_start_matches("/interactions/");
        let version = between(&out.text, "action=\"/interactions/", "</form>");
        let version = between(version, "name=\"version\" value=\"", "\"").to_string();
        let r = post_form(&app, &format!("/interactions/{out_id}/wrap-up"), &format!("version={version}&outcome=resolved&disposition=technical&wrap_notes=&follow_up_outcome="), &maya_s).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(
            r.text
                .contains("How the follow-up went: choose one (this call keeps a promise)"),
            "{}",
            r.text
        );
        let r = post_form(&app, &format!("/interactions/{out_id}/wrap-up"), &format!("version={version}&outcome=resolved&disposition=technical&wrap_notes=fine&follow_up_outcome=reached_resolved"), &maya_s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let detail = get_page(&app, &format!("/follow-ups/{fu}"), &maya_s.0).await;
        assert!(between(&detail.text, "id=\"fu-state\"", "</span>").contains("done"));
        assert!(between(&detail.text, "id=\"fu-outcome\"", "</dd>").contains("Reached, resolved"));
        let account_page = get_page(&app, &format!("/accounts/{account}"), &maya_s.0).await;
        assert!(
            between(
                &account_page.text,
                "id=\"account-follow-ups\"",
                "</section>"
            )
            .contains("Check the line stayed up")
        );
        // The reports page, this week: the call counted, drawn as charts
        // (inline SVG named for screen readers), refused to agents.
        let adm = session(&app, "admin@t.example").await;
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let from = today.saturating_sub(jiff::Span::new().days(6));
        let page = get_page(&app, &format!("/reports?from={from}&to={today}"), &adm.0).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains("your staff made 1 extra-mile call"),
            "{}",
            page.text
        );
        let charts = between(&page.text, "id=\"charts-h\"", "</section>");
        assert_eq!(charts.matches("<svg role=\"img\"").count(), 1, "{charts}");
        assert_eq!(
            charts.matches("Nothing to draw in these days.").count(),
            2,
            "no queued contact and no survey answered: {charts}"
        );
        assert!(
            charts.contains("aria-label=\"Follow-ups done, by day (follow-ups): "),
            "{charts}"
        );
        assert!(
            !charts.contains("style="),
            "the CSP refuses style attributes"
        );
        let r = get_page(&app, "/reports", &maya_s.0).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn admins_keep_the_calendar_and_retry_dead_jobs_from_their_pages() {
    for url in testing::databases().await {
        let (state, _t) = state_with_staff(
            &url,
            &[
                ("admin@t.example", "admin", None),
                ("maya@t.example", "agent", None),
            ],
        )
        .await;
        let store = state.store.clone();
        let app = router(state);
        let adm = session(&app, "admin@t.example").await;
        let r = post_form(&app, "/calendar", "on=2026-12-25&region=US&name=", &adm).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("Name: is required"), "{}", r.text);
        let r = post_form(
            &app,
            "/calendar",
            "on=25%2F12%2F2026&region=US&name=Christmas",
            &adm,
        )
        .await;
        assert!(r.text.contains("Day: "), "{}", r.text);
        let r = post_form(
            &app,
            "/calendar",
            "on=2026-12-25&region=us-tx&name=Christmas+Day",
            &adm,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // The same day again under another name is said, not a silent rename.
        let r = post_form(
            &app,
            "/calendar",
            "on=2026-12-25&region=US-TX&name=Xmas",
            &adm,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.text.contains("is already Christmas Day in US-TX"),
            "{}",
            r.text
        );
        let page = get_page(&app, "/calendar", &adm.0).await;
        assert!(
            page.text.contains("Christmas Day") && page.text.contains("US-TX"),
            "{}",
            page.text
        );
        let r = post_form(
            &app,
            "/calendar",
            "on=2026-12-25&region=US-TX&delete=1",
            &adm,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            !get_page(&app, "/calendar", &adm.0)
                .await
                .text
                .contains("Christmas Day")
        );

        // A dead job shows its last error and can be retried.
        let mut job = extramile_domain::jobs::NewJob::new(
            "nobody_handles_this",
            json!({}),
            jiff::Timestamp::now(),
        );
        job.max_attempts = 1;
        store
            .enqueue_jobs(std::slice::from_ref(&job))
            .await
            .unwrap();
        let r = extramile_jobs::Runner::new(
            store.clone(),
            extramile_jobs::Options {
                node: "t".into(),
                ..Default::default()
            },
        );
        r.run_due().await.unwrap();
        let page = get_page(&app, "/jobs?state=dead", &adm.0).await;
        let row = between(&page.text, &format!("data-job=\"{}\"", job.id), "</tr>");
        assert!(
            row.contains("no handler for jobs of kind nobody_handles_this"),
            "{}",
            page.text
        );
        let r = post_form(&app, &format!("/jobs/{}/retry", job.id), "", &adm).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            store.job(job.id).await.unwrap().unwrap().state,
            extramile_domain::jobs::JobState::Pending
        );
        let r = post_form(&app, &format!("/jobs/{}/retry", job.id), "", &adm).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "nothing to retry twice");
        let maya = session(&app, "maya@t.example").await;
        assert_eq!(
            get_page(&app, "/jobs", &maya.0).await.status,
            StatusCode::FORBIDDEN
        );
    }
}
