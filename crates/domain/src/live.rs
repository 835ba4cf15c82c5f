//! Live updates: services publish what a person's screen should show now
//! (a screen pop, a routed offer); the web layer delivers them over
//! Server-Sent Events.

use crate::ids::StaffId;
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    Staff(StaffId),
    Everyone,
}

#[derive(Clone, Debug, Serialize)]
pub struct LiveEvent {
    #[serde(skip)]
    pub audience: Audience,
    /// `screen_pop`, `offer`, ...
    pub kind: String,
    pub data: serde_json::Value,
}

impl LiveEvent {
    pub fn for_staff(staff: StaffId, kind: &str, data: serde_json::Value) -> Self {
        Self {
            audience: Audience::Staff(staff),
            kind: kind.into(),
            data,
        }
    }

    /// For every signed-in screen; pages keep what concerns them.
    pub fn everyone(kind: &str, data: serde_json::Value) -> Self {
        Self {
            audience: Audience::Everyone,
            kind: kind.into(),
            data,
        }
    }

    pub fn is_for(&self, staff: StaffId) -> bool {
        match self.audience {
            Audience::Staff(s) => s == staff,
            Audience::Everyone => true,
        }
    }
}

pub trait Notifier: Send + Sync {
    /// Deliver if anyone listens; never blocks, never fails the caller.
    fn publish(&self, event: LiveEvent);
}

/// For tools that serve nobody (CLI commands, benchmarks).
pub struct Silent;
impl Notifier for Silent {
    fn publish(&self, _: LiveEvent) {}
}

pub type SharedNotifier = Arc<dyn Notifier>;
