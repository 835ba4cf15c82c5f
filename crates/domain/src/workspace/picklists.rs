//! Pick-lists the admin maintains: the words staff choose from instead of
//! typing codes (case categories, wrap-up reasons and outcomes, the bill's
//! words for a credit, how a refund is paid).

use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

crate::str_enum!(ListKind {
    CaseCategory => "case_category",
    WrapReason => "wrap_reason",
    Outcome => "outcome",
    BillLabel => "bill_label",
    RefundMethod => "refund_method",
});

impl ListKind {
    /// The list's name as the admin page shows it.
    pub fn title(self) -> &'static str {
        match self {
            ListKind::CaseCategory => "Case categories",
            ListKind::WrapReason => "Wrap-up reasons",
            ListKind::Outcome => "Contact outcomes",
            ListKind::BillLabel => "Bill words for credits",
            ListKind::RefundMethod => "Refund methods",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PickItem {
    pub list: ListKind,
    /// What is stored (a code).
    pub value: String,
    /// What people read.
    pub label: String,
    pub position: i64,
    /// Retired items stay readable on old records but are not offered.
    pub active: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PickItemInput {
    pub value: String,
    pub label: String,
    pub position: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Clone)]
pub struct PickLists {
    store: Arc<dyn Store>,
}

impl PickLists {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Every item, retired ones too, in order.
    pub async fn all(&self, list: ListKind) -> Result<Vec<PickItem>> {
        self.store.pick_list(list).await
    }

    /// What staff may choose now.
    pub async fn offered(&self, list: ListKind) -> Result<Vec<PickItem>> {
        Ok(self
            .all(list)
            .await?
            .into_iter()
            .filter(|i| i.active)
            .collect())
    }

    /// `value` if it is on the list and offered; otherwise an error at
    /// `field` naming the choices.
    pub async fn check(&self, list: ListKind, field: &str, value: &str) -> Result<String> {
        let items = self.offered(list).await?;
        let v = value.trim();
        if v.is_empty() {
            return Err(DomainError::invalid(field, "choose one"));
        }
        items
            .iter()
            .find(|i| i.value == v)
            .map(|i| i.value.clone())
            .ok_or_else(|| {
                DomainError::invalid(
                    field,
                    format!(
                        "choose one of: {}",
                        items
                            .iter()
                            .map(|i| i.label.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// Add an item or change one (admins).
    pub async fn save(
        &self,
        actor: &Actor,
        list: ListKind,
        input: PickItemInput,
    ) -> Result<PickItem> {
        authorize(actor.role, Action::ManagePolicies)?;
        let value = required_text("value", &input.value, 60)?;
        let label = required_text("label", &input.label, 80)?;
        let existing = self.all(list).await?;
        let before = existing.iter().find(|i| i.value == value).cloned();
        let position = input.position.unwrap_or_else(|| {
            before
                .as_ref()
                .map_or(existing.len() as i64 + 1, |b| b.position)
        });
        let item = PickItem {
            list,
            value,
            label,
            position,
            active: input.active.unwrap_or(true),
        };
        let mut audit = change(actor, "save_pick_item", "pick_list", uuid::Uuid::nil())
            .summary(format!("{}: {}", list.title(), item.label))
            .after(&item);
        if let Some(b) = &before {
            audit = audit.before(b);
        }
        self.store.save_pick_item(&item, &audit.build()).await?;
        Ok(item)
    }
}

/// The label of `value` on a list, or the value itself with underscores as
/// spaces (an item since retired or never listed).
pub fn label_of(items: &[PickItem], value: &str) -> String {
    items
        .iter()
        .find(|i| i.value == value)
        .map_or_else(|| value.replace('_', " "), |i| i.label.clone())
}
