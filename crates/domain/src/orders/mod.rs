//! Small orders: equipment and accessories sent to or collected by the
//! customer, from the provider's offices; an item given free goes through
//! the same authority, alternatives and approvals as any goodwill.

pub mod model;
pub mod rules;
mod service;

pub use model::*;
pub use service::OrderService;

/// The reason code of an order line's charge on the ledger: only such a
/// charge can be given free.
pub const ORDER_CHARGE: &str = "order";
