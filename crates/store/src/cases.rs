//! Cases and their linked interactions.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::cases::Case;
use extramile_domain::cases::state::{CaseStatus, Priority};
use extramile_domain::ids::*;
use extramile_domain::store::CaseStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    account_id: Uuid,
    owner_id: Uuid,
    status: String,
    priority: String,
    category: String,
    title: String,
    description: Option<String>,
    opened_at: i64,
    first_response_at: Option<i64>,
    resolved_at: Option<i64>,
    confirmed_by_customer: bool,
    resolution_note: Option<String>,
    escalated_to: Option<Uuid>,
    escalation_note: Option<String>,
    handovers: i64,
    version: i64,
}

/// The stored resolution deadline (what My work sorts by).
pub(crate) fn due(c: &Case) -> i64 {
    ts_to_micros(extramile_domain::cases::sla_view(c, c.opened_at).resolution_due)
}

const CASE_COLS: &str = "c.id, c.account_id, c.owner_id, c.status, c.priority, c.category, c.title, c.description, c.opened_at, c.first_response_at, c.resolved_at, c.confirmed_by_customer, c.resolution_note, c.escalated_to, c.escalation_note, c.handovers, c.version";

#[derive(sqlx::FromRow)]
struct OwnedRow {
    #[sqlx(flatten)]
    c: CaseRow,
    account_number: String,
    account_name: String,
}

fn corrupt(e: DomainError) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

impl CaseRow {
    fn into_domain(self) -> Result<Case> {
        Ok(Case {
            id: self.id.into(),
            account_id: self.account_id.into(),
            owner_id: self.owner_id.into(),
            status: CaseStatus::parse("status", &self.status).map_err(corrupt)?,
            priority: Priority::parse("priority", &self.priority).map_err(corrupt)?,
            category: self.category,
            title: self.title,
            description: self.description,
            opened_at: micros_to_ts(self.opened_at),
            first_response_at: self.first_response_at.map(micros_to_ts),
            resolved_at: self.resolved_at.map(micros_to_ts),
            confirmed_by_customer: self.confirmed_by_customer,
            resolution_note: self.resolution_note,
            escalated_to: self.escalated_to.map(Into::into),
            escalation_note: self.escalation_note,
            handovers: self.handovers,
            version: self.version,
        })
    }
}

