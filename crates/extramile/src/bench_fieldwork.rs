//! `extramile bench fieldwork`: the dispatch board for a day of 200
//! technicians and 2,000 work orders (ten visits each, an hour apart),
//! through the field service (the queries and the free windows), on a
//! fresh database; and scheduling one more visit (the double-booking check).

use crate::bench::{memory, ms, percentile};
use crate::config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::{Actor, change};
use extramile_domain::customers::inputs::{NewAccount, NewLocation, NewPerson};
use extramile_domain::fieldwork::{WorkOrder, WorkOrderKind, WorkOrderState};
use extramile_domain::ids::*;
use extramile_domain::store::FieldStore;
use extramile_web::AppState;
use std::time::{Duration, Instant};

pub async fn run(
    technicians: usize,
    per_technician: usize,
    samples: usize,
    config: &Config,
) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "fieldwork").await?;
    let total = technicians * per_technician;
    println!(
        "extramile bench fieldwork: {technicians} technicians, {total} work orders on one day, {samples} boards, on {url}"
    );
    let st = AppState::new(store.clone(), &config.region, false);
    let e = |e: extramile_domain::DomainError| e.to_string();
    let sys = Actor::system();
    let mut techs = Vec::new();
    for k in 0..technicians {
        let u = st
            .staff
            .create_staff(
                &sys,
                NewStaff {
                    email: format!(
                        "tech{k}-{}@extramile.invalid",
                        uuid::Uuid::new_v4().simple()
                    ),
                    name: format!("Technician {k:03}"),
                    role: "technician".into(),
                    team_id: None,
                    password: "timing run secret 2026".into(),
                },
            )
            .await
            .map_err(e)?;
        techs.push(u);
    }
    let dispatcher = st
        .staff
        .create_staff(
            &sys,
            NewStaff {
                email: format!(
                    "dispatch-{}@extramile.invalid",
                    uuid::Uuid::new_v4().simple()
                ),
                name: "Dispatcher".into(),
                role: "dispatcher".into(),
                team_id: None,
                password: "timing run secret 2026".into(),
            },
        )
        .await
        .map_err(e)?;
    let d = extramile_domain::admin::StaffService::actor(&dispatcher);
    // A few hundred customers the visits are spread over.
    let mut places = Vec::new();
    for k in 0..200 {
        let p = st
            .customers
            .create_person(
                &d,
                NewPerson {
                    given_name: format!("Customer{k}"),
                    family_name: "Bench".into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(e)?;
        let a = st
            .customers
            .create_account(
                &d,
                NewAccount {
                    holder_id: p.0.id,
                    ..Default::default()
                },
            )
            .await
            .map_err(e)?;
        let l = st
            .customers
            .add_location(
                &d,
                a.id,
                NewLocation {
                    line1: format!("{k} Main St"),
                    city: "Springfield".into(),
                    postcode: "62701".into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(e)?;
        places.push((a.id, l.id));
    }
    let day = jiff::civil::date(2026, 12, 1);
    let t0 = Instant::now();
    for (i, t) in techs.iter().enumerate() {
        for j in 0..per_technician {
            let (account, location) = places[(i * per_technician + j) % places.len()];
            let start =
                jiff::civil::Time::new(8 + (j as i8 % 10), 0, 0, 0).map_err(|x| x.to_string())?;
            let w = WorkOrder {
                id: WorkOrderId::new(),
                account_id: account,
                location_id: location,
                kind: WorkOrderKind::Repair,
                order_id: None,
                case_id: None,
                subscriptions: Vec::new(),
                day: Some(day),
                window_start: Some(start),
                window_end: Some(start),
                minutes: 45,
                technicians: vec![t.id],
                access_notes: None,
                state: WorkOrderState::Scheduled,
                not_completed_reason: None,
                cancel_reason: None,
                grace_until: None,
                created_by: dispatcher.id,
                created_at: extramile_domain::time::now(),
                version: 1,
                account_number: String::new(),
                account_name: String::new(),
                address: String::new(),
            };
            let ev = change(&d, "create", "work_order", w.id.0)
                .account(Some(account))
                .summary("bench".to_string())
                .build();
            store
                .write_work_order(&w, true, &[], None, &Default::default(), &[], &ev)
                .await
                .map_err(e)?;
        }
    }
    println!(
        "  loaded {total} work orders in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let mut times: Vec<Duration> = Vec::with_capacity(samples);
    let mut jobs = 0;
    for _ in 0..samples {
        let t = Instant::now();
        let b = st.field.board(&d, day).await.map_err(e)?;
        times.push(t.elapsed());
        jobs = b.rows.iter().map(|r| r.jobs.len()).sum();
    }
    times.sort();
    println!(
        "  dispatch board ({} technicians, {jobs} visits)   p50 {}  p99 {}",
        technicians,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    numbers(&st, &store, &d, places[0].0, samples.max(200)).await?;
    println!("  {}", memory());
    Ok(())
}

/// An area code and a random number in, the search's (area code, pattern).
type Query = fn(u64, u64) -> (String, String);

/// A million numbers (10 area codes × 10 exchanges × 10,000, all
/// available: the most a search may have to read), searched as agents do
/// and reserved.
async fn numbers(
    st: &AppState,
    store: &extramile_store::SqlStore,
    d: &Actor,
    account: AccountId,
    samples: usize,
) -> Result<(), String> {
    use extramile_domain::resources::{ImportNumberRow, NumberStep};
    let e = |e: extramile_domain::DomainError| e.to_string();
    const AREAS: [u64; 10] = [512, 737, 214, 469, 972, 713, 281, 832, 210, 726];
    let mut rows = Vec::new();
    for a in AREAS {
        for x in 0..10u64 {
            let first = 10_000_000_000 + a * 10_000_000 + (555 + x) * 10_000;
            rows.push(ImportNumberRow {
                line: rows.len() as u64 + 2,
                first,
                last: first + 9_999,
                note: None,
            });
        }
    }
    let t0 = Instant::now();
    let n = st
        .resources
        .import_numbers(&Actor::system(), &rows)
        .await
        .map_err(e)?;
    println!(
        "  imported {n} numbers in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    // As after any bulk load: the planner's statistics.
    store.analyze().await.map_err(e)?;
    let mut mix = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        mix ^= mix << 13;
        mix ^= mix >> 7;
        mix ^= mix << 17;
        mix
    };
    let cases: [(&str, Query); 4] = [
        ("area code", |a, _| (a.to_string(), String::new())),
        ("area code + ends in 4 digits", |a, r| {
            (a.to_string(), format!("{:04}", r % 10_000))
        }),
        ("whole number, 2 wildcards", |a, r| {
            (
                String::new(),
                format!("{a}{}{:02}??", 555 + r % 10, r % 100),
            )
        }),
        ("area code + ends in 2 digits", |a, r| {
            (a.to_string(), format!("*{:02}", r % 100))
        }),
    ];
    for (name, make) in cases {
        let mut times: Vec<Duration> = Vec::with_capacity(samples);
        let mut found = 0;
        for _ in 0..samples {
            let r = next();
            let (area, pattern) = make(AREAS[(r % 10) as usize], r / 10);
            let t = Instant::now();
            let hits = st
                .resources
                .search(d, Some(&area), Some(&pattern), Some(20))
                .await
                .map_err(e)?;
            times.push(t.elapsed());
            found += hits.len();
        }
        times.sort();
        println!(
            "  number search: {name:<30} p50 {}  p99 {}  ({:.1} found a search)",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            found as f64 / samples as f64
        );
    }
    // The rare pattern with no fixed last digits reads the area code's
    // numbers until it has 20: the slow case, shown as it is.
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        st.resources
            .search(d, Some("512"), Some("7777??"), Some(20))
            .await
            .map_err(e)?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  number search: {:<30} p50 {}  p99 {}  (reads the area code's 100,000)",
        "area code + \"7777??\" (rare)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    // Search, then reserve the first for the customer (the first 20 are
    // not counted: they write back what the million-number import left in
    // the log).
    let mut times: Vec<Duration> = Vec::with_capacity(samples);
    for i in 0..samples + 20 {
        let r = next();
        let area = AREAS[(r % 10) as usize].to_string();
        let pattern = format!("{:04}", (r / 10) % 10_000);
        let t = Instant::now();
        let hits = st
            .resources
            .search(d, Some(&area), Some(&pattern), Some(5))
            .await
            .map_err(e)?;
        if let Some(first) = hits.first() {
            st.resources
                .number_step(
                    d,
                    &first.number,
                    NumberStep {
                        to: "reserved".into(),
                        version: first.version,
                        account_id: Some(account),
                        hours: Some(1),
                        reason: None,
                    },
                )
                .await
                .map_err(e)?;
        }
        if i >= 20 {
            times.push(t.elapsed());
        }
    }
    times.sort();
    println!(
        "  search and reserve                             p50 {}  p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    Ok(())
}
