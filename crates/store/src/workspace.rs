//! Pick-lists and create keys.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::StaffId;
use extramile_domain::store::WorkspaceStore;
use extramile_domain::time::ts_to_micros;
use extramile_domain::workspace::{KeyClaim, ListKind, PickItem};
use jiff::Timestamp;

#[derive(sqlx::FromRow)]
struct ItemRow {
    value: String,
    label: String,
    position: i64,
    active: bool,
}

#[async_trait]
impl WorkspaceStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn pick_list(&self, list: ListKind) -> Result<Vec<PickItem>> {
        let rows: Vec<ItemRow> = read!(&self.db, p => sqlx::query_as(
            "SELECT value, label, position, active FROM pick_lists WHERE list = $1 ORDER BY position, label LIMIT 500")
            .bind(list.as_str()).fetch_all(p).await).map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| PickItem {
                list,
                value: r.value,
                label: r.label,
                position: r.position,
                active: r.active,
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn save_pick_item(&self, item: &PickItem, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO pick_lists (list, value, label, position, active) VALUES ($1, $2, $3, $4, $5) \
                ON CONFLICT (list, value) DO UPDATE SET label = excluded.label, position = excluded.position, active = excluded.active")
                .bind(item.list.as_str()).bind(item.value.as_str()).bind(item.label.as_str()).bind(item.position).bind(item.active)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn claim_create_key(
        &self,
        staff: StaffId,
        key: &str,
        kind: &str,
        at: Timestamp,
    ) -> Result<KeyClaim> {
        let inserted = write!(&self.db, p => sqlx::query(
            "INSERT INTO create_keys (staff_id, key, kind, result, created_at) VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (staff_id, key) DO NOTHING")
            .bind(staff.0).bind(key).bind(kind).bind(ts_to_micros(at)).execute(p).await.map(|r| r.rows_affected()))
            .map_err(db_err)?;
        if inserted == 1 {
            return Ok(KeyClaim::New);
        }
        // Read on the writer: a reader may not see the twin's claim yet.
        let row: Option<(Option<String>, String, i64)> = write!(&self.db, p => sqlx::query_as(
            "SELECT result, kind, created_at FROM create_keys WHERE staff_id = $1 AND key = $2")
            .bind(staff.0).bind(key).fetch_optional(p).await)
        .map_err(db_err)?;
        let stale =
            ts_to_micros(at) - extramile_domain::workspace::keys::STALE_CLAIM_SECS * 1_000_000;
        Ok(match row {
            Some((_, k, _)) if k != kind => KeyClaim::OtherKind,
            Some((Some(id), _, _)) => KeyClaim::Done(id),
            // Left without a result (a crash, a dropped request): taken
            // over by this request, once.
            Some((None, _, claimed)) if claimed < stale => {
                let took = write!(&self.db, p => sqlx::query(
                    "UPDATE create_keys SET created_at = $1 WHERE staff_id = $2 AND key = $3 AND result IS NULL AND created_at = $4")
                    .bind(ts_to_micros(at)).bind(staff.0).bind(key).bind(claimed).execute(p).await.map(|r| r.rows_affected()))
                    .map_err(db_err)?;
                if took == 1 {
                    KeyClaim::New
                } else {
                    KeyClaim::Pending
                }
            }
            // Being created, or dropped meanwhile: the caller looks again.
            Some((None, _, _)) | None => KeyClaim::Pending,
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn finish_create_key(&self, staff: StaffId, key: &str, result: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("UPDATE create_keys SET result = $1 WHERE staff_id = $2 AND key = $3")
            .bind(result).bind(staff.0).bind(key).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn timeline_note(
        &self,
        ev: &extramile_domain::interactions::InteractionEvent,
    ) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(ev.id.0).bind(ev.interaction_id.0).bind(ts_to_micros(ev.at)).bind(ev.kind.as_str()).bind(ev.actor_name.as_str()).bind(ev.detail.as_str())
            .execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn purge_create_keys(&self, before: Timestamp) -> Result<u64> {
        write!(&self.db, p => sqlx::query("DELETE FROM create_keys WHERE created_at < $1")
            .bind(ts_to_micros(before)).execute(p).await.map(|r| r.rows_affected()))
        .map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn drop_create_key(&self, staff: StaffId, key: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("DELETE FROM create_keys WHERE staff_id = $1 AND key = $2 AND result IS NULL")
            .bind(staff.0).bind(key).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }
}
