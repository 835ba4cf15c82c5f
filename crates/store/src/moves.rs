//! Moves, meter readings and integration events.

use crate::audit::insert_audit;
use crate::fieldwork::work_order_rows;
use crate::lookup::index_terms;
use crate::records::insert_location_row;
use crate::resources::write_resource_rows;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::lookup::{TermField, address_terms};
use extramile_domain::customers::model::*;
use extramile_domain::fieldwork::*;
use extramile_domain::ids::*;
use extramile_domain::moves::*;
use extramile_domain::resources::ResourceWrites;
use extramile_domain::store::{MoveStore, SubscriptionWrite};
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(e: impl std::fmt::Display) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

const COLS: &str = "m.id, m.account_id, m.from_location_id, m.to_location_id, m.move_date, m.start_date, m.subscriptions, m.reading, m.disconnect_work_order_id, m.connect_work_order_id, m.state, m.cancel_reason, m.created_by, m.created_at, m.completed_at, m.version, \
    f.line1 AS from_line1, f.city AS from_city, f.postcode AS from_postcode, t.line1 AS to_line1, t.city AS to_city, t.postcode AS to_postcode";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    account_id: Uuid,
    from_location_id: Uuid,
    to_location_id: Uuid,
    move_date: String,
    start_date: String,
    subscriptions: String,
    reading: Option<String>,
    disconnect_work_order_id: Option<Uuid>,
    connect_work_order_id: Option<Uuid>,
    state: String,
    cancel_reason: Option<String>,
    created_by: Uuid,
    created_at: i64,
    completed_at: Option<i64>,
    version: i64,
    from_line1: String,
    from_city: String,
    from_postcode: String,
    to_line1: String,
    to_city: String,
    to_postcode: String,
}

impl Row {
    fn into_domain(self) -> Result<Move> {
        Ok(Move {
            id: self.id.into(),
            account_id: self.account_id.into(),
            from_location_id: self.from_location_id.into(),
            to_location_id: self.to_location_id.into(),
            move_date: self.move_date.parse().map_err(corrupt)?,
            start_date: self.start_date.parse().map_err(corrupt)?,
            subscriptions: serde_json::from_str(&self.subscriptions).map_err(corrupt)?,
            reading: self
                .reading
                .map(|r| serde_json::from_str(&r))
                .transpose()
                .map_err(corrupt)?,
            disconnect_work_order_id: self.disconnect_work_order_id.map(Into::into),
            connect_work_order_id: self.connect_work_order_id.map(Into::into),
            state: MoveState::parse("state", &self.state).map_err(corrupt)?,
            cancel_reason: self.cancel_reason,
            created_by: self.created_by.into(),
            created_at: micros_to_ts(self.created_at),
            completed_at: self.completed_at.map(micros_to_ts),
            version: self.version,
            from_address: format!(
                "{}, {} {}",
                self.from_line1, self.from_city, self.from_postcode
            ),
            to_address: format!("{}, {} {}", self.to_line1, self.to_city, self.to_postcode),
        })
    }
}

impl SqlStore {
    async fn moves_where(&self, cond: &str, id: Uuid, limit: i64) -> Result<Vec<Move>> {
        let sql = format!(
            "SELECT {COLS} FROM moves m JOIN service_locations f ON f.id = m.from_location_id JOIN service_locations t ON t.id = m.to_location_id \
             WHERE {cond} ORDER BY m.created_at DESC LIMIT {limit}"
        );
        let rows: Vec<Row> = read!(&self.db, p => sqlx::query_as::<_, Row>(AssertSqlSafe(sql.clone())).bind(id).fetch_all(p).await)
            .map_err(db_err)?;
        rows.into_iter().map(Row::into_domain).collect()
    }
}

