//! Offices, orders and their lines.

use crate::authority::{Approval, Decision};
use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(OrderState {
    Placed => "placed",
    Ready => "ready",
    Collected => "collected",
    Shipped => "shipped",
    Installed => "installed",
    Cancelled => "cancelled",
});
crate::str_enum!(Fulfilment { Pickup => "pickup", Ship => "ship", Install => "install" });

/// Where customers collect orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Office {
    pub id: OfficeId,
    pub name: String,
    /// One line, as customers are told it.
    pub address: String,
    /// Opening hours in the queues' syntax: `mon-fri 09:00-17:00; sat 10:00-13:00`.
    pub hours: String,
    /// The zone the hours are in.
    pub time_zone: String,
    /// Closed offices stay readable on old orders but take no new ones.
    pub active: bool,
    pub version: i64,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct OfficeInput {
    pub name: String,
    pub address: String,
    pub hours: String,
    /// The provider's zone when left out.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// True when left out.
    #[serde(default)]
    pub active: Option<bool>,
    /// Required when changing an office: the version read.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An office with whether it is open now, for the order form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OfficeView {
    pub office: Office,
    pub open_now: bool,
    /// "open until 17:00", "opens Mon 09:00".
    pub hours_now: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    pub id: OrderLineId,
    pub product_id: ProductId,
    pub product_name: String,
    pub quantity: i64,
    /// The catalog's retail price when the order was placed.
    pub unit_price_minor: i64,
    /// The charge on the ledger for this line (none when it costs nothing).
    pub charge_entry_id: Option<LedgerEntryId>,
    /// Asked for free of charge when placed.
    pub free_asked: bool,
    /// How much of the line was given free (a free-item entry about its charge).
    pub free_minor: i64,
    /// Who gave it free, last.
    pub free_by: Option<String>,
    /// What the bill still charges for it: the charge less waivers and
    /// free items about it (a cancelled order's lines come to nothing).
    #[serde(default)]
    pub open_minor: i64,
}

impl OrderLine {
    pub fn total_minor(&self) -> i64 {
        self.quantity * self.unit_price_minor
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub account_id: AccountId,
    pub case_id: Option<CaseId>,
    /// The contact it was placed on.
    pub interaction_id: Option<InteractionId>,
    pub fulfilment: Fulfilment,
    /// Pickup: the office.
    pub office_id: Option<OfficeId>,
    /// Shipping: the service location it goes to.
    pub location_id: Option<LocationId>,
    pub state: OrderState,
    pub currency: String,
    pub cancel_reason: Option<String>,
    /// Shipping: the carrier's tracking reference.
    pub tracking: Option<String>,
    pub created_by: StaffId,
    pub created_by_name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    pub lines: Vec<OrderLine>,
}

/// "ORD-3F9A2C": the last six hex digits of an order's id.
pub fn reference_of(id: OrderId) -> String {
    let s = id.0.simple().to_string().to_uppercase();
    format!("ORD-{}", &s[s.len() - 6..])
}

impl Order {
    /// A short reference to read out: the last six hex digits of the id.
    pub fn reference(&self) -> String {
        reference_of(self.id)
    }
    /// What the bill charges for the order now.
    pub fn due_minor(&self) -> i64 {
        self.lines.iter().map(|l| l.open_minor.max(0)).sum()
    }
    pub fn free_minor(&self) -> i64 {
        self.lines.iter().map(|l| l.free_minor).sum()
    }
}

/// An order with the names a page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub order: Order,
    pub reference: String,
    pub account_number: String,
    pub office: Option<Office>,
    /// Shipping: the location in one line.
    pub ship_to: Option<String>,
    /// Approval requests for free items on this order, newest first.
    pub approvals: Vec<Approval>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewOrderLine {
    pub product_id: ProductId,
    /// 1 when left out.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Give it free of charge (goodwill, within authority).
    #[serde(default)]
    pub free: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewOrder {
    pub lines: Vec<NewOrderLine>,
    /// pickup or ship
    pub fulfilment: String,
    /// Pickup: which office.
    #[serde(default)]
    pub office_id: Option<OfficeId>,
    /// Shipping: which of the account's service locations; installs:
    /// where the services go.
    #[serde(default)]
    pub location_id: Option<LocationId>,
    /// Installs: phone numbers to hold for the new phone service (E.164 or
    /// as written; from the number search). Reserved until the install.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Installs: how the technician gets in.
    #[serde(default)]
    pub access_notes: Option<String>,
    #[serde(default)]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub interaction_id: Option<InteractionId>,
    /// Why items are free (required when any is): the internal note.
    #[serde(default)]
    pub free_reason: Option<String>,
    /// When a free item is beyond your authority: `refuse` (default:
    /// nothing is placed, the decision comes back), `ask_approval` (placed,
    /// charged until approved) or `charge` (placed, charged).
    #[serde(default)]
    pub if_not_allowed: Option<String>,
    /// The same key again answers the first order (or send the
    /// `Idempotency-Key` header).
    #[serde(default)]
    pub idempotency_key: String,
}

/// Moving an order on.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct OrderStep {
    /// ready, collected, shipped or cancelled
    pub to: String,
    pub version: i64,
    /// Required to cancel.
    #[serde(default)]
    pub reason: Option<String>,
    /// Shipping: the carrier's reference.
    #[serde(default)]
    pub tracking: Option<String>,
    /// Install orders: a supervisor cancelling what the completion report
    /// says is installed.
    #[serde(default)]
    pub override_report: bool,
    /// Install orders: cancelling is done only once confirmed (the answer
    /// without it says what it would do).
    #[serde(default)]
    pub confirm: bool,
    /// Install orders: cancel only this service (one the visit did not
    /// install), not the order.
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
}

/// What placing an order led to.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // built once per request
pub enum PlaceResult {
    /// Placed now, or earlier under the same key (`replayed`); free items
    /// beyond authority wait in `approvals`.
    Placed { view: OrderView, replayed: bool },
    /// Nothing was placed: a free item is beyond your authority.
    NotAllowed {
        decision: Decision,
        /// The product it is about.
        product_name: String,
    },
}
