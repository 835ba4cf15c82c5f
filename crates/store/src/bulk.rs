//! Bulk loading for the demo provider, benchmarks and importers: multi-row
//! INSERTs in one transaction per batch, so a million customers load in
//! well under two minutes. Rows are assumed valid (built by domain code).

use crate::{SqlStore, db_err, write};
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::lookup::{
    address_terms, deletion_variants, is_fuzzy_term, name_pairs, name_terms,
};
use extramile_domain::customers::model::*;
use extramile_domain::time::ts_to_micros;
use std::collections::HashSet;

#[derive(Default)]
pub struct Batch {
    pub people: Vec<Person>,
    pub contacts: Vec<ContactPoint>,
    pub accounts: Vec<Account>,
    pub roles: Vec<AccountRole>,
    pub locations: Vec<ServiceLocation>,
    pub subscriptions: Vec<Subscription>,
    pub events: Vec<SubscriptionEvent>,
    pub notes: Vec<Note>,
    pub audit: Vec<AuditEvent>,
}

/// Both drivers accept at least 32,766 bound values per statement.
const MAX_BINDS: usize = 30_000;

macro_rules! bulk {
    ($tx:expr, $head:expr, $rows:expr, $cols:expr, |$b:ident, $x:ident| $push:block) => {
        bulk!($tx, $head, $rows, $cols, "", |$b, $x| $push)
    };
    ($tx:expr, $head:expr, $rows:expr, $cols:expr, $tail:expr, |$b:ident, $x:ident| $push:block) => {
        for chunk in $rows.chunks((MAX_BINDS / $cols).max(1)) {
            let mut qb = sqlx::QueryBuilder::new($head);
            qb.push_values(chunk, |mut $b, $x| $push);
            qb.push($tail);
            qb.build().execute(&mut *$tx).await.map_err(db_err)?;
        }
    };
}

