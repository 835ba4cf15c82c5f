//! Every write records who, when, what, why, before and after. The domain
//! builds the event; the store writes it in the same transaction as the
//! change it describes.

use crate::ids::{AccountId, AuditId, StaffId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    pub id: AuditId,
    pub at: Timestamp,
    /// `None` for the system itself (imports, demo data).
    pub actor_id: Option<StaffId>,
    pub actor_name: String,
    /// `create`, `update`, `end_role`, `sign_in`, ...
    pub action: String,
    /// `person`, `account`, `account_role`, `contact_point`, ...
    pub entity_type: String,
    pub entity_id: uuid::Uuid,
    /// The account whose timeline shows this event, when there is one.
    pub account_id: Option<AccountId>,
    /// A short sentence for people: "Added authorized representative Ana Silva".
    pub summary: String,
    pub reason: Option<String>,
    #[schema(value_type = Option<serde_json::Value>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<serde_json::Value>)]
    pub after: Option<serde_json::Value>,
}

/// Who is acting, as the audit log and the access rules see them.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub id: Option<StaffId>,
    pub name: String,
    pub role: crate::admin::StaffRole,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            id: None,
            name: "Extramile".into(),
            role: crate::admin::StaffRole::Admin,
        }
    }
}

/// A builder so services write `audit(actor, "update", "person", id)...`.
pub struct Change<'a> {
    actor: &'a Actor,
    event: AuditEvent,
}

pub fn change<'a>(
    actor: &'a Actor,
    action: &str,
    entity_type: &str,
    entity_id: uuid::Uuid,
) -> Change<'a> {
    Change {
        actor,
        event: AuditEvent {
            id: AuditId::new(),
            at: crate::time::now(),
            actor_id: actor.id,
            actor_name: actor.name.clone(),
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id,
            account_id: None,
            summary: String::new(),
            reason: None,
            before: None,
            after: None,
        },
    }
}

impl Change<'_> {
    pub fn account(mut self, id: Option<AccountId>) -> Self {
        self.event.account_id = id;
        self
    }
    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.event.summary = s.into();
        self
    }
    pub fn reason(mut self, r: Option<String>) -> Self {
        self.event.reason = r;
        self
    }
    pub fn before<T: Serialize>(mut self, v: &T) -> Self {
        self.event.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after<T: Serialize>(mut self, v: &T) -> Self {
        self.event.after = serde_json::to_value(v).ok();
        self
    }
    pub fn build(self) -> AuditEvent {
        let _ = self.actor;
        self.event
    }
}

/// Which audit events to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Events about this entity, or on this account's timeline.
    pub entity_id: Option<uuid::Uuid>,
    /// Done by this staff user.
    pub actor_id: Option<crate::ids::StaffId>,
    /// This action ("update", "charge_waiver", ...).
    pub action: Option<String>,
    /// At or after; before.
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    pub limit: u32,
}

/// What an event changed, field by field, in words: (field, before,
/// after) for each top-level field whose value differs; every field of a
/// creation. Values read as text, not JSON.
pub fn changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<(String, String, String)> {
    fn words(v: Option<&serde_json::Value>) -> String {
        match v {
            None | Some(serde_json::Value::Null) => "—".into(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| (k.replace('_', " "), words(b.get(k)), words(a.get(k))))
        .collect()
}

#[cfg(test)]
mod change_tests {
    #[test]
    fn an_update_reads_as_the_fields_it_changed() {
        let before = serde_json::json!({"status": "active", "name": "Rosa", "version": 3});
        let after = serde_json::json!({"status": "closed", "name": "Rosa", "version": 4, "closed_reason": "moved away"});
        assert_eq!(
            super::changes(Some(&before), Some(&after)),
            vec![
                (
                    "closed reason".to_string(),
                    "—".to_string(),
                    "moved away".to_string()
                ),
                ("status".into(), "active".into(), "closed".into()),
                ("version".into(), "3".into(), "4".into()),
            ]
        );
        assert_eq!(super::changes(None, None), vec![]);
    }
}
