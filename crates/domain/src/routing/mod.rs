//! C4 core: queues with opening hours per time zone, agent skills and
//! availability, longest-idle routing, queue position and expected wait.

pub mod hours;
mod model;
pub mod presence;
mod service;
mod wall;

pub use model::*;
pub use service::{RoutingService, pick_agent};
