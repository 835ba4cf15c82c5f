//! `serve`: live updates across nodes, the job runner, the server
//! with its limits, and shutdown on a signal.

use crate::config::Config;
use extramile_store::SqlStore;
use extramile_web::AppState;

pub async fn serve(st: AppState, store: &SqlStore, config: &Config) -> Result<(), String> {
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
    // Background jobs: follow-ups falling due, approval escalation,
    // after-call work ending, housekeeping. Any number of nodes share them.
    let runner = extramile_web::background::runner(&st, extramile_jobs::Options::default());
    tracing::info!(node = runner.node(), "job runner started");
    let (stop_jobs, stop) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(runner.run(stop));
    let signal = async move {
        shutdown_signal().await;
        // No more jobs are taken; those running finish or are given back.
        let _ = stop_jobs.send(true);
    };
    tracing::info!(%addr, "Extramile is serving");
    eprintln!("Extramile is serving on http://{addr}");
    let served = extramile_web::serve_with(st, listener, signal, limits)
        .await
        .map_err(|e| e.to_string());
    let _ = jobs.await;
    served
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