impl SqlStore {
    /// Prepare for a bulk load: terms go to an unindexed staging table and
    /// the random-order contact lookup index is dropped, so the load writes
    /// in append order; `bulk_finish` builds both indexes sorted. Meant for
    /// loads into a database nobody else is writing to (demo, import).
    pub async fn bulk_begin(&self) -> Result<()> {
        let staging = match self.db {
            crate::Db::Sqlite { .. } => {
                "CREATE TABLE IF NOT EXISTS search_terms_staging (field TEXT NOT NULL, term TEXT NOT NULL, entity_id BLOB NOT NULL)"
            }
            crate::Db::Postgres(_) => {
                "CREATE UNLOGGED TABLE IF NOT EXISTS search_terms_staging (field TEXT NOT NULL, term TEXT COLLATE \"C\" NOT NULL, entity_id UUID NOT NULL)"
            }
        };
        write!(&self.db, p => async {
            sqlx::query(staging).execute(p).await?;
            sqlx::query("DROP INDEX IF EXISTS contact_points_lookup").execute(p).await?;
            Ok::<_, sqlx::Error>(())
        }.await)
        .map_err(db_err)?;
        self.staged
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Move staged terms into the index in key order, rebuild the contact
    /// lookup index, refresh statistics.
    pub async fn bulk_finish(&self) -> Result<()> {
        write!(&self.db, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("INSERT INTO search_terms (field, term, entity_id) SELECT field, term, entity_id FROM search_terms_staging WHERE true ORDER BY field, term, entity_id ON CONFLICT DO NOTHING")
                .execute(&mut *tx).await?;
            sqlx::query("DROP TABLE search_terms_staging").execute(&mut *tx).await?;
            sqlx::query("CREATE INDEX IF NOT EXISTS contact_points_lookup ON contact_points(normalized, kind)").execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        }.await).map_err(db_err)?;
        if let crate::Db::Sqlite { write, .. } = &self.db {
            // Statistics from a sample: exact counts over millions of rows
            // cost seconds and plan no better.
            sqlx::query("PRAGMA analysis_limit = 2000")
                .execute(write)
                .await
                .map_err(db_err)?;
        }
        write!(&self.db, p => async {
            sqlx::query("ANALYZE").execute(p).await?;
            Ok::<_, sqlx::Error>(())
        }.await)
        .map_err(db_err)?;
        self.staged
            .store(false, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Insert a batch in one transaction. `vocabulary` remembers the typo
    /// vocabulary already written, across batches.
    pub async fn bulk_insert(&self, b: &Batch, vocabulary: &mut HashSet<String>) -> Result<()> {
        let mut terms: Vec<(&'static str, String, uuid::Uuid)> = Vec::new();
        for p in &b.people {
            let t = name_terms(p);
            terms.extend(name_pairs(&t).into_iter().map(|x| ("p", x, p.id.0)));
            terms.extend(t.into_iter().map(|x| ("n", x, p.id.0)));
        }
        for l in &b.locations {
            terms.extend(address_terms(l).into_iter().map(|t| ("a", t, l.id.0)));
        }
        let mut variants: Vec<(String, String)> = Vec::new();
        for (_, t, _) in &terms {
            if is_fuzzy_term(t) && vocabulary.insert(t.clone()) {
                variants.extend(deletion_variants(t).into_iter().map(|v| (v, t.clone())));
            }
        }
        let staged = self.staged.load(std::sync::atomic::Ordering::Relaxed);
        let (term_insert, term_tail) = if staged {
            (
                "INSERT INTO search_terms_staging (field, term, entity_id) ",
                "",
            )
        } else {
            (
                "INSERT INTO search_terms (field, term, entity_id) ",
                " ON CONFLICT DO NOTHING",
            )
        };
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            bulk!(tx, "INSERT INTO people (id, given_name, family_name, preferred_language, created_at, version) ", b.people, 6, |q, p| {
                q.push_bind(p.id.0).push_bind(p.given_name.as_str()).push_bind(p.family_name.as_str())
                    .push_bind(p.preferred_language.as_deref()).push_bind(ts_to_micros(p.created_at)).push_bind(p.version);
            });
            bulk!(tx, "INSERT INTO contact_points (id, person_id, kind, value, normalized, label, is_primary, version) ", b.contacts, 8, |q, c| {
                q.push_bind(c.id.0).push_bind(c.person_id.0).push_bind(c.kind.as_str()).push_bind(c.value.as_str())
                    .push_bind(c.normalized.as_str()).push_bind(c.label.as_deref()).push_bind(c.is_primary).push_bind(c.version);
            });
            bulk!(tx, "INSERT INTO accounts (id, number, name, account_type, status, created_at, version) ", b.accounts, 7, |q, a| {
                q.push_bind(a.id.0).push_bind(a.number.as_str()).push_bind(a.name.as_str()).push_bind(a.account_type.as_str())
                    .push_bind(a.status.as_str()).push_bind(ts_to_micros(a.created_at)).push_bind(a.version);
            });
            bulk!(tx, "INSERT INTO account_roles (id, account_id, person_id, kind, consent_given_by, consent_given_at, consent_method, consent_note, ended_reason, ended_on, created_at, version) ", b.roles, 12, |q, r| {
                let c = r.consent.as_ref();
                q.push_bind(r.id.0).push_bind(r.account_id.0).push_bind(r.person_id.0).push_bind(r.kind.as_str())
                    .push_bind(c.map(|c| c.given_by.0)).push_bind(c.map(|c| ts_to_micros(c.given_at)))
                    .push_bind(c.map(|c| c.method.as_str())).push_bind(c.and_then(|c| c.note.as_deref()))
                    .push_bind(r.ended_reason.as_deref()).push_bind(r.ended_on.map(|d| d.to_string()))
                    .push_bind(ts_to_micros(r.created_at)).push_bind(r.version);
            });
            bulk!(tx, "INSERT INTO service_locations (id, account_id, line1, line2, city, region, postcode, country, version, time_zone) ", b.locations, 10, |q, l| {
                q.push_bind(l.id.0).push_bind(l.account_id.0).push_bind(l.line1.as_str()).push_bind(l.line2.as_deref())
                    .push_bind(l.city.as_str()).push_bind(l.region.as_deref()).push_bind(l.postcode.as_str())
                    .push_bind(l.country.as_str()).push_bind(l.version).push_bind(l.time_zone.as_deref());
            });
            bulk!(tx, "INSERT INTO subscriptions (id, account_id, location_id, product_id, status, start_date, version) ", b.subscriptions, 7, |q, s| {
                q.push_bind(s.id.0).push_bind(s.account_id.0).push_bind(s.location_id.0).push_bind(s.product_id.0)
                    .push_bind(s.status.as_str()).push_bind(s.start_date.to_string()).push_bind(s.version);
            });
            bulk!(tx, "INSERT INTO subscription_events (id, subscription_id, at, kind, description, actor_name) ", b.events, 6, |q, e| {
                q.push_bind(e.id.0).push_bind(e.subscription_id.0).push_bind(ts_to_micros(e.at))
                    .push_bind(e.kind.as_str()).push_bind(e.description.as_str()).push_bind(e.actor_name.as_str());
            });
            bulk!(tx, "INSERT INTO notes (id, account_id, author_id, author_name, body, created_at) ", b.notes, 6, |q, n| {
                q.push_bind(n.id.0).push_bind(n.account_id.0).push_bind(n.author_id.map(|a| a.0))
                    .push_bind(n.author_name.as_str()).push_bind(n.body.as_str()).push_bind(ts_to_micros(n.created_at));
            });
            bulk!(tx, "INSERT INTO audit_events (id, at, actor_id, actor_name, action, entity_type, entity_id, account_id, summary, reason, before_json, after_json) ", b.audit, 12, |q, ev| {
                q.push_bind(ev.id.0).push_bind(ts_to_micros(ev.at)).push_bind(ev.actor_id.map(|a| a.0))
                    .push_bind(ev.actor_name.as_str()).push_bind(ev.action.as_str()).push_bind(ev.entity_type.as_str())
                    .push_bind(ev.entity_id).push_bind(ev.account_id.map(|a| a.0)).push_bind(ev.summary.as_str())
                    .push_bind(ev.reason.as_deref()).push_bind(ev.before.as_ref().map(|v| v.to_string()))
                    .push_bind(ev.after.as_ref().map(|v| v.to_string()));
            });
            bulk!(tx, term_insert, terms, 3, term_tail, |q, t| {
                q.push_bind(t.0).push_bind(t.1.as_str()).push_bind(t.2);
            });
            bulk!(tx, "INSERT INTO term_variants (variant, term) ", variants, 2, " ON CONFLICT DO NOTHING", |q, v| {
                q.push_bind(v.0.as_str()).push_bind(v.1.as_str());
            });
            tx.commit().await.map_err(db_err)
        })
    }
}

/// What a report benchmark fills in: a provider's year of contacts.
pub struct History<'a> {
    pub interactions: i64,
    /// Spread evenly over this many days before `until` (microseconds).
    pub days: i64,
    pub until: i64,
    pub staff: &'a [uuid::Uuid],
    pub queues: &'a [uuid::Uuid],
    /// The person follow-ups and verifications name (accounts are made,
    /// one per 50 contacts).
    pub person: uuid::Uuid,
    /// The made accounts' name and number prefix ("Bench household", "BENCH").
    pub label: &'a str,
    pub prefix: &'a str,
}

