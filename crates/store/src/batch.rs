//! Group commit for the hottest inserts on SQLite: new interactions and new
//! cases. SQLite has one writer; each transaction costs a WAL append, lock
//! calls and a thread hand-off per statement. Concurrent creates are queued
//! to one task that writes everything waiting in one transaction with one
//! multi-row INSERT per table, then answers each caller. Under light load a
//! batch is one create and nothing waits longer; if a batch fails, each of
//! its creates is retried on its own so one bad row fails only its caller.

use crate::db_err;
use extramile_domain::audit::AuditEvent;
use extramile_domain::cases::Case;
use extramile_domain::ids::InteractionId;
use extramile_domain::interactions::{Interaction, InteractionEvent, Participant};
use extramile_domain::time::ts_to_micros;
use extramile_domain::{DomainError, Result};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// The most creates written in one transaction.
const MAX_BATCH: usize = 128;

pub(crate) enum Create {
    Interaction {
        i: Box<Interaction>,
        participants: Vec<Participant>,
        events: Vec<InteractionEvent>,
        audit: Vec<AuditEvent>,
    },
    Case {
        c: Box<Case>,
        interaction: Option<InteractionId>,
        audit: Box<AuditEvent>,
    },
}

type Job = (Create, oneshot::Sender<Result<()>>);

pub(crate) struct Batcher {
    tx: mpsc::UnboundedSender<Job>,
}

impl Batcher {
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, rx));
        Self { tx }
    }

    pub(crate) async fn write(&self, c: Create) -> Result<()> {
        let (done, answer) = oneshot::channel();
        self.tx
            .send((c, done))
            .map_err(|_| DomainError::Store("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| DomainError::Store("the writer has stopped".into()))?
    }
}

async fn run(pool: SqlitePool, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let creates: Vec<&Create> = jobs.iter().map(|(c, _)| c).collect();
        match flush(&pool, &creates).await {
            Ok(()) => {
                for (_, done) in jobs {
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some((_, done)) = jobs.pop() {
                    let _ = done.send(Err(e));
                }
            }
            Err(_) => {
                for (c, done) in jobs {
                    let _ = done.send(flush(&pool, &[&c]).await);
                }
            }
        }
    }
}

async fn flush(pool: &SqlitePool, creates: &[&Create]) -> Result<()> {
    let mut interactions = Vec::new();
    let mut participants = Vec::new();
    let mut events = Vec::new();
    let mut cases = Vec::new();
    let mut links = Vec::new();
    let mut audit = Vec::new();
    for c in creates {
        match c {
            Create::Interaction {
                i,
                participants: p,
                events: e,
                audit: a,
            } => {
                interactions.push(&**i);
                participants.extend(p);
                events.extend(e);
                audit.extend(a);
            }
            Create::Case {
                c,
                interaction,
                audit: a,
            } => {
                cases.push(&**c);
                if let Some(i) = interaction {
                    links.push((c.id, *i, c.opened_at));
                }
                audit.push(&**a);
            }
        }
    }
    let mut tx = pool.begin().await.map_err(db_err)?;
    if !interactions.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO interactions (id, channel, state, account_id, owner_id, subject, started_at, answered_at, ended_at, outcome, disposition, wrap_notes, transfers, version) ",
        );
        q.push_values(&interactions, |mut b, i| {
            b.push_bind(i.id.0)
                .push_bind(i.channel.as_str())
                .push_bind(i.state.as_str())
                .push_bind(i.account_id.map(|x| x.0))
                .push_bind(i.owner_id.map(|x| x.0))
                .push_bind(i.subject.as_deref())
                .push_bind(ts_to_micros(i.started_at))
                .push_bind(i.answered_at.map(ts_to_micros))
                .push_bind(i.ended_at.map(ts_to_micros))
                .push_bind(i.outcome.as_deref())
                .push_bind(i.disposition.as_deref())
                .push_bind(i.wrap_notes.as_deref())
                .push_bind(i.transfers)
                .push_bind(i.version);
        });
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    if !participants.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO interaction_participants (id, interaction_id, person_id, staff_id, role, display_name, joined_at, left_at) ",
        );
        q.push_values(&participants, |mut b, p| {
            b.push_bind(p.id.0)
                .push_bind(p.interaction_id.0)
                .push_bind(p.person_id.map(|x| x.0))
                .push_bind(p.staff_id.map(|x| x.0))
                .push_bind(p.role.as_str())
                .push_bind(p.display_name.as_str())
                .push_bind(ts_to_micros(p.joined_at))
                .push_bind(p.left_at.map(ts_to_micros));
        });
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    if !events.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO interaction_events (id, interaction_id, at, kind, actor_name, detail) ",
        );
        q.push_values(&events, |mut b, e| {
            b.push_bind(e.id.0)
                .push_bind(e.interaction_id.0)
                .push_bind(ts_to_micros(e.at))
                .push_bind(e.kind.as_str())
                .push_bind(e.actor_name.as_str())
                .push_bind(e.detail.as_str());
        });
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    if !cases.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO cases (id, account_id, owner_id, status, priority, category, title, description, opened_at, first_response_at, resolved_at, confirmed_by_customer, resolution_note, escalated_to, escalation_note, handovers, version, resolution_due) ",
        );
        q.push_values(&cases, |mut b, c| {
            b.push_bind(c.id.0)
                .push_bind(c.account_id.0)
                .push_bind(c.owner_id.0)
                .push_bind(c.status.as_str())
                .push_bind(c.priority.as_str())
                .push_bind(c.category.as_str())
                .push_bind(c.title.as_str())
                .push_bind(c.description.as_deref())
                .push_bind(ts_to_micros(c.opened_at))
                .push_bind(c.first_response_at.map(ts_to_micros))
                .push_bind(c.resolved_at.map(ts_to_micros))
                .push_bind(c.confirmed_by_customer)
                .push_bind(c.resolution_note.as_deref())
                .push_bind(c.escalated_to.map(|t| t.0))
                .push_bind(c.escalation_note.as_deref())
                .push_bind(c.handovers)
                .push_bind(c.version)
                .push_bind(crate::cases::due(c));
        });
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    if !links.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO case_interactions (case_id, interaction_id, linked_at) ",
        );
        q.push_values(&links, |mut b, (c, i, at)| {
            b.push_bind(c.0).push_bind(i.0).push_bind(ts_to_micros(*at));
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    if !audit.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO audit_events (id, at, actor_id, actor_name, action, entity_type, entity_id, account_id, summary, reason, before_json, after_json) ",
        );
        q.push_values(&audit, |mut b, ev| {
            b.push_bind(ev.id.0)
                .push_bind(ts_to_micros(ev.at))
                .push_bind(ev.actor_id.map(|a| a.0))
                .push_bind(ev.actor_name.as_str())
                .push_bind(ev.action.as_str())
                .push_bind(ev.entity_type.as_str())
                .push_bind(ev.entity_id)
                .push_bind(ev.account_id.map(|a| a.0))
                .push_bind(ev.summary.as_str())
                .push_bind(ev.reason.as_deref())
                .push_bind(ev.before.as_ref().map(|v| v.to_string()))
                .push_bind(ev.after.as_ref().map(|v| v.to_string()));
        });
        q.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)
}
