//! HTTP: the JSON API (with its OpenAPI document), the server-rendered
//! agent console, authentication and metrics.

pub mod api;
mod auth;
pub mod background;
mod desk;
mod edge;
mod error;
pub mod live;
mod metrics;
mod server;
mod state;
pub mod ui;

pub use auth::CurrentUser;
pub use error::ApiError;
pub use server::{ServerLimits, serve_with};
pub use state::AppState;

use axum::Router;
use axum::routing::get;

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics::render))
        .merge(api::router())
        .merge(ui::router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::screen_input,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::headers,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}

/// Serve with the default limits until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(state, listener, shutdown, ServerLimits::default()).await
}
