//! Queues, skills, presence and routing claims.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::interactions::{Interaction, InteractionEvent};
use extramile_domain::routing::*;
use extramile_domain::store::RoutingStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use jiff::Timestamp;
use uuid::Uuid;

type QueueRow = (Uuid, Option<Uuid>, String, String, String, String, i64, i64);
type EntryRow = (Uuid, Uuid, i64, Option<Uuid>, Option<i64>);

fn queue(r: QueueRow) -> Queue {
    Queue {
        id: r.0.into(),
        team_id: r.1.map(Into::into),
        name: r.2,
        skill: r.3,
        time_zone: r.4,
        hours: r.5,
        created_at: micros_to_ts(r.6),
        after_call_secs: r.7,
    }
}

fn entry(r: EntryRow) -> QueueEntry {
    QueueEntry {
        interaction_id: r.0.into(),
        queue_id: r.1.into(),
        queued_at: micros_to_ts(r.2),
        offered_to: r.3.map(Into::into),
        offered_at: r.4.map(micros_to_ts),
    }
}

const QUEUE_COLS: &str =
    "SELECT id, team_id, name, skill, time_zone, hours, created_at, after_call_secs FROM queues";
const ENTRY_COLS: &str =
    "SELECT interaction_id, queue_id, queued_at, offered_to, offered_at FROM queue_entries";

