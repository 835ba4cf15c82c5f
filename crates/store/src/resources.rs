//! Phone numbers, equipment, their history, and port orders.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::resources::rules;
use extramile_domain::resources::*;
use extramile_domain::store::ResourceStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

fn corrupt(e: impl std::fmt::Display) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

const NUMBER_COLS: &str =
    "number, state, account_id, subscription_id, since_at, until_at, note, version, updated_at";

#[derive(sqlx::FromRow)]
struct NumberRow {
    number: String,
    state: String,
    account_id: Option<Uuid>,
    subscription_id: Option<Uuid>,
    since_at: Option<i64>,
    until_at: Option<i64>,
    note: Option<String>,
    version: i64,
    updated_at: i64,
}

impl NumberRow {
    fn into_domain(self) -> Result<PhoneNumber> {
        Ok(PhoneNumber {
            state: NumberState::parse("state", &self.state).map_err(corrupt)?,
            number: self.number,
            account_id: self.account_id.map(Into::into),
            subscription_id: self.subscription_id.map(Into::into),
            since: self.since_at.map(micros_to_ts),
            until: self.until_at.map(micros_to_ts),
            note: self.note,
            version: self.version,
            updated_at: micros_to_ts(self.updated_at),
        })
    }
}

const EQUIPMENT_COLS: &str = "id, serial, model, state, office_id, van_staff_id, account_id, location_id, subscription_id, condition, version, updated_at";

#[derive(sqlx::FromRow)]
struct EquipmentRow {
    id: Uuid,
    serial: String,
    model: String,
    state: String,
    office_id: Option<Uuid>,
    van_staff_id: Option<Uuid>,
    account_id: Option<Uuid>,
    location_id: Option<Uuid>,
    subscription_id: Option<Uuid>,
    condition: Option<String>,
    version: i64,
    updated_at: i64,
}

impl EquipmentRow {
    fn into_domain(self) -> Result<Equipment> {
        Ok(Equipment {
            id: self.id.into(),
            serial: self.serial,
            model: self.model,
            state: EquipmentState::parse("state", &self.state).map_err(corrupt)?,
            office_id: self.office_id.map(Into::into),
            van_staff_id: self.van_staff_id.map(Into::into),
            account_id: self.account_id.map(Into::into),
            location_id: self.location_id.map(Into::into),
            subscription_id: self.subscription_id.map(Into::into),
            condition: self
                .condition
                .map(|c| Condition::parse("condition", &c))
                .transpose()
                .map_err(corrupt)?,
            version: self.version,
            updated_at: micros_to_ts(self.updated_at),
        })
    }
}

const PORT_COLS: &str = "p.id, p.account_id, p.case_id, p.donor, p.numbers, p.loa_received, p.donor_account, p.donor_pin, p.requested_date, p.foc_date, p.state, p.reject_reason, p.created_by, p.created_at, p.version, a.number AS account_number, a.name AS account_name";

#[derive(sqlx::FromRow)]
struct PortRow {
    id: Uuid,
    account_id: Uuid,
    case_id: Uuid,
    donor: String,
    numbers: String,
    loa_received: bool,
    donor_account: String,
    donor_pin: Option<String>,
    requested_date: String,
    foc_date: Option<String>,
    state: String,
    reject_reason: Option<String>,
    created_by: Uuid,
    created_at: i64,
    version: i64,
    account_number: String,
    account_name: String,
}

impl PortRow {
    fn into_domain(self) -> Result<PortingOrder> {
        Ok(PortingOrder {
            id: self.id.into(),
            account_id: self.account_id.into(),
            case_id: self.case_id.into(),
            donor: self.donor,
            numbers: serde_json::from_str(&self.numbers).map_err(corrupt)?,
            loa_received: self.loa_received,
            donor_account: self.donor_account,
            pin_hint: self.donor_pin.as_deref().map(porting::hint),
            donor_pin: self.donor_pin,
            requested_date: self.requested_date.parse().map_err(corrupt)?,
            foc_date: self
                .foc_date
                .map(|d| d.parse())
                .transpose()
                .map_err(corrupt)?,
            state: PortState::parse("state", &self.state).map_err(corrupt)?,
            reject_reason: self.reject_reason,
            created_by: self.created_by.into(),
            created_at: micros_to_ts(self.created_at),
            version: self.version,
            account_number: self.account_number,
            account_name: self.account_name,
        })
    }
}

