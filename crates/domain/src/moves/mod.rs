//! C10 moves: services that follow a customer to a new address, with the
//! final reading at the old one, the visits it needs, and the billing
//! system told when it is done.

pub mod model;
pub mod rules;
mod service;
mod steps;

pub use model::*;
pub use service::MoveService;