#[async_trait]
impl RoutingStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_queue(&self, q: &Queue, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO queues (id, team_id, name, skill, time_zone, hours, created_at, after_call_secs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(q.id.0).bind(q.team_id.map(|t| t.0)).bind(q.name.as_str()).bind(q.skill.as_str()).bind(q.time_zone.as_str())
                .bind(q.hours.as_str()).bind(ts_to_micros(q.created_at)).bind(q.after_call_secs)
                .execute(&mut *tx).await.map_err(|e| match db_err(e) {
                    DomainError::Conflict(_) => DomainError::Conflict(format!("a queue named {} exists", q.name)),
                    other => other,
                })?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn queues(&self) -> Result<Vec<Queue>> {
        let rows: Vec<QueueRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{QUEUE_COLS} ORDER BY name"))).fetch_all(p).await).map_err(db_err)?;
        Ok(rows.into_iter().map(queue).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn queue(&self, id: QueueId) -> Result<Option<Queue>> {
        let row: Option<QueueRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{QUEUE_COLS} WHERE id = $1"))).bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(queue))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_skills(
        &self,
        staff: StaffId,
        skills: &[String],
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM staff_skills WHERE staff_id = $1").bind(staff.0).execute(&mut *tx).await.map_err(db_err)?;
            for s in skills {
                sqlx::query("INSERT INTO staff_skills (staff_id, skill) VALUES ($1, $2)").bind(staff.0).bind(s.as_str()).execute(&mut *tx).await.map_err(db_err)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_presence(&self, staff: StaffId, state: Availability, at: Timestamp) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO staff_presence (staff_id, state, since) VALUES ($1, $2, $3) ON CONFLICT (staff_id) DO UPDATE SET state = excluded.state, since = excluded.since, busy_until = NULL")
            .bind(staff.0).bind(state.as_str()).bind(ts_to_micros(at)).execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_after_call(&self, staff: StaffId, at: Timestamp, until: Timestamp) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO staff_presence (staff_id, state, since, busy_until) VALUES ($1, 'busy', $2, $3) \
            ON CONFLICT (staff_id) DO UPDATE SET state = 'busy', since = excluded.since, busy_until = excluded.busy_until")
            .bind(staff.0).bind(ts_to_micros(at)).bind(ts_to_micros(until)).execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn end_after_call(&self, now: Timestamp) -> Result<u64> {
        write!(&self.db, p => sqlx::query("UPDATE staff_presence SET state = 'available', since = $1, busy_until = NULL WHERE state = 'busy' AND busy_until IS NOT NULL AND busy_until <= $2")
            .bind(ts_to_micros(now)).bind(ts_to_micros(now)).execute(p).await.map(|r| r.rows_affected())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn enqueue(
        &self,
        i: &Interaction,
        e: &QueueEntry,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE interactions SET state = $1, version = $2 WHERE id = $3 AND version = $4")
                .bind(i.state.as_str()).bind(i.version).bind(i.id.0).bind(i.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("interaction"));
            }
            sqlx::query("INSERT INTO queue_entries (interaction_id, queue_id, queued_at, offered_to, offered_at) VALUES ($1, $2, $3, NULL, NULL) ON CONFLICT (interaction_id) DO UPDATE SET queue_id = excluded.queue_id, queued_at = excluded.queued_at, offered_to = NULL, offered_at = NULL, left_at = NULL")
                .bind(e.interaction_id.0).bind(e.queue_id.0).bind(ts_to_micros(e.queued_at))
                .execute(&mut *tx).await.map_err(db_err)?;
            sqlx::query("INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(ev.id.0).bind(ev.interaction_id.0).bind(ts_to_micros(ev.at)).bind(ev.kind.as_str()).bind(ev.actor_name.as_str()).bind(ev.detail.as_str())
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn queue_entry(&self, interaction: InteractionId) -> Result<Option<QueueEntry>> {
        let row: Option<EntryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE interaction_id = $1"))).bind(interaction.0).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(entry))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn waiting(&self, q: QueueId, limit: u32) -> Result<Vec<QueueEntry>> {
        let rows: Vec<EntryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE queue_id = $1 AND offered_to IS NULL AND left_at IS NULL ORDER BY queued_at, interaction_id LIMIT $2"))).bind(q.0).bind(i64::from(limit)).fetch_all(p).await).map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn waiting_ahead(&self, e: &QueueEntry) -> Result<i64> {
        let at = ts_to_micros(e.queued_at);
        read!(&self.db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM queue_entries WHERE queue_id = $1 AND offered_to IS NULL AND left_at IS NULL \
                AND (queued_at < $2 OR (queued_at = $3 AND interaction_id < $4))")
            .bind(e.queue_id.0).bind(at).bind(at).bind(e.interaction_id.0).fetch_one(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn waiting_counts(&self) -> Result<Vec<WaitingCount>> {
        let rows: Vec<(Uuid, i64, i64)> = read!(&self.db, p => sqlx::query_as("SELECT queue_id, CAST(COUNT(*) AS BIGINT), CAST(MIN(queued_at) AS BIGINT) FROM queue_entries WHERE offered_to IS NULL AND left_at IS NULL GROUP BY queue_id").fetch_all(p).await).map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(q, n, oldest)| WaitingCount {
                queue_id: q.into(),
                waiting: n,
                oldest: micros_to_ts(oldest),
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn available_by_skill(&self) -> Result<Vec<(String, i64)>> {
        read!(&self.db, p => sqlx::query_as("SELECT s.skill, CAST(COUNT(*) AS BIGINT) FROM staff_skills s JOIN staff_presence p ON p.staff_id = s.staff_id WHERE p.state = 'available' GROUP BY s.skill").fetch_all(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn available_count(&self, skill: &str) -> Result<i64> {
        read!(&self.db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM staff_presence p JOIN staff_skills s ON s.staff_id = p.staff_id WHERE p.state = 'available' AND s.skill = $1")
            .bind(skill).fetch_one(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn candidates(&self, skill: &str) -> Result<Vec<Candidate>> {
        let rows: Vec<(Uuid, i64)> = read!(&self.db, p => sqlx::query_as("SELECT p.staff_id, p.since FROM staff_presence p JOIN staff_skills s ON s.staff_id = p.staff_id WHERE s.skill = $1 AND p.state = 'available' ORDER BY p.since LIMIT 50")
            .bind(skill).fetch_all(p).await).map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, since)| Candidate {
                staff_id: id.into(),
                idle_since: micros_to_ts(since),
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn claim(
        &self,
        interaction: InteractionId,
        agent: StaffId,
        ev: &InteractionEvent,
    ) -> Result<bool> {
        let now = ts_to_micros(ev.at);
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let agent_taken = sqlx::query("UPDATE staff_presence SET state = 'busy', since = $1 WHERE staff_id = $2 AND state = 'available'")
                .bind(now).bind(agent.0).execute(&mut *tx).await.map_err(db_err)?;
            let contact_taken = sqlx::query("UPDATE queue_entries SET offered_to = $1, offered_at = $2 WHERE interaction_id = $3 AND offered_to IS NULL AND left_at IS NULL")
                .bind(agent.0).bind(now).bind(interaction.0).execute(&mut *tx).await.map_err(db_err)?;
            if agent_taken.rows_affected() == 0 || contact_taken.rows_affected() == 0 {
                tx.rollback().await.map_err(db_err)?;
                return Ok(false);
            }
            sqlx::query("INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(ev.id.0).bind(ev.interaction_id.0).bind(now).bind(ev.kind.as_str()).bind(ev.actor_name.as_str()).bind(ev.detail.as_str())
                .execute(&mut *tx).await.map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok(true)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn presence(&self, staff: StaffId) -> Result<Option<(Availability, Timestamp)>> {
        let row: Option<(String, i64)> = read!(&self.db, p => sqlx::query_as("SELECT state, since FROM staff_presence WHERE staff_id = $1").bind(staff.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(|(s, since)| {
            Ok((
                Availability::parse("state", &s).map_err(|e| DomainError::Store(e.to_string()))?,
                micros_to_ts(since),
            ))
        })
        .transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn on_duty(&self, role: extramile_domain::admin::StaffRole) -> Result<Vec<StaffId>> {
        let ids: Vec<Uuid> = read!(&self.db, p => sqlx::query_scalar("SELECT u.id FROM staff_presence p JOIN staff_users u ON u.id = p.staff_id \
            WHERE u.role = $1 AND u.active AND p.state IN ('available', 'busy')").bind(role.as_str()).fetch_all(p).await).map_err(db_err)?;
        Ok(ids.into_iter().map(Into::into).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn skills(&self, staff: StaffId) -> Result<Vec<String>> {
        read!(&self.db, p => sqlx::query_scalar("SELECT skill FROM staff_skills WHERE staff_id = $1 ORDER BY skill").bind(staff.0).fetch_all(p).await).map_err(db_err)
    }

    /// Two queries: people with their presence, then every skill.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn presence_board(&self) -> Result<Vec<AgentPresence>> {
        type Row = (
            Uuid,
            String,
            String,
            Option<Uuid>,
            Option<String>,
            Option<i64>,
        );
        let (rows, skills) = read!(&self.db, p => async {
            let rows: Vec<Row> = sqlx::query_as("SELECT u.id, u.name, u.role, u.team_id, p.state, p.since FROM staff_users u LEFT JOIN staff_presence p ON p.staff_id = u.id \
                WHERE u.active AND u.role IN ('agent', 'specialist', 'supervisor') ORDER BY u.name, u.id").fetch_all(p).await?;
            let skills: Vec<(Uuid, String)> = sqlx::query_as("SELECT staff_id, skill FROM staff_skills ORDER BY staff_id, skill").fetch_all(p).await?;
            Ok::<_, sqlx::Error>((rows, skills))
        }.await).map_err(db_err)?;
        let parse = |e: DomainError| DomainError::Store(e.to_string());
        let mut by_staff: std::collections::HashMap<Uuid, Vec<String>> = Default::default();
        for (s, k) in skills {
            by_staff.entry(s).or_default().push(k);
        }
        rows.into_iter()
            .map(|(id, name, role, team, state, since)| {
                Ok(AgentPresence {
                    staff_id: id.into(),
                    name,
                    role: extramile_domain::admin::StaffRole::parse("role", &role)
                        .map_err(parse)?,
                    team_id: team.map(Into::into),
                    state: match state {
                        Some(s) => Availability::parse("state", &s).map_err(parse)?,
                        None => Availability::Offline,
                    },
                    since: since.map(micros_to_ts),
                    skills: by_staff.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }
}
