//! C3: cases with one owner, an explicit status machine, SLA targets, a
//! waiting clock, handover, escalation and confirmed resolution.

pub mod fcr;
mod lists;
mod model;
mod service;
pub mod state;

pub use lists::Page;
pub use model::*;
pub use service::{CaseService, sla_view};
