//! The runner against real databases: many nodes, lost leases, retries,
//! the dead state and shutdown.

use extramile_domain::jobs::{JobState, NewJob};
use extramile_domain::store::JobStore;
use extramile_jobs::{FnHandler, Next, Options, Runner};
use extramile_store::{Options as DbOptions, SqlStore, testing};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

fn opts(node: &str) -> Options {
    Options {
        node: node.into(),
        lease: SignedDuration::from_secs(60),
        poll: Duration::from_millis(20),
        concurrency: 8,
        backoff_base: SignedDuration::from_millis(1),
        drain: Duration::from_secs(5),
    }
}

async fn open(url: &str) -> Arc<SqlStore> {
    Arc::new(
        SqlStore::open(url, &DbOptions::default())
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}")),
    )
}

type Runs = Arc<Mutex<HashMap<Uuid, Vec<String>>>>;

/// A handler that records which node ran which job.
fn recorder(runs: Runs, node: &'static str) -> Arc<dyn extramile_jobs::Handler> {
    Arc::new(FnHandler(move |job: extramile_domain::jobs::Job| {
        if let Ok(mut r) = runs.lock() {
            r.entry(job.id).or_default().push(node.to_string());
        }
        std::future::ready(Ok(Next::Done))
    }))
}

/// Wait (with a deadline that only bounds a failing run) until no job is
/// pending or running.
async fn until_idle(store: &SqlStore) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let c = store.job_counts(Timestamp::now()).await.unwrap_or_default();
        if c.pending == 0 && c.running == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs still waiting: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgresql_run_a_thousand_jobs_each_exactly_once() {
    let Some(url) = testing::postgres_url().await else {
        return;
    };
    // Two nodes: two processes' worth of pools on one database.
    let (a, b) = (open(&url).await, open(&url).await);
    let now = Timestamp::now();
    let jobs: Vec<NewJob> = (0..1000)
        .map(|i| NewJob::new("count", serde_json::json!({ "n": i }), now))
        .collect();
    a.enqueue_jobs(&jobs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let runs: Runs = Arc::default();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let ra =
        Runner::new(a.clone(), opts("node-a")).handle("count", recorder(runs.clone(), "node-a"));
    let rb =
        Runner::new(b.clone(), opts("node-b")).handle("count", recorder(runs.clone(), "node-b"));
    let (ta, tb) = (
        tokio::spawn(ra.run(stop.clone())),
        tokio::spawn(rb.run(stop)),
    );
    until_idle(&a).await;
    let _ = stop_tx.send(true);
    let _ = (ta.await, tb.await);

    let runs = runs.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(runs.len(), 1000, "every job ran");
    let twice: Vec<_> = runs.iter().filter(|(_, nodes)| nodes.len() != 1).collect();
    assert!(twice.is_empty(), "jobs run more than once: {twice:?}");
    let by_a = runs.values().filter(|n| n[0] == "node-a").count();
    assert!(
        by_a > 0 && by_a < 1000,
        "both nodes took jobs (a ran {by_a})"
    );
    let done = a.jobs(Some(JobState::Done), 2000).await.unwrap_or_default();
    assert_eq!(done.len(), 1000);
    assert!(
        done.iter()
            .all(|j| j.attempts == 1 && j.lease_holder.is_none())
    );
}

#[tokio::test]
async fn a_job_held_by_a_node_that_died_runs_on_another_after_its_lease() {
    for url in testing::databases().await {
        let store = open(&url).await;
        let t0 = Timestamp::now();
        let job = NewJob::new("count", serde_json::json!({}), t0);
        store
            .enqueue_jobs(std::slice::from_ref(&job))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Node A claims it and dies (never answers).
        let lease = t0 + SignedDuration::from_secs(60);
        let held = store
            .claim_jobs("node-a", t0, lease, 10)
            .await
            .unwrap_or_default();
        assert_eq!(held.len(), 1, "{url}");
        // Before the lease ends, nobody else can take it.
        let early = t0 + SignedDuration::from_secs(30);
        let runs: Runs = Arc::default();
        let clock_at = |t: Timestamp| -> extramile_domain::time::Clock { Arc::new(move || t) };
        let b = Runner::new(store.clone(), opts("node-b"))
            .handle("count", recorder(runs.clone(), "node-b"));
        let ran = b
            .clone()
            .with_clock(clock_at(early))
            .run_due()
            .await
            .unwrap_or_default();
        assert_eq!(ran, 0, "{url}: taken while still leased");
        // After it, node B runs it.
        let later = t0 + SignedDuration::from_secs(61);
        let ran = b
            .with_clock(clock_at(later))
            .run_due()
            .await
            .unwrap_or_default();
        assert_eq!(ran, 1, "{url}");
        assert_eq!(
            runs.lock().map(|r| r.get(&job.id).cloned()).ok().flatten(),
            Some(vec!["node-b".to_string()])
        );
        let stored = store
            .job(job.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("job"));
        assert_eq!(stored.state, JobState::Done, "{url}");
        assert_eq!(
            stored.attempts, 2,
            "{url}: the lost run counts as an attempt"
        );
        // Node A coming back to life cannot overwrite the result.
        let late = store
            .fail_job(job.id, "node-a", "woke up", Some(later))
            .await
            .unwrap_or(true);
        assert!(!late, "{url}: a dead node's late result was accepted");
        assert_eq!(
            store.job(job.id).await.ok().flatten().map(|j| j.state),
            Some(JobState::Done)
        );
    }
}

#[tokio::test]
async fn a_job_that_fails_twice_then_succeeds_runs_three_times_and_one_that_always_fails_dies() {
    for url in testing::databases().await {
        let store = open(&url).await;
        let flaky = NewJob::new("flaky", serde_json::json!({}), Timestamp::now());
        let mut doomed = NewJob::new("doomed", serde_json::json!({}), Timestamp::now());
        doomed.max_attempts = 3;
        store
            .enqueue_jobs(&[flaky.clone(), doomed.clone()])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c = calls.clone();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let runner = Runner::new(store.clone(), opts("node-a"))
            .handle(
                "flaky",
                Arc::new(FnHandler(move |_job| {
                    let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    std::future::ready(if n < 2 {
                        Err(format!("modem did not answer (try {})", n + 1))
                    } else {
                        Ok(Next::Done)
                    })
                })),
            )
            .handle(
                "doomed",
                Arc::new(FnHandler(|_job| {
                    std::future::ready(Err::<Next, _>("the mail server refused".to_string()))
                })),
            );
        let task = tokio::spawn(runner.run(stop));
        until_idle(&store).await;
        let _ = stop_tx.send(true);
        let _ = task.await;
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3, "{url}");
        let f = store
            .job(flaky.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("flaky"));
        assert_eq!((f.state, f.attempts), (JobState::Done, 3), "{url}");
        assert_eq!(
            f.last_error.as_deref(),
            Some("modem did not answer (try 2)"),
            "{url}: the last error is kept"
        );
        let d = store
            .job(doomed.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("doomed"));
        assert_eq!((d.state, d.attempts), (JobState::Dead, 3), "{url}");
        assert_eq!(d.last_error.as_deref(), Some("the mail server refused"));
        let counts = store.job_counts(Timestamp::now()).await.unwrap_or_default();
        assert_eq!((counts.dead, counts.done), (1, 1), "{url}");
    }
}