/// Write numbers and equipment (version 1 inserts; others update where the
/// stored version is one less) with their history lines, in `$conn`'s
/// transaction.
macro_rules! write_resource_rows {
    ($conn:expr, $res:expr) => {{
        let res: &extramile_domain::resources::ResourceWrites = $res;
        let mut r: extramile_domain::Result<()> = Ok(());
        'all: {
            use extramile_domain::time::ts_to_micros as us;
            for w in &res.numbers {
                let n = &w.number;
                let q = if n.version == 1 {
                    sqlx::query("INSERT INTO phone_numbers (state, account_id, subscription_id, since_at, until_at, note, version, updated_at, number, rev) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                } else {
                    sqlx::query("UPDATE phone_numbers SET state = $1, account_id = $2, subscription_id = $3, since_at = $4, until_at = $5, note = $6, version = $7, updated_at = $8 WHERE number = $9 AND version = $10")
                };
                let q = q
                    .bind(n.state.as_str())
                    .bind(n.account_id.map(|x| x.0))
                    .bind(n.subscription_id.map(|x| x.0))
                    .bind(n.since.map(us))
                    .bind(n.until.map(us))
                    .bind(n.note.as_deref())
                    .bind(n.version)
                    .bind(us(n.updated_at))
                    .bind(n.number.as_str());
                let q = if n.version == 1 {
                    q.bind(extramile_domain::resources::rules::reversed(&n.number))
                } else {
                    q.bind(n.version - 1)
                };
                match q.execute(&mut *$conn).await {
                    Ok(done) if done.rows_affected() == 1 => {}
                    Ok(_) => {
                        r = Err(extramile_domain::DomainError::Conflict(format!(
                            "the number {} changed meanwhile: reload and try again",
                            extramile_domain::resources::rules::display(&n.number)
                        )));
                        break 'all;
                    }
                    Err(e) => {
                        r = Err($crate::db_err(e));
                        break 'all;
                    }
                }
            }
            for w in &res.equipment {
                let e = &w.equipment;
                let q = if e.version == 1 {
                    sqlx::query("INSERT INTO equipment (serial, model, state, office_id, van_staff_id, account_id, location_id, subscription_id, condition, version, updated_at, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                } else {
                    sqlx::query("UPDATE equipment SET serial = $1, model = $2, state = $3, office_id = $4, van_staff_id = $5, account_id = $6, location_id = $7, subscription_id = $8, condition = $9, version = $10, updated_at = $11 WHERE id = $12 AND version = $13")
                };
                let q = q
                    .bind(e.serial.as_str())
                    .bind(e.model.as_str())
                    .bind(e.state.as_str())
                    .bind(e.office_id.map(|x| x.0))
                    .bind(e.van_staff_id.map(|x| x.0))
                    .bind(e.account_id.map(|x| x.0))
                    .bind(e.location_id.map(|x| x.0))
                    .bind(e.subscription_id.map(|x| x.0))
                    .bind(e.condition.map(|c| c.as_str()))
                    .bind(e.version)
                    .bind(us(e.updated_at))
                    .bind(e.id.0);
                let q = if e.version == 1 { q } else { q.bind(e.version - 1) };
                match q.execute(&mut *$conn).await {
                    Ok(done) if done.rows_affected() == 1 => {}
                    Ok(_) => {
                        r = Err(extramile_domain::DomainError::Conflict(format!(
                            "{} {} changed meanwhile: reload and try again",
                            e.model, e.serial
                        )));
                        break 'all;
                    }
                    Err(err) => {
                        r = Err($crate::db_err(err));
                        break 'all;
                    }
                }
            }
            for ev in res
                .numbers
                .iter()
                .map(|w| &w.event)
                .chain(res.equipment.iter().map(|w| &w.event))
            {
                if let Err(e) = sqlx::query("INSERT INTO resource_events (id, subject, at, kind, description, account_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(uuid::Uuid::now_v7())
                    .bind(ev.subject.as_str())
                    .bind(us(ev.at))
                    .bind(ev.kind.as_str())
                    .bind(ev.description.as_str())
                    .bind(ev.account_id.map(|x| x.0))
                    .bind(ev.actor_name.as_str())
                    .execute(&mut *$conn)
                    .await
                {
                    r = Err($crate::db_err(e));
                    break 'all;
                }
            }
        }
        r
    }};
}
pub(crate) use write_resource_rows;

impl SqlStore {
    async fn numbers_where(
        &self,
        cond: &str,
        binds: &[&str],
        limit: i64,
    ) -> Result<Vec<PhoneNumber>> {
        let sql = format!(
            "SELECT {NUMBER_COLS} FROM phone_numbers WHERE {cond} ORDER BY number LIMIT {limit}"
        );
        let rows: Vec<NumberRow> = read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, NumberRow>(AssertSqlSafe(sql.clone()));
            for b in binds {
                q = q.bind(*b);
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter().map(NumberRow::into_domain).collect()
    }
}

#[async_trait]
impl ResourceStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn search_numbers(
        &self,
        plan: &rules::NumberSearch,
        now: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<PhoneNumber>> {
        let limit = i64::from(limit.clamp(1, 200));
        // Fixed last digits read the reversed index; otherwise the range of
        // numbers (an area code, an exchange) is read in order.
        let (rev_cond, rev_lo, rev_hi) = match &plan.rev {
            Some((a, b)) => (" AND rev >= $4 AND rev < $5", a.clone(), b.clone()),
            None => ("", String::new(), String::new()),
        };
        let n = if plan.rev.is_some() { 6 } else { 4 };
        // SQLite would walk the area code by number; the last digits are
        // far more selective (PostgreSQL's statistics see that itself).
        let table = match (&self.db, plan.rev.is_some()) {
            (crate::Db::Sqlite { .. }, true) => "phone_numbers INDEXED BY phone_numbers_rev",
            _ => "phone_numbers",
        };
        let available = if matches!(&self.db, crate::Db::Postgres(_)) && plan.rev.is_none() {
            // PostgreSQL guesses a pattern matches almost nothing and reads
            // the whole range to sort it (16 ms for an area code); read in
            // order instead and stop at the limit (1 ms).
            format!(
                "WITH o AS MATERIALIZED (SELECT {NUMBER_COLS} FROM phone_numbers WHERE state = 'available' AND number >= $1 AND number < $2 ORDER BY number) \
                     SELECT {NUMBER_COLS} FROM o WHERE number LIKE $3 LIMIT {limit}"
            )
        } else {
            format!(
                "SELECT {NUMBER_COLS} FROM {table} WHERE state = 'available' AND number >= $1 AND number < $2 AND number LIKE $3{rev_cond} ORDER BY number LIMIT {limit}"
            )
        };
        // Reservations and aging that ended free their numbers too.
        let freed = format!(
            "SELECT {NUMBER_COLS} FROM {table} WHERE state IN ('reserved', 'aging') AND number >= $1 AND number < $2 AND number LIKE $3{rev_cond} AND until_at <= ${n} ORDER BY number LIMIT {limit}"
        );
        let fetch = |sql: String, with_now: bool| {
            let (lo, hi, like) = (plan.lo.clone(), plan.hi.clone(), plan.like.clone());
            let (rev_lo, rev_hi, has_rev) = (rev_lo.clone(), rev_hi.clone(), plan.rev.is_some());
            async move {
                read!(&self.db, p => {
                    let mut q = sqlx::query_as::<_, NumberRow>(AssertSqlSafe(sql)).bind(lo).bind(hi).bind(like);
                    if has_rev {
                        q = q.bind(rev_lo).bind(rev_hi);
                    }
                    if with_now {
                        q = q.bind(ts_to_micros(now));
                    }
                    q.fetch_all(p).await
                })
                .map_err(db_err)
            }
        };
        let mut out = fetch(available, false).await?;
        let more = fetch(freed, true).await?;
        if !more.is_empty() {
            out.extend(more);
            out.sort_by(|a, b| a.number.cmp(&b.number));
            out.truncate(limit as usize);
        }
        out.into_iter()
            .map(|r| {
                let mut n = r.into_domain()?;
                if n.state != NumberState::Available {
                    // What it is now: free.
                    n.state = NumberState::Available;
                    n.account_id = None;
                    n.subscription_id = None;
                }
                Ok(n)
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn phone_number(&self, number: &str) -> Result<Option<PhoneNumber>> {
        Ok(self.numbers_where("number = $1", &[number], 1).await?.pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_numbers(&self, account: AccountId) -> Result<Vec<PhoneNumber>> {
        let sql = format!(
            "SELECT {NUMBER_COLS} FROM phone_numbers WHERE account_id = $1 ORDER BY number LIMIT 500"
        );
        let rows: Vec<NumberRow> =
            read!(&self.db, p => sqlx::query_as::<_, NumberRow>(AssertSqlSafe(sql.clone()))
            .bind(account.0).fetch_all(p).await)
            .map_err(db_err)?;
        rows.into_iter().map(NumberRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn subscription_numbers(&self, subs: &[SubscriptionId]) -> Result<Vec<PhoneNumber>> {
        if subs.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=subs.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {NUMBER_COLS} FROM phone_numbers WHERE subscription_id IN ({list}) ORDER BY number LIMIT 500"
        );
        let rows: Vec<NumberRow> = read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, NumberRow>(AssertSqlSafe(sql.clone()));
            for s in subs {
                q = q.bind(s.0);
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter().map(NumberRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn resource_history(&self, subject: &str, limit: u32) -> Result<Vec<ResourceEvent>> {
        let rows: Vec<(String, i64, String, String, Option<Uuid>, String)> = read!(&self.db, p => sqlx::query_as(
            "SELECT subject, at, kind, description, account_id, actor_name FROM resource_events WHERE subject = $1 ORDER BY at DESC, id DESC LIMIT $2")
            .bind(subject).bind(i64::from(limit.clamp(1, 1000))).fetch_all(p).await)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(
                |(subject, at, kind, description, account, actor_name)| ResourceEvent {
                    subject,
                    at: micros_to_ts(at),
                    kind,
                    description,
                    account_id: account.map(Into::into),
                    actor_name,
                },
            )
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn write_resources(&self, w: &ResourceWrites, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            write_resource_rows!(&mut *tx, w)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn import_numbers(
        &self,
        rows: &[ImportNumberRow],
        now: jiff::Timestamp,
        actor_name: &str,
    ) -> Result<u64> {
        let now = ts_to_micros(now);
        let postgres = matches!(&self.db, crate::Db::Postgres(_));
        // One statement per range: the database counts the numbers out.
        let sql = if postgres {
            "INSERT INTO phone_numbers (number, rev, state, note, version, updated_at) \
             SELECT '+' || n, reverse(substr(CAST(n AS TEXT), 2)), 'available', $3, 1, $4 FROM generate_series(CAST($1 AS BIGINT), CAST($2 AS BIGINT)) AS n \
             ON CONFLICT (number) DO NOTHING"
        } else {
            "WITH RECURSIVE r(n, s) AS (SELECT $1, CAST($1 AS TEXT) UNION ALL SELECT n + 1, CAST(n + 1 AS TEXT) FROM r WHERE n < $2) \
             INSERT INTO phone_numbers (number, rev, state, note, version, updated_at) \
             SELECT '+' || n, substr(s, 11, 1) || substr(s, 10, 1) || substr(s, 9, 1) || substr(s, 8, 1) || substr(s, 7, 1) || substr(s, 6, 1) || substr(s, 5, 1) || substr(s, 4, 1) || substr(s, 3, 1) || substr(s, 2, 1), \
             'available', $3, 1, $4 FROM r WHERE true \
             ON CONFLICT (number) DO NOTHING"
        };
        let outcome: std::result::Result<std::result::Result<u64, u64>, DomainError> = write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let mut total = 0u64;
            let mut clash = None;
            for r in rows {
                let done = sqlx::query(sql)
                    .bind(r.first as i64).bind(r.last as i64).bind(r.note.as_deref()).bind(now)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() != r.last - r.first + 1 {
                    clash = Some(r.line);
                    break;
                }
                total += done.rows_affected();
            }
            if let Some(line) = clash {
                tx.rollback().await.map_err(db_err)?;
                Ok(Err(line))
            } else {
                sqlx::query("INSERT INTO resource_events (id, subject, at, kind, description, account_id, actor_name) VALUES ($1, $2, $3, $4, $5, NULL, $6)")
                    .bind(Uuid::now_v7()).bind("import").bind(now).bind("import")
                    .bind(format!("{total} numbers imported in {} range(s)", rows.len())).bind(actor_name)
                    .execute(&mut *tx).await.map_err(db_err)?;
                tx.commit().await.map_err(db_err)?;
                Ok(Ok(total))
            }
        });
        match outcome? {
            Ok(n) => Ok(n),
            Err(line) => {
                let Some(r) = rows.iter().find(|r| r.line == line) else {
                    return Err(DomainError::Store("an import row went missing".into()));
                };
                let held = self
                    .numbers_where(
                        "number >= $1 AND number <= $2",
                        &[&format!("+{}", r.first), &format!("+{}", r.last)],
                        1,
                    )
                    .await?
                    .pop()
                    .map(|n| rules::display(&n.number))
                    .unwrap_or_default();
                Err(DomainError::invalid(
                    format!("line {line}, column first"),
                    format!("{held} is already in the inventory; nothing was imported"),
                ))
            }
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn equipment_by_serial(&self, serial: &str) -> Result<Option<Equipment>> {
        let sql = format!("SELECT {EQUIPMENT_COLS} FROM equipment WHERE serial = $1");
        let row: Option<EquipmentRow> =
            read!(&self.db, p => sqlx::query_as::<_, EquipmentRow>(AssertSqlSafe(sql.clone()))
            .bind(serial).fetch_optional(p).await)
            .map_err(db_err)?;
        row.map(EquipmentRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_equipment(&self, account: AccountId) -> Result<Vec<Equipment>> {
        let sql = format!(
            "SELECT {EQUIPMENT_COLS} FROM equipment WHERE account_id = $1 ORDER BY serial LIMIT 500"
        );
        let rows: Vec<EquipmentRow> =
            read!(&self.db, p => sqlx::query_as::<_, EquipmentRow>(AssertSqlSafe(sql.clone()))
            .bind(account.0).fetch_all(p).await)
            .map_err(db_err)?;
        rows.into_iter().map(EquipmentRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn import_equipment(
        &self,
        rows: &[ImportEquipmentRow],
        now: jiff::Timestamp,
        actor_name: &str,
    ) -> Result<u64> {
        let now = ts_to_micros(now);
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for r in rows {
                let done = sqlx::query("INSERT INTO equipment (id, serial, model, state, office_id, van_staff_id, version, updated_at) VALUES ($1, $2, $3, 'in_stock', $4, $5, 1, $6) ON CONFLICT (serial) DO NOTHING")
                    .bind(Uuid::now_v7()).bind(r.serial.as_str()).bind(r.model.as_str()).bind(r.office_id.map(|x| x.0)).bind(r.van_staff_id.map(|x| x.0)).bind(now)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    tx.rollback().await.map_err(db_err)?;
                    return Err(DomainError::invalid(
                        format!("line {}, column serial", r.line),
                        format!("{} is already in the inventory; nothing was imported", r.serial),
                    ));
                }
                sqlx::query("INSERT INTO resource_events (id, subject, at, kind, description, account_id, actor_name) VALUES ($1, $2, $3, 'in_stock', $4, NULL, $5)")
                    .bind(Uuid::now_v7()).bind(r.serial.as_str()).bind(now).bind(format!("{} received into stock (import)", r.model)).bind(actor_name)
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(rows.len() as u64)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn write_porting_order(
        &self,
        p: &PortingOrder,
        insert: bool,
        res: &ResourceWrites,
        audit: &AuditEvent,
    ) -> Result<()> {
        let numbers =
            serde_json::to_string(&p.numbers).map_err(|e| DomainError::Store(e.to_string()))?;
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if insert {
                sqlx::query("INSERT INTO porting_orders (id, account_id, case_id, donor, numbers, loa_received, donor_account, donor_pin, requested_date, foc_date, state, reject_reason, created_by, created_at, version) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                    .bind(p.id.0).bind(p.account_id.0).bind(p.case_id.0).bind(p.donor.as_str()).bind(numbers.as_str()).bind(p.loa_received)
                    .bind(p.donor_account.as_str()).bind(p.donor_pin.as_deref()).bind(p.requested_date.to_string()).bind(p.foc_date.map(|d| d.to_string()))
                    .bind(p.state.as_str()).bind(p.reject_reason.as_deref()).bind(p.created_by.0).bind(ts_to_micros(p.created_at)).bind(p.version)
                    .execute(&mut *tx).await.map_err(db_err)?;
            } else {
                let done = sqlx::query("UPDATE porting_orders SET loa_received = $1, foc_date = $2, state = $3, reject_reason = $4, version = $5 WHERE id = $6 AND version = $7")
                    .bind(p.loa_received).bind(p.foc_date.map(|d| d.to_string())).bind(p.state.as_str()).bind(p.reject_reason.as_deref()).bind(p.version)
                    .bind(p.id.0).bind(p.version - 1)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(crate::customers::stale("port order"));
                }
            }
            write_resource_rows!(&mut *tx, res)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn porting_order(&self, id: PortingOrderId) -> Result<Option<PortingOrder>> {
        let sql = format!(
            "SELECT {PORT_COLS} FROM porting_orders p JOIN accounts a ON a.id = p.account_id WHERE p.id = $1"
        );
        let row: Option<PortRow> =
            read!(&self.db, p => sqlx::query_as::<_, PortRow>(AssertSqlSafe(sql.clone()))
            .bind(id.0).fetch_optional(p).await)
            .map_err(db_err)?;
        row.map(PortRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn porting_orders(
        &self,
        account: Option<AccountId>,
        limit: u32,
    ) -> Result<Vec<PortingOrder>> {
        let limit = i64::from(limit.clamp(1, 500));
        let rows: Vec<PortRow> = match account {
            Some(acc) => {
                let sql = format!("SELECT {PORT_COLS} FROM porting_orders p JOIN accounts a ON a.id = p.account_id WHERE p.account_id = $1 ORDER BY p.created_at DESC LIMIT {limit}");
                read!(&self.db, p => sqlx::query_as::<_, PortRow>(AssertSqlSafe(sql.clone())).bind(acc.0).fetch_all(p).await)
            }
            None => {
                let sql = format!("SELECT {PORT_COLS} FROM porting_orders p JOIN accounts a ON a.id = p.account_id WHERE p.state NOT IN ('completed', 'cancelled') ORDER BY COALESCE(p.foc_date, p.requested_date), p.created_at LIMIT {limit}");
                read!(&self.db, p => sqlx::query_as::<_, PortRow>(AssertSqlSafe(sql.clone())).fetch_all(p).await)
            }
        }
        .map_err(db_err)?;
        rows.into_iter().map(PortRow::into_domain).collect()
    }
}
