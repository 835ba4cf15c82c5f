//! Follow-ups, their history and the provider's calendar.

use crate::audit::insert_audit;
use crate::jobs::insert_jobs;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::followups::*;
use extramile_domain::ids::*;
use extramile_domain::store::FollowUpStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use jiff::civil::{Date, Time};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

const COLS: &str = "f.id, f.account_id, f.person_id, f.contact_point_id, f.owner_id, f.case_id, f.created_from, f.purpose, f.due_on, f.window_start, f.window_end, f.state, f.outcome, f.outcome_note, f.cancel_reason, f.reschedules, f.calling_interaction, f.created_by, f.created_at, f.done_by, f.done_at, f.version";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    account_id: Uuid,
    person_id: Uuid,
    contact_point_id: Option<Uuid>,
    owner_id: Uuid,
    case_id: Option<Uuid>,
    created_from: Option<Uuid>,
    purpose: String,
    due_on: String,
    window_start: Option<String>,
    window_end: Option<String>,
    state: String,
    outcome: Option<String>,
    outcome_note: Option<String>,
    cancel_reason: Option<String>,
    reschedules: i64,
    calling_interaction: Option<Uuid>,
    created_by: Uuid,
    created_at: i64,
    done_by: Option<Uuid>,
    done_at: Option<i64>,
    version: i64,
}

fn date(field: &str, s: &str) -> Result<Date> {
    s.parse().map_err(|_| {
        extramile_domain::DomainError::Store(format!("stored {field} {s:?} is not a date"))
    })
}

fn time(s: Option<String>) -> Option<Time> {
    s.and_then(|s| s.parse().ok())
}

fn hhmm(t: Option<Time>) -> Option<String> {
    t.map(|t| t.strftime("%H:%M").to_string())
}

