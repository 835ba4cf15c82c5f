//! Background jobs: claimed under a lease. PostgreSQL lets any number of
//! nodes claim at once (`FOR UPDATE SKIP LOCKED`: a row one node is
//! claiming is skipped by the others, never waited for or taken twice);
//! SQLite's single writer connection serialises claims by itself.

use crate::audit::insert_audit;
use crate::{Db, SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::jobs::{Job, JobCounts, JobState, NewJob};
use extramile_domain::store::JobStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use jiff::Timestamp;
use uuid::Uuid;

pub(crate) const INSERT_JOB: &str = "INSERT INTO jobs (id, kind, payload, run_at, state, attempts, max_attempts, last_error, lease_holder, lease_until, created_at, done_at, key) \
    VALUES ($1, $2, $3, $4, 'pending', 0, $5, NULL, NULL, NULL, $6, NULL, $7) ON CONFLICT DO NOTHING";

/// Write jobs on `$conn` (the transaction of the change that causes them).
macro_rules! insert_jobs {
    ($conn:expr, $jobs:expr) => {{
        let jobs: &[extramile_domain::jobs::NewJob] = $jobs;
        let now = extramile_domain::time::ts_to_micros(extramile_domain::time::now());
        let mut r: extramile_domain::Result<()> = Ok(());
        for j in jobs {
            if let Err(e) = sqlx::query($crate::jobs::INSERT_JOB)
                .bind(j.id)
                .bind(j.kind.as_str())
                .bind(j.payload.to_string())
                .bind(extramile_domain::time::ts_to_micros(j.run_at))
                .bind(i64::from(j.max_attempts))
                .bind(now)
                .bind(j.key.as_deref())
                .execute(&mut *$conn)
                .await
            {
                r = Err($crate::db_err(e));
                break;
            }
        }
        r
    }};
}
pub(crate) use insert_jobs;

const COLS: &str = "id, kind, payload, run_at, state, attempts, max_attempts, last_error, lease_holder, lease_until, created_at, done_at, key";
const PG_COLS: &str = "jobs.id, kind, payload, run_at, state, attempts, max_attempts, last_error, lease_holder, lease_until, created_at, done_at, key";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    kind: String,
    payload: String,
    run_at: i64,
    state: String,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
    lease_holder: Option<String>,
    lease_until: Option<i64>,
    created_at: i64,
    done_at: Option<i64>,
    key: Option<String>,
}

impl JobRow {
    fn into_job(self) -> Result<Job> {
        Ok(Job {
            id: self.id,
            payload: serde_json::from_str(&self.payload)
                .unwrap_or(serde_json::Value::String(self.payload)),
            kind: self.kind,
            run_at: micros_to_ts(self.run_at),
            state: JobState::parse("state", &self.state)?,
            attempts: i32::try_from(self.attempts).unwrap_or(i32::MAX),
            max_attempts: i32::try_from(self.max_attempts).unwrap_or(i32::MAX),
            last_error: self.last_error,
            lease_holder: self.lease_holder,
            lease_until: self.lease_until.map(micros_to_ts),
            created_at: micros_to_ts(self.created_at),
            done_at: self.done_at.map(micros_to_ts),
            key: self.key,
        })
    }
}

fn jobs_of(rows: Vec<JobRow>) -> Result<Vec<Job>> {
    rows.into_iter().map(JobRow::into_job).collect()
}

/// The longest last error kept (a handler's error may quote a payload).
const ERROR_CHARS: usize = 2000;

