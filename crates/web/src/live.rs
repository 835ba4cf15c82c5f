//! Server-Sent Events: one stream per signed-in user, fed by a broadcast
//! hub that the services publish to.

use crate::auth::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use extramile_domain::live::{LiveEvent, Notifier};
use futures_util::Stream;
use std::convert::Infallible;
use tokio::sync::broadcast;

/// Fans published events out to every open stream; each stream keeps only
/// its user's events. A slow stream skips what it missed rather than
/// holding others back.
pub struct Hub {
    tx: broadcast::Sender<LiveEvent>,
}

impl Hub {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Notifier for Hub {
    fn publish(&self, event: LiveEvent) {
        // No listener is not an error: nobody is looking right now.
        let _ = self.tx.send(event);
    }
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "live",
    responses((status = 200, content_type = "text/event-stream", description = "Events for the caller: `screen_pop` (a call ringing at you, with the matched account) and `offer` (a contact routed to you)")))]
pub async fn stream(
    State(s): State<AppState>,
    u: CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = s.hub.tx.subscribe();
    let me = u.user.id;
    let events = futures_util::stream::unfold(rx, move |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) if e.is_for(me) => {
                    let ev = Event::default()
                        .event(e.kind.clone())
                        .data(e.data.to_string());
                    return Some((Ok(ev), rx));
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
