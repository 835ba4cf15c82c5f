//! `serve`: live updates across nodes, the background sweep, the server
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
    // Background work: approval requests past their due time escalate
    // (each once, whichever node sweeps first).
    let authority = st.authority.clone();
    let staff = st.staff.clone();
    let routing = st.routing.clone();
    let store = st.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = staff.purge_signin_attempts().await {
                tracing::warn!(error = %e, "sign-in counter purge failed");
            }
            // Create keys older than a week: no retry comes that late.
            let week_ago = jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(24 * 7))
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            if let Err(e) = store.purge_create_keys(week_ago).await {
                tracing::warn!(error = %e, "create key purge failed");
            }
            // After-call work that is over: available, and offered the next.
            if let Err(e) = routing.end_after_call().await {
                tracing::warn!(error = %e, "after-call sweep failed");
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