#[tokio::test]
async fn a_stopping_node_gives_back_what_it_cannot_finish_and_a_periodic_job_keeps_one_row() {
    for url in testing::databases().await {
        let store = open(&url).await;
        let slow = NewJob::new("slow", serde_json::json!({}), Timestamp::now());
        store
            .enqueue_jobs(std::slice::from_ref(&slow))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let started_tx = Arc::new(Mutex::new(Some(started_tx)));
        let mut o = opts("node-a");
        o.drain = Duration::from_millis(50);
        let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let t = ticks.clone();
        let runner = Runner::new(store.clone(), o)
            .handle(
                "slow",
                Arc::new(FnHandler(move |_job| {
                    if let Some(tx) = started_tx.lock().ok().and_then(|mut s| s.take()) {
                        let _ = tx.send(());
                    }
                    async {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        Ok(Next::Done)
                    }
                })),
            )
            .every("tick", SignedDuration::from_hours(1), move || {
                t.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async { Ok(()) }
            });
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(runner.clone().run(stop));
        let _ = tokio::time::timeout(Duration::from_secs(30), started).await;
        let _ = stop_tx.send(true);
        let _ = task.await;
        let j = store
            .job(slow.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("slow"));
        assert_eq!(
            (j.state, j.attempts, j.lease_holder.clone()),
            (JobState::Pending, 0, None),
            "{url}: given back untouched"
        );
        // A second start of the node does not add a second periodic row.
        let (_tx2, stop2) = tokio::sync::watch::channel(true);
        runner.run(stop2).await;
        let ticks_rows: Vec<_> = store
            .jobs(None, 100)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|j| j.kind == "tick")
            .collect();
        assert_eq!(ticks_rows.len(), 1, "{url}");
        assert_eq!(
            ticks_rows[0].state,
            JobState::Pending,
            "{url}: waits for its next hour"
        );
        assert!(
            ticks_rows[0].run_at > Timestamp::now() + SignedDuration::from_mins(59),
            "{url}"
        );
        assert_eq!(ticks.load(std::sync::atomic::Ordering::SeqCst), 1, "{url}");
    }
}

#[tokio::test]
async fn an_admin_retry_brings_a_dead_job_back() {
    for url in testing::databases().await {
        let store = open(&url).await;
        let mut j = NewJob::new(
            "doomed",
            serde_json::json!({"account": "A-1"}),
            Timestamp::now(),
        );
        j.max_attempts = 1;
        store
            .enqueue_jobs(std::slice::from_ref(&j))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let r = Runner::new(store.clone(), opts("n")).handle(
            "doomed",
            Arc::new(FnHandler(|_job| {
                std::future::ready(Err::<Next, _>("nope".to_string()))
            })),
        );
        assert_eq!(r.run_due().await.unwrap_or_default(), 1);
        assert_eq!(
            store.job(j.id).await.ok().flatten().map(|j| j.state),
            Some(JobState::Dead)
        );
        let audit = extramile_domain::audit::change(
            &extramile_domain::audit::Actor::system(),
            "retry",
            "job",
            j.id,
        )
        .summary("retried")
        .build();
        assert!(
            store
                .retry_job(j.id, Timestamp::now(), &audit)
                .await
                .unwrap_or(false),
            "{url}"
        );
        let back = store
            .job(j.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("job"));
        assert_eq!((back.state, back.attempts), (JobState::Pending, 0), "{url}");
        // A finished job is not "retried".
        assert!(
            !store
                .retry_job(Uuid::now_v7(), Timestamp::now(), &audit)
                .await
                .unwrap_or(true)
        );
    }
}