impl SqlStore {
    /// Fill a year of history for the reports benchmark, generated by the
    /// database itself: contacts (inbound calls through queues, some
    /// abandoned, some transferred, outbound calls), a case per 20 contacts
    /// with its contact linked, a verification per 2, follow-ups done and
    /// money actions per 200. Ids are random (`randomblob`/
    /// `gen_random_uuid`); times are spread over `days`.
    pub async fn fill_history(&self, h: &History<'_>) -> Result<()> {
        let span = h.days * 86_400_000_000;
        let step = (span / h.interactions.max(1)).max(1);
        let start = h.until - span;
        let (uuid, series) = match &self.db {
            crate::Db::Postgres(_) => (
                "gen_random_uuid()",
                format!(
                    "SELECT g AS i FROM generate_series(CAST(0 AS BIGINT), {}) g",
                    h.interactions - 1
                ),
            ),
            crate::Db::Sqlite { .. } => (
                "randomblob(16)",
                format!(
                    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) SELECT i FROM n",
                    h.interactions - 1
                ),
            ),
        };
        let staff_values = h
            .staff
            .iter()
            .enumerate()
            .map(|(k, s)| format!("({k}, '{s}')"))
            .collect::<Vec<_>>()
            .join(", ");
        let queue_values = h
            .queues
            .iter()
            .enumerate()
            .map(|(k, q)| format!("({k}, '{q}')"))
            .collect::<Vec<_>>()
            .join(", ");
        let (ns, nq) = (h.staff.len().max(1), h.queues.len().max(1));
        let id_of = |col: &str| match &self.db {
            crate::Db::Postgres(_) => format!("CAST({col} AS UUID)"),
            // SQLite stores uuids as 16-byte blobs.
            crate::Db::Sqlite { .. } => format!("unhex(replace({col}, '-', ''))"),
        };
        let person = h.person;
        // Time-ordered ids like Extramile's own (UUID v7: the millisecond
        // first), so a range of contacts sits together in the id index.
        let v7 = match &self.db {
            crate::Db::Postgres(_) => format!(
                "CAST(lpad(to_hex(({start} + s.i * {step}) / 1000), 12, '0') || substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 13) AS UUID)"
            ),
            crate::Db::Sqlite { .. } => format!(
                "unhex(printf('%012x', ({start} + s.i * {step}) / 1000) || hex(randomblob(10)))"
            ),
        };
        let na = (h.interactions / 50).max(1);
        // A follow-up's due day: the day of its call, one in seven the day
        // before (done late).
        let due = match &self.db {
            crate::Db::Postgres(_) => {
                "to_char(to_timestamp(i.started_at / 1000000 - CASE WHEN (i.started_at / 1000) % 7 = 0 THEN 86400 ELSE 0 END) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            }
            crate::Db::Sqlite { .. } => {
                "date(i.started_at / 1000000 - CASE WHEN (i.started_at / 1000) % 7 = 0 THEN 86400 ELSE 0 END, 'unixepoch')"
            }
        };
        let accounts_series = match &self.db {
            crate::Db::Postgres(_) => {
                format!(
                    "SELECT g AS i FROM generate_series(CAST(0 AS BIGINT), {}) g",
                    na - 1
                )
            }
            crate::Db::Sqlite { .. } => format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) SELECT i FROM n",
                na - 1
            ),
        };
        let statements = vec![
            "CREATE TEMPORARY TABLE bench_staff (k BIGINT, id TEXT)".to_string(),
            format!("INSERT INTO bench_staff VALUES {staff_values}"),
            "CREATE TEMPORARY TABLE bench_queues (k BIGINT, id TEXT)".to_string(),
            format!("INSERT INTO bench_queues VALUES {queue_values}"),
            // One account per 50 contacts (a year of a household's calls).
            format!("INSERT INTO accounts (id, number, name, account_type, status, created_at, version) \
                SELECT {uuid}, '{prefix}' || CAST(s.i AS TEXT), '{label}', 'residential', 'active', {start}, 1 FROM ({accounts_series}) s",
                prefix = h.prefix.replace('\'', ""), label = h.label.replace('\'', "")),
            format!("CREATE TEMPORARY TABLE bench_accounts AS SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, id FROM accounts WHERE number LIKE '{}%'", h.prefix.replace('\'', "")),
            // Contacts: 1 in 10 outbound; the rest inbound and queued.
            format!("INSERT INTO interactions (id, channel, state, account_id, owner_id, subject, started_at, answered_at, ended_at, outcome, disposition, wrap_notes, transfers, version) \
                SELECT {v7}, CASE WHEN s.i % 10 = 7 THEN 'outbound_call' ELSE 'inbound_call' END, 'ended', ba.id, \
                  CASE WHEN s.i % 25 = 3 THEN NULL ELSE {owner} END, NULL, {start} + s.i * {step}, \
                  CASE WHEN s.i % 25 = 3 THEN NULL ELSE {start} + s.i * {step} + ((s.i * 7919) % 240) * 1000000 END, \
                  {start} + s.i * {step} + 400000000, 'resolved', 'technical', NULL, CASE WHEN s.i % 13 = 0 THEN 1 ELSE 0 END, 1 \
                FROM ({series}) s JOIN bench_staff st ON st.k = (s.i / 7) % {ns} JOIN bench_accounts ba ON ba.k = s.i % {na} ORDER BY s.i",
                owner = id_of("st.id")),
            format!("INSERT INTO queue_entries (interaction_id, queue_id, queued_at, offered_to, offered_at, left_at) \
                SELECT i.id, {q}, i.started_at, i.owner_id, i.answered_at, CASE WHEN i.answered_at IS NULL THEN i.ended_at END \
                FROM interactions i JOIN bench_queues bq ON bq.k = ((i.started_at / 1000) % 19) % {nq} WHERE i.channel = 'inbound_call' ORDER BY i.started_at",
                q = id_of("bq.id")),
            format!("INSERT INTO verifications (id, interaction_id, person_id, method, verified_by, verified_by_name, at) \
                SELECT {uuid}, i.id, {p}, 'account_pin', i.owner_id, 'bench', i.started_at + 30000000 FROM interactions i \
                WHERE i.owner_id IS NOT NULL AND (i.started_at / 1000) % 7 < 4 ORDER BY i.started_at", p = id_of(&format!("'{person}'"))),
            format!("INSERT INTO cases (id, account_id, owner_id, status, priority, category, title, description, opened_at, first_response_at, resolved_at, confirmed_by_customer, resolution_note, escalated_to, escalation_note, handovers, version) \
                SELECT {uuid}, i.account_id, i.owner_id, 'resolved', 'normal', 'technical', 'Bench case', NULL, i.started_at, i.started_at, i.started_at + 3600000000, TRUE, 'fixed', NULL, NULL, (i.started_at / 1000) % 2, 1 \
                FROM interactions i WHERE i.owner_id IS NOT NULL AND (i.started_at / 1000) % 19 = 1"),
            "INSERT INTO case_interactions (case_id, interaction_id, linked_at) SELECT c.id, i.id, c.opened_at FROM cases c JOIN interactions i ON i.started_at = c.opened_at AND i.owner_id = c.owner_id WHERE c.title = 'Bench case'".to_string(),
            format!("INSERT INTO follow_ups (id, account_id, person_id, contact_point_id, owner_id, case_id, created_from, purpose, due_on, window_start, window_end, state, outcome, outcome_note, cancel_reason, reschedules, calling_interaction, created_by, created_at, done_by, done_at, version) \
                SELECT {uuid}, i.account_id, {p}, NULL, i.owner_id, NULL, NULL, 'Call back as promised', {due}, NULL, NULL, 'done', 'reached_resolved', NULL, NULL, 0, NULL, i.owner_id, i.started_at, i.owner_id, i.started_at, 2 \
                FROM interactions i WHERE i.channel = 'outbound_call' AND (i.started_at / 1000) % 7 < 4", p = id_of(&format!("'{person}'"))),
            format!("INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, reason_code, memo, related_entry_id, external_id, effective_on, created_at, created_by, created_by_name, approval_id) \
                SELECT {uuid}, i.account_id, 'credit', -1500, 'USD', 'goodwill', 'bench', NULL, NULL, '2026-01-01', i.started_at, i.owner_id, 'bench', NULL \
                FROM interactions i WHERE i.owner_id IS NOT NULL AND (i.started_at / 1000) % 199 = 7"),
            "DROP TABLE bench_staff".to_string(),
            "DROP TABLE bench_accounts".to_string(),
            "DROP TABLE bench_queues".to_string(),
        ];
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for sql in &statements {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }
}
