use crate::state::AppState; pub fn router() -> axum::Router<AppState> { axum::Router::new() }
