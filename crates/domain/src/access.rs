//! Who may do what. Decisions carry a reason that the UI and API show as is.

use crate::admin::StaffRole;
use crate::error::{DomainError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ViewCustomer,
    EditCustomer,
    /// Add or end holders and authorized representatives.
    ChangeAccountRoles,
    AddNote,
    ManageCatalog,
    ViewAudit,
    ManageStaff,
    /// Post phone-system events (integration users only).
    TelephonyEvents,
    /// The queue wall: every queue and every agent's availability.
    WatchQueues,
    /// Charges and payments from the billing system.
    PostBilling,
    /// Set who may credit, waive and refund how much.
    ManagePolicies,
    /// Decide requests beyond someone's authority.
    DecideApprovals,
    /// See background jobs and retry failed ones; keep the holiday calendar.
    RunOperations,
    /// Read the reports on service quality and staff.
    ViewReports,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::ViewCustomer,
        Action::EditCustomer,
        Action::ChangeAccountRoles,
        Action::AddNote,
        Action::ManageCatalog,
        Action::ViewAudit,
        Action::ManageStaff,
        Action::TelephonyEvents,
        Action::WatchQueues,
        Action::PostBilling,
        Action::ManagePolicies,
        Action::DecideApprovals,
        Action::RunOperations,
        Action::ViewReports,
    ];

    fn describe(self) -> &'static str {
        match self {
            Action::ViewCustomer => "view customer records",
            Action::EditCustomer => "change customer records",
            Action::ChangeAccountRoles => "change account holders and representatives",
            Action::AddNote => "add notes",
            Action::ManageCatalog => "change the product catalog",
            Action::ViewAudit => "read the audit log",
            Action::ManageStaff => "manage staff users and tokens",
            Action::TelephonyEvents => "post phone-system events",
            Action::WatchQueues => "watch the queue wall",
            Action::PostBilling => "post billing-system charges and payments",
            Action::ManagePolicies => "change authority policies",
            Action::DecideApprovals => "decide approval requests",
            Action::RunOperations => "run background jobs and keep the calendar",
            Action::ViewReports => "read the reports",
        }
    }
}

pub fn allowed(role: StaffRole, action: Action) -> bool {
    use Action::*;
    use StaffRole::*;
    if role == Integration {
        return matches!(action, ViewCustomer | TelephonyEvents | PostBilling);
    }
    match action {
        TelephonyEvents => false,
        PostBilling | ManagePolicies => role == Admin,
        DecideApprovals => matches!(role, Supervisor | Admin),
        ViewCustomer | AddNote => true,
        EditCustomer => matches!(role, Agent | Specialist | Supervisor | Admin | Dispatcher),
        ChangeAccountRoles => matches!(role, Agent | Specialist | Supervisor | Admin),
        ManageCatalog | ManageStaff | RunOperations => role == Admin,
        ViewAudit | WatchQueues | ViewReports => matches!(role, Supervisor | Admin),
    }
}

pub fn authorize(role: StaffRole, action: Action) -> Result<()> {
    if allowed(role, action) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "the {role} role may not {}",
            action.describe()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_is_what_the_roles_need() {
        use Action::*;
        use StaffRole::*;
        let expect = |role, action| match (role, action) {
            (Integration, ViewCustomer | TelephonyEvents | PostBilling) => true,
            (Integration, _) | (_, TelephonyEvents) => false,
            (_, ViewCustomer | AddNote) => true,
            (Technician, _) => false,
            (Dispatcher, EditCustomer) => true,
            (Dispatcher, _) => false,
            (Admin, _) => true,
            (_, PostBilling | ManagePolicies) => false,
            (Supervisor, DecideApprovals) => true,
            (_, DecideApprovals) => false,
            (_, ManageCatalog | ManageStaff | RunOperations) => false,
            (Supervisor, ViewAudit | WatchQueues | ViewReports) => true,
            (_, ViewAudit | WatchQueues | ViewReports) => false,
            _ => true,
        };
        for role in StaffRole::ALL {
            for action in Action::ALL {
                assert_eq!(
                    allowed(*role, action),
                    expect(*role, action),
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let err = authorize(StaffRole::Technician, Action::EditCustomer).unwrap_err();
        assert_eq!(
            err,
            DomainError::Forbidden("the technician role may not change customer records".into())
        );
    }
}
