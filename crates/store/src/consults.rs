//! Consults.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::consults::{Consult, ConsultStatus};
use extramile_domain::ids::*;
use extramile_domain::interactions::InteractionEvent;
use extramile_domain::store::ConsultStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct ConsultRow {
    id: Uuid,
    case_id: Uuid,
    interaction_id: Option<Uuid>,
    team_id: Uuid,
    question: String,
    status: String,
    requested_by: Uuid,
    requested_at: i64,
    picked_by: Option<Uuid>,
    picked_at: Option<i64>,
    answer: Option<String>,
    answered_at: Option<i64>,
    version: i64,
}

const COLS: &str = "SELECT id, case_id, interaction_id, team_id, question, status, requested_by, requested_at, picked_by, picked_at, answer, answered_at, version FROM consults";

impl ConsultRow {
    fn into_domain(self) -> Result<Consult> {
        Ok(Consult {
            id: self.id.into(),
            case_id: self.case_id.into(),
            interaction_id: self.interaction_id.map(Into::into),
            team_id: self.team_id.into(),
            question: self.question,
            status: ConsultStatus::parse("status", &self.status)
                .map_err(|e| DomainError::Store(e.to_string()))?,
            requested_by: self.requested_by.into(),
            requested_at: micros_to_ts(self.requested_at),
            picked_by: self.picked_by.map(Into::into),
            picked_at: self.picked_at.map(micros_to_ts),
            answer: self.answer,
            answered_at: self.answered_at.map(micros_to_ts),
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    id: Uuid,
    requested_by_name: String,
    case_title: String,
    account_id: Uuid,
    account_number: String,
    account_name: String,
    contact_state: Option<String>,
    contact_started_at: Option<i64>,
}

#[async_trait]
impl ConsultStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn consult_contexts(
        &self,
        ids: &[ConsultId],
    ) -> Result<Vec<extramile_domain::consults::ConsultContext>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const HEAD: &str = "SELECT c.id, s.name AS requested_by_name, k.title AS case_title, a.id AS account_id, \
            a.number AS account_number, a.name AS account_name, i.state AS contact_state, i.started_at AS contact_started_at \
            FROM consults c JOIN cases k ON k.id = c.case_id JOIN accounts a ON a.id = k.account_id \
            JOIN staff_users s ON s.id = c.requested_by LEFT JOIN interactions i ON i.id = c.interaction_id WHERE c.id IN (";
        let rows: Vec<ContextRow> = read!(&self.db, p => {
            let mut q = sqlx::QueryBuilder::new(HEAD);
            let mut list = q.separated(", ");
            for id in ids.iter().take(500) {
                list.push_bind(id.0);
            }
            q.push(")");
            q.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| extramile_domain::consults::ConsultContext {
                consult_id: r.id.into(),
                requested_by_name: r.requested_by_name,
                case_title: r.case_title,
                account_id: r.account_id.into(),
                account_number: r.account_number,
                account_name: r.account_name,
                contact_state: r.contact_state,
                contact_started_at: r.contact_started_at.map(micros_to_ts),
            })
            .collect())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_consult(&self, c: &Consult, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO consults (id, case_id, interaction_id, team_id, question, status, requested_by, requested_at, picked_by, picked_at, answer, answered_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                .bind(c.id.0).bind(c.case_id.0).bind(c.interaction_id.map(|i| i.0)).bind(c.team_id.0).bind(c.question.as_str())
                .bind(c.status.as_str()).bind(c.requested_by.0).bind(ts_to_micros(c.requested_at)).bind(c.picked_by.map(|s| s.0))
                .bind(c.picked_at.map(ts_to_micros)).bind(c.answer.as_deref()).bind(c.answered_at.map(ts_to_micros)).bind(c.version)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn consult(&self, id: ConsultId) -> Result<Option<Consult>> {
        let row: Option<ConsultRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLS} WHERE id = $1"))).bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(ConsultRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_consult(&self, c: &Consult, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE consults SET status = $1, picked_by = $2, picked_at = $3, answer = $4, answered_at = $5, version = $6 WHERE id = $7 AND version = $8")
                .bind(c.status.as_str()).bind(c.picked_by.map(|s| s.0)).bind(c.picked_at.map(ts_to_micros)).bind(c.answer.as_deref())
                .bind(c.answered_at.map(ts_to_micros)).bind(c.version).bind(c.id.0).bind(c.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("consult"));
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn consults_ahead(&self, c: &Consult) -> Result<i64> {
        read!(&self.db, p => sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM consults WHERE team_id = $1 AND status = 'waiting' AND (requested_at < $2 OR (requested_at = $2 AND id < $3))")
            .bind(c.team_id.0).bind(ts_to_micros(c.requested_at)).bind(c.id.0).fetch_one(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn waiting_consults(&self, team: TeamId) -> Result<Vec<Consult>> {
        let rows: Vec<ConsultRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLS} WHERE team_id = $1 AND status = 'waiting' ORDER BY requested_at, id LIMIT 500"))).bind(team.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ConsultRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn append_event(&self, ev: &InteractionEvent, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(ev.id.0).bind(ev.interaction_id.0).bind(ts_to_micros(ev.at)).bind(ev.kind.as_str()).bind(ev.actor_name.as_str()).bind(ev.detail.as_str())
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn case_consults(&self, case: CaseId) -> Result<Vec<Consult>> {
        let rows: Vec<ConsultRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLS} WHERE case_id = $1 ORDER BY requested_at, id LIMIT 200"))).bind(case.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ConsultRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn picked_consults(&self, staff: StaffId) -> Result<Vec<Consult>> {
        let rows: Vec<ConsultRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLS} WHERE picked_by = $1 AND status IN ('picked_up', 'joined') ORDER BY requested_at, id LIMIT 200"))).bind(staff.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ConsultRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn interaction_consults(&self, interaction: InteractionId) -> Result<Vec<Consult>> {
        let rows: Vec<ConsultRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLS} WHERE interaction_id = $1 ORDER BY requested_at, id LIMIT 200"))).bind(interaction.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ConsultRow::into_domain).collect()
    }
}
