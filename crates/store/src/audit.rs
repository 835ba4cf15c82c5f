//! The audit log: written inside the transaction of the change it records.

use crate::rows::{AuditRow, audit_cols};
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::audit::{AuditEvent, AuditFilter};
use extramile_domain::store::AuditStore;

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_events (id, at, actor_id, actor_name, action, entity_type, entity_id, account_id, summary, reason, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Append one audit event on `$conn` (a transaction or pool).
macro_rules! insert_audit {
    ($conn:expr, $ev:expr) => {{
        let ev: &extramile_domain::audit::AuditEvent = $ev;
        sqlx::query($crate::audit::INSERT_AUDIT)
            .bind(ev.id.0)
            .bind(extramile_domain::time::ts_to_micros(ev.at))
            .bind(ev.actor_id.map(|a| a.0))
            .bind(ev.actor_name.as_str())
            .bind(ev.action.as_str())
            .bind(ev.entity_type.as_str())
            .bind(ev.entity_id)
            .bind(ev.account_id.map(|a| a.0))
            .bind(ev.summary.as_str())
            .bind(ev.reason.as_deref())
            .bind(ev.before.as_ref().map(|v| v.to_string()))
            .bind(ev.after.as_ref().map(|v| v.to_string()))
            .execute($conn)
            .await
            .map(|_| ())
            .map_err($crate::db_err)
    }};
}
pub(crate) use insert_audit;

#[async_trait]
impl AuditStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let limit = i64::from(filter.limit.clamp(1, 1000));
        // Newest first by id (time-ordered); each filter narrows by an index
        // (entity, account, actor, action) or the id order itself (dates).
        let rows: Vec<AuditRow> = read!(&self.db, p => {
            let mut q = sqlx::QueryBuilder::new(concat!("SELECT ", audit_cols!(), " FROM audit_events WHERE 1 = 1"));
            if let Some(id) = filter.entity_id {
                q.push(" AND (entity_id = ").push_bind(id).push(" OR account_id = ").push_bind(id).push(")");
            }
            if let Some(a) = filter.actor_id {
                q.push(" AND actor_id = ").push_bind(a.0);
            }
            if let Some(a) = &filter.action {
                q.push(" AND action = ").push_bind(a.clone());
            }
            if let Some(t) = filter.from {
                q.push(" AND at >= ").push_bind(extramile_domain::time::ts_to_micros(t));
            }
            if let Some(t) = filter.to {
                q.push(" AND at < ").push_bind(extramile_domain::time::ts_to_micros(t));
            }
            q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
            q.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(AuditRow::into_domain).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record(&self, ev: &AuditEvent) -> Result<()> {
        write!(&self.db, p => insert_audit!(p, ev))?;
        Ok(())
    }
}
