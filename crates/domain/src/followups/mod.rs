//! C7 follow-ups: scheduled proactive contacts, due lists, outcomes,
//! reminders, covering and the provider's calendar.

mod calendar;
pub mod model;
pub mod rules;
pub mod service;
mod steps;

pub use model::*;
pub use service::{FollowUpFilter, FollowUpService};
