//! C8 field work: work orders with appointments and technicians, the
//! structured completion report that drives the services, and cancelling
//! that a misread remark cannot turn into a lost install.

pub mod account;
mod cancel;
mod install;
pub mod model;
mod report;
pub mod rules;
mod service;

pub use account::AccountCancel;
pub use model::*;
pub use service::{
    Board, BoardRow, FieldService, NewWorkOrder, ScheduleInput, ServiceLine, WorkOrderStep,
    WorkOrderView,
};
