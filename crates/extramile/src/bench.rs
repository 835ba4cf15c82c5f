//! `extramile bench lookup`: builds (once) a database of N demo customers,
//! then measures lookups by phone, account number, e-mail and name inside
//! the process and over HTTP with concurrent clients, the customer 360, and
//! resident memory. Prints its figures; `docs/benchmarks.md` records them.

use crate::config::Config;
use crate::demo;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore};
use extramile_web::AppState;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Lookup, 360 and memory at N customers.
    Lookup {
        #[arg(long, default_value_t = 100_000)]
        customers: u64,
        /// Queries per kind inside the process.
        #[arg(long, default_value_t = 2_000)]
        samples: usize,
        /// HTTP requests in all, spread over the kinds.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Routing decisions at scale and screen-pop latency.
    Routing {
        #[arg(long, default_value_t = 1_000)]
        agents: usize,
        #[arg(long, default_value_t = 10_000)]
        queued: usize,
        /// Screen pops measured (one node, and across two on PostgreSQL).
        #[arg(long, default_value_t = 500)]
        pops: usize,
    },
    /// Ledger writes per second (credits with idempotency keys, billing
    /// entries by external id) and the balance and next-bill preview of an
    /// account with many entries.
    Ledger {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Entries on the one big account.
        #[arg(long, default_value_t = 10_000)]
        entries: usize,
    },
    /// My work (page and API) for a person owning many open cases.
    Work {
        #[arg(long, default_value_t = 10_000)]
        cases: usize,
        /// Requests per measured kind.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Background jobs: jobs per second (one node on SQLite, two on
    /// PostgreSQL, each run exactly once) and the delay from run_at to start.
    Jobs {
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        /// Jobs due one after another, 10 ms apart, for the delay.
        #[arg(long, default_value_t = 300)]
        delays: usize,
    },
    /// The dispatch board: technicians × one day of work orders.
    Fieldwork {
        #[arg(long, default_value_t = 200)]
        technicians: usize,
        /// Work orders per technician that day.
        #[arg(long, default_value_t = 10)]
        per_technician: usize,
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
    /// Reports at a year of contacts (1,000,000 by default).
    Reports {
        #[arg(long, default_value_t = 1_000_000)]
        interactions: i64,
        /// Reports per measured kind.
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
    /// Interactions and cases created per second through the services.
    Writes {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Concurrent writers: a contact centre's server serves many
        /// agents' requests at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
}

const KINDS: [&str; 4] = ["phone", "account number", "e-mail", "name"];

fn queries(customers: u64, per_kind: usize) -> Vec<(usize, String)> {
    let mut out = Vec::with_capacity(per_kind * KINDS.len());
    let step = (customers / per_kind.max(1) as u64).max(1);
    for n in 0..per_kind as u64 {
        let i = (n * step + n * 7919) % customers.max(1);
        let id = demo::identity(i);
        let d = &id.phone[2..];
        out.push((0, format!("({}) {}-{}", &d[0..3], &d[3..6], &d[6..10])));
        out.push((
            1,
            format!(
                "{}-{}",
                id.account_number[..6].to_lowercase(),
                &id.account_number[6..]
            ),
        ));
        out.push((2, id.email.to_uppercase()));
        out.push((
            3,
            format!(
                "{} {}",
                id.family,
                &id.given[..id
                    .given
                    .char_indices()
                    .nth(3)
                    .map_or(id.given.len(), |(b, _)| b)]
            ),
        ));
    }
    out
}

pub(crate) fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

/// A fresh database for a benchmark: a new SQLite file in the temp
/// directory, or the configured URL when one was given.
pub(crate) async fn fresh_store(
    config: &Config,
    name: &str,
) -> Result<(String, Arc<SqlStore>), String> {
    let url = if config.database_url == crate::config::DEFAULT_DATABASE {
        let path = std::env::temp_dir().join(format!("extramile-bench-{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        format!("sqlite:{}", path.display())
    } else {
        config.database_url.clone()
    };
    let store = SqlStore::open(&url, &Options::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok((url, Arc::new(store)))
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// This process's resident memory now and at its peak (Linux).
pub(crate) fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!("resident {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

fn report(title: &str, mut per_kind: Vec<Vec<Duration>>) {
    println!("{title}");
    for (k, samples) in per_kind.iter_mut().enumerate() {
        samples.sort();
        println!(
            "  {:<15} n={:<6} p50 {:>10}  p99 {:>10}  max {:>10}",
            KINDS.get(k).copied().unwrap_or("360"),
            samples.len(),
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.99)),
            ms(samples.last().copied().unwrap_or_default())
        );
    }
}

pub async fn run(cmd: BenchCommand, config: &Config) -> Result<(), String> {
    let out = run_one(cmd, config).await;
    println!("memory at the end: {}", memory());
    out
}

async fn run_one(cmd: BenchCommand, config: &Config) -> Result<(), String> {
    if let BenchCommand::Ledger {
        count,
        concurrency,
        entries,
    } = cmd
    {
        return crate::bench_ledger::run(count, concurrency, entries, config).await;
    }
    if let BenchCommand::Work { cases, samples } = cmd {
        return crate::bench_work::run(cases, samples, config).await;
    }
    if let BenchCommand::Reports {
        interactions,
        samples,
    } = cmd
    {
        return crate::bench_reports::run(interactions, samples, config).await;
    }
    if let BenchCommand::Fieldwork {
        technicians,
        per_technician,
        samples,
    } = cmd
    {
        return crate::bench_fieldwork::run(technicians, per_technician, samples, config).await;
    }
    if let BenchCommand::Jobs { count, delays } = cmd {
        return crate::bench_jobs::run(count, delays, config).await;
    }
    if let BenchCommand::Writes { count, concurrency } = cmd {
        return crate::bench_writes::run(count, concurrency, config).await;
    }
    if let BenchCommand::Routing {
        agents,
        queued,
        pops,
    } = cmd
    {
        return crate::bench_routing::run(agents, queued, pops, config).await;
    }
    let BenchCommand::Lookup {
        customers,
        samples,
        requests,
        concurrency,
    } = cmd
    else {
        return Ok(());
    };
    let url = if config.database_url == crate::config::DEFAULT_DATABASE {
        format!(
            "sqlite:{}",
            std::env::temp_dir()
                .join(format!("extramile-bench-{customers}.db"))
                .display()
        )
    } else {
        config.database_url.clone()
    };
    println!("extramile bench lookup: {customers} customers on {url}");
    // Loading runs in a child process so this process's memory is only
    // what serving needs.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let status = std::process::Command::new(exe)
        .args([
            "--database-url",
            &url,
            "demo",
            "--no-serve",
            "--customers",
            &customers.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("loading the demo data failed".into());
    }
    println!(
        "data ready in {:.1}s (loaded now, or found from an earlier run)",
        started.elapsed().as_secs_f64()
    );

    let store = Arc::new(
        SqlStore::open(&url, &Options::default())
            .await
            .map_err(|e| e.to_string())?,
    );
    let state = AppState::new(store.clone(), &config.region, false);
    println!("after opening: {}", memory());
    let actor = Actor::system();
    let qs = queries(customers, samples);

    let mut misses = 0;
    let mut per_kind = vec![Vec::new(); KINDS.len()];
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    for (kind, q) in &qs {
        let t = Instant::now();
        let hits = state
            .customers
            .lookup(&actor, q)
            .await
            .map_err(|e| e.to_string())?;
        per_kind[*kind].push(t.elapsed());
        slowest.push((t.elapsed(), q.as_str()));
        if hits.is_empty() {
            misses += 1;
        }
    }
    report(
        "lookup inside the process (domain service + store):",
        per_kind,
    );
    println!("  queries without a hit: {misses}");
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let worst: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|(d, q)| format!("{q:?} {}", ms(*d)))
        .collect();
    println!("  slowest: {}", worst.join(", "));

    let mut views = Vec::new();
    for (_, q) in qs.iter().filter(|(k, _)| *k == 1).take(500) {
        if let Some(id) = state
            .customers
            .lookup(&actor, q)
            .await
            .map_err(|e| e.to_string())?
            .first()
            .and_then(|h| h.account_id)
        {
            let t = Instant::now();
            state
                .customers
                .customer_360(&actor, id)
                .await
                .map_err(|e| e.to_string())?;
            views.push(t.elapsed());
        }
    }
    views.sort();
    println!(
        "customer 360 inside the process: n={} p50 {} p99 {}",
        views.len(),
        ms(percentile(&views, 0.5)),
        ms(percentile(&views, 0.99))
    );

    http(state, &qs, requests, concurrency).await?;
    println!("after the HTTP run: {}", memory());
    Ok(())
}

async fn http(
    state: AppState,
    qs: &[(usize, String)],
    requests: usize,
    concurrency: usize,
) -> Result<(), String> {
    let email = "bench@extramile.invalid";
    if state
        .store
        .staff_by_email(email)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        state
            .staff
            .create_staff(
                &Actor::system(),
                NewStaff {
                    email: email.into(),
                    name: "Benchmark".into(),
                    role: "agent".into(),
                    team_id: None,
                    password: "timing run secret 2026".into(),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let token = state
        .staff
        .create_token(&Actor::system(), email, "bench", None)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(extramile_web::serve(state, listener, async {
        let _ = stop_rx.await;
    }));

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Empty<Bytes>>();
    let work: Arc<Vec<(usize, String)>> = Arc::new(
        qs.iter()
            .map(|(k, q)| (*k, format!("http://{addr}/api/v1/lookup?q={}", encode(q))))
            .collect(),
    );
    // One phase per kind, so slow kinds do not queue in front of fast ones.
    let mut per_kind = vec![Vec::new(); KINDS.len()];
    let mut throughput = Vec::new();
    for kind in 0..KINDS.len() {
        let work: Arc<Vec<(usize, String)>> =
            Arc::new(work.iter().filter(|(k, _)| *k == kind).cloned().collect());
        let requests = requests / KINDS.len();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency.max(1) {
            let (client, work, next, token) =
                (client.clone(), work.clone(), next.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut out: Vec<(usize, Duration)> = Vec::new();
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= requests {
                        return Ok::<_, String>(out);
                    }
                    let (kind, uri) = &work[n % work.len()];
                    let req = hyper::Request::get(uri.as_str())
                        .header("authorization", format!("Bearer {token}"))
                        .body(Empty::<Bytes>::new())
                        .map_err(|e| e.to_string())?;
                    let t = Instant::now();
                    let res = client.request(req).await.map_err(|e| e.to_string())?;
                    let ok = res.status().is_success();
                    res.into_body().collect().await.map_err(|e| e.to_string())?;
                    if !ok {
                        return Err(format!("HTTP request failed: {uri}"));
                    }
                    out.push((*kind, t.elapsed()));
                }
            }));
        }
        for t in tasks {
            for (k, d) in t.await.map_err(|e| e.to_string())?? {
                per_kind[k].push(d);
            }
        }
        throughput.push(requests as f64 / started.elapsed().as_secs_f64());
    }
    report(
        &format!(
            "lookup over HTTP, {concurrency} concurrent clients, keep-alive, one phase per kind:"
        ),
        per_kind,
    );
    for (k, t) in throughput.iter().enumerate() {
        println!("  throughput {:<15} {t:.0} requests/s", KINDS[k]);
    }
    let _ = stop_tx.send(());
    let _ = server.await;
    Ok(())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
