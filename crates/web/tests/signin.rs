//! Sign-in that holds (issue 9, defects 4, 8, 9), on both databases:
//! parallel guesses cannot pass the limit, answers do not tell which
//! e-mails exist, one address cannot lock a staff member out elsewhere,
//! redirects after sign-in stay local, and 429s say when to retry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{browse, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use std::net::SocketAddr;

fn signin(email: &str, password: &str, next: &str, from: &str) -> Request<Body> {
    let mut r = Request::post(format!("/signin?next={next}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "email={}&password={}&next={next}",
            email.replace('@', "%40"),
            password.replace(' ', "+")
        )))
        .unwrap();
    let addr: SocketAddr = format!("{from}:40000").parse().unwrap();
    r.extensions_mut().insert(ConnectInfo(addr));
    r
}

const RIGHT: &str = "a long test password";

#[tokio::test]
async fn forty_parallel_guesses_cannot_pass_the_limit() {
    for url in testing::databases().await {
        let (state, _) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let guesses = (0..40).map(|i| {
            let app = app.clone();
            async move {
                browse(
                    &app,
                    signin(
                        "maya@t.example",
                        &format!("wrong guess {i}"),
                        "/",
                        "10.0.0.9",
                    ),
                )
                .await
                .status
            }
        });
        let answers = futures_util::future::join_all(guesses).await;
        let checked = answers
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert!(
            checked <= 5,
            "{url}: {checked} of 40 parallel guesses were checked: {answers:?}"
        );
        // The right password from the same address now waits too.
        let page = browse(&app, signin("maya@t.example", RIGHT, "/", "10.0.0.9")).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{url}");
    }
}

#[tokio::test]
async fn answers_do_not_tell_which_emails_exist_and_one_address_cannot_lock_a_user_out() {
    for url in testing::databases().await {
        let (state, _) = state_with_staff(&url, &[("maya@t.example", "agent", None)]).await;
        let app = router(state);
        let known = browse(
            &app,
            signin("maya@t.example", "not the password", "/", "10.0.0.1"),
        )
        .await;
        let unknown = browse(
            &app,
            signin("nobody@t.example", "not the password", "/", "10.0.0.1"),
        )
        .await;
        assert_eq!(known.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        let error = |t: &str| common::between(t, "role=\"alert\">", "</").to_string();
        assert_eq!(
            error(&known.text),
            error(&unknown.text),
            "{url}: the same words"
        );
        assert!(
            error(&known.text).contains("4 attempt(s) left"),
            "{}",
            known.text
        );
        // An attacker at 10.0.0.66 pauses the pair (maya, 10.0.0.66) ...
        for _ in 0..5 {
            browse(
                &app,
                signin("maya@t.example", "attacker guess!", "/", "10.0.0.66"),
            )
            .await;
        }
        let paused = browse(&app, signin("maya@t.example", RIGHT, "/", "10.0.0.66")).await;
        assert_eq!(paused.status, StatusCode::TOO_MANY_REQUESTS, "{url}");
        let retry: u64 = paused.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (1..=60).contains(&retry),
            "{url}: the first pause is a minute: {retry}"
        );
        // ... but Maya at her desk signs in.
        let ok = browse(&app, signin("maya@t.example", RIGHT, "/work", "10.0.0.1")).await;
        assert_eq!(
            (ok.status, ok.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/work")),
            "{url}"
        );
    }
}

#[tokio::test]
async fn redirects_after_sign_in_stay_on_this_site() {
    let (state, _) =
        state_with_staff(&testing::sqlite_url(), &[("maya@t.example", "agent", None)]).await;
    let app = router(state);
    for (next, to) in [
        ("/%09/evil.example", "/"),
        ("/%0A/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example", "/"),
        ("/accounts", "/accounts"),
    ] {
        let page = browse(&app, signin("maya@t.example", RIGHT, next, "10.0.0.2")).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (StatusCode::SEE_OTHER, Some(to)),
            "{next}"
        );
    }
    let page = browse(
        &app,
        Request::get("/signin?next=/%09/evil.example")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("evil.example"),
        "the form does not carry it on"
    );
}
