//! Interactions, their participants, timeline and verifications.

use crate::audit::insert_audit;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::ids::*;
use extramile_domain::interactions::state::InteractionState;
use extramile_domain::interactions::*;
use extramile_domain::store::InteractionStore;
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use jiff::Timestamp;
use uuid::Uuid;

fn corrupt(e: DomainError) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

#[derive(sqlx::FromRow)]
struct InteractionRow {
    id: Uuid,
    channel: String,
    state: String,
    account_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    subject: Option<String>,
    started_at: i64,
    answered_at: Option<i64>,
    ended_at: Option<i64>,
    outcome: Option<String>,
    disposition: Option<String>,
    wrap_notes: Option<String>,
    transfers: i64,
    pending_transfer_to: Option<Uuid>,
    pending_transfer_note: Option<String>,
    version: i64,
}

const INTERACTION_SELECT: &str = "SELECT id, channel, state, account_id, owner_id, subject, started_at, answered_at, ended_at, outcome, disposition, wrap_notes, transfers, pending_transfer_to, pending_transfer_note, version FROM interactions WHERE id = $1";

const INTERACTION_COLS: &str = "i.id, i.channel, i.state, i.account_id, i.owner_id, i.subject, i.started_at, i.answered_at, i.ended_at, i.outcome, i.disposition, i.wrap_notes, i.transfers, i.pending_transfer_to, i.pending_transfer_note, i.version";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    i: InteractionRow,
    account_number: Option<String>,
    account_name: Option<String>,
    offered_to_me: bool,
}