#[async_trait]
impl MoveStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_move(
        &self,
        m: &Move,
        new_location: Option<&ServiceLocation>,
        reading_milli: Option<i64>,
        visits: &[WorkOrder],
        audit: &[AuditEvent],
    ) -> Result<()> {
        let subs_json = serde_json::to_string(&m.subscriptions)
            .map_err(|e| DomainError::Store(e.to_string()))?;
        let reading_json = m
            .reading
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DomainError::Store(e.to_string()))?;
        let no_subs: &[SubscriptionWrite<'_>] = &[];
        let no_report: Option<&CompletionReport> = None;
        let no_json: Option<String> = None;
        let nothing = ResourceWrites::default();
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if let Some(l) = new_location {
                insert_location_row!(&mut *tx, l);
                index_terms!(&mut *tx, TermField::Address, l.id.0, &address_terms(l));
            }
            // The visits first: the move refers to them.
            for w in visits {
                work_order_rows!(self, tx, w, true, no_subs, no_report, no_json, &nothing);
            }
            sqlx::query("INSERT INTO moves (id, account_id, from_location_id, to_location_id, move_date, start_date, subscriptions, reading, disconnect_work_order_id, connect_work_order_id, state, cancel_reason, created_by, created_at, completed_at, version) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
                .bind(m.id.0).bind(m.account_id.0).bind(m.from_location_id.0).bind(m.to_location_id.0)
                .bind(m.move_date.to_string()).bind(m.start_date.to_string()).bind(subs_json.as_str()).bind(reading_json.as_deref())
                .bind(m.disconnect_work_order_id.map(|x| x.0)).bind(m.connect_work_order_id.map(|x| x.0))
                .bind(m.state.as_str()).bind(m.cancel_reason.as_deref()).bind(m.created_by.0).bind(ts_to_micros(m.created_at))
                .bind(m.completed_at.map(ts_to_micros)).bind(m.version)
                .execute(&mut *tx).await.map_err(db_err)?;
            if let (Some(r), Some(v), Some(json)) = (&m.reading, reading_milli, &reading_json) {
                sqlx::query("INSERT INTO meter_readings (id, meter_id, account_id, location_id, value_milli, reading, read_on, recorded_at, move_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(Uuid::now_v7()).bind(r.meter_id.as_str()).bind(m.account_id.0).bind(m.from_location_id.0).bind(v)
                    .bind(json.as_str()).bind(r.read_on.to_string()).bind(ts_to_micros(m.created_at)).bind(m.id.0)
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            for ev in audit {
                insert_audit!(&mut *tx, ev)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn write_move(
        &self,
        m: &Move,
        subs: &[(Subscription, SubscriptionEvent)],
        res: &ResourceWrites,
        event: Option<(&str, &serde_json::Value)>,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE moves SET state = $1, cancel_reason = $2, completed_at = $3, version = $4 WHERE id = $5 AND version = $6")
                .bind(m.state.as_str()).bind(m.cancel_reason.as_deref()).bind(m.completed_at.map(ts_to_micros)).bind(m.version)
                .bind(m.id.0).bind(m.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("move"));
            }
            for (s, e) in subs {
                let done = sqlx::query("UPDATE subscriptions SET location_id = $1, version = $2 WHERE id = $3 AND version = $4")
                    .bind(s.location_id.0).bind(s.version).bind(s.id.0).bind(s.version - 1)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(crate::customers::stale("service"));
                }
                sqlx::query("INSERT INTO subscription_events (id, subscription_id, at, kind, description, actor_name) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(e.id.0).bind(e.subscription_id.0).bind(ts_to_micros(e.at)).bind(e.kind.as_str()).bind(e.description.as_str()).bind(e.actor_name.as_str())
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            write_resource_rows!(&mut *tx, res)?;
            if let Some((kind, payload)) = event {
                if matches!(&self.db, crate::Db::Postgres(_)) {
                    // Sequence numbers are taken at insert, not at commit:
                    // one writer at a time, so a reader that saw N never
                    // misses a smaller one committed later.
                    sqlx::query("LOCK TABLE integration_events IN EXCLUSIVE MODE").execute(&mut *tx).await.map_err(db_err)?;
                }
                sqlx::query("INSERT INTO integration_events (kind, account_id, payload, at) VALUES ($1, $2, $3, $4)")
                    .bind(kind).bind(m.account_id.0).bind(payload.to_string()).bind(ts_to_micros(extramile_domain::time::now()))
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn move_by_id(&self, id: MoveId) -> Result<Option<Move>> {
        Ok(self.moves_where("m.id = $1", id.0, 1).await?.pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_moves(&self, account: AccountId, limit: u32) -> Result<Vec<Move>> {
        self.moves_where(
            "m.account_id = $1",
            account.0,
            i64::from(limit.clamp(1, 200)),
        )
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn last_reading(&self, meter_id: &str) -> Result<Option<(i64, MeterReading, AccountId)>> {
        let row: Option<(i64, String, Uuid)> = read!(&self.db, p => sqlx::query_as(
            "SELECT value_milli, reading, account_id FROM meter_readings WHERE meter_id = $1 ORDER BY read_on DESC, recorded_at DESC LIMIT 1")
            .bind(meter_id).fetch_optional(p).await)
        .map_err(db_err)?;
        row.map(|(v, r, a)| Ok((v, serde_json::from_str(&r).map_err(corrupt)?, a.into())))
            .transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn integration_events(&self, after: i64, limit: u32) -> Result<Vec<IntegrationEvent>> {
        let rows: Vec<(i64, String, Option<Uuid>, String, i64)> = read!(&self.db, p => sqlx::query_as(
            "SELECT seq, kind, account_id, payload, at FROM integration_events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after).bind(i64::from(limit)).fetch_all(p).await)
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(seq, kind, account, payload, at)| {
                Ok(IntegrationEvent {
                    seq,
                    kind,
                    account_id: account.map(Into::into),
                    payload: serde_json::from_str(&payload).map_err(corrupt)?,
                    at: micros_to_ts(at),
                })
            })
            .collect()
    }
}
