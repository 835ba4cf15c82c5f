//! What the agent's workspace needs beyond the records: pick-lists the
//! admin maintains, creating forms that act once, presence that follows
//! calls, and each person's time zone.

pub mod keys;
pub mod picklists;

pub use keys::{Created, KeyClaim, create_once};
pub use picklists::{ListKind, PickItem, PickLists};
