//! `extramile`: the one binary. Serve, load demo data, manage users and
//! tokens, run benchmarks.

mod bench;
mod bench_ledger;
mod bench_routing;
mod bench_writes;
mod config;
mod demo;

/// mimalloc returns freed memory to the system promptly; glibc's allocator
/// kept what password hashing (19 MiB a sign-in) and bulk loads had used,
/// so the server's resident memory only ever grew (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use config::Config;
use extramile_domain::admin::NewStaff;
use extramile_domain::audit::Actor;
use extramile_store::{Options, SqlStore};
use extramile_web::AppState;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "extramile",
    version,
    about = "Customer operations for regional service providers"
)]
struct Cli {
    /// A TOML configuration file (database_url, listen, region, log, secure_cookies).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// sqlite:PATH (default sqlite:extramile.db) or postgres://...
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the web UI and API.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Migrate the database and exit.
    Migrate,
    /// Load a demo provider (once), print the sign-in details, then serve.
    Demo {
        #[arg(long, default_value_t = 10_000)]
        customers: u64,
        #[arg(long)]
        listen: Option<String>,
        /// Load and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Staff users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The demo's bulk load on its own (run by `demo` as a child process).
    #[command(hide = true)]
    DemoLoad {
        #[arg(long)]
        customers: u64,
        #[arg(long)]
        quiet: bool,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff user; the password is read from standard input.
    Add {
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        /// Team (department) name; created when missing.
        #[arg(long)]
        team: Option<String>,
    },
    /// List staff users with their role and whether they are active.
    List,
    /// Deactivate a staff user: their sessions end and tokens stop at once.
    Deactivate {
        email: String,
        #[arg(long)]
        reason: String,
    },
    /// Activate a deactivated staff user again (issue new tokens after).
    Activate {
        email: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for a staff user.
    Create {
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Refuse the token after this many days.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List API tokens (never their secrets), of one staff user or all.
    List { email: Option<String> },
    /// Revoke an API token by its id (from `token list`).
    Revoke { id: String },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let config = match Config::load(cli.config.as_deref(), cli.database_url.clone(), listen) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("extramile: configuration: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("extramile: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("extramile: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EXTRAMILE_LOG_FILTER")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> Result<Arc<SqlStore>, String> {
    SqlStore::open(&config.database_url, &Options::default())
        .await
        .map(Arc::new)
        .map_err(|e| format!("database {}: {e}", config.database_url))
}

fn state(store: Arc<SqlStore>, config: &Config) -> AppState {
    let mut st =
        AppState::new(store, &config.region, config.secure_cookies).with_money(&config.money);
    st.metrics_token.clone_from(&config.metrics_token);
    st.trusted_proxies.clone_from(&config.trusted_proxies);
    st
}

/// A provider billing in another currency than the seeded one gets the
/// default role limits in its own.
async fn default_policies(st: &AppState, config: &Config) -> Result<(), String> {
    st.authority
        .ensure_default_policies(&config.money.currency)
        .await
        .map(|_| ())
        .map_err(|e| format!("authority policies: {e}"))
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve { .. } => {
            let store = open(&config).await?;
            let st = state(store.clone(), &config);
            default_policies(&st, &config).await?;
            serve(st, &store, &config).await
        }
        Command::Migrate => {
            let store = open(&config).await?;
            println!("{} database is migrated", store.backend());
            Ok(())
        }
        Command::Demo {
            customers,
            no_serve,
            ..
        } => {
            let store = open(&config).await?;
            let st = state(store.clone(), &config);
            default_policies(&st, &config).await?;
            ensure_demo_staff(&st).await?;
            eprintln!("loading the demo provider with {customers} customers...");
            let started = std::time::Instant::now();
            // The bulk load runs in a child process with its own large page
            // cache: memory the allocator keeps after a load would otherwise
            // stay with the server for its whole life (150 MB after 10,000
            // customers against 36 MB for a fresh server).
            let loaded = load_in_child(&config, customers, false)?;
            demo::routing::ensure(&st).await?;
            demo::money::ensure(&st).await?;
            if loaded > 0 {
                eprintln!(
                    "loaded {loaded} customers in {:.1}s",
                    started.elapsed().as_secs_f64()
                );
            }
            println!(
                "\nSign in at http://{} with any of these (password: {}):",
                config.listen,
                demo::DEMO_PASSWORD
            );
            for s in demo::STAFF
                .iter()
                .filter(|s| matches!(s.role, "agent" | "supervisor" | "admin"))
            {
                println!("  {:<11} {}", s.role, s.email);
            }
            println!(
                "Try the lookup box with (555) 010-2030, EM00000001, rosa.alvarez@example.net, \"alvrez\" or \"evergreen\".\n"
            );
            if no_serve {
                return Ok(());
            }
            serve(st, &store, &config).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    name,
                    team,
                },
        } => {
            let store = open(&config).await?;
            let st = state(store, &config);
            let team_id = match team {
                Some(t) => Some(
                    st.staff
                        .ensure_team(&t)
                        .await
                        .map_err(|e| e.to_string())?
                        .id,
                ),
                None => None,
            };
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .map_err(|e| format!("reading the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let user = st
                .staff
                .create_staff(
                    &Actor::system(),
                    NewStaff {
                        email,
                        name,
                        role,
                        team_id,
                        password,
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            println!("added {} <{}> as {}", user.name, user.email, user.role);
            Ok(())
        }
        Command::Token { command } => {
            let store = open(&config).await?;
            tokens(&state(store, &config), command).await
        }
        Command::User {
            command: UserCommand::List,
        } => {
            let store = open(&config).await?;
            for u in state(store, &config)
                .staff
                .list_staff(&Actor::system())
                .await
                .map_err(|e| e.to_string())?
            {
                let state = if u.active { "active" } else { "deactivated" };
                println!(
                    "{:<32} {:<11} {:<12} {}",
                    u.email,
                    u.role.as_str(),
                    state,
                    u.name
                );
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Deactivate { email, reason },
        } => set_active(&config, &email, false, &reason).await,
        Command::User {
            command: UserCommand::Activate { email, reason },
        } => set_active(&config, &email, true, &reason).await,
        Command::Bench { command } => bench::run(command, &config).await,
        Command::DemoLoad { customers, quiet } => {
            let loader = SqlStore::open(
                &config.database_url,
                &Options {
                    max_connections: 1,
                    sqlite_cache_kib: 1024 * 1024,
                },
            )
            .await
            .map_err(|e| format!("database {}: {e}", config.database_url))?;
            let loaded = demo::load(&loader, customers, &config.money.currency, !quiet).await;
            loader.close().await;
            println!("{}", loaded?);
            Ok(())
        }
    }
}

/// Run the demo's bulk load in a child process on the same database and
/// configuration; how many customers it loaded.
fn load_in_child(config: &Config, customers: u64, quiet: bool) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--database-url")
        .arg(&config.database_url)
        .arg("demo-load")
        .arg("--customers")
        .arg(customers.to_string())
        .env("EXTRAMILE_CURRENCY", config.money.currency.as_str())
        .stderr(std::process::Stdio::inherit());
    if quiet {
        cmd.arg("--quiet");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start the demo load: {e}"))?;
    if !out.status.success() {
        return Err("the demo load failed (see above)".into());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| "the demo load did not say how many it loaded".into())
}

async fn set_active(
    config: &Config,
    email: &str,
    active: bool,
    reason: &str,
) -> Result<(), String> {
    let store = open(config).await?;
    let st = state(store, config);
    let user = st
        .store
        .staff_by_email(&email.trim().to_lowercase())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no staff user {email}"))?;
    let u = st
        .staff
        .set_active(&Actor::system(), user.id, active, reason)
        .await
        .map_err(|e| e.to_string())?;
    if u.active {
        println!("{} <{}> is active", u.name, u.email);
    } else {
        println!(
            "{} <{}> is deactivated; their sessions and tokens ended",
            u.name, u.email
        );
    }
    Ok(())
}

async fn tokens(st: &AppState, command: TokenCommand) -> Result<(), String> {
    let system = Actor::system();
    match command {
        TokenCommand::Create {
            email,
            label,
            expires_in_days,
        } => {
            let token = st
                .staff
                .create_token(&system, &email, &label, expires_in_days)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
        }
        TokenCommand::List { email } => {
            let staff = st
                .staff
                .list_staff(&system)
                .await
                .map_err(|e| e.to_string())?;
            let who = match &email {
                Some(e) => Some(
                    staff
                        .iter()
                        .find(|u| u.email == e.trim().to_lowercase())
                        .ok_or_else(|| format!("no staff user {e}"))?
                        .id,
                ),
                None => None,
            };
            let day = |t: Option<jiff::Timestamp>| {
                t.map_or("-".to_string(), |t| t.strftime("%Y-%m-%d").to_string())
            };
            println!(
                "{:<36}  {:<28} {:<16} {:<10} {:<10} revoked",
                "id", "staff", "label", "created", "expires"
            );
            for t in st
                .staff
                .tokens(&system, who)
                .await
                .map_err(|e| e.to_string())?
            {
                let owner = staff
                    .iter()
                    .find(|u| u.id == t.staff_id)
                    .map_or("?", |u| u.email.as_str());
                println!(
                    "{:<36}  {:<28} {:<16} {:<10} {:<10} {}",
                    t.id,
                    owner,
                    t.label,
                    day(Some(t.created_at)),
                    day(t.expires_at),
                    day(t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id = id
                .trim()
                .parse()
                .map_err(|_| format!("{id} is not a token id (see token list)"))?;
            let t = st
                .staff
                .revoke_token(&system, id)
                .await
                .map_err(|e| e.to_string())?;
            println!("revoked token {} ({})", t.id, t.label);
        }
    }
    Ok(())
}

async fn ensure_demo_staff(st: &AppState) -> Result<(), String> {
    for s in demo::STAFF {
        if st
            .store
            .staff_by_email(s.email)
            .await
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let team = st
            .staff
            .ensure_team(s.team)
            .await
            .map_err(|e| e.to_string())?;
        st.staff
            .create_staff(
                &Actor::system(),
                NewStaff {
                    email: s.email.into(),
                    name: s.name.into(),
                    role: s.role.into(),
                    team_id: Some(team.id),
                    password: demo::DEMO_PASSWORD.into(),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    for t in [
        "Billing",
        "Technical support",
        "Number porting",
        "Retention",
        "Dispatch",
        "Customer care",
    ] {
        st.staff.ensure_team(t).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn serve(st: AppState, store: &SqlStore, config: &Config) -> Result<(), String> {
    // Several nodes on one PostgreSQL share live updates.
    let (outgoing, incoming) = st.hub.bridge();
    store
        .bridge_live(outgoing, incoming)
        .await
        .map_err(|e| format!("live updates: {e}"))?;
    let limits = connection_limits(config.limits);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Background work: approval requests past their due time escalate
    // (each once, whichever node sweeps first).
    let authority = st.authority.clone();
    let staff = st.staff.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = staff.purge_signin_attempts().await {
                tracing::warn!(error = %e, "sign-in counter purge failed");
            }
            match authority.escalate_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(escalated = n, "approval requests escalated"),
                Err(e) => tracing::warn!(error = %e, "approval sweep failed"),
            }
        }
    });
    tracing::info!(%addr, "Extramile is serving");
    eprintln!("Extramile is serving on http://{addr}");
    extramile_web::serve_with(st, listener, shutdown_signal(), limits)
        .await
        .map_err(|e| e.to_string())
}

/// Raise the open-file limit as far as the system allows, and keep the
/// connection cap below it (with room for the database and files): past
/// the limit, accepting fails and everyone waits.
fn connection_limits(mut limits: extramile_web::ServerLimits) -> extramile_web::ServerLimits {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let room = usize::try_from(files.saturating_sub(256))
        .unwrap_or(usize::MAX)
        .max(16);
    if limits.max_connections > room {
        tracing::warn!(
            max_connections = limits.max_connections,
            open_files = files,
            "max_connections lowered to fit the open-file limit"
        );
        limits.max_connections = room;
    }
    limits
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