impl Row {
    fn into_domain(self) -> Result<FollowUp> {
        Ok(FollowUp {
            id: FollowUpId(self.id),
            account_id: AccountId(self.account_id),
            person_id: PersonId(self.person_id),
            contact_point_id: self.contact_point_id.map(ContactPointId),
            owner_id: StaffId(self.owner_id),
            case_id: self.case_id.map(CaseId),
            created_from: self.created_from.map(InteractionId),
            purpose: self.purpose,
            due_on: date("due_on", &self.due_on)?,
            window_start: time(self.window_start),
            window_end: time(self.window_end),
            state: FollowUpState::parse("state", &self.state)?,
            outcome: self
                .outcome
                .map(|o| FollowUpOutcome::parse("outcome", &o))
                .transpose()?,
            outcome_note: self.outcome_note,
            cancel_reason: self.cancel_reason,
            reschedules: self.reschedules,
            calling_interaction: self.calling_interaction.map(InteractionId),
            created_by: StaffId(self.created_by),
            created_at: micros_to_ts(self.created_at),
            done_by: self.done_by.map(StaffId),
            done_at: self.done_at.map(micros_to_ts),
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    #[sqlx(flatten)]
    f: Row,
    given_name: String,
    family_name: String,
    account_number: String,
    owner_name: String,
    owner_presence: Option<String>,
    owner_time_zone: Option<String>,
    contact_value: Option<String>,
    customer_time_zone: Option<String>,
    customer_region: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    follow_up_id: Uuid,
    at: i64,
    actor_id: Option<Uuid>,
    action: String,
    detail: String,
}

enum Bind {
    Id(Uuid),
    Text(String),
}

macro_rules! insert_event {
    ($conn:expr, $ev:expr) => {{
        let ev: &FollowUpEvent = $ev;
        sqlx::query("INSERT INTO follow_up_history (id, follow_up_id, at, actor_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(ev.id.0).bind(ev.follow_up_id.0).bind(ts_to_micros(ev.at)).bind(ev.actor_id.map(|a| a.0))
            .bind(ev.action.as_str()).bind(ev.detail.as_str())
            .execute($conn).await.map(|_| ()).map_err(db_err)
    }};
}

#[async_trait]
impl FollowUpStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_follow_up(
        &self,
        f: &FollowUp,
        ev: &FollowUpEvent,
        jobs: &[extramile_domain::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO follow_ups (id, account_id, person_id, contact_point_id, owner_id, case_id, created_from, purpose, due_on, window_start, window_end, state, outcome, outcome_note, cancel_reason, reschedules, calling_interaction, created_by, created_at, done_by, done_at, version) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)")
                .bind(f.id.0).bind(f.account_id.0).bind(f.person_id.0).bind(f.contact_point_id.map(|c| c.0)).bind(f.owner_id.0)
                .bind(f.case_id.map(|c| c.0)).bind(f.created_from.map(|i| i.0)).bind(f.purpose.as_str()).bind(f.due_on.to_string())
                .bind(hhmm(f.window_start)).bind(hhmm(f.window_end)).bind(f.state.as_str()).bind(f.outcome.map(|o| o.as_str()))
                .bind(f.outcome_note.as_deref()).bind(f.cancel_reason.as_deref()).bind(f.reschedules).bind(f.calling_interaction.map(|i| i.0))
                .bind(f.created_by.0).bind(ts_to_micros(f.created_at)).bind(f.done_by.map(|s| s.0)).bind(f.done_at.map(ts_to_micros)).bind(f.version)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(&mut *tx, ev)?;
            insert_jobs!(&mut *tx, jobs)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_follow_up(
        &self,
        f: &FollowUp,
        ev: &FollowUpEvent,
        jobs: &[extramile_domain::jobs::NewJob],
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE follow_ups SET contact_point_id = $1, owner_id = $2, due_on = $3, window_start = $4, window_end = $5, state = $6, outcome = $7, outcome_note = $8, cancel_reason = $9, reschedules = $10, calling_interaction = $11, done_by = $12, done_at = $13, version = $14 \
                WHERE id = $15 AND version = $16")
                .bind(f.contact_point_id.map(|c| c.0)).bind(f.owner_id.0).bind(f.due_on.to_string()).bind(hhmm(f.window_start)).bind(hhmm(f.window_end))
                .bind(f.state.as_str()).bind(f.outcome.map(|o| o.as_str())).bind(f.outcome_note.as_deref()).bind(f.cancel_reason.as_deref())
                .bind(f.reschedules).bind(f.calling_interaction.map(|i| i.0)).bind(f.done_by.map(|s| s.0)).bind(f.done_at.map(ts_to_micros))
                .bind(f.version).bind(f.id.0).bind(f.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("follow-up"));
            }
            insert_event!(&mut *tx, ev)?;
            insert_jobs!(&mut *tx, jobs)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn follow_up(&self, id: FollowUpId) -> Result<Option<FollowUp>> {
        // Read on the writer: a check-then-write must see the latest.
        let row: Option<Row> = write!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {COLS} FROM follow_ups f WHERE f.id = $1")))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(Row::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn follow_up_events(&self, id: FollowUpId) -> Result<Vec<FollowUpEvent>> {
        let rows: Vec<EventRow> = read!(&self.db, p => sqlx::query_as(
            "SELECT id, follow_up_id, at, actor_id, action, detail FROM follow_up_history WHERE follow_up_id = $1 ORDER BY at, id LIMIT 500")
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| FollowUpEvent {
                id: FollowUpEventId(r.id),
                follow_up_id: FollowUpId(r.follow_up_id),
                at: micros_to_ts(r.at),
                actor_id: r.actor_id.map(StaffId),
                action: r.action,
                detail: r.detail,
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn follow_up_items(&self, filter: &FollowUpFilter) -> Result<Vec<FollowUpItem>> {
        let mut wheres = Vec::new();
        let mut binds = Vec::new();
        let arg = |binds: &mut Vec<Bind>, b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        if let Some(id) = filter.id {
            wheres.push(format!("f.id = {}", arg(&mut binds, Bind::Id(id.0))));
        }
        if let Some(o) = filter.owner {
            wheres.push(format!("f.owner_id = {}", arg(&mut binds, Bind::Id(o.0))));
        }
        if let Some(t) = filter.team {
            wheres.push(format!("s.team_id = {}", arg(&mut binds, Bind::Id(t.0))));
        }
        if let Some(a) = filter.account {
            wheres.push(format!("f.account_id = {}", arg(&mut binds, Bind::Id(a.0))));
        }
        if filter.open_only {
            wheres.push("f.state IN ('scheduled', 'due')".into());
        }
        if let Some(d) = filter.due_through {
            wheres.push(format!(
                "f.due_on <= {}",
                arg(&mut binds, Bind::Text(d.to_string()))
            ));
        }
        let limit = format!("${}", binds.len() + 1);
        let where_sql = if wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wheres.join(" AND "))
        };
        // Open ones first by day; closed ones (an account's history) newest first.
        let sql = format!(
            "SELECT {COLS}, p.given_name, p.family_name, a.number AS account_number, s.name AS owner_name, \
             sp.state AS owner_presence, s.time_zone AS owner_time_zone, \
             (SELECT cp.value FROM contact_points cp WHERE (f.contact_point_id IS NOT NULL AND cp.id = f.contact_point_id) \
                OR (f.contact_point_id IS NULL AND cp.person_id = f.person_id AND cp.kind = 'phone') ORDER BY cp.is_primary DESC LIMIT 1) AS contact_value, \
             (SELECT l.time_zone FROM service_locations l WHERE l.account_id = f.account_id ORDER BY l.id LIMIT 1) AS customer_time_zone, \
             (SELECT l.region FROM service_locations l WHERE l.account_id = f.account_id ORDER BY l.id LIMIT 1) AS customer_region \
             FROM follow_ups f JOIN people p ON p.id = f.person_id JOIN accounts a ON a.id = f.account_id \
             JOIN staff_users s ON s.id = f.owner_id LEFT JOIN staff_presence sp ON sp.staff_id = f.owner_id \
             {where_sql} ORDER BY CASE WHEN f.state IN ('scheduled', 'due') THEN 0 ELSE 1 END, \
             CASE WHEN f.state IN ('scheduled', 'due') THEN f.due_on END, f.due_on DESC, f.id LIMIT {limit}"
        );
        let limit = i64::from(filter.limit.max(1));
        let rows: Vec<ItemRow> = read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, ItemRow>(AssertSqlSafe(sql.clone()));
            for b in &binds {
                q = match b {
                    Bind::Id(u) => q.bind(*u),
                    Bind::Text(t) => q.bind(t.clone()),
                };
            }
            q.bind(limit).fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(FollowUpItem {
                    follow_up: r.f.into_domain()?,
                    person_name: format!("{} {}", r.given_name, r.family_name),
                    account_number: r.account_number,
                    owner_name: r.owner_name,
                    owner_presence: r.owner_presence,
                    contact_value: r.contact_value,
                    customer_time_zone: r.customer_time_zone,
                    customer_region: r.customer_region,
                    owner_time_zone: r.owner_time_zone,
                    holiday: None,
                    covering_for: None,
                    overdue: false,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn follow_up_by_call(&self, interaction: InteractionId) -> Result<Option<FollowUp>> {
        let row: Option<Row> = write!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {COLS} FROM follow_ups f WHERE f.calling_interaction = $1 LIMIT 1")))
            .bind(interaction.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(Row::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn holidays(&self, region: &str, from: Date, to: Date) -> Result<Vec<Holiday>> {
        let rows: Vec<(String, String, String)> = read!(&self.db, p => sqlx::query_as(
            "SELECT region, on_date, name FROM holidays WHERE (region = $1 OR region LIKE $2) AND on_date >= $3 AND on_date <= $4 ORDER BY on_date, region LIMIT 1000")
            .bind(region).bind(format!("{region}-%")).bind(from.to_string()).bind(to.to_string()).fetch_all(p).await)
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(region, on, name)| {
                Ok(Holiday {
                    region,
                    on: date("on_date", &on)?,
                    name,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn put_holiday(&self, h: &Holiday, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO holidays (region, on_date, name) VALUES ($1, $2, $3) ON CONFLICT (region, on_date) DO UPDATE SET name = excluded.name")
                .bind(h.region.as_str()).bind(h.on.to_string()).bind(h.name.as_str())
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn delete_holiday(&self, region: &str, on: Date, audit: &AuditEvent) -> Result<bool> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query("DELETE FROM holidays WHERE region = $1 AND on_date = $2")
                .bind(region).bind(on.to_string())
                .execute(&mut *tx).await.map_err(db_err)?.rows_affected();
            if n > 0 {
                insert_audit!(&mut *tx, audit)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(n > 0)
        })
    }
}
