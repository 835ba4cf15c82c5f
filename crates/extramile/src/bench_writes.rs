//! `extramile bench writes`: interactions and cases created per second
//! through the domain services (validation, audit, one transaction each),
//! with concurrent writers, on a fresh database.

use crate::bench::ms;
use crate::config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_domain::cases::NewCase;
use extramile_domain::customers::inputs::{NewAccount, NewPerson};
use extramile_domain::interactions::NewInteraction;
use extramile_web::AppState;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub async fn run(count: usize, concurrency: usize, config: &Config) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "writes").await?;
    println!(
        "extramile bench writes: {count} interactions and {count} cases, {concurrency} concurrent writers, on {url}"
    );
    let st = AppState::new(store, &config.region, false);
    let email = format!("writer-{}@extramile.invalid", uuid::Uuid::new_v4().simple());
    let user = st
        .staff
        .create_staff(
            &Actor::system(),
            NewStaff {
                email,
                name: "Bench writer".into(),
                role: "agent".into(),
                team_id: None,
                password: "timing run secret 2026".into(),
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

    for phase in ["interactions", "cases"] {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency.max(1) {
            let (st, actor, next) = (st.clone(), actor.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut took = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let t = Instant::now();
                    if phase == "interactions" {
                        st.interactions
                            .create(
                                &actor,
                                NewInteraction {
                                    channel: "outbound_call".into(),
                                    account_id: Some(account.id),
                                    person_id: None,
                                    subject: None,
                                    in_progress: None,
                                },
                            )
                            .await
                            .map_err(|e| e.to_string())?;
                    } else {
                        st.cases
                            .open(
                                &actor,
                                NewCase {
                                    account_id: account.id,
                                    title: "Benchmark".into(),
                                    category: "technical".into(),
                                    priority: None,
                                    description: None,
                                    interaction_id: None,
                                },
                            )
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    took.push(t.elapsed());
                }
                Ok::<_, String>(took)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.map_err(|e| e.to_string())??);
        }
        let elapsed = started.elapsed();
        all.sort();
        let p = |q: f64| crate::bench::percentile(&all, q);
        println!(
            "  {phase:<13} {:>7.0} per second   p50 {}  p99 {}  ({count} in {:.2}s)",
            count as f64 / elapsed.as_secs_f64(),
            ms(p(0.5)),
            ms(p(0.99)),
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}