impl InteractionRow {
    fn into_domain(self) -> Result<Interaction> {
        Ok(Interaction {
            id: self.id.into(),
            channel: Channel::parse("channel", &self.channel).map_err(corrupt)?,
            state: InteractionState::parse("state", &self.state).map_err(corrupt)?,
            account_id: self.account_id.map(Into::into),
            owner_id: self.owner_id.map(Into::into),
            subject: self.subject,
            started_at: micros_to_ts(self.started_at),
            answered_at: self.answered_at.map(micros_to_ts),
            ended_at: self.ended_at.map(micros_to_ts),
            outcome: self.outcome,
            disposition: self.disposition,
            wrap_notes: self.wrap_notes,
            transfers: self.transfers,
            pending_transfer_to: self.pending_transfer_to.map(Into::into),
            pending_transfer_note: self.pending_transfer_note,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    id: Uuid,
    interaction_id: Uuid,
    person_id: Option<Uuid>,
    staff_id: Option<Uuid>,
    role: String,
    display_name: String,
    joined_at: i64,
    left_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    interaction_id: Uuid,
    at: i64,
    kind: String,
    actor_name: String,
    detail: String,
}

#[derive(sqlx::FromRow)]
struct VerificationRow {
    id: Uuid,
    interaction_id: Uuid,
    person_id: Uuid,
    method: String,
    verified_by: Option<Uuid>,
    verified_by_name: String,
    at: i64,
}

macro_rules! insert_event {
    ($conn:expr, $e:expr) => {{
        let e: &InteractionEvent = $e;
        sqlx::query("INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(e.id.0).bind(e.interaction_id.0).bind(ts_to_micros(e.at)).bind(e.kind.as_str())
            .bind(e.actor_name.as_str()).bind(e.detail.as_str())
            .execute($conn).await.map(|_| ()).map_err(db_err)
    }};
}

macro_rules! insert_participant {
    ($conn:expr, $p:expr) => {{
        let p: &Participant = $p;
        sqlx::query("INSERT INTO interaction_participants (id, interaction_id, person_id, staff_id, role, display_name, joined_at, left_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(p.id.0).bind(p.interaction_id.0).bind(p.person_id.map(|x| x.0)).bind(p.staff_id.map(|x| x.0))
            .bind(p.role.as_str()).bind(p.display_name.as_str()).bind(ts_to_micros(p.joined_at)).bind(p.left_at.map(ts_to_micros))
            .execute($conn).await.map(|_| ()).map_err(db_err)
    }};
}

#[async_trait]
impl InteractionStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_interaction(
        &self,
        i: &Interaction,
        participants: &[Participant],
        events: &[InteractionEvent],
        audit: &[AuditEvent],
    ) -> Result<()> {
        if let Some(b) = &self.creates {
            return b
                .write(crate::batch::Create::Interaction {
                    i: Box::new(i.clone()),
                    participants: participants.to_vec(),
                    events: events.to_vec(),
                    audit: audit.to_vec(),
                })
                .await;
        }
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO interactions (id, channel, state, account_id, owner_id, subject, started_at, answered_at, ended_at, outcome, disposition, wrap_notes, transfers, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                .bind(i.id.0).bind(i.channel.as_str()).bind(i.state.as_str()).bind(i.account_id.map(|x| x.0)).bind(i.owner_id.map(|x| x.0))
                .bind(i.subject.as_deref()).bind(ts_to_micros(i.started_at)).bind(i.answered_at.map(ts_to_micros)).bind(i.ended_at.map(ts_to_micros))
                .bind(i.outcome.as_deref()).bind(i.disposition.as_deref()).bind(i.wrap_notes.as_deref()).bind(i.transfers).bind(i.version)
                .execute(&mut *tx).await.map_err(db_err)?;
            for p in participants {
                insert_participant!(&mut *tx, p)?;
            }
            for e in events {
                insert_event!(&mut *tx, e)?;
            }
            for a in audit {
                insert_audit!(&mut *tx, a)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn interaction_view(&self, id: InteractionId) -> Result<Option<InteractionView>> {
        let iid = id.0;
        let (row, participants, events, verifications) = read!(&self.db, p => async {
            let row: Option<InteractionRow> = sqlx::query_as(INTERACTION_SELECT).bind(iid).fetch_optional(p).await?;
            let participants: Vec<ParticipantRow> = sqlx::query_as("SELECT id, interaction_id, person_id, staff_id, role, display_name, joined_at, left_at FROM interaction_participants WHERE interaction_id = $1 ORDER BY id")
                .bind(iid).fetch_all(p).await?;
            let events: Vec<EventRow> = sqlx::query_as("SELECT id, interaction_id, at, kind, actor_name, detail FROM interaction_events WHERE interaction_id = $1 ORDER BY id")
                .bind(iid).fetch_all(p).await?;
            let verifications: Vec<VerificationRow> = sqlx::query_as("SELECT id, interaction_id, person_id, method, verified_by, verified_by_name, at FROM verifications WHERE interaction_id = $1 ORDER BY id")
                .bind(iid).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((row, participants, events, verifications))
        }.await).map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(InteractionView {
            interaction: row.into_domain()?,
            participants: participants
                .into_iter()
                .map(|r| {
                    Ok(Participant {
                        id: r.id.into(),
                        interaction_id: r.interaction_id.into(),
                        person_id: r.person_id.map(Into::into),
                        staff_id: r.staff_id.map(Into::into),
                        role: ParticipantRole::parse("role", &r.role).map_err(corrupt)?,
                        display_name: r.display_name,
                        joined_at: micros_to_ts(r.joined_at),
                        left_at: r.left_at.map(micros_to_ts),
                    })
                })
                .collect::<Result<_>>()?,
            verifications: verifications
                .into_iter()
                .map(|r| {
                    Ok(Verification {
                        id: r.id.into(),
                        interaction_id: r.interaction_id.into(),
                        person_id: r.person_id.into(),
                        method: VerificationMethod::parse("method", &r.method).map_err(corrupt)?,
                        verified_by: r.verified_by.map(Into::into),
                        verified_by_name: r.verified_by_name,
                        at: micros_to_ts(r.at),
                    })
                })
                .collect::<Result<_>>()?,
            events: events
                .into_iter()
                .map(|r| InteractionEvent {
                    id: r.id.into(),
                    interaction_id: r.interaction_id.into(),
                    at: micros_to_ts(r.at),
                    kind: r.kind,
                    actor_name: r.actor_name,
                    detail: r.detail,
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_interaction(
        &self,
        i: &Interaction,
        join: Option<&Participant>,
        events: &[InteractionEvent],
        audit: &[AuditEvent],
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE interactions SET state = $1, owner_id = $2, answered_at = $3, ended_at = $4, outcome = $5, disposition = $6, wrap_notes = $7, transfers = $8, pending_transfer_to = $9, pending_transfer_note = $10, version = $11 WHERE id = $12 AND version = $13")
                .bind(i.state.as_str()).bind(i.owner_id.map(|x| x.0)).bind(i.answered_at.map(ts_to_micros)).bind(i.ended_at.map(ts_to_micros))
                .bind(i.outcome.as_deref()).bind(i.disposition.as_deref()).bind(i.wrap_notes.as_deref()).bind(i.transfers)
                .bind(i.pending_transfer_to.map(|x| x.0))
                .bind(i.pending_transfer_note.as_deref())
                .bind(i.version).bind(i.id.0).bind(i.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("interaction"));
            }
            if let Some(p) = join {
                insert_participant!(&mut *tx, p)?;
            }
            if i.state != InteractionState::Queued {
                // Out of its queue without being routed: no longer waiting.
                let at = events.first().map_or(0, |e| ts_to_micros(e.at));
                sqlx::query("UPDATE queue_entries SET left_at = $1 WHERE interaction_id = $2 AND offered_to IS NULL AND left_at IS NULL")
                    .bind(at).bind(i.id.0).execute(&mut *tx).await.map_err(db_err)?;
            }
            for e in events {
                insert_event!(&mut *tx, e)?;
            }
            for a in audit {
                insert_audit!(&mut *tx, a)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn transfer(
        &self,
        i: &Interaction,
        join: Option<&Participant>,
        leave: Option<ParticipantId>,
        events: &[InteractionEvent],
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE interactions SET owner_id = $1, transfers = $2, pending_transfer_to = $3, pending_transfer_note = $4, version = $5 WHERE id = $6 AND version = $7")
                .bind(i.owner_id.map(|x| x.0)).bind(i.transfers).bind(i.pending_transfer_to.map(|x| x.0)).bind(i.pending_transfer_note.as_deref())
                .bind(i.version).bind(i.id.0).bind(i.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(crate::customers::stale("interaction"));
            }
            if let Some(p) = join {
                insert_participant!(&mut *tx, p)?;
            }
            if let Some(id) = leave {
                sqlx::query("UPDATE interaction_participants SET left_at = $1 WHERE id = $2 AND left_at IS NULL")
                    .bind(ts_to_micros(extramile_domain::time::now())).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            }
            for e in events {
                insert_event!(&mut *tx, e)?;
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_participant(
        &self,
        p: &Participant,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_participant!(&mut *tx, p)?;
            insert_event!(&mut *tx, ev)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn end_participant(
        &self,
        id: ParticipantId,
        at: Timestamp,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE interaction_participants SET left_at = $1 WHERE id = $2 AND left_at IS NULL")
                .bind(ts_to_micros(at)).bind(id.0).execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(DomainError::Conflict("this participant has already left".into()));
            }
            insert_event!(&mut *tx, ev)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_verification(
        &self,
        v: &Verification,
        ev: &InteractionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO verifications (id, interaction_id, person_id, method, verified_by, verified_by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(v.id.0).bind(v.interaction_id.0).bind(v.person_id.0).bind(v.method.as_str())
                .bind(v.verified_by.map(|x| x.0)).bind(v.verified_by_name.as_str()).bind(ts_to_micros(v.at))
                .execute(&mut *tx).await.map_err(|e| match db_err(e) {
                    DomainError::Conflict(_) => DomainError::Conflict("this person is already verified on this interaction".into()),
                    other => other,
                })?;
            insert_event!(&mut *tx, ev)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn staff_interactions(&self, staff: StaffId) -> Result<Vec<InteractionSummary>> {
        let sql = format!(
            "SELECT {INTERACTION_COLS}, a.number AS account_number, a.name AS account_name, \
            COALESCE(q.offered_to = $1 AND i.state IN ('offered', 'queued'), FALSE) AS offered_to_me \
            FROM interactions i LEFT JOIN accounts a ON a.id = i.account_id LEFT JOIN queue_entries q ON q.interaction_id = i.id \
            WHERE i.state <> 'ended' AND i.id IN ( \
              SELECT id FROM interactions WHERE owner_id = $1 AND state <> 'ended' \
              UNION SELECT id FROM interactions WHERE pending_transfer_to = $1 \
              UNION SELECT interaction_id FROM interaction_participants WHERE staff_id = $1 AND left_at IS NULL \
              UNION SELECT interaction_id FROM queue_entries WHERE offered_to = $1) \
            ORDER BY i.started_at, i.id LIMIT 200"
        );
        let rows: Vec<SummaryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(staff.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(InteractionSummary {
                    interaction: r.i.into_domain()?,
                    account_number: r.account_number,
                    account_name: r.account_name,
                    offered_to_me: r.offered_to_me,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_interactions(
        &self,
        account: AccountId,
        limit: u32,
    ) -> Result<Vec<Interaction>> {
        let sql = format!(
            "SELECT {INTERACTION_COLS} FROM interactions i WHERE i.account_id = $1 ORDER BY i.id DESC LIMIT $2"
        );
        let rows: Vec<InteractionRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(account.0).bind(i64::from(limit)).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(InteractionRow::into_domain).collect()
    }
}
