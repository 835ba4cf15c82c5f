//! The account ledger: immutable money movements, the balance as their
//! sum, disputes, the next-bill preview and overpayment.

pub(crate) mod actions;
mod model;
mod money;
mod rules;
mod service;

pub(crate) use actions::refusal;
pub use model::*;
pub use money::{Currency, Money, MoneyRequest, request_digest};
pub use rules::*;
pub use service::NEWEST;
pub use service::{ActionResult, LedgerService, MoneySettings, Standing};
pub(crate) use service::{month_start, staff_of};
