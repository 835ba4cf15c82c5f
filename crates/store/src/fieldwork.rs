//! Work orders, their technicians and services, and completion reports;
//! each write with the subscriptions it changes and its audit row.

use crate::audit::insert_audit;
use crate::jobs::insert_jobs;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::fieldwork::*;
use extramile_domain::ids::*;
use extramile_domain::store::{FieldStore, SubscriptionWrite};
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(e: impl std::fmt::Display) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

/// Newest first: an account's work orders.
const NEWEST: &str = "w.created_at DESC, w.id";

const COLS: &str = "w.id, w.account_id, w.location_id, w.kind, w.order_id, w.case_id, w.day, w.window_start, w.window_end, w.minutes, w.access_notes, w.state, w.not_completed_reason, w.cancel_reason, w.grace_until, w.created_by, w.created_at, w.version, \
    a.number AS account_number, a.name AS account_name, l.line1, l.line2, l.city, l.postcode";

#[derive(sqlx::FromRow)]
struct TechRow {
    tech: Uuid,
    #[sqlx(flatten)]
    w: Row,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    account_id: Uuid,
    location_id: Uuid,
    kind: String,
    order_id: Option<Uuid>,
    case_id: Option<Uuid>,
    day: Option<String>,
    window_start: Option<String>,
    window_end: Option<String>,
    minutes: i64,
    access_notes: Option<String>,
    state: String,
    not_completed_reason: Option<String>,
    cancel_reason: Option<String>,
    grace_until: Option<i64>,
    created_by: Uuid,
    created_at: i64,
    version: i64,
    account_number: String,
    account_name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    postcode: String,
}

pub(crate) fn hhmm(t: Option<jiff::civil::Time>) -> Option<String> {
    t.map(|t| t.strftime("%H:%M").to_string())
}

impl Row {
    fn into_domain(
        self,
        technicians: Vec<StaffId>,
        subscriptions: Vec<SubscriptionId>,
    ) -> Result<WorkOrder> {
        Ok(WorkOrder {
            id: self.id.into(),
            account_id: self.account_id.into(),
            location_id: self.location_id.into(),
            kind: WorkOrderKind::parse("kind", &self.kind).map_err(corrupt)?,
            order_id: self.order_id.map(Into::into),
            case_id: self.case_id.map(Into::into),
            subscriptions,
            day: self.day.map(|d| d.parse()).transpose().map_err(corrupt)?,
            window_start: self
                .window_start
                .map(|t| t.parse())
                .transpose()
                .map_err(corrupt)?,
            window_end: self
                .window_end
                .map(|t| t.parse())
                .transpose()
                .map_err(corrupt)?,
            minutes: self.minutes,
            technicians,
            access_notes: self.access_notes,
            state: WorkOrderState::parse("state", &self.state).map_err(corrupt)?,
            not_completed_reason: self
                .not_completed_reason
                .map(|r| NotDoneReason::parse("not_completed_reason", &r))
                .transpose()
                .map_err(corrupt)?,
            cancel_reason: self.cancel_reason,
            grace_until: self.grace_until.map(micros_to_ts),
            created_by: self.created_by.into(),
            created_at: micros_to_ts(self.created_at),
            version: self.version,
            address: match &self.line2 {
                Some(l2) => format!("{}, {l2}, {} {}", self.line1, self.city, self.postcode),
                None => format!("{}, {} {}", self.line1, self.city, self.postcode),
            },
            account_number: self.account_number,
            account_name: self.account_name,
        })
    }
}

