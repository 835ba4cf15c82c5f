//! Staff users, teams, sessions and API tokens.

use crate::audit::insert_audit;
use crate::rows::*;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::admin::{ApiToken, Session, StaffUser, Team};
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::store::{SigninCount, StaffStore};
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use jiff::Timestamp;
use uuid::Uuid;

#[async_trait]
impl StaffStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_team(&self, t: &Team) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
            .bind(t.id.0).bind(t.name.as_str()).execute(p).await.map(|_| ()))
        .map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn teams(&self) -> Result<Vec<Team>> {
        let rows: Vec<(Uuid, String)> =
            read!(&self.db, p => sqlx::query_as("SELECT id, name FROM teams ORDER BY name")
            .fetch_all(p).await)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| Team {
                id: id.into(),
                name,
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_staff(&self, u: &StaffUser, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(concat!("INSERT INTO staff_users (", staff_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
                .bind(u.id.0).bind(u.email.as_str()).bind(u.name.as_str()).bind(u.role.as_str())
                .bind(u.team_id.map(|t| t.0)).bind(u.active).bind(ts_to_micros(u.created_at))
                .bind(u.password_hash.as_str()).bind(u.failed_signins).bind(u.locked_until.map(ts_to_micros))
                .bind(u.time_zone.as_deref())
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn staff(&self, id: StaffId) -> Result<Option<StaffUser>> {
        let row: Option<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(StaffRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffUser>> {
        let row: Option<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users WHERE email = $1"))
            .bind(email).fetch_optional(p).await).map_err(db_err)?;
        row.map(StaffRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn list_staff(&self) -> Result<Vec<StaffUser>> {
        let rows: Vec<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users ORDER BY name"))
            .fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(StaffRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn signin_attempt(
        &self,
        subject: &str,
        now: Timestamp,
        window_start: Timestamp,
    ) -> Result<SigninCount> {
        // One statement: parallel attempts each add one; none reads, bumps
        // in Rust and writes back. A day without attempts forgets pauses.
        let day_ago = now
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(now);
        let (attempts, until, pauses): (i64, Option<i64>, i64) = write!(&self.db, p => sqlx::query_as(SIGNIN_ATTEMPT)
            .bind(subject).bind(ts_to_micros(now)).bind(ts_to_micros(window_start)).bind(ts_to_micros(day_ago))
            .fetch_one(p).await).map_err(db_err)?;
        Ok(SigninCount {
            attempts,
            paused_until: until.map(micros_to_ts),
            pauses,
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn signin_pause(&self, subject: &str, until: Timestamp) -> Result<()> {
        write!(&self.db, p => sqlx::query("UPDATE signin_attempts SET attempts = 0, locks = locks + 1, locked_until = $1 WHERE subject = $2")
            .bind(ts_to_micros(until)).bind(subject).execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn signin_clear(&self, subject: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("DELETE FROM signin_attempts WHERE subject = $1")
            .bind(subject).execute(p).await.map(|_| ()))
        .map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn signin_release(&self, subject: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("UPDATE signin_attempts SET attempts = attempts - 1 WHERE subject = $1 AND attempts > 0")
            .bind(subject).execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn signin_purge(&self, before: Timestamp) -> Result<u64> {
        let at = ts_to_micros(before);
        write!(&self.db, p => sqlx::query("DELETE FROM signin_attempts WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)")
            .bind(at).bind(at).execute(p).await.map(|r| r.rows_affected())).map_err(db_err)
    }

    async fn insert_session(&self, s: &Session) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO sessions (digest, staff_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.digest.as_str()).bind(s.staff_id.0).bind(s.csrf_token.as_str())
            .bind(ts_to_micros(s.created_at)).bind(ts_to_micros(s.expires_at)).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn session(&self, digest: &str) -> Result<Option<Session>> {
        let row: Option<(String, Uuid, String, i64, i64)> = read!(&self.db, p => sqlx::query_as(
            "SELECT digest, staff_id, csrf_token, created_at, expires_at FROM sessions WHERE digest = $1")
            .bind(digest).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(|(digest, staff_id, csrf_token, c, e)| Session {
            digest,
            staff_id: staff_id.into(),
            csrf_token,
            created_at: micros_to_ts(c),
            expires_at: micros_to_ts(e),
        }))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn delete_session(&self, digest: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE digest = $1").bind(digest).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_token(&self, t: &ApiToken, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO api_tokens (id, digest, staff_id, label, created_at, expires_at, revoked_at, issue_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(t.id.0).bind(t.digest.as_str()).bind(t.staff_id.0).bind(t.label.as_str()).bind(ts_to_micros(t.created_at))
                .bind(t.expires_at.map(ts_to_micros)).bind(t.revoked_at.map(ts_to_micros)).bind(t.issue_key.as_deref())
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn token(&self, digest: &str) -> Result<Option<ApiToken>> {
        let row: Option<TokenRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_COLS} WHERE digest = $1")))
            .bind(digest).fetch_optional(p).await)
        .map_err(db_err)?;
        Ok(row.map(TokenRow::into_domain))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn token_by_id(&self, id: TokenId) -> Result<Option<ApiToken>> {
        let row: Option<TokenRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_COLS} WHERE id = $1")))
            .bind(id.0).fetch_optional(p).await)
        .map_err(db_err)?;
        Ok(row.map(TokenRow::into_domain))
    }

    async fn tokens(&self, staff: Option<StaffId>) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = read!(&self.db, p => match staff {
            Some(s) => sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_COLS} WHERE staff_id = $1 ORDER BY created_at DESC LIMIT 500"))).bind(s.0).fetch_all(p).await,
            None => sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN_COLS} ORDER BY created_at DESC LIMIT 500"))).fetch_all(p).await,
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(TokenRow::into_domain).collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn revoke_token(&self, id: TokenId, at: Timestamp, audit: &AuditEvent) -> Result<bool> {
        write!(&self.db, pool => async {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(ts_to_micros(at)).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                tx.rollback().await.map_err(db_err)?;
                return Ok(false);
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)?;
            Ok(true)
        }.await)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_staff_time_zone(
        &self,
        id: StaffId,
        time_zone: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("UPDATE staff_users SET time_zone = $1 WHERE id = $2")
                .bind(time_zone).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_staff_active(
        &self,
        id: StaffId,
        active: bool,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("UPDATE staff_users SET active = $1 WHERE id = $2")
                .bind(active).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1").bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL")
                    .bind(ts_to_micros(at)).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }
}

const SIGNIN_ATTEMPT: &str = "INSERT INTO signin_attempts (subject, attempts, window_start, locks, locked_until) VALUES ($1, 1, $2, 0, NULL) \
    ON CONFLICT (subject) DO UPDATE SET \
    attempts = CASE WHEN signin_attempts.window_start < $3 THEN 1 ELSE signin_attempts.attempts + 1 END, \
    window_start = CASE WHEN signin_attempts.window_start < $3 THEN $2 ELSE signin_attempts.window_start END, \
    locks = CASE WHEN signin_attempts.window_start < $4 THEN 0 ELSE signin_attempts.locks END \
    RETURNING attempts, locked_until, locks";

const TOKEN_COLS: &str = "SELECT id, digest, staff_id, label, created_at, expires_at, revoked_at, issue_key FROM api_tokens";

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    digest: String,
    staff_id: Uuid,
    label: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    issue_key: Option<String>,
}

impl TokenRow {
    fn into_domain(self) -> ApiToken {
        ApiToken {
            id: self.id.into(),
            digest: self.digest,
            staff_id: self.staff_id.into(),
            label: self.label,
            created_at: micros_to_ts(self.created_at),
            expires_at: self.expires_at.map(micros_to_ts),
            revoked_at: self.revoked_at.map(micros_to_ts),
            issue_key: self.issue_key,
        }
    }
}
