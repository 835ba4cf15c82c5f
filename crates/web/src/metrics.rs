//! Prometheus metrics: request counts and latencies per route.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The metrics facade is process-global by design; install its recorder
/// once, however many routers a process (or a test) builds.
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

pub async fn track(req: Request, next: Next) -> Response {
    let _ = handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    // A fixed set: a made-up method must not become a new series.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let start = Instant::now();
    // One span per request, named by its route: every handler and the
    // store calls under it are traced within it.
    let span = tracing::info_span!("request", method, route = %route);
    let res = tracing::Instrument::instrument(next.run(req), span).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// For admins, and for a monitoring system with the configured metrics
/// token (`Authorization: Bearer <metrics_token>`).
pub async fn render(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request,
) -> Response {
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let monitoring = match (&state.metrics_token, bearer) {
        (Some(expected), Some(sent)) => {
            extramile_domain::admin::secret_digest(expected)
                == extramile_domain::admin::secret_digest(sent)
        }
        _ => false,
    };
    if !monitoring {
        let (mut parts, _) = req.into_parts();
        use axum::extract::FromRequestParts;
        match crate::auth::CurrentUser::from_request_parts(&mut parts, &state).await {
            Ok(u) => {
                if let Err(e) = extramile_domain::access::authorize(
                    u.user.role,
                    extramile_domain::access::Action::ManageStaff,
                ) {
                    return crate::ApiError(e).into_response();
                }
            }
            Err(r) => return r.into_response(),
        }
    }
    let body = handle().map(|h| h.render()).unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
        .into_response()
}
