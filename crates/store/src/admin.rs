//! Staff users, teams, sessions and API tokens.

use crate::audit::insert_audit;
use crate::rows::*;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::admin::{ApiToken, Session, StaffUser, Team};
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::store::StaffStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use jiff::Timestamp;
use uuid::Uuid;

#[async_trait]
impl StaffStore for SqlStore {
    async fn insert_team(&self, t: &Team) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
            .bind(t.id.0).bind(t.name.as_str()).execute(p).await.map(|_| ()))
        .map_err(db_err)?;
        Ok(())
    }

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

    #[tracing::instrument(skip_all, err)]
    async fn insert_staff(&self, u: &StaffUser, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(concat!("INSERT INTO staff_users (", staff_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                .bind(u.id.0).bind(u.email.as_str()).bind(u.name.as_str()).bind(u.role.as_str())
                .bind(u.team_id.map(|t| t.0)).bind(u.active).bind(ts_to_micros(u.created_at))
                .bind(u.password_hash.as_str()).bind(u.failed_signins).bind(u.locked_until.map(ts_to_micros))
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    async fn staff(&self, id: StaffId) -> Result<Option<StaffUser>> {
        let row: Option<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(StaffRow::into_domain).transpose()
    }

    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffUser>> {
        let row: Option<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users WHERE email = $1"))
            .bind(email).fetch_optional(p).await).map_err(db_err)?;
        row.map(StaffRow::into_domain).transpose()
    }

    async fn list_staff(&self) -> Result<Vec<StaffUser>> {
        let rows: Vec<StaffRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", staff_cols!(), " FROM staff_users ORDER BY name"))
            .fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(StaffRow::into_domain).collect()
    }

    async fn set_signin_failures(
        &self,
        id: StaffId,
        failures: i64,
        locked_until: Option<Timestamp>,
    ) -> Result<()> {
        write!(&self.db, p => sqlx::query("UPDATE staff_users SET failed_signins = $1, locked_until = $2 WHERE id = $3")
            .bind(failures).bind(locked_until.map(ts_to_micros)).bind(id.0).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    async fn insert_session(&self, s: &Session) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO sessions (digest, staff_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.digest.as_str()).bind(s.staff_id.0).bind(s.csrf_token.as_str())
            .bind(ts_to_micros(s.created_at)).bind(ts_to_micros(s.expires_at)).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

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

    async fn delete_session(&self, digest: &str) -> Result<()> {
        write!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE digest = $1").bind(digest).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    async fn insert_token(&self, t: &ApiToken, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO api_tokens (digest, staff_id, label, created_at) VALUES ($1, $2, $3, $4)")
                .bind(t.digest.as_str()).bind(t.staff_id.0).bind(t.label.as_str()).bind(ts_to_micros(t.created_at))
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    async fn token(&self, digest: &str) -> Result<Option<ApiToken>> {
        let row: Option<(String, Uuid, String, i64)> = read!(&self.db, p => sqlx::query_as(
            "SELECT digest, staff_id, label, created_at FROM api_tokens WHERE digest = $1")
            .bind(digest).fetch_optional(p).await)
        .map_err(db_err)?;
        Ok(row.map(|(digest, staff_id, label, c)| ApiToken {
            digest,
            staff_id: staff_id.into(),
            label,
            created_at: micros_to_ts(c),
        }))
    }
}
