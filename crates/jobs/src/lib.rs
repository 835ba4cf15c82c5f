//! The job runner: one per node, for everything that happens by time or
//! after a commit. It claims due jobs under a lease, runs each with the
//! handler registered for its kind, and records the result: done, pending
//! again after a back-off, or dead after its last attempt. A node that
//! dies loses its leases and another node runs its jobs; a node told to
//! stop takes no more jobs, lets those it holds finish for a while, and
//! gives back the rest.
//!
//! Jobs are written by the store in the transaction of the change that
//! causes them (see `extramile_domain::jobs`); this crate only runs them.

use async_trait::async_trait;
use extramile_domain::jobs::{Job, NewJob, retry_at};
use extramile_domain::store::JobStore;
use extramile_domain::time::Clock;
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

/// What a successful run asks for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Finished for good.
    Done,
    /// Run again at this time (periodic jobs keep one row).
    Again(Timestamp),
}

/// Runs the jobs of one kind. A handler must be idempotent by the ids in
/// the payload: a run whose lease expired may be repeated by another node.
#[async_trait]
pub trait Handler: Send + Sync {
    async fn run(&self, job: &Job) -> Result<Next, String>;
}

/// A handler from an async closure.
pub struct FnHandler<F>(pub F);

#[async_trait]
impl<F, Fut> Handler for FnHandler<F>
where
    F: Fn(Job) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<Next, String>> + Send,
{
    async fn run(&self, job: &Job) -> Result<Next, String> {
        (self.0)(job.clone()).await
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// This node's name in leases (unique per running process).
    pub node: String,
    /// How long a claim holds before another node may take the job.
    pub lease: SignedDuration,
    /// How often to look for due jobs when there were none.
    pub poll: Duration,
    /// Jobs run at once on this node.
    pub concurrency: usize,
    /// The first retry waits this long; each next one twice as long.
    pub backoff_base: SignedDuration,
    /// On stop, how long jobs that are running may take to finish.
    pub drain: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            node: default_node_name(),
            lease: SignedDuration::from_mins(5),
            poll: Duration::from_millis(200),
            concurrency: 4,
            backoff_base: SignedDuration::from_secs(5),
            drain: Duration::from_secs(20),
        }
    }
}

/// Host name, process id and a random part: two processes never share one.
pub fn default_node_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
    let rand = Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &rand[..8])
}

/// What a runner did, for logs, tests and the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    pub claimed: AtomicU64,
    pub done: AtomicU64,
    pub failed: AtomicU64,
    pub dead: AtomicU64,
    /// Results refused because the lease had gone to another node.
    pub lost_lease: AtomicU64,
    pub released: AtomicU64,
}

#[derive(Clone)]
pub struct Runner {
    store: Arc<dyn JobStore>,
    handlers: Arc<HashMap<String, Arc<dyn Handler>>>,
    periodic: Arc<Vec<NewJob>>,
    opts: Options,
    clock: Clock,
    pub stats: Arc<Stats>,
}

