//! C1: the customer 360 and instant lookup.

pub mod inputs;
pub mod lookup;
pub mod model;
pub mod rules;
mod service;
pub mod values;

pub use service::CustomerService;
