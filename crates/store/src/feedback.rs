//! Surveys and compliments.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::feedback::*;
use extramile_domain::ids::*;
use extramile_domain::store::FeedbackStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

/// Surveys made per sweep (the next sweep makes the rest).
const SWEEP_BATCH: i64 = 1000;

const SURVEY_COLS: &str = "s.id, s.account_id, s.interaction_id, s.case_id, s.created_at, s.expires_at, s.answered_at, s.rating, s.comment";

type SurveyRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    Option<Uuid>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn survey_of(r: SurveyRow, staff: Vec<StaffId>) -> Survey {
    Survey {
        id: SurveyId(r.0),
        account_id: AccountId(r.1),
        interaction_id: r.2.map(InteractionId),
        case_id: r.3.map(CaseId),
        created_at: micros_to_ts(r.4),
        expires_at: micros_to_ts(r.5),
        answered_at: r.6.map(micros_to_ts),
        rating: r.7,
        comment: r.8,
        staff,
    }
}

type KudosRow = (
    Uuid,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<Uuid>,
    bool,
    Uuid,
    i64,
    Option<Uuid>,
    Option<i64>,
);
const KUDOS_COLS: &str = "k.id, k.kind, k.source, k.link, k.words, k.on_date, k.account_id, k.to_company, k.recorded_by, k.recorded_at, k.confirmed_by, k.confirmed_at";

impl SqlStore {
    async fn survey_staff(&self, id: Uuid) -> Result<Vec<StaffId>> {
        let rows: Vec<(Uuid,)> = read!(&self.db, p => sqlx::query_as("SELECT staff_id FROM survey_staff WHERE survey_id = $1 ORDER BY staff_id")
            .bind(id).fetch_all(p).await).map_err(db_err)?;
        Ok(rows.into_iter().map(|r| StaffId(r.0)).collect())
    }