#[async_trait]
impl JobStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_jobs!(&mut *tx, jobs)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn claim_jobs(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Job>> {
        let (now, until) = (ts_to_micros(now), ts_to_micros(lease_until));
        // Due pending jobs first (oldest first, from the partial index),
        // then jobs whose node lost its lease, each a top-N index scan.
        let mut rows: Vec<JobRow> = Vec::new();
        for pick in [
            "SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 ORDER BY run_at LIMIT $4",
            "SELECT id FROM jobs WHERE state = 'running' AND lease_until < $3 ORDER BY lease_until LIMIT $4",
        ] {
            let want = i64::from(limit) - rows.len() as i64;
            if want <= 0 {
                break;
            }
            let got: Vec<JobRow> = match &self.db {
                Db::Postgres(p) => {
                    // Materialised once and locked as it is read: rows another
                    // node is claiming are skipped, never waited for or taken
                    // twice (a subquery under IN may be re-run per row).
                    let sql = format!(
                        "WITH picked AS MATERIALIZED ({pick} FOR UPDATE SKIP LOCKED) \
                         UPDATE jobs SET state = 'running', lease_holder = $1, lease_until = $2, attempts = attempts + 1 \
                         FROM picked WHERE jobs.id = picked.id RETURNING {PG_COLS}"
                    );
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(node)
                        .bind(until)
                        .bind(now)
                        .bind(want)
                        .fetch_all(p)
                        .await
                }
                Db::Sqlite { write: p, .. } => {
                    let sql = format!(
                        "UPDATE jobs SET state = 'running', lease_holder = $1, lease_until = $2, attempts = attempts + 1 \
                         WHERE id IN ({pick}) RETURNING {COLS}"
                    );
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(node)
                        .bind(until)
                        .bind(now)
                        .bind(want)
                        .fetch_all(p)
                        .await
                }
            }
            .map_err(db_err)?;
            rows.extend(got);
        }
        jobs_of(rows)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn finish_job(
        &self,
        id: Uuid,
        node: &str,
        now: Timestamp,
        again: Option<Timestamp>,
    ) -> Result<bool> {
        let n = match again {
            // Periodic: the same row waits for its next time.
            Some(at) => write!(&self.db, p => sqlx::query(
                "UPDATE jobs SET state = 'pending', run_at = $1, attempts = 0, last_error = NULL, lease_holder = NULL, lease_until = NULL, done_at = $2 \
                 WHERE id = $3 AND state = 'running' AND lease_holder = $4")
                .bind(ts_to_micros(at)).bind(ts_to_micros(now)).bind(id).bind(node)
                .execute(p).await.map(|r| r.rows_affected())),
            None => write!(&self.db, p => sqlx::query(
                "UPDATE jobs SET state = 'done', lease_holder = NULL, lease_until = NULL, done_at = $1 \
                 WHERE id = $2 AND state = 'running' AND lease_holder = $3")
                .bind(ts_to_micros(now)).bind(id).bind(node)
                .execute(p).await.map(|r| r.rows_affected())),
        }
        .map_err(db_err)?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn fail_job(
        &self,
        id: Uuid,
        node: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool> {
        let error: String = error.chars().take(ERROR_CHARS).collect();
        let n = match retry_at {
            Some(at) => write!(&self.db, p => sqlx::query(
                "UPDATE jobs SET state = 'pending', run_at = $1, last_error = $2, lease_holder = NULL, lease_until = NULL \
                 WHERE id = $3 AND state = 'running' AND lease_holder = $4")
                .bind(ts_to_micros(at)).bind(error.as_str()).bind(id).bind(node)
                .execute(p).await.map(|r| r.rows_affected())),
            None => write!(&self.db, p => sqlx::query(
                "UPDATE jobs SET state = 'dead', last_error = $1, lease_holder = NULL, lease_until = NULL \
                 WHERE id = $2 AND state = 'running' AND lease_holder = $3")
                .bind(error.as_str()).bind(id).bind(node)
                .execute(p).await.map(|r| r.rows_affected())),
        }
        .map_err(db_err)?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn release_jobs(&self, node: &str, ids: &[Uuid]) -> Result<u64> {
        let mut released = 0;
        for id in ids {
            released += write!(&self.db, p => sqlx::query(
                "UPDATE jobs SET state = 'pending', attempts = attempts - 1, lease_holder = NULL, lease_until = NULL \
                 WHERE id = $1 AND state = 'running' AND lease_holder = $2")
                .bind(id).bind(node).execute(p).await.map(|r| r.rows_affected()))
            .map_err(db_err)?;
        }
        Ok(released)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn job(&self, id: Uuid) -> Result<Option<Job>> {
        let sql = format!("SELECT {COLS} FROM jobs WHERE id = $1");
        let row: Option<JobRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)
            .map_err(db_err)?;
        row.map(JobRow::into_job).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        let rows: Vec<JobRow> = match state {
            Some(s) => {
                let sql = format!("SELECT {COLS} FROM jobs WHERE state = $1 ORDER BY id DESC LIMIT $2");
                read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(s.as_str()).bind(i64::from(limit)).fetch_all(p).await)
            }
            None => {
                let sql = format!("SELECT {COLS} FROM jobs ORDER BY id DESC LIMIT $1");
                read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(i64::from(limit)).fetch_all(p).await)
            }
        }
        .map_err(db_err)?;
        jobs_of(rows)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn job_counts(&self, now: Timestamp) -> Result<JobCounts> {
        let rows: Vec<(String, i64, i64, i64)> = read!(&self.db, p => sqlx::query_as(
            "SELECT state, COUNT(*), \
             COALESCE(SUM(CASE WHEN run_at <= $1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) \
             FROM jobs GROUP BY state")
            .bind(ts_to_micros(now)).fetch_all(p).await)
        .map_err(db_err)?;
        let mut c = JobCounts::default();
        for (state, n, due, failing) in rows {
            match state.as_str() {
                "pending" => {
                    c.pending = n;
                    c.overdue = due;
                    c.failing = failing;
                }
                "running" => c.running = n,
                "dead" => c.dead = n,
                "done" => c.done = n,
                _ => {}
            }
        }
        Ok(c)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn retry_job(&self, id: Uuid, now: Timestamp, audit: &AuditEvent) -> Result<bool> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query(
                "UPDATE jobs SET state = 'pending', run_at = $1, attempts = 0 \
                 WHERE id = $2 AND (state = 'dead' OR (state = 'pending' AND attempts > 0))")
                .bind(ts_to_micros(now)).bind(id)
                .execute(&mut *tx).await.map_err(db_err)?.rows_affected();
            if n == 1 {
                insert_audit!(&mut *tx, audit)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(n == 1)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn purge_jobs(&self, before: Timestamp) -> Result<u64> {
        write!(&self.db, p => sqlx::query("DELETE FROM jobs WHERE state = 'done' AND done_at < $1")
            .bind(ts_to_micros(before)).execute(p).await.map(|r| r.rows_affected()))
        .map_err(db_err)
    }
}
