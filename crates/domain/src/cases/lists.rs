//! Case lists: my open cases, the cases of a contact or an account.

use super::model::*;
use super::service::{CaseService, sla_view};
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::error::{DomainError, Result};
use crate::ids::*;

/// A page of a list: how many, from where.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Page {
    pub limit: u32,
    pub offset: u32,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            limit: 50,
            offset: 0,
        }
    }
}

impl CaseService {
    /// A page of the unresolved cases I own, breached and due first, with
    /// their clocks; and how many I own in all. `limit` is at most 200.
    pub async fn mine(&self, actor: &Actor, page: Page) -> Result<(Vec<CaseSummary>, i64)> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a work list belongs to a staff user".into()))?;
        let now = crate::time::now();
        let (rows, total) = self
            .store
            .owner_cases(me, page.limit.clamp(1, 200), page.offset)
            .await?;
        let list = rows
            .into_iter()
            .map(|(case, account_number, account_name)| CaseSummary {
                sla: sla_view(&case, now),
                case,
                account_number,
                account_name,
            })
            .collect();
        Ok((list, total))
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
