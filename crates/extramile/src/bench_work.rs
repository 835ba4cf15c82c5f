//! `extramile bench work`: My work for a person who owns many open cases
//! (10,000 by default): the page and the API, in process through the real
//! router (session or token, the desk, the queries, the rendering), so the
//! figures are server time without the network. On a fresh database.

use crate::bench::{memory, ms, percentile};
use crate::config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_domain::cases::NewCase;
use extramile_domain::customers::inputs::{NewAccount, NewPerson};
use extramile_web::AppState;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const PASSWORD: &str = "timing run secret 2026";

pub async fn run(cases: usize, samples: usize, config: &Config) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "work").await?;
    println!(
        "extramile bench work: My work at {cases} owned open cases, {samples} requests each, on {url}"
    );
    let st = AppState::new(store, &config.region, false);
    let email = format!("owner-{}@extramile.invalid", uuid::Uuid::new_v4().simple());
    let user = st
        .staff
        .create_staff(
            &Actor::system(),
            NewStaff {
                email: email.clone(),
                name: "Bench owner".into(),
                role: "agent".into(),
                team_id: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let actor = extramile_domain::admin::StaffService::actor(&user);
    let (person, _) = st
        .customers
        .create_person(
            &actor,
            NewPerson {
                given_name: "Bench".into(),
                family_name: "Customer".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let account = st
        .customers
        .create_account(
            &actor,
            NewAccount {
                holder_id: person.id,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    // The cases, by 32 writers, with every priority.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (st, actor, next) = (st.clone(), actor.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cases {
                    return Ok::<_, String>(());
                }
                let priority = ["low", "normal", "high", "urgent"][i % 4];
                st.cases
                    .open(
                        &actor,
                        NewCase {
                            account_id: account.id,
                            title: format!("Bench case {i}"),
                            category: "technical".into(),
                            priority: Some(priority.into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    println!(
        "  opened {cases} cases in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let app = extramile_web::router(st.clone());
    let cookie = sign_in(&app, &email).await?;
    let token = st
        .staff
        .create_token(&Actor::system(), &email, "bench", None)
        .await
        .map_err(|e| e.to_string())?;
    for (what, uri, auth) in [
        ("page /work", "/work", format!("cookie:{cookie}")),
        (
            "page /work?cases_page=100",
            "/work?cases_page=100",
            format!("cookie:{cookie}"),
        ),
        (
            "API /api/v1/me/work",
            "/api/v1/me/work",
            format!("bearer:{token}"),
        ),
    ] {
        let mut took = Vec::with_capacity(samples);
        let mut bytes = 0;
        for _ in 0..samples {
            let mut req = axum::http::Request::get(uri);
            req = match auth.split_once(':') {
                Some(("cookie", c)) => req.header("cookie", c),
                Some((_, t)) => req.header("authorization", format!("Bearer {t}")),
                None => req,
            };
            let req = req
                .body(axum::body::Body::empty())
                .map_err(|e| e.to_string())?;
            let t = Instant::now();
            let res = app.clone().oneshot(req).await.map_err(|e| e.to_string())?;
            let status = res.status();
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            took.push(t.elapsed());
            if !status.is_success() {
                return Err(format!("{uri}: {status}"));
            }
            bytes = body.len();
        }
        took.sort();
        println!(
            "  {what:<28} p50 {}  p99 {}  max {}  ({} bytes)",
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.99)),
            ms(took.last().copied().unwrap_or(Duration::ZERO)),
            bytes
        );
    }
    println!("  {}", memory());
    Ok(())
}

async fn sign_in(app: &axum::Router, email: &str) -> Result<String, String> {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let req = axum::http::Request::post("/signin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .map_err(|e| e.to_string())?;
    let res = app.clone().oneshot(req).await.map_err(|e| e.to_string())?;
    res.headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("sign-in failed: {}", res.status()))
}
