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
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, broadcast, mpsc};

/// Fans published events out to every open stream; each stream keeps only
/// its user's events. A slow stream skips what it missed rather than
/// holding others back.
pub struct Hub {
    tx: broadcast::Sender<LiveEvent>,
    /// This node, so its own events coming back from other nodes are skipped.
    origin: uuid::Uuid,
    /// To other nodes, once a bridge is connected.
    remote: Mutex<Option<mpsc::UnboundedSender<String>>>,
    /// Open streams per staff user, oldest first, each with its close signal.
    open: OpenStreams,
    next: std::sync::atomic::AtomicU64,
}

/// Open streams per staff user, oldest first: (stream, its close signal).
type OpenStreams = Arc<Mutex<HashMap<StaffId, VecDeque<(u64, Arc<Notify>)>>>>;

/// Streams one staff user may hold open; a new one beyond this closes
/// their oldest (a tab long forgotten), so a few users' many tabs cannot
/// take the server's connections from everyone else.
pub const STREAMS_PER_USER: usize = 8;
/// A stream ends after this long; the browser reconnects at once, and a
/// tab that is gone no longer holds a connection.
pub const STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Removes its stream from the hub's table when the stream is dropped.
struct Registration {
    open: OpenStreams,
    staff: StaffId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(q) = open.get_mut(&self.staff) {
            q.retain(|(id, _)| *id != self.id);
            if q.is_empty() {
                open.remove(&self.staff);
            }
        }
    }
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
            open: Arc::default(),
            next: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Register a new stream of `staff`, closing their oldest beyond
    /// `STREAMS_PER_USER`.
    fn register(&self, staff: StaffId) -> (Registration, Arc<Notify>) {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let q = open.entry(staff).or_default();
        q.push_back((id, close.clone()));
        while q.len() > STREAMS_PER_USER {
            if let Some((_, oldest)) = q.pop_front() {
                oldest.notify_one();
            }
        }
        (
            Registration {
                open: self.open.clone(),
                staff,
                id,
            },
            close,
        )
    }

    /// End every stream of a staff user on this node (deactivated).
    pub fn close_user(&self, staff: StaffId) {
        let open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, close) in open.get(&staff).into_iter().flatten() {
            close.notify_one();
        }
    }

    /// Every event published on this node from now on (tests, tools).
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// How many streams are open (all users).
    pub fn open_streams(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .map(VecDeque::len)
            .sum()
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
    let (registration, close) = s.hub.register(me);
    let until = tokio::time::Instant::now() + STREAM_LIFETIME;
    let events = futures_util::stream::unfold(
        (rx, registration, close),
        move |(mut rx, registration, close)| async move {
            loop {
                let got = tokio::select! {
                    r = rx.recv() => r,
                    () = close.notified() => return None,
                    () = tokio::time::sleep_until(until) => return None,
                };
                match got {
                    Ok(e) if e.is_for(me) => {
                        let ev = Event::default()
                            .event(e.kind.clone())
                            .data(e.data.to_string());
                        return Some((Ok(ev), (rx, registration, close)));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_beyond_eight_streams_loses_the_oldest() {
        let hub = Hub::new();
        let (maya, bea) = (StaffId::new(), StaffId::new());
        let mut held = Vec::new();
        for _ in 0..STREAMS_PER_USER {
            held.push(hub.register(maya));
        }
        let other = hub.register(bea);
        assert_eq!(hub.open_streams(), STREAMS_PER_USER + 1);
        let oldest = held[0].1.clone();
        held.push(hub.register(maya));
        // The oldest was told to close; nobody else's stream was.
        tokio::time::timeout(std::time::Duration::from_secs(1), oldest.notified())
            .await
            .unwrap_or_else(|_| panic!("the oldest stream was not closed"));
        assert_eq!(hub.open_streams(), STREAMS_PER_USER + 1);
        drop(held);
        assert_eq!(hub.open_streams(), 1, "dropped streams leave the table");
        drop(other);
        assert_eq!(hub.open_streams(), 0);
    }
}
