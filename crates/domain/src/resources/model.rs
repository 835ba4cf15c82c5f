//! Phone numbers, equipment and port-in orders.

use crate::ids::*;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(NumberState {
    Available => "available",
    Reserved => "reserved",
    Assigned => "assigned",
    Aging => "aging",
    PortingIn => "porting_in",
    PortedOut => "ported_out",
    Administrative => "administrative",
});

/// A phone number the provider holds (E.164, North American numbering).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhoneNumber {
    pub number: String,
    pub state: NumberState,
    /// Reserved for, assigned to, quarantined to (aging) or porting in for.
    pub account_id: Option<AccountId>,
    pub subscription_id: Option<SubscriptionId>,
    /// When aging started.
    pub since: Option<Timestamp>,
    /// Reserved until, aging until.
    pub until: Option<Timestamp>,
    pub note: Option<String>,
    pub version: i64,
    pub updated_at: Timestamp,
}

/// One line of a number's (or a piece of equipment's) history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceEvent {
    /// The number, or the equipment's serial.
    pub subject: String,
    pub at: Timestamp,
    pub kind: String,
    pub description: String,
    pub account_id: Option<AccountId>,
    pub actor_name: String,
}

crate::str_enum!(EquipmentState {
    InStock => "in_stock",
    Assigned => "assigned",
    PendingReturn => "pending_return",
    Returned => "returned",
    Retired => "retired",
});
crate::str_enum!(Condition { Good => "good", Faulty => "faulty" });

/// A modem, a set-top box, a meter: by serial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Equipment {
    pub id: EquipmentId,
    pub serial: String,
    pub model: String,
    pub state: EquipmentState,
    /// In stock at an office…
    pub office_id: Option<OfficeId>,
    /// …or in a technician's van.
    pub van_staff_id: Option<StaffId>,
    /// Assigned to (pending return from).
    pub account_id: Option<AccountId>,
    pub location_id: Option<LocationId>,
    /// The service it serves, when the report named one.
    pub subscription_id: Option<SubscriptionId>,
    /// When returned.
    pub condition: Option<Condition>,
    pub version: i64,
    pub updated_at: Timestamp,
}

/// A number's new state with its history line, written with the change
/// that causes it (version checked).
#[derive(Clone, Debug)]
pub struct NumberWrite {
    pub number: PhoneNumber,
    pub event: ResourceEvent,
}

#[derive(Clone, Debug)]
pub struct EquipmentWrite {
    pub equipment: Equipment,
    pub event: ResourceEvent,
}

/// Numbers and equipment changed together with a work order or a move.
#[derive(Clone, Debug, Default)]
pub struct ResourceWrites {
    pub numbers: Vec<NumberWrite>,
    pub equipment: Vec<EquipmentWrite>,
}

impl ResourceWrites {
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.equipment.is_empty()
    }
}

crate::str_enum!(PortState {
    Unconfirmed => "unconfirmed",
    Submitted => "submitted",
    Pending => "pending",
    Scheduled => "scheduled",
    Completed => "completed",
    Rejected => "rejected",
    Cancelled => "cancelled",
});

/// Bringing a customer's numbers from another provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortingOrder {
    pub id: PortingOrderId,
    pub account_id: AccountId,
    /// The case it belongs to: the customer's owner keeps it.
    pub case_id: CaseId,
    /// The provider the numbers come from.
    pub donor: String,
    pub numbers: Vec<String>,
    /// The letter of authorization is in hand.
    pub loa_received: bool,
    /// The customer's account number at the donor.
    pub donor_account: String,
    /// Kept for the donor; never sent back.
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub donor_pin: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub requested_date: Date,
    /// Firm order commitment: the date the donor confirmed.
    #[schema(value_type = Option<String>, format = Date)]
    pub foc_date: Option<Date>,
    pub state: PortState,
    pub reject_reason: Option<String>,
    pub created_by: StaffId,
    pub created_at: Timestamp,
    pub version: i64,
    /// "on file" when a PIN is kept.
    #[serde(default)]
    pub pin_hint: Option<String>,
    #[serde(default)]
    pub account_number: String,
    #[serde(default)]
    pub account_name: String,
}