macro_rules! link {
    ($conn:expr, $case:expr, $interaction:expr) => {
        sqlx::query("INSERT INTO case_interactions (case_id, interaction_id, linked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind($case.0).bind($interaction.0).bind(ts_to_micros(extramile_domain::time::now()))
            .execute($conn).await.map(|_| ()).map_err(db_err)
    };
}

#[async_trait]
impl CaseStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_case(
        &self,
        c: &Case,
        interaction: Option<InteractionId>,
        audit: &AuditEvent,
    ) -> Result<()> {
        if let Some(b) = &self.creates {
            return b
                .write(crate::batch::Create::Case {
                    c: Box::new(c.clone()),
                    interaction,
                    audit: Box::new(audit.clone()),
                })
                .await;
        }
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO cases (id, account_id, owner_id, status, priority, category, title, description, opened_at, first_response_at, resolved_at, confirmed_by_customer, resolution_note, escalated_to, escalation_note, handovers, version, resolution_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)")
                .bind(c.id.0).bind(c.account_id.0).bind(c.owner_id.0).bind(c.status.as_str()).bind(c.priority.as_str())
                .bind(c.category.as_str()).bind(c.title.as_str()).bind(c.description.as_deref()).bind(ts_to_micros(c.opened_at))
                .bind(c.first_response_at.map(ts_to_micros)).bind(c.resolved_at.map(ts_to_micros)).bind(c.confirmed_by_customer)
                .bind(c.resolution_note.as_deref()).bind(c.escalated_to.map(|t| t.0)).bind(c.escalation_note.as_deref())
                .bind(c.handovers).bind(c.version).bind(due(c))
                .execute(&mut *tx).await.map_err(db_err)?;
            if let Some(i) = interaction {
                link!(&mut *tx, c.id, i)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn case(&self, id: CaseId) -> Result<Option<(Case, Vec<InteractionId>)>> {
        let (row, links) = read!(&self.db, p => async {
            let row: Option<CaseRow> = sqlx::query_as("SELECT id, account_id, owner_id, status, priority, category, title, description, opened_at, first_response_at, resolved_at, confirmed_by_customer, resolution_note, escalated_to, escalation_note, handovers, version FROM cases WHERE id = $1")
                .bind(id.0).fetch_optional(p).await?;
            let links: Vec<Uuid> = sqlx::query_scalar("SELECT interaction_id FROM case_interactions WHERE case_id = $1 ORDER BY linked_at, interaction_id")
                .bind(id.0).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((row, links))
        }.await).map_err(db_err)?;
        row.map(|r| {
            Ok((
                r.into_domain()?,
                links.into_iter().map(Into::into).collect(),
            ))
        })
        .transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_case(&self, c: &Case, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE cases SET owner_id = $1, status = $2, priority = $3, first_response_at = $4, resolved_at = $5, confirmed_by_customer = $6, resolution_note = $7, escalated_to = $8, escalation_note = $9, handovers = $10, version = $11, resolution_due = $12 WHERE id = $13 AND version = $14")
                .bind(c.owner_id.0).bind(c.status.as_str()).bind(c.priority.as_str()).bind(c.first_response_at.map(ts_to_micros))
                .bind(c.resolved_at.map(ts_to_micros)).bind(c.confirmed_by_customer).bind(c.resolution_note.as_deref())
                .bind(c.escalated_to.map(|t| t.0)).bind(c.escalation_note.as_deref()).bind(c.handovers)
                .bind(c.version).bind(due(c)).bind(c.id.0).bind(c.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("case"));
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_contacts_since(
        &self,
        account: AccountId,
        since: jiff::Timestamp,
    ) -> Result<Vec<extramile_domain::cases::fcr::LaterContact>> {
        let rows: Vec<(Uuid, i64, Option<Uuid>, Option<String>)> = read!(&self.db, p => sqlx::query_as(
            "SELECT i.id, i.started_at, ci.case_id, c.category FROM interactions i LEFT JOIN case_interactions ci ON ci.interaction_id = i.id LEFT JOIN cases c ON c.id = ci.case_id WHERE i.account_id = $1 AND i.started_at >= $2 ORDER BY i.id LIMIT 1000")
            .bind(account.0).bind(ts_to_micros(since)).fetch_all(p).await).map_err(db_err)?;
        let mut out: Vec<extramile_domain::cases::fcr::LaterContact> = Vec::new();
        for (id, at, case, category) in rows {
            if out.last().is_none_or(|l| l.interaction_id.0 != id) {
                out.push(extramile_domain::cases::fcr::LaterContact {
                    interaction_id: id.into(),
                    started_at: micros_to_ts(at),
                    cases: Vec::new(),
                });
            }
            if let (Some(case), Some(category), Some(last)) = (case, category, out.last_mut()) {
                last.cases.push((case.into(), category));
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn link_case_interaction(
        &self,
        case: CaseId,
        interaction: InteractionId,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            link!(&mut *tx, case, interaction)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn owner_cases(
        &self,
        staff: StaffId,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<(Case, String, String)>, i64)> {
        // Due first (breached ones are due earliest), from the owner's
        // partial index; then the count from the same index.
        let sql = format!(
            "SELECT {CASE_COLS}, a.number AS account_number, a.name AS account_name FROM cases c JOIN accounts a ON a.id = c.account_id \
            WHERE c.owner_id = $1 AND c.status NOT IN ('resolved', 'closed') ORDER BY c.resolution_due, c.id LIMIT $2 OFFSET $3"
        );
        let (rows, total): (Vec<OwnedRow>, i64) = read!(&self.db, p => async {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(staff.0).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(p).await?;
            let total = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE owner_id = $1 AND status NOT IN ('resolved', 'closed')")
                .bind(staff.0).fetch_one(p).await?;
            Ok::<_, sqlx::Error>((rows, total))
        }.await).map_err(db_err)?;
        let rows = rows
            .into_iter()
            .map(|r| Ok((r.c.into_domain()?, r.account_number, r.account_name)))
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, total))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn interaction_cases(&self, interaction: InteractionId) -> Result<Vec<Case>> {
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases c JOIN case_interactions ci ON ci.case_id = c.id WHERE ci.interaction_id = $1 ORDER BY c.id"
        );
        let rows: Vec<CaseRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(interaction.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(CaseRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_cases(&self, account: AccountId, limit: u32) -> Result<Vec<Case>> {
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases c WHERE c.account_id = $1 ORDER BY c.id DESC LIMIT $2"
        );
        let rows: Vec<CaseRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(account.0).bind(i64::from(limit)).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(CaseRow::into_domain).collect()
    }
}
