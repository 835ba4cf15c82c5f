//! Offices and orders. An order, its lines, their charges and free items
//! and the audit event are one transaction; a line's free part is read
//! from the ledger (free-item entries about its charge).

use crate::audit::insert_audit;
use crate::ledger::{ENTRY_COLS, EntryRow, post_in_tx};
use crate::{Db, SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::ledger::LedgerEntry;
use extramile_domain::orders::*;
use extramile_domain::store::{IdempotencyKey, OrderStore, PlaceOutcome, PostGuard, PostOutcome};
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(e: impl std::fmt::Display) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

type OfficeRow = (Uuid, String, String, String, String, bool, i64);

fn office(r: OfficeRow) -> Office {
    Office {
        id: r.0.into(),
        name: r.1,
        address: r.2,
        hours: r.3,
        time_zone: r.4,
        active: r.5,
        version: r.6,
    }
}

const ORDER_COLS: &str = "o.id, o.account_id, o.case_id, o.interaction_id, o.fulfilment, o.office_id, o.location_id, o.state, o.currency, o.cancel_reason, o.tracking, o.created_by, o.created_by_name, o.created_at, o.updated_at, o.version";

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: Uuid,
    account_id: Uuid,
    case_id: Option<Uuid>,
    interaction_id: Option<Uuid>,
    fulfilment: String,
    office_id: Option<Uuid>,
    location_id: Option<Uuid>,
    state: String,
    currency: String,
    cancel_reason: Option<String>,
    tracking: Option<String>,
    created_by: Uuid,
    created_by_name: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl OrderRow {
    fn into_domain(self, lines: Vec<OrderLine>) -> Result<Order> {
        Ok(Order {
            id: self.id.into(),
            account_id: self.account_id.into(),
            case_id: self.case_id.map(Into::into),
            interaction_id: self.interaction_id.map(Into::into),
            fulfilment: Fulfilment::parse("fulfilment", &self.fulfilment).map_err(corrupt)?,
            office_id: self.office_id.map(Into::into),
            location_id: self.location_id.map(Into::into),
            state: OrderState::parse("state", &self.state).map_err(corrupt)?,
            currency: self.currency,
            cancel_reason: self.cancel_reason,
            tracking: self.tracking,
            created_by: self.created_by.into(),
            created_by_name: self.created_by_name,
            created_at: micros_to_ts(self.created_at),
            updated_at: micros_to_ts(self.updated_at),
            version: self.version,
            lines,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: Uuid,
    order_id: Uuid,
    product_id: Uuid,
    product_name: String,
    quantity: i64,
    unit_price_minor: i64,
    charge_entry_id: Option<Uuid>,
    free_asked: bool,
    free_minor: i64,
    free_by: Option<String>,
    open_minor: i64,
}

/// Lines with what the ledger says was given free of each.
const LINE_SELECT: &str = "SELECT ol.id, ol.order_id, ol.product_id, ol.product_name, ol.quantity, ol.unit_price_minor, ol.charge_entry_id, ol.free_asked, \
    CAST(COALESCE((SELECT -SUM(l.amount_minor) FROM ledger_entries l WHERE l.related_entry_id = ol.charge_entry_id AND l.kind = 'free_item'), 0) AS BIGINT) AS free_minor, \
    (SELECT l.created_by_name FROM ledger_entries l WHERE l.related_entry_id = ol.charge_entry_id AND l.kind = 'free_item' ORDER BY l.created_at DESC LIMIT 1) AS free_by, \
    CAST(COALESCE((SELECT c.amount_minor FROM ledger_entries c WHERE c.id = ol.charge_entry_id), 0) \
      + COALESCE((SELECT SUM(l.amount_minor) FROM ledger_entries l WHERE l.related_entry_id = ol.charge_entry_id AND l.kind IN ('charge_waiver', 'fee_reversal', 'free_item')), 0) AS BIGINT) AS open_minor \
    FROM order_lines ol";

impl LineRow {
    fn into_domain(self) -> OrderLine {
        OrderLine {
            id: self.id.into(),
            product_id: self.product_id.into(),
            product_name: self.product_name,
            quantity: self.quantity,
            unit_price_minor: self.unit_price_minor,
            charge_entry_id: self.charge_entry_id.map(Into::into),
            free_asked: self.free_asked,
            free_minor: self.free_minor,
            free_by: self.free_by,
            open_minor: self.open_minor,
        }
    }
}

/// Orders read, with their lines attached (one query for all lines).
fn assemble(orders: Vec<OrderRow>, lines: Vec<LineRow>) -> Result<Vec<Order>> {
    let mut by_order: std::collections::HashMap<Uuid, Vec<OrderLine>> = Default::default();
    for l in lines {
        by_order
            .entry(l.order_id)
            .or_default()
            .push(l.into_domain());
    }
    orders
        .into_iter()
        .map(|o| {
            let lines = by_order.remove(&o.id).unwrap_or_default();
            o.into_domain(lines)
        })
        .collect()
}

/// An order's row (with its create key) in a transaction.
macro_rules! insert_order_rows {
    ($conn:expr, $o:expr, $key:expr) => {
        let (o, key): (&extramile_domain::orders::Order, &str) = ($o, $key);
            sqlx::query("INSERT INTO orders (id, account_id, case_id, interaction_id, fulfilment, office_id, location_id, state, currency, cancel_reason, tracking, created_by, created_by_name, created_at, updated_at, version, idem_key) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)")
                .bind(o.id.0).bind(o.account_id.0).bind(o.case_id.map(|c| c.0)).bind(o.interaction_id.map(|i| i.0)).bind(o.fulfilment.as_str())
                .bind(o.office_id.map(|x| x.0)).bind(o.location_id.map(|x| x.0)).bind(o.state.as_str()).bind(o.currency.as_str())
                .bind(o.cancel_reason.as_deref()).bind(o.tracking.as_deref()).bind(o.created_by.0).bind(o.created_by_name.as_str())
                .bind(ts_to_micros(o.created_at)).bind(ts_to_micros(o.updated_at)).bind(o.version).bind(key)
                .execute(&mut *$conn).await.map_err(db_err)?;
    };
}
/// An order's lines (after the charges they refer to).
macro_rules! insert_order_lines {
    ($conn:expr, $o:expr) => {
        let o: &extramile_domain::orders::Order = $o;
            for (i, l) in o.lines.iter().enumerate() {
                sqlx::query("INSERT INTO order_lines (id, order_id, position, product_id, product_name, quantity, unit_price_minor, charge_entry_id, free_asked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(l.id.0).bind(o.id.0).bind(i as i64).bind(l.product_id.0).bind(l.product_name.as_str()).bind(l.quantity)
                    .bind(l.unit_price_minor).bind(l.charge_entry_id.map(|c| c.0)).bind(l.free_asked)
                    .execute(&mut *$conn).await.map_err(db_err)?;
            }
    };
}
pub(crate) use {insert_order_lines, insert_order_rows};

#[async_trait]
impl OrderStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn offices(&self) -> Result<Vec<Office>> {
        let rows: Vec<OfficeRow> = read!(&self.db, p => sqlx::query_as("SELECT id, name, address, hours, time_zone, active, version FROM offices ORDER BY name LIMIT 500")
            .fetch_all(p).await).map_err(db_err)?;
        Ok(rows.into_iter().map(office).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        let row: Option<OfficeRow> = read!(&self.db, p => sqlx::query_as("SELECT id, name, address, hours, time_zone, active, version FROM offices WHERE id = $1")
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(office))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn put_office(&self, o: &Office, insert: bool, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if insert {
                sqlx::query("INSERT INTO offices (id, name, address, hours, time_zone, active, version) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(o.id.0).bind(o.name.as_str()).bind(o.address.as_str()).bind(o.hours.as_str()).bind(o.time_zone.as_str()).bind(o.active).bind(o.version)
                    .execute(&mut *tx).await.map_err(db_err)?;
            } else {
                let done = sqlx::query("UPDATE offices SET name = $1, address = $2, hours = $3, time_zone = $4, active = $5, version = $6 WHERE id = $7 AND version = $8")
                    .bind(o.name.as_str()).bind(o.address.as_str()).bind(o.hours.as_str()).bind(o.time_zone.as_str()).bind(o.active).bind(o.version)
                    .bind(o.id.0).bind(o.version - 1)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(crate::customers::stale("office"));
                }
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn order_by_key(&self, actor: StaffId, key: &str) -> Result<Option<OrderId>> {
        let id: Option<Uuid> = write!(&self.db, p => sqlx::query_scalar("SELECT id FROM orders WHERE created_by = $1 AND idem_key = $2")
            .bind(actor.0).bind(key).fetch_optional(p).await).map_err(db_err)?;
        Ok(id.map(Into::into))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn place_order(
        &self,
        o: &Order,
        key: &str,
        entries: &[(LedgerEntry, PostGuard)],
        audit: &AuditEvent,
    ) -> Result<PlaceOutcome> {
        let db = &self.db;
        write!(db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if matches!(db, Db::Postgres(_)) {
                // Orders and money on one account take turns.
                sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE").bind(o.account_id.0).execute(&mut *tx).await.map_err(db_err)?;
            }
            let first: Option<Uuid> = sqlx::query_scalar("SELECT id FROM orders WHERE created_by = $1 AND idem_key = $2")
                .bind(o.created_by.0).bind(key).fetch_optional(&mut *tx).await.map_err(db_err)?;
            if let Some(first) = first {
                tx.rollback().await.map_err(db_err)?;
                return Ok(PlaceOutcome::Existing(first.into()));
            }
            insert_order_rows!(&mut *tx, o, key);
            // Charges first: the lines and free items refer to them.
            for (e, guard) in entries {
                let outcome = post_in_tx!(db, tx, e, &entry_audit(audit, e), guard, None)?;
                match outcome {
                    PostOutcome::Posted => {}
                    PostOutcome::MonthLimit { used } => {
                        tx.rollback().await.map_err(db_err)?;
                        return Ok(PlaceOutcome::MonthLimit { used });
                    }
                    PostOutcome::OtherCurrency(c) => {
                        tx.rollback().await.map_err(db_err)?;
                        return Err(DomainError::invalid("currency", format!("this account is billed in {c}")));
                    }
                    other => {
                        tx.rollback().await.map_err(db_err)?;
                        return Err(DomainError::Store(format!("an order's entry was refused: {other:?}")));
                    }
                }
            }
            insert_order_lines!(&mut *tx, o);
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)?;
            Ok(PlaceOutcome::Placed)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn order(&self, id: OrderId) -> Result<Option<Order>> {
        // Read on the writer: a check-then-write must see the latest.
        let (row, lines) = write!(&self.db, p => async {
            let row: Option<OrderRow> = sqlx::query_as(AssertSqlSafe(format!("SELECT {ORDER_COLS} FROM orders o WHERE o.id = $1")))
                .bind(id.0).fetch_optional(p).await?;
            let lines: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(format!("{LINE_SELECT} WHERE ol.order_id = $1 ORDER BY ol.position")))
                .bind(id.0).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((row, lines))
        }.await).map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        Ok(assemble(vec![row], lines)?.pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_orders(&self, account: AccountId, limit: u32) -> Result<Vec<Order>> {
        let limit = i64::from(limit.clamp(1, 500));
        let (rows, lines) = read!(&self.db, p => async {
            let rows: Vec<OrderRow> = sqlx::query_as(AssertSqlSafe(format!("SELECT {ORDER_COLS} FROM orders o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2")))
                .bind(account.0).bind(limit).fetch_all(p).await?;
            let lines: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(format!("{LINE_SELECT} WHERE ol.order_id IN \
                (SELECT id FROM (SELECT o.id FROM orders o WHERE o.account_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2) AS newest) ORDER BY ol.order_id, ol.position")))
                .bind(account.0).bind(limit).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((rows, lines))
        }.await).map_err(db_err)?;
        assemble(rows, lines)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_order(
        &self,
        o: &Order,
        entries: &[(LedgerEntry, PostGuard)],
        audit: &AuditEvent,
    ) -> Result<()> {
        let db = &self.db;
        write!(db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE orders SET state = $1, cancel_reason = $2, tracking = $3, updated_at = $4, version = $5 WHERE id = $6 AND version = $7")
                .bind(o.state.as_str()).bind(o.cancel_reason.as_deref()).bind(o.tracking.as_deref()).bind(ts_to_micros(o.updated_at))
                .bind(o.version).bind(o.id.0).bind(o.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("order"));
            }
            for (e, guard) in entries {
                let outcome = post_in_tx!(db, tx, e, &entry_audit(audit, e), guard, None)?;
                if outcome != PostOutcome::Posted {
                    tx.rollback().await.map_err(db_err)?;
                    return Err(DomainError::Conflict("the order's charges changed just now; nothing was cancelled — reload and look again".into()));
                }
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }
}

/// Each entry of an order gets its own audit row, under the order's event.
fn entry_audit(order_event: &AuditEvent, e: &LedgerEntry) -> AuditEvent {
    let mut ev = order_event.clone();
    ev.id = AuditId::new();
    ev.entity_type = "ledger_entry".into();
    ev.entity_id = e.id.0;
    ev.action = e.kind.as_str().into();
    ev.summary = format!(
        "{}: {}",
        e.label.as_deref().unwrap_or(&e.memo),
        extramile_domain::ledger::format_money(e.amount_minor.abs(), &e.currency)
    );
    ev.before = None;
    ev.after = serde_json::to_value(e).ok();
    ev
}