impl Runner {
    pub fn new(store: Arc<dyn JobStore>, opts: Options) -> Self {
        Self {
            store,
            handlers: Arc::new(HashMap::new()),
            periodic: Arc::new(Vec::new()),
            opts,
            clock: extramile_domain::time::system_clock(),
            stats: Arc::new(Stats::default()),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn node(&self) -> &str {
        &self.opts.node
    }

    /// Run jobs of `kind` with `handler`.
    pub fn handle(mut self, kind: &str, handler: Arc<dyn Handler>) -> Self {
        Arc::make_mut(&mut self.handlers).insert(kind.to_string(), handler);
        self
    }

    /// A periodic job: `f` runs every `every` on whichever node claims it
    /// (one row, keyed by its kind, so all nodes together run it once per
    /// period).
    pub fn every<F, Fut>(mut self, kind: &str, every: SignedDuration, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
    {
        let clock = self.clock.clone();
        let f = Arc::new(f);
        let handler = FnHandler(move |_job: Job| {
            let (f, clock) = (f.clone(), clock.clone());
            async move {
                f().await?;
                Ok(Next::Again(clock().checked_add(every).unwrap_or(clock())))
            }
        });
        Arc::make_mut(&mut self.periodic)
            .push(NewJob::new(kind, serde_json::json!({}), (self.clock)()).keyed(kind));
        self.handle(kind, Arc::new(handler))
    }

    /// Claim and run one batch of due jobs to the end; how many ran. For
    /// tests and tools that step time themselves.
    pub async fn run_due(&self) -> Result<usize, String> {
        let jobs = self.claim(self.opts.concurrency).await?;
        let n = jobs.len();
        let mut set = JoinSet::new();
        for job in jobs {
            let me = self.clone();
            set.spawn(async move { me.run_one(job).await });
        }
        while set.join_next().await.is_some() {}
        Ok(n)
    }

    async fn claim(&self, n: usize) -> Result<Vec<Job>, String> {
        let now = (self.clock)();
        let until = now.checked_add(self.opts.lease).unwrap_or(now);
        let jobs = self
            .store
            .claim_jobs(
                &self.opts.node,
                now,
                until,
                u32::try_from(n).unwrap_or(u32::MAX),
            )
            .await
            .map_err(|e| e.to_string())?;
        self.stats
            .claimed
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        Ok(jobs)
    }

    /// Run one claimed job and record its result.
    async fn run_one(&self, job: Job) {
        let handler = self.handlers.get(&job.kind).cloned();
        let result = match handler {
            None => Err(format!("no handler for jobs of kind {}", job.kind)),
            Some(h) => {
                let j = job.clone();
                // A panicking handler is a failed run, not a lost job.
                match tokio::spawn(async move { h.run(&j).await }).await {
                    Ok(r) => r,
                    Err(e) if e.is_panic() => Err("the handler panicked".into()),
                    Err(_) => Err("the run was cancelled".into()),
                }
            }
        };
        let now = (self.clock)();
        let kept = match result {
            Ok(next) => {
                let again = match next {
                    Next::Done => None,
                    Next::Again(at) => Some(at),
                };
                let r = self
                    .store
                    .finish_job(job.id, &self.opts.node, now, again)
                    .await;
                if matches!(r, Ok(true)) {
                    self.stats.done.fetch_add(1, Ordering::Relaxed);
                }
                r
            }
            Err(error) => {
                let at = retry_at(job.attempts, job.max_attempts, now, self.opts.backoff_base);
                tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts,
                    dead = at.is_none(), %error, "job failed");
                let r = self
                    .store
                    .fail_job(job.id, &self.opts.node, &error, at)
                    .await;
                if matches!(r, Ok(true)) {
                    let counter = if at.is_none() {
                        &self.stats.dead
                    } else {
                        &self.stats.failed
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                r
            }
        };
        match kept {
            Ok(true) => {}
            Ok(false) => {
                self.stats.lost_lease.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(job = %job.id, kind = %job.kind, "job's lease was lost before its result was written");
            }
            Err(e) => tracing::warn!(job = %job.id, error = %e, "job result not written"),
        }
    }

    /// Run until `stop` turns true: claim due jobs up to the concurrency,
    /// look again every `poll` when idle. On stop, no more claims; running
    /// jobs get `drain` to finish, the rest are given back.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if !self.periodic.is_empty()
            && let Err(e) = self.store.enqueue_jobs(&self.periodic).await
        {
            tracing::warn!(error = %e, "periodic jobs not scheduled");
        }
        let held: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
        let mut set = JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            let free = self.opts.concurrency.saturating_sub(set.len());
            let mut claimed = 0;
            if free > 0 {
                match self.claim(free).await {
                    Ok(jobs) => {
                        claimed = jobs.len();
                        for job in jobs {
                            if let Ok(mut h) = held.lock() {
                                h.insert(job.id);
                            }
                            let (me, held) = (self.clone(), held.clone());
                            set.spawn(async move {
                                let id = job.id;
                                me.run_one(job).await;
                                if let Ok(mut h) = held.lock() {
                                    h.remove(&id);
                                }
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming jobs failed"),
                }
            }
            if claimed == free && free > 0 {
                // A full batch: there may be more at once.
                while set.try_join_next().is_some() {}
                continue;
            }
            tokio::select! {
                _ = stop.changed() => {}
                _ = tokio::time::sleep(self.opts.poll) => {}
                Some(_) = set.join_next(), if !set.is_empty() => {
                    // Others finishing at the same time are claimed for
                    // together.
                    tokio::task::yield_now().await;
                    while set.try_join_next().is_some() {}
                }
            }
        }
        // Stopping: let running jobs finish for a while, give back the rest.
        let drained = tokio::time::timeout(self.opts.drain, async {
            while set.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            set.abort_all();
            while set.join_next().await.is_some() {}
            let ids: Vec<Uuid> = held
                .lock()
                .map(|h| h.iter().copied().collect())
                .unwrap_or_default();
            match self.store.release_jobs(&self.opts.node, &ids).await {
                Ok(n) => {
                    self.stats.released.fetch_add(n, Ordering::Relaxed);
                    tracing::info!(released = n, "jobs given back on shutdown");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "jobs not given back; their leases will expire")
                }
            }
        }
        tracing::info!(node = %self.opts.node, "job runner stopped");
    }
}
