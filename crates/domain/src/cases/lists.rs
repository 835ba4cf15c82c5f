//! Case lists: my open cases, the cases of a contact or an account.

use super::model::*;
use super::service::{CaseService, sla_view};
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::error::{DomainError, Result};
use crate::ids::*;

impl CaseService {
    /// Unresolved cases I own, oldest first, with their clocks.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<CaseSummary>> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a work list belongs to a staff user".into()))?;
        let now = crate::time::now();
        Ok(self
            .store
            .owner_cases(me)
            .await?
            .into_iter()
            .map(|(case, account_number, account_name)| CaseSummary {
                sla: sla_view(&case, now),
                case,
                account_number,
                account_name,
            })
            .collect())
    }

    /// The cases a contact is linked to.
    pub async fn for_interaction(&self, actor: &Actor, id: InteractionId) -> Result<Vec<Case>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.interaction_cases(id).await
    }

    /// The account's cases, newest first.
    pub async fn for_account(&self, actor: &Actor, id: AccountId) -> Result<Vec<Case>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.account_cases(id, 50).await
    }
}
