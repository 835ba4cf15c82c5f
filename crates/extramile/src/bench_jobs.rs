//! `extramile bench jobs`: background jobs through the real runner and
//! store. Throughput: N jobs due at once, run by one node (SQLite) or two
//! nodes with their own pools (PostgreSQL, as two processes would), until
//! every one is done; each is checked to have run exactly once. Delay: jobs
//! due one after another over a few seconds, measured from their `run_at`
//! to the moment their handler starts, with the runner's default options
//! (a 200 ms look for due work when idle).

use crate::bench::{memory, ms, percentile};
use crate::config::Config;
use extramile_domain::jobs::{Job, NewJob};
use extramile_domain::store::JobStore;
use extramile_jobs::{FnHandler, Next, Options, Runner};
use extramile_store::SqlStore;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub async fn run(count: usize, delays: usize, config: &Config) -> Result<(), String> {
    let (url, store) = crate::bench::fresh_store(config, "jobs").await?;
    let postgres = store.backend() == "postgres";
    let nodes = if postgres { 2 } else { 1 };
    println!(
        "extramile bench jobs: {count} jobs on {nodes} node(s), then {delays} delays, on {url}"
    );

    // Throughput.
    let now = jiff::Timestamp::now();
    let all: Vec<NewJob> = (0..count)
        .map(|i| NewJob::new("bench", serde_json::json!({ "n": i }), now))
        .collect();
    for chunk in all.chunks(1000) {
        store.enqueue_jobs(chunk).await.map_err(|e| e.to_string())?;
    }
    let seen: Arc<Mutex<HashSet<uuid::Uuid>>> = Arc::default();
    let twice = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let started = Instant::now();
    for n in 0..nodes {
        let node_store: Arc<SqlStore> = if n == 0 {
            store.clone()
        } else {
            Arc::new(
                SqlStore::open(&url, &extramile_store::Options::default())
                    .await
                    .map_err(|e| e.to_string())?,
            )
        };
        let (seen, twice) = (seen.clone(), twice.clone());
        let runner = Runner::new(
            node_store,
            Options {
                node: format!("bench-{n}"),
                concurrency: 8,
                ..Options::default()
            },
        )
        .handle(
            "bench",
            Arc::new(FnHandler(move |job: Job| {
                let fresh = seen.lock().map(|mut s| s.insert(job.id)).unwrap_or(true);
                if !fresh {
                    twice.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                std::future::ready(Ok(Next::Done))
            })),
        );
        tasks.push(tokio::spawn(runner.run(stop.clone())));
    }
    // Wait for the handlers (polling the table would compete with the
    // runners), then for the last results to be written.
    while seen.lock().map(|s| s.len()).unwrap_or(0) < count {
        if started.elapsed() > Duration::from_secs(600) {
            return Err("jobs still waiting after 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    loop {
        let c = store
            .job_counts(jiff::Timestamp::now())
            .await
            .map_err(|e| e.to_string())?;
        if c.pending == 0 && c.running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = started.elapsed();
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    let ran = seen.lock().map(|s| s.len()).unwrap_or(0);
    println!(
        "  throughput: {count} jobs in {:.2} s = {:.0} jobs/s on {nodes} node(s) × 8; ran {ran}, twice {}",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64(),
        twice.load(std::sync::atomic::Ordering::Relaxed)
    );
    if ran != count || twice.load(std::sync::atomic::Ordering::Relaxed) != 0 {
        return Err("a job was lost or ran twice".into());
    }

    // Delay from run_at to start, jobs due every 10 ms from 1 s ahead.
    let delays_seen: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let base = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1);
    let spaced: Vec<NewJob> = (0..delays)
        .map(|i| {
            let at = base + jiff::SignedDuration::from_millis(10 * i as i64);
            NewJob::new("delay", serde_json::json!({}), at)
        })
        .collect();
    store
        .enqueue_jobs(&spaced)
        .await
        .map_err(|e| e.to_string())?;
    let d = delays_seen.clone();
    let runner = Runner::new(store.clone(), Options::default()).handle(
        "delay",
        Arc::new(FnHandler(move |job: Job| {
            let late = jiff::Timestamp::now().duration_since(job.run_at);
            if let Ok(mut v) = d.lock() {
                v.push(Duration::try_from(late).unwrap_or(Duration::ZERO));
            }
            std::future::ready(Ok(Next::Done))
        })),
    );
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(runner.run(stop));
    let waited = Instant::now();
    while delays_seen.lock().map(|v| v.len()).unwrap_or(0) < delays {
        if waited.elapsed() > Duration::from_secs(120) {
            return Err("delayed jobs did not all run".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    let _ = task.await;
    let mut v = delays_seen.lock().map(|v| v.clone()).unwrap_or_default();
    v.sort();
    println!(
        "  delay from run_at to start ({} jobs, poll 200 ms): p50 {}  p99 {}  max {}",
        v.len(),
        ms(percentile(&v, 0.50)),
        ms(percentile(&v, 0.99)),
        ms(percentile(&v, 1.0))
    );
    println!("  {}", memory());
    Ok(())
}
