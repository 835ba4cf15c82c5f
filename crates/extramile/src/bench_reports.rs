//! `extramile bench reports`: the reports at a provider's year of contacts
//! (1,000,000 by default: inbound calls through three queues, outbound
//! calls, cases, verifications, follow-ups and credits), through the
//! report service (the queries and the sums), for last week, the last 30
//! days, one team's week and one person's month. On a fresh database.

use crate::bench::{memory, ms, percentile};
use crate::config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_domain::customers::inputs::NewPerson;
use extramile_domain::reports::ReportQuery;
use extramile_domain::routing::NewQueue;
use extramile_web::AppState;
use std::time::{Duration, Instant};

pub async fn run(interactions: i64, samples: usize, config: &Config) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "reports").await?;
    println!(
        "extramile bench reports: {interactions} contacts over 365 days, {samples} reports per kind, on {url}"
    );
    let st = AppState::new(store.clone(), &config.region, false);
    let e = |e: extramile_domain::DomainError| e.to_string();
    let sys = Actor::system();
    let mut staff = Vec::new();
    let mut teams = Vec::new();
    for t in 0..5 {
        teams.push(
            st.staff
                .ensure_team(&format!("Team {t}"))
                .await
                .map_err(e)?,
        );
    }
    for k in 0..50 {
        let u = st
            .staff
            .create_staff(
                &sys,
                NewStaff {
                    email: format!(
                        "agent{k}-{}@extramile.invalid",
                        uuid::Uuid::new_v4().simple()
                    ),
                    name: format!("Agent {k:02}"),
                    role: if k == 0 {
                        "supervisor".into()
                    } else {
                        "agent".into()
                    },
                    team_id: Some(teams[k % 5].id),
                    password: "timing run secret 2026".into(),
                },
            )
            .await
            .map_err(e)?;
        staff.push(u);
    }
    let boss = extramile_domain::admin::StaffService::actor(&staff[0]);
    let mut queues = Vec::new();
    for (name, skill) in [
        ("Internet support", "internet"),
        ("Billing", "billing"),
        ("Moves", "moves"),
    ] {
        let q = st
            .routing
            .create_queue(
                &sys,
                NewQueue {
                    name: name.into(),
                    team_id: Some(teams[0].id),
                    skill: skill.into(),
                    time_zone: "America/Chicago".into(),
                    hours: "24/7".into(),
                    after_call_secs: None,
                },
            )
            .await
            .map_err(e)?;
        queues.push(q.id.0);
    }
    let (person, _) = st
        .customers
        .create_person(
            &boss,
            NewPerson {
                given_name: "Bench".into(),
                family_name: "Customer".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    let started = Instant::now();
    let ids: Vec<uuid::Uuid> = staff.iter().map(|s| s.id.0).collect();
    store
        .fill_history(&extramile_store::bulk::History {
            interactions,
            days: 365,
            until: jiff::Timestamp::now().as_microsecond(),
            staff: &ids,
            queues: &queues,
            person: person.id.0,
            label: "Bench household",
            prefix: "BENCH",
        })
        .await
        .map_err(e)?;
    store.analyze().await.map_err(e)?;
    println!("  filled in {:.1} s", started.elapsed().as_secs_f64());

    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let month_ago = today.saturating_sub(jiff::Span::new().days(29));
    let kinds: Vec<(&str, ReportQuery)> = vec![
        ("last week, everyone", ReportQuery::default()),
        (
            "last 30 days, everyone",
            ReportQuery {
                from: Some(month_ago),
                to: Some(today),
                ..Default::default()
            },
        ),
        (
            "last week, one team",
            ReportQuery {
                team: Some(teams[1].id),
                ..Default::default()
            },
        ),
        (
            "last 30 days, one person",
            ReportQuery {
                from: Some(month_ago),
                to: Some(today),
                staff: Some(staff[7].id),
                ..Default::default()
            },
        ),
        (
            "last week, one queue, inbound calls",
            ReportQuery {
                queue: Some(queues[0].into()),
                channel: Some("inbound_call".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, q) in kinds {
        let mut times: Vec<Duration> = Vec::with_capacity(samples);
        let mut headline = String::new();
        for _ in 0..samples {
            let t = Instant::now();
            let r = st.reports.report(&boss, &q).await.map_err(e)?;
            times.push(t.elapsed());
            headline = r.headline;
        }
        times.sort();
        println!(
            "  report {name:<38} p50 {}  p99 {}  — {headline}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        );
    }
    let mut times = Vec::new();
    for _ in 0..samples {
        let t = Instant::now();
        let rows = st
            .reports
            .records(&boss, "speed_of_answer", &ReportQuery::default())
            .await
            .map_err(e)?;
        times.push(t.elapsed());
        if rows.is_empty() {
            return Err("no records".into());
        }
    }
    times.sort();
    println!(
        "  records speed_of_answer (500 newest)          p50 {}  p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    println!("  {}", memory());
    Ok(())
}
