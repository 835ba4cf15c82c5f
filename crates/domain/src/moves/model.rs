//! A move and its final reading.

use crate::customers::inputs::NewLocation;
use crate::ids::*;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(MoveState {
    Planned => "planned",
    Completed => "completed",
    Cancelled => "cancelled",
});

/// A meter read at the old address (water, energy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeterReading {
    pub meter_id: String,
    /// As read, up to three decimals ("18342.5").
    pub value: String,
    pub unit: String,
    #[schema(value_type = String, format = Date)]
    pub read_on: Date,
    /// The meter was replaced: a lower value is expected.
    pub meter_change: bool,
    /// Where the photo of the meter is kept, when one was taken.
    pub photo_ref: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Move {
    pub id: MoveId,
    pub account_id: AccountId,
    pub from_location_id: LocationId,
    pub to_location_id: LocationId,
    /// Service stops at the old address.
    #[schema(value_type = String, format = Date)]
    pub move_date: Date,
    /// Service starts at the new one.
    #[schema(value_type = String, format = Date)]
    pub start_date: Date,
    pub subscriptions: Vec<SubscriptionId>,
    pub reading: Option<MeterReading>,
    pub disconnect_work_order_id: Option<WorkOrderId>,
    pub connect_work_order_id: Option<WorkOrderId>,
    pub state: MoveState,
    pub cancel_reason: Option<String>,
    pub created_by: StaffId,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub version: i64,
    #[serde(default)]
    pub from_address: String,
    #[serde(default)]
    pub to_address: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ReadingInput {
    pub meter_id: String,
    pub value: String,
    pub unit: String,
    /// YYYY-MM-DD; today when left out.
    #[serde(default)]
    pub read_on: Option<String>,
    #[serde(default)]
    pub meter_change: bool,
    #[serde(default)]
    pub photo_ref: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewMove {
    pub from_location_id: LocationId,
    /// An address the account has…
    #[serde(default)]
    pub to_location_id: Option<LocationId>,
    /// …or a new one.
    #[serde(default)]
    pub to_address: Option<NewLocation>,
    /// YYYY-MM-DD: service stops at the old address (today or later).
    pub move_date: String,
    /// YYYY-MM-DD: service starts at the new one (the move date when left
    /// out).
    #[serde(default)]
    pub start_date: Option<String>,
    pub subscription_ids: Vec<SubscriptionId>,
    /// Required when a metered service (water, energy) moves.
    #[serde(default)]
    pub reading: Option<ReadingInput>,
    /// A gap or an overlap between stop and start is said first and needs
    /// this.
    #[serde(default)]
    pub accept_gap: bool,
    #[serde(default)]
    pub access_notes: Option<String>,
    #[serde(default)]
    pub case_id: Option<CaseId>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MoveStep {
    /// completed or cancelled
    pub to: String,
    pub version: i64,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A move with the states of its visits, for its page and the 360.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MoveView {
    #[serde(flatten)]
    pub r#move: Move,
    pub disconnect_state: Option<String>,
    pub connect_state: Option<String>,
    /// The one line the 360 shows.
    pub status: String,
}

/// Told to the billing system (and other integrations), read in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntegrationEvent {
    /// Increasing: read with `after` the last one seen.
    pub seq: i64,
    /// `move.completed`
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub payload: serde_json::Value,
    pub at: Timestamp,
}
