//! C9 numbers and equipment: phone numbers as resources with an aging
//! quarantine, port-in orders, and equipment by serial with its history.

pub mod model;
pub mod porting;
pub mod rules;
mod service;

pub use model::*;
pub use porting::{NewPortingOrder, PortStep};
pub use service::{
    EquipmentStep, ImportEquipmentRow, ImportNumberRow, NumberStep, ResourceService,
};
pub use service::{EquipmentView, Holdings, NumberView, check_serial, normal_serial, number_value};
