//! Server-Sent Events: one stream per signed-in user, fed by a broadcast
//! hub that the services publish to; across nodes through a bridge (the
//! store carries it over PostgreSQL NOTIFY).

use crate::auth::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use extramile_domain::ids::StaffId;
use extramile_domain::live::{Audience, LiveEvent, Notifier};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

/// Fans published events out to every open stream; each stream keeps only
/// its user's events. A slow stream skips what it missed rather than
/// holding others back.
pub struct Hub {
    tx: broadcast::Sender<LiveEvent>,
    /// This node, so its own events coming back from other nodes are skipped.
    origin: uuid::Uuid,
    /// To other nodes, once a bridge is connected.
    remote: Mutex<Option<mpsc::UnboundedSender<String>>>,
}

/// What crosses between nodes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    origin: uuid::Uuid,
    staff: Option<StaffId>,
    kind: String,
    data: serde_json::Value,
}

impl Hub {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            origin: uuid::Uuid::new_v4(),
            remote: Mutex::new(None),
        }
    }

    /// Connect this hub to other nodes: what it publishes comes out of the
    /// returned receiver; what other nodes publish goes into the returned
    /// function.
    pub fn bridge(
        self: &Arc<Self>,
    ) -> (
        mpsc::UnboundedReceiver<String>,
        impl Fn(String) + Send + Sync + 'static,
    ) {
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        if let Ok(mut r) = self.remote.lock() {
            *r = Some(out_tx);
        }
        let hub = self.clone();
        (out_rx, move |payload: String| {
            let Ok(w) = serde_json::from_str::<Wire>(&payload) else {
                return;
            };
            if w.origin == hub.origin {
                return;
            }
            let audience = w.staff.map_or(Audience::Everyone, Audience::Staff);
            let _ = hub.tx.send(LiveEvent {
                audience,
                kind: w.kind,
                data: w.data,
            });
        })
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Notifier for Hub {
    fn publish(&self, event: LiveEvent) {
        if let Ok(remote) = self.remote.lock()
            && let Some(out) = remote.as_ref()
        {
            let staff = match event.audience {
                Audience::Staff(s) => Some(s),
                Audience::Everyone => None,
            };
            let wire = Wire {
                origin: self.origin,
                staff,
                kind: event.kind.clone(),
                data: event.data.clone(),
            };
            if let Ok(text) = serde_json::to_string(&wire) {
                let _ = out.send(text);
            }
        }
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