    async fn kudos_of(&self, rows: Vec<KudosRow>) -> Result<Vec<Kudos>> {
        let mut out = Vec::with_capacity(rows.len());
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        // Who each is credited to, in one query.
        let mut credited: Vec<(Uuid, Uuid, String)> = Vec::new();
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|_| "?").collect::<Vec<_>>();
            let mut sql = String::from(
                "SELECT ks.kudos_id, ks.staff_id, u.name FROM kudos_staff ks JOIN staff_users u ON u.id = ks.staff_id WHERE ks.kudos_id IN (",
            );
            for (n, _) in list.iter().enumerate() {
                if n > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", n + 1));
            }
            sql.push_str(") ORDER BY u.name");
            let got: Vec<(Uuid, Uuid, String)> = read!(&self.db, p => {
                let mut q = sqlx::query_as::<_, (Uuid, Uuid, String)>(AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })
            .map_err(db_err)?;
            credited.extend(got);
        }
        for r in rows {
            let mine: Vec<&(Uuid, Uuid, String)> = credited.iter().filter(|c| c.0 == r.0).collect();
            out.push(Kudos {
                id: KudosId(r.0),
                kind: KudosKind::parse("kind", &r.1)?,
                source: KudosSource::parse("source", &r.2)?,
                link: r.3,
                words: r.4,
                on: r
                    .5
                    .parse()
                    .map_err(|_| extramile_domain::DomainError::Store("stored date".into()))?,
                account_id: r.6.map(AccountId),
                to_company: r.7,
                staff: mine.iter().map(|c| StaffId(c.1)).collect(),
                staff_names: mine.iter().map(|c| c.2.clone()).collect(),
                recorded_by: StaffId(r.8),
                recorded_at: micros_to_ts(r.9),
                confirmed_by: r.10.map(StaffId),
                confirmed_at: r.11.map(micros_to_ts),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl FeedbackStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn survey_key(&self, new: &str) -> Result<String> {
        if let Some(k) = self.meta("survey_key").await? {
            return Ok(k);
        }
        write!(&self.db, p => sqlx::query("INSERT INTO meta (key, value) VALUES ('survey_key', $1) ON CONFLICT (key) DO NOTHING")
            .bind(new).execute(p).await.map(|_| ())).map_err(db_err)?;
        // Whoever wrote first: read it back on the writer.
        let k: Option<String> = write!(&self.db, p => sqlx::query_scalar("SELECT value FROM meta WHERE key = 'survey_key'")
            .fetch_optional(p).await).map_err(db_err)?;
        k.ok_or_else(|| extramile_domain::DomainError::Store("survey key missing".into()))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_surveys(
        &self,
        since: Timestamp,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<u64> {
        let (a, b) = (ts_to_micros(since), ts_to_micros(now));
        let cases: Vec<(Uuid, Uuid, Uuid)> = read!(&self.db, p => sqlx::query_as(
            "SELECT c.id, c.account_id, c.owner_id FROM cases c WHERE c.resolved_at >= $1 AND c.resolved_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.case_id = c.id) ORDER BY c.resolved_at LIMIT $3")
            .bind(a).bind(b).bind(SWEEP_BATCH).fetch_all(p).await).map_err(db_err)?;
        let contacts: Vec<(Uuid, Uuid, Option<Uuid>)> = read!(&self.db, p => sqlx::query_as(
            "SELECT i.id, i.account_id, i.owner_id FROM interactions i WHERE i.ended_at >= $1 AND i.ended_at < $2 \
             AND i.account_id IS NOT NULL AND i.answered_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM case_interactions ci WHERE ci.interaction_id = i.id) \
             AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.interaction_id = i.id AND s.case_id IS NULL) ORDER BY i.ended_at LIMIT $3")
            .bind(a).bind(b).bind(SWEEP_BATCH).fetch_all(p).await).map_err(db_err)?;
        let mut made = 0;
        for (case, account, owner) in cases {
            let staff: Vec<(Uuid,)> = read!(&self.db, p => sqlx::query_as(
                "SELECT DISTINCT pa.staff_id FROM interaction_participants pa JOIN case_interactions ci ON ci.interaction_id = pa.interaction_id \
                 WHERE ci.case_id = $1 AND pa.staff_id IS NOT NULL")
                .bind(case).fetch_all(p).await).map_err(db_err)?;
            let mut ids: Vec<Uuid> = staff.into_iter().map(|r| r.0).collect();
            ids.push(owner);
            made += self
                .insert_survey(account, None, Some(case), ids, b, ts_to_micros(expires))
                .await?;
        }
        for (interaction, account, owner) in contacts {
            let staff: Vec<(Uuid,)> = read!(&self.db, p => sqlx::query_as(
                "SELECT DISTINCT staff_id FROM interaction_participants WHERE interaction_id = $1 AND staff_id IS NOT NULL")
                .bind(interaction).fetch_all(p).await).map_err(db_err)?;
            let mut ids: Vec<Uuid> = staff.into_iter().map(|r| r.0).collect();
            ids.extend(owner);
            made += self
                .insert_survey(
                    account,
                    Some(interaction),
                    None,
                    ids,
                    b,
                    ts_to_micros(expires),
                )
                .await?;
        }
        Ok(made)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn survey(&self, id: SurveyId) -> Result<Option<Survey>> {
        let row: Option<SurveyRow> = write!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {SURVEY_COLS} FROM surveys s WHERE s.id = $1")))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        match row {
            Some(r) => {
                let staff = self.survey_staff(r.0).await?;
                Ok(Some(survey_of(r, staff)))
            }
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn survey_for(
        &self,
        interaction: Option<InteractionId>,
        case: Option<CaseId>,
    ) -> Result<Option<Survey>> {
        let row: Option<SurveyRow> = match (case, interaction) {
            (Some(c), _) => read!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {SURVEY_COLS} FROM surveys s WHERE s.case_id = $1")))
                .bind(c.0).fetch_optional(p).await),
            (None, Some(i)) => read!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {SURVEY_COLS} FROM surveys s WHERE s.interaction_id = $1 AND s.case_id IS NULL")))
                .bind(i.0).fetch_optional(p).await),
            (None, None) => Ok(None),
        }
        .map_err(db_err)?;
        match row {
            Some(r) => {
                let staff = self.survey_staff(r.0).await?;
                Ok(Some(survey_of(r, staff)))
            }
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn answer_survey(
        &self,
        id: SurveyId,
        rating: i64,
        comment: Option<&str>,
        at: Timestamp,
    ) -> Result<bool> {
        let n = write!(&self.db, p => sqlx::query("UPDATE surveys SET rating = $1, comment = $2, answered_at = $3 WHERE id = $4 AND answered_at IS NULL AND expires_at > $3")
            .bind(rating).bind(comment).bind(ts_to_micros(at)).bind(id.0).execute(p).await.map(|r| r.rows_affected()))
        .map_err(db_err)?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn staff_ratings(&self, staff: StaffId, limit: u32) -> Result<(i64, i64, Vec<Survey>)> {
        let (n, sum): (i64, i64) = read!(&self.db, p => sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(s.rating), 0) AS BIGINT) FROM surveys s JOIN survey_staff ss ON ss.survey_id = s.id WHERE ss.staff_id = $1 AND s.answered_at IS NOT NULL")
            .bind(staff.0).fetch_one(p).await).map_err(db_err)?;
        let rows: Vec<SurveyRow> = read!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SURVEY_COLS} FROM surveys s JOIN survey_staff ss ON ss.survey_id = s.id WHERE ss.staff_id = $1 AND s.answered_at IS NOT NULL ORDER BY s.answered_at DESC LIMIT $2")))
            .bind(staff.0).bind(i64::from(limit)).fetch_all(p).await).map_err(db_err)?;
        Ok((
            n,
            sum,
            rows.into_iter()
                .map(|r| survey_of(r, vec![staff]))
                .collect(),
        ))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_kudos(&self, k: &Kudos, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO kudos (id, kind, source, link, words, on_date, account_id, to_company, recorded_by, recorded_at, confirmed_by, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)")
                .bind(k.id.0).bind(k.kind.as_str()).bind(k.source.as_str()).bind(k.link.as_deref()).bind(k.words.as_str()).bind(k.on.to_string())
                .bind(k.account_id.map(|a| a.0)).bind(k.to_company).bind(k.recorded_by.0).bind(ts_to_micros(k.recorded_at))
                .execute(&mut *tx).await.map_err(db_err)?;
            for s in &k.staff {
                sqlx::query("INSERT INTO kudos_staff (kudos_id, staff_id) VALUES ($1, $2)")
                    .bind(k.id.0).bind(s.0).execute(&mut *tx).await.map_err(db_err)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn kudos(&self, id: KudosId) -> Result<Option<Kudos>> {
        let rows: Vec<KudosRow> = write!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!("SELECT {KUDOS_COLS} FROM kudos k WHERE k.id = $1")))
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        Ok(self.kudos_of(rows).await?.pop())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn kudos_list(
        &self,
        staff: Option<StaffId>,
        confirmed_only: bool,
        limit: u32,
    ) -> Result<Vec<Kudos>> {
        let confirmed = if confirmed_only {
            " AND k.confirmed_at IS NOT NULL"
        } else {
            ""
        };
        let rows: Vec<KudosRow> = match staff {
            Some(s) => read!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {KUDOS_COLS} FROM kudos k JOIN kudos_staff ks ON ks.kudos_id = k.id WHERE ks.staff_id = $1{confirmed} ORDER BY k.recorded_at DESC LIMIT $2")))
                .bind(s.0).bind(i64::from(limit)).fetch_all(p).await),
            None => read!(&self.db, p => sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {KUDOS_COLS} FROM kudos k WHERE TRUE{confirmed} ORDER BY k.recorded_at DESC LIMIT $1")))
                .bind(i64::from(limit)).fetch_all(p).await),
        }
        .map_err(db_err)?;
        self.kudos_of(rows).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn confirm_kudos(
        &self,
        id: KudosId,
        by: StaffId,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<bool> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query("UPDATE kudos SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3 AND confirmed_at IS NULL")
                .bind(by.0).bind(ts_to_micros(at)).bind(id.0).execute(&mut *tx).await.map_err(db_err)?.rows_affected();
            if n == 1 {
                insert_audit!(&mut *tx, audit)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(n == 1)
        })
    }
}

impl SqlStore {
    /// One survey and who it credits, in one transaction; 0 when one exists.
    async fn insert_survey(
        &self,
        account: Uuid,
        interaction: Option<Uuid>,
        case: Option<Uuid>,
        mut staff: Vec<Uuid>,
        now: i64,
        expires: i64,
    ) -> Result<u64> {
        staff.sort();
        staff.dedup();
        let id = Uuid::now_v7();
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query("INSERT INTO surveys (id, account_id, interaction_id, case_id, created_at, expires_at, answered_at, rating, comment) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL) ON CONFLICT DO NOTHING")
                .bind(id).bind(account).bind(interaction).bind(case).bind(now).bind(expires)
                .execute(&mut *tx).await.map_err(db_err)?.rows_affected();
            if n == 1 {
                for s in &staff {
                    sqlx::query("INSERT INTO survey_staff (survey_id, staff_id) VALUES ($1, $2)")
                        .bind(id).bind(*s).execute(&mut *tx).await.map_err(db_err)?;
                }
            }
            tx.commit().await.map_err(db_err)?;
            Ok(n)
        })
    }
}
