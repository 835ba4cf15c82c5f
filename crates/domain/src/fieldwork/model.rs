//! Work orders, their appointments and completion reports.

use crate::ids::*;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(WorkOrderKind {
    Install => "install",
    Repair => "repair",
    Disconnect => "disconnect",
    Reconnect => "reconnect",
    EquipmentPickup => "equipment_pickup",
});
crate::str_enum!(WorkOrderState {
    Requested => "requested",
    Scheduled => "scheduled",
    Dispatched => "dispatched",
    OnSite => "on_site",
    Completed => "completed",
    PartiallyCompleted => "partially_completed",
    NotCompleted => "not_completed",
    Cancelled => "cancelled",
});
crate::str_enum!(NotDoneReason {
    NoAccess => "no_access",
    CustomerAbsent => "customer_absent",
    FaultFound => "fault_found",
    Safety => "safety",
    Other => "other",
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrder {
    pub id: WorkOrderId,
    pub account_id: AccountId,
    pub location_id: LocationId,
    pub kind: WorkOrderKind,
    /// The order it carries out (installs).
    pub order_id: Option<OrderId>,
    pub case_id: Option<CaseId>,
    /// The services it concerns (an install's are pending until installed).
    pub subscriptions: Vec<SubscriptionId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub day: Option<Date>,
    /// The arrival window promised to the customer.
    #[schema(value_type = Option<String>)]
    pub window_start: Option<Time>,
    #[schema(value_type = Option<String>)]
    pub window_end: Option<Time>,
    /// Expected length of the visit (by kind unless set).
    pub minutes: i64,
    pub technicians: Vec<StaffId>,
    pub access_notes: Option<String>,
    pub state: WorkOrderState,
    pub not_completed_reason: Option<NotDoneReason>,
    pub cancel_reason: Option<String>,
    /// Services an override put in pending cancellation come back with
    /// one action until then; a job cancels them for good after.
    #[serde(default)]
    pub grace_until: Option<Timestamp>,
    pub created_by: StaffId,
    pub created_at: Timestamp,
    pub version: i64,
    /// Read with it, for lists and the board: the account's number and
    /// name, the location in one line.
    #[serde(default)]
    pub account_number: String,
    #[serde(default)]
    pub account_name: String,
    #[serde(default)]
    pub address: String,
}

/// A measured value on a line (downstream speed, signal level).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Measurement {
    pub name: String,
    /// As read on the meter ("940", "-3.5").
    pub value: String,
    pub unit: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportLine {
    pub subscription_id: SubscriptionId,
    pub product_name: String,
    pub installed: bool,
    pub reason: Option<String>,
    pub measurements: Vec<Measurement>,
}

/// What the technician filed: the structured part drives the system, the
/// remark never does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompletionReport {
    pub work_order_id: WorkOrderId,
    pub lines: Vec<ReportLine>,
    /// Equipment left with the customer, by serial.
    pub equipment_serials: Vec<String>,
    /// Phone numbers activated (E.164 or as dialled).
    pub numbers: Vec<String>,
    /// The customer's name as signed.
    pub signed_by: Option<String>,
    /// The technician's own words: shown beside the facts, never acted on.
    pub remark: Option<String>,
    pub filed_by: StaffId,
    pub filed_by_name: String,
    pub filed_at: Timestamp,
}

impl CompletionReport {
    /// "internet, TV and phone": what it says is installed.
    pub fn installed_words(&self) -> String {
        let names: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| l.installed)
            .map(|l| l.product_name.as_str())
            .collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ReportLineInput {
    pub subscription_id: SubscriptionId,
    pub installed: bool,
    /// Required when not installed.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub measurements: Vec<Measurement>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CompletionInput {
    pub version: i64,
    pub lines: Vec<ReportLineInput>,
    #[serde(default)]
    pub equipment_serials: Vec<String>,
    #[serde(default)]
    pub numbers: Vec<String>,
    #[serde(default)]
    pub signed_by: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
    /// Required when nothing was installed.
    #[serde(default)]
    pub not_completed_reason: Option<NotDoneReason>,
}