impl SqlStore {
    /// Work orders with their technicians and services (two more queries
    /// for all of them, not one per work order).
    async fn work_orders_where(
        &self,
        cond: &str,
        binds: Vec<Uuid>,
        day: Option<String>,
        limit: i64,
        order: &str,
    ) -> Result<Vec<WorkOrder>> {
        let sql = format!(
            "SELECT {COLS} FROM work_orders w JOIN accounts a ON a.id = w.account_id JOIN service_locations l ON l.id = w.location_id \
             WHERE {cond} ORDER BY {order} LIMIT {limit}"
        );
        let rows: Vec<Row> = read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, Row>(AssertSqlSafe(sql.clone()));
            for b in &binds {
                q = q.bind(*b);
            }
            if let Some(d) = &day {
                q = q.bind(d.clone());
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // The same condition again (not a list of thousands of ids).
        let inner =
            format!("SELECT w.id FROM work_orders w WHERE {cond} ORDER BY {order} LIMIT {limit}");
        let pairs = |table: &str, col: &str, order: &str| {
            format!(
                "SELECT x.work_order_id, x.{col} FROM {table} x WHERE x.work_order_id IN (SELECT id FROM ({inner}) AS chosen) ORDER BY x.{order}"
            )
        };
        let fetch_pairs = |sql: String| {
            let binds = binds.clone();
            let day = day.clone();
            async move {
                read!(&self.db, p => {
                    let mut q = sqlx::query_as::<_, (Uuid, Uuid)>(AssertSqlSafe(sql));
                    for b in &binds {
                        q = q.bind(*b);
                    }
                    if let Some(d) = &day {
                        q = q.bind(d.clone());
                    }
                    q.fetch_all(p).await
                })
                .map_err(db_err)
            }
        };
        let techs = fetch_pairs(pairs("work_order_technicians", "staff_id", "staff_id")).await?;
        let subs = fetch_pairs(pairs(
            "work_order_subscriptions",
            "subscription_id",
            "position",
        ))
        .await?;
        let mut t_of: std::collections::HashMap<Uuid, Vec<StaffId>> = Default::default();
        for (w, t) in techs {
            t_of.entry(w).or_default().push(StaffId(t));
        }
        let mut s_of: std::collections::HashMap<Uuid, Vec<SubscriptionId>> = Default::default();
        for (w, x) in subs {
            s_of.entry(w).or_default().push(SubscriptionId(x));
        }
        rows.into_iter()
            .map(|r| {
                let t = t_of.remove(&r.id).unwrap_or_default();
                let s = s_of.remove(&r.id).unwrap_or_default();
                r.into_domain(t, s)
            })
            .collect()
    }
}

/// A work order's rows in `$tx`: the work order (inserted or updated under
/// its version), the double-booking check, its subscriptions with their
/// history, technicians, report, numbers and equipment, and the order it
/// carries out following it. Returns from the caller on a refusal.
macro_rules! work_order_rows {
    ($self:ident, $tx:ident, $w:expr, $insert:expr, $subs:expr, $report:expr, $report_json:expr, $res:expr) => {
        let (w, insert, subs, report, report_json, res) = ($w, $insert, $subs, $report, &$report_json, $res);
        let tx = &mut $tx;
            if insert {
                sqlx::query("INSERT INTO work_orders (id, account_id, location_id, kind, order_id, case_id, day, window_start, window_end, minutes, access_notes, state, not_completed_reason, cancel_reason, created_by, created_at, version, grace_until) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)")
                    .bind(w.id.0).bind(w.account_id.0).bind(w.location_id.0).bind(w.kind.as_str()).bind(w.order_id.map(|x| x.0)).bind(w.case_id.map(|x| x.0))
                    .bind(w.day.map(|d| d.to_string())).bind($crate::fieldwork::hhmm(w.window_start)).bind($crate::fieldwork::hhmm(w.window_end)).bind(w.minutes).bind(w.access_notes.as_deref())
                    .bind(w.state.as_str()).bind(w.not_completed_reason.map(|r| r.as_str())).bind(w.cancel_reason.as_deref())
                    .bind(w.created_by.0).bind(ts_to_micros(w.created_at)).bind(w.version).bind(w.grace_until.map(ts_to_micros))
                    .execute(&mut **tx).await.map_err(db_err)?;
            } else {
                let done = sqlx::query("UPDATE work_orders SET day = $1, window_start = $2, window_end = $3, minutes = $4, access_notes = $5, state = $6, not_completed_reason = $7, cancel_reason = $8, version = $9, grace_until = $10 WHERE id = $11 AND version = $12")
                    .bind(w.day.map(|d| d.to_string())).bind($crate::fieldwork::hhmm(w.window_start)).bind($crate::fieldwork::hhmm(w.window_end)).bind(w.minutes).bind(w.access_notes.as_deref())
                    .bind(w.state.as_str()).bind(w.not_completed_reason.map(|r| r.as_str())).bind(w.cancel_reason.as_deref()).bind(w.version)
                    .bind(w.grace_until.map(ts_to_micros)).bind(w.id.0).bind(w.version - 1)
                    .execute(&mut **tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(crate::customers::stale("work order"));
                }
                sqlx::query("DELETE FROM work_order_technicians WHERE work_order_id = $1").bind(w.id.0).execute(&mut **tx).await.map_err(db_err)?;
            }
            // A technician is booked once at a time, checked again here
            // where two dispatchers' writes take turns (PostgreSQL locks
            // the technicians' rows; SQLite has one writer).
            if let (WorkOrderState::Scheduled, Some(day), Some(ws), Some(we)) = (w.state, w.day, w.window_start, w.window_end)
                && !w.technicians.is_empty()
            {
                let list = (1..=w.technicians.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                if matches!(&$self.db, crate::Db::Postgres(_)) {
                    let mut q = sqlx::query(AssertSqlSafe(format!("SELECT id FROM staff_users WHERE id IN ({list}) ORDER BY id FOR UPDATE")));
                    for t in &w.technicians { q = q.bind(t.0); }
                    q.execute(&mut **tx).await.map_err(db_err)?;
                }
                let n = w.technicians.len();
                let mut q = sqlx::query_as::<_, (Option<String>, Option<String>, i64)>(AssertSqlSafe(format!(
                    "SELECT o.window_start, o.window_end, o.minutes FROM work_order_technicians t JOIN work_orders o ON o.id = t.work_order_id \
                     WHERE t.staff_id IN ({list}) AND t.day = ${} AND o.state <> 'cancelled' AND o.id <> ${}", n + 1, n + 2)));
                for t in &w.technicians { q = q.bind(t.0); }
                let others = q.bind(day.to_string()).bind(w.id.0).fetch_all(&mut **tx).await.map_err(db_err)?;
                let mine = extramile_domain::fieldwork::rules::busy(ws, we, w.minutes);
                for (s, e, m) in others {
                    let (Some(s), Some(e)) = (s.and_then(|x| x.parse().ok()), e.and_then(|x| x.parse().ok())) else { continue };
                    if extramile_domain::fieldwork::rules::overlaps(mine, extramile_domain::fieldwork::rules::busy(s, e, m)) {
                        $tx.rollback().await.map_err(db_err)?;
                        return Err(DomainError::Conflict(
                            "another visit was booked for this technician at that time just now: reload the board and choose another window".into(),
                        ));
                    }
                }
            }
            // Subscriptions first: the work order's list refers to them.
            for s in subs {
                let x = s.sub;
                if s.insert {
                    sqlx::query("INSERT INTO subscriptions (id, account_id, location_id, product_id, status, start_date, version) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(x.id.0).bind(x.account_id.0).bind(x.location_id.0).bind(x.product_id.0).bind(x.status.as_str()).bind(x.start_date.to_string()).bind(x.version)
                        .execute(&mut **tx).await.map_err(db_err)?;
                } else {
                    let done = sqlx::query("UPDATE subscriptions SET status = $1, version = $2 WHERE id = $3 AND version = $4")
                        .bind(x.status.as_str()).bind(x.version).bind(x.id.0).bind(x.version - 1)
                        .execute(&mut **tx).await.map_err(db_err)?;
                    if done.rows_affected() == 0 {
                        return Err(crate::customers::stale("service"));
                    }
                }
                let e = &s.event;
                sqlx::query("INSERT INTO subscription_events (id, subscription_id, at, kind, description, actor_name) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(e.id.0).bind(e.subscription_id.0).bind(ts_to_micros(e.at)).bind(e.kind.as_str()).bind(e.description.as_str()).bind(e.actor_name.as_str())
                    .execute(&mut **tx).await.map_err(db_err)?;
            }
            if insert {
                for (i, s) in w.subscriptions.iter().enumerate() {
                    sqlx::query("INSERT INTO work_order_subscriptions (work_order_id, subscription_id, position) VALUES ($1, $2, $3)")
                        .bind(w.id.0).bind(s.0).bind(i as i64).execute(&mut **tx).await.map_err(db_err)?;
                }
            }
            if let Some(day) = w.day {
                for t in &w.technicians {
                    sqlx::query("INSERT INTO work_order_technicians (work_order_id, staff_id, day) VALUES ($1, $2, $3)")
                        .bind(w.id.0).bind(t.0).bind(day.to_string()).execute(&mut **tx).await.map_err(db_err)?;
                }
            }
            if let (Some(r), Some(json)) = (report, &report_json) {
                sqlx::query("INSERT INTO completion_reports (work_order_id, report_json, filed_at) VALUES ($1, $2, $3)")
                    .bind(w.id.0).bind(json.as_str()).bind(ts_to_micros(r.filed_at)).execute(&mut **tx).await.map_err(db_err)?;
            }
            crate::resources::write_resource_rows!(&mut **tx, res)?;
            // The order it carries out follows it: installed by the report,
            // cancelled with it.
            if let Some(order) = w.order_id {
                let to = match w.state {
                    WorkOrderState::Completed | WorkOrderState::PartiallyCompleted => Some("installed"),
                    WorkOrderState::Cancelled => Some("cancelled"),
                    _ => None,
                };
                if let Some(to) = to {
                    sqlx::query("UPDATE orders SET state = $1, cancel_reason = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND state = 'placed'")
                        .bind(to).bind(w.cancel_reason.as_deref().filter(|_| to == "cancelled"))
                        .bind(ts_to_micros(extramile_domain::time::now())).bind(order.0)
                        .execute(&mut **tx).await.map_err(db_err)?;
                }
            }
    };
}
pub(crate) use work_order_rows;

#[async_trait]
impl FieldStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn write_work_order(
        &self,
        w: &WorkOrder,
        insert: bool,
        subs: &[SubscriptionWrite<'_>],
        report: Option<&CompletionReport>,
        res: &extramile_domain::resources::ResourceWrites,
        jobs: &[extramile_domain::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()> {
        let report_json = report
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DomainError::Store(e.to_string()))?;
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            work_order_rows!(self, tx, w, insert, subs, report, report_json, res);
            insert_jobs!(&mut *tx, jobs)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn place_install_order(
        &self,
        order: &extramile_domain::orders::Order,
        key: &str,
        w: &WorkOrder,
        subs: &[SubscriptionWrite<'_>],
        res: &extramile_domain::resources::ResourceWrites,
        audit: &[AuditEvent],
    ) -> Result<Option<OrderId>> {
        let report: Option<&CompletionReport> = None;
        let report_json: Option<String> = None;
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let first: Option<Uuid> = sqlx::query_scalar("SELECT id FROM orders WHERE created_by = $1 AND idem_key = $2")
                .bind(order.created_by.0).bind(key).fetch_optional(&mut *tx).await.map_err(db_err)?;
            if let Some(first) = first {
                tx.rollback().await.map_err(db_err)?;
                return Ok(Some(first.into()));
            }
            crate::orders::insert_order_rows!(&mut *tx, order, key);
            crate::orders::insert_order_lines!(&mut *tx, order);
            work_order_rows!(self, tx, w, true, subs, report, report_json, res);
            for ev in audit {
                insert_audit!(&mut *tx, ev)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(None)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn work_order(&self, id: WorkOrderId) -> Result<Option<WorkOrder>> {
        Ok(self
            .work_orders_where("w.id = $1", vec![id.0], None, 1, NEWEST)
            .await?
            .pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn order_work_order(&self, order: OrderId) -> Result<Option<WorkOrder>> {
        Ok(self
            .work_orders_where("w.order_id = $1", vec![order.0], None, 1, NEWEST)
            .await?
            .pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_work_orders(&self, account: AccountId, limit: u32) -> Result<Vec<WorkOrder>> {
        self.work_orders_where(
            "w.account_id = $1",
            vec![account.0],
            None,
            i64::from(limit.clamp(1, 500)),
            NEWEST,
        )
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn technicians_day(
        &self,
        technicians: &[StaffId],
        day: jiff::civil::Date,
    ) -> Result<Vec<WorkOrder>> {
        if technicians.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=technicians.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        // One row per (visit, technician), read by the (staff, day) index:
        // the board and the double-booking check need the visits and who
        // goes, not their services (left empty here).
        let sql = format!(
            "SELECT t.staff_id AS tech, {COLS} FROM work_order_technicians t JOIN work_orders w ON w.id = t.work_order_id \
             JOIN accounts a ON a.id = w.account_id JOIN service_locations l ON l.id = w.location_id \
             WHERE t.staff_id IN ({list}) AND t.day = ${} AND w.state <> 'cancelled' LIMIT 5000",
            technicians.len() + 1
        );
        let rows: Vec<TechRow> = read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, TechRow>(AssertSqlSafe(sql.clone()));
            for t in technicians {
                q = q.bind(t.0);
            }
            q.bind(day.to_string()).fetch_all(p).await
        })
        .map_err(db_err)?;
        let mut out: Vec<WorkOrder> = Vec::new();
        let mut at: std::collections::HashMap<Uuid, usize> = Default::default();
        for r in rows {
            let tech = StaffId(r.tech);
            match at.get(&r.w.id) {
                Some(i) => out[*i].technicians.push(tech),
                None => {
                    at.insert(r.w.id, out.len());
                    out.push(r.w.into_domain(vec![tech], Vec::new())?);
                }
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn unassigned_work_orders(&self, limit: u32) -> Result<Vec<WorkOrder>> {
        self.work_orders_where(
            "w.state = 'requested'",
            Vec::new(),
            None,
            i64::from(limit.clamp(1, 500)),
            "w.created_at, w.id",
        )
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn completion_report(&self, id: WorkOrderId) -> Result<Option<CompletionReport>> {
        let json: Option<String> = read!(&self.db, p => sqlx::query_scalar("SELECT report_json FROM completion_reports WHERE work_order_id = $1")
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        json.map(|j| serde_json::from_str(&j).map_err(corrupt))
            .transpose()
    }
}
