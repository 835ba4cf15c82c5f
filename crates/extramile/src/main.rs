//! `extramile`: the one binary. Serve, load demo data, manage users and
//! tokens, run benchmarks.

mod bench;
mod bench_fieldwork;
mod bench_jobs;
mod bench_ledger;
mod bench_reports;
mod bench_routing;
mod bench_work;
mod bench_writes;
mod config;
mod demo;
mod import_cli;
mod serve;
mod staff_cli;

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
        command: staff_cli::UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: staff_cli::TokenCommand,
    },
    /// The demo's bulk load on its own (run by `demo` as a child process).
    #[command(hide = true)]
    DemoLoad {
        #[arg(long)]
        customers: u64,
        #[arg(long)]
        quiet: bool,
    },
    /// Import numbers or equipment from a CSV file (all or nothing).
    Import {
        #[command(subcommand)]
        command: import_cli::ImportCommand,
    },
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
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
    let zone = jiff::tz::TimeZone::get(&config.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    st.with_calendar(zone, &config.region)
        .with_field_settings(config.cancellation_grace_days, config.aging)
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
            serve::serve(st, &store, &config).await
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
            demo::followups::ensure(&st, &store, &config.region).await?;
            demo::inventory::ensure(&st).await?;
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
            // Everyone a newcomer needs to play both halves of a story.
            for s in demo::STAFF {
                println!("  {:<30} {:<11} {} ({})", s.email, s.role, s.name, s.team);
            }
            println!(
                "Try the lookup box with (555) 010-2030, EM00000001, rosa.alvarez@example.net, \"alvrez\" or \"evergreen\"."
            );
            println!(
                "Story S1: sign in as agent@ in one browser and billing@ in another (a private window): Maya asks Billing, Bea answers.\n"
            );
            if no_serve {
                return Ok(());
            }
            serve::serve(st, &store, &config).await
        }
        Command::User { command } => {
            let store = open(&config).await?;
            staff_cli::users(&state(store, &config), command).await
        }
        Command::Token { command } => {
            let store = open(&config).await?;
            staff_cli::tokens(&state(store, &config), command).await
        }
        Command::Bench { command } => bench::run(command, &config).await,
        Command::Import { command } => {
            let store = open(&config).await?;
            import_cli::run(&state(store, &config), command).await
        }
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
