//! C2: contacts on any channel, with participants, a timeline, identity
//! verified once per person, and wrap-up.

mod model;
mod participants;
mod presence;
mod service;
pub mod state;
mod transfer;

pub use model::*;
pub use service::{InteractionService, may_act_on};
