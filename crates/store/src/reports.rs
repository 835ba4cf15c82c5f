//! The facts behind the reports: each table's date range read from an
//! index on its time (migration 0014), filtered by team, queue, channel or
//! person where the fact has one.

use crate::{SqlStore, db_err, read};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::ids::StaffId;
use extramile_domain::reports::{
    Facts, QueuedContact, RECORDS_LIMIT, RecordRow, ReportQuery, ResolvedCase,
};
use extramile_domain::store::ReportStore;
use extramile_domain::time::micros_to_ts;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

/// The most rows of one kind a report reads (a year of a large provider's
/// queued contacts fits; beyond it the range must be narrowed).
const MAX_ROWS: i64 = 2_000_000;

#[derive(Clone)]
enum Bind {
    Id(Uuid),
    Int(i64),
    Text(String),
}

/// A WHERE clause built in placeholder order (SQLite numbers them by
/// first appearance).
#[derive(Default, Clone)]
struct Where {
    parts: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn add(&mut self, cond: &str, b: Bind) -> &mut Self {
        self.binds.push(b);
        self.parts
            .push(cond.replace('?', &format!("${}", self.binds.len())));
        self
    }
    fn plain(&mut self, cond: &str) -> &mut Self {
        self.parts.push(cond.into());
        self
    }
    fn sql(&self) -> String {
        if self.parts.is_empty() {
            "TRUE".into()
        } else {
            self.parts.join(" AND ")
        }
    }
}

macro_rules! fetch {
    ($db:expr, $ty:ty, $sql:expr, $w:expr) => {{
        let sql: String = $sql;
        let w: &Where = $w;
        read!($db, p => {
            let mut q = sqlx::query_as::<_, $ty>(AssertSqlSafe(sql.clone()));
            for b in &w.binds {
                q = match b {
                    Bind::Id(u) => q.bind(*u),
                    Bind::Int(i) => q.bind(*i),
                    Bind::Text(t) => q.bind(t.clone()),
                };
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)
    }};
}

/// Time range and a person or team filter on the column naming the staff.
fn staffed(range_col: &str, from: i64, to: i64, staff_col: &str, q: &ReportQuery) -> Where {
    let mut w = Where::default();
    w.add(&format!("{range_col} >= ?"), Bind::Int(from))
        .add(&format!("{range_col} < ?"), Bind::Int(to));
    if let Some(s) = q.staff {
        w.add(&format!("{staff_col} = ?"), Bind::Id(s.0));
    }
    if let Some(t) = q.team {
        w.add("s.team_id = ?", Bind::Id(t.0));
    }
    w
}

/// Queued contacts that joined in the range, by queue, channel, the
/// queue's team or the contact's owner.
fn queued(from: i64, to: i64, q: &ReportQuery) -> Where {
    let mut w = Where::default();
    w.add("qe.queued_at >= ?", Bind::Int(from))
        .add("qe.queued_at < ?", Bind::Int(to));
    if let Some(qid) = q.queue {
        w.add("qe.queue_id = ?", Bind::Id(qid.0));
    }
    if let Some(c) = &q.channel {
        w.add("i.channel = ?", Bind::Text(c.clone()));
    }
    if let Some(t) = q.team {
        w.add("qu.team_id = ?", Bind::Id(t.0));
    }
    if let Some(s) = q.staff {
        w.add("i.owner_id = ?", Bind::Id(s.0));
    }
    w
}

/// Surveys answered in the range; for a person or team, those about
/// contacts and cases they took part in.
fn answered(from: i64, to: i64, q: &ReportQuery) -> Where {
    let mut w = Where::default();
    w.add("sv.answered_at >= ?", Bind::Int(from))
        .add("sv.answered_at < ?", Bind::Int(to))
        .plain("sv.rating IS NOT NULL");
    if let Some(s) = q.staff {
        w.add(
            "EXISTS (SELECT 1 FROM survey_staff ss WHERE ss.survey_id = sv.id AND ss.staff_id = ?)",
            Bind::Id(s.0),
        );
    }
    if let Some(t) = q.team {
        w.add(
            "EXISTS (SELECT 1 FROM survey_staff ss JOIN staff_users s ON s.id = ss.staff_id WHERE ss.survey_id = sv.id AND s.team_id = ?)",
            Bind::Id(t.0),
        );
    }
    w
}

#[async_trait]
impl ReportStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn report_facts(&self, q: &ReportQuery, from: i64, to: i64) -> Result<Facts> {
        let mut f = Facts::default();

        // Follow-ups done, credited to whoever called.
        let w = staffed("f.done_at", from, to, "f.done_by", q);
        let rows: Vec<(Uuid, String, Option<String>, String, i64)> = fetch!(
            &self.db,
            (Uuid, String, Option<String>, String, i64),
            format!(
                "SELECT f.done_by, s.name, f.outcome, f.due_on, f.done_at FROM follow_ups f JOIN staff_users s ON s.id = f.done_by \
                     WHERE f.state = 'done' AND {} LIMIT {MAX_ROWS}",
                w.sql()
            ),
            &w
        )?;
        for (id, name, outcome, due, at) in rows {
            if let Ok(d) = due.parse() {
                f.follow_ups_done.push((
                    StaffId(id),
                    name,
                    outcome.unwrap_or_default(),
                    d,
                    micros_to_ts(at),
                ));
            }
        }
        // Missed: the last change of a missed follow-up is its closing.
        let w = staffed("h.at", from, to, "f.owner_id", q);
        let rows: Vec<(Uuid, String)> = fetch!(
            &self.db,
            (Uuid, String),
            format!(
                "SELECT f.owner_id, s.name FROM follow_up_history h JOIN follow_ups f ON f.id = h.follow_up_id JOIN staff_users s ON s.id = f.owner_id \
                     WHERE h.action = 'missed' AND {} LIMIT {MAX_ROWS}",
                w.sql()
            ),
            &w
        )?;
        f.follow_ups_missed = rows.into_iter().map(|(id, n)| (StaffId(id), n)).collect();

        // Outbound calls staff started, counted per person and channel.
        let mut w = staffed("i.started_at", from, to, "i.owner_id", q);
        w.plain("i.channel IN ('outbound_call', 'follow_up_call')");
        let rows: Vec<(Uuid, String, String, i64)> = fetch!(
            &self.db,
            (Uuid, String, String, i64),
            format!(
                "SELECT i.owner_id, s.name, i.channel, CAST(COUNT(*) AS BIGINT) FROM interactions i JOIN staff_users s ON s.id = i.owner_id WHERE {} \
                     GROUP BY i.owner_id, s.name, i.channel",
                w.sql()
            ),
            &w
        )?;
        f.outbound = rows
            .into_iter()
            .map(|(id, n, c, k)| (StaffId(id), n, c, k))
            .collect();

        // Queued contacts: speed of answer and abandonment.
        let w = queued(from, to, q);
        // Grouped in the database by the wait in whole seconds: a month's
        // tens of thousands of contacts come back as at most a few thousand
        // rows, and the percentile is still exact to the second.
        let rows: Vec<(Option<i64>, i64, i64)> = fetch!(
            &self.db,
            (Option<i64>, i64, i64),
            format!(
                "SELECT (i.answered_at - qe.queued_at) / 1000000, CAST(CASE WHEN i.state = 'ended' THEN 1 ELSE 0 END AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                     FROM queue_entries qe JOIN interactions i ON i.id = qe.interaction_id \
                     JOIN queues qu ON qu.id = qe.queue_id WHERE {} GROUP BY 1, 2",
                w.sql()
            ),
            &w
        )?;
        f.queued = rows
            .into_iter()
            .map(|(wait, ended, count)| QueuedContact {
                answered_after_secs: wait.map(|s| s.max(0)),
                ended: ended == 1,
                count,
            })
            .collect();

        // Contacts and their transfers.
        let mut w = staffed("i.started_at", from, to, "i.owner_id", q);
        if let Some(c) = &q.channel {
            w.add("i.channel = ?", Bind::Text(c.clone()));
        }
        if let Some(qid) = q.queue {
            w.add("EXISTS (SELECT 1 FROM queue_entries qe WHERE qe.interaction_id = i.id AND qe.queue_id = ?)", Bind::Id(qid.0));
        }
        let rows: Vec<(i64, i64)> = fetch!(
            &self.db,
            (i64, i64),
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(i.transfers), 0) AS BIGINT) FROM interactions i LEFT JOIN staff_users s ON s.id = i.owner_id WHERE {}",
                w.sql()
            ),
            &w
        )?;
        if let Some((n, t)) = rows.first() {
            (f.contacts, f.transfers) = (*n, *t);
        }

        // Cases resolved: contacts linked, a later contact within 7 days.
        let week = 7 * 24 * 3600 * 1_000_000i64;
        let now = extramile_domain::time::ts_to_micros(jiff::Timestamp::now());
        let w = staffed("c.resolved_at", from, to, "c.owner_id", q);
        let rows: Vec<(i64, i64, i64, i64)> = fetch!(
            &self.db,
            (i64, i64, i64, i64),
            format!(
                "SELECT x.handovers, x.contacts, x.first_at, \
                (SELECT CAST(COUNT(*) AS BIGINT) FROM interactions j WHERE j.account_id = x.account_id \
                    AND j.started_at > x.first_at AND j.started_at <= x.first_at + {week} \
                    AND NOT EXISTS (SELECT 1 FROM case_interactions cj WHERE cj.interaction_id = j.id AND cj.case_id = x.id) \
                    AND EXISTS (SELECT 1 FROM case_interactions ck JOIN cases o ON o.id = ck.case_id WHERE ck.interaction_id = j.id AND o.category = x.category)) \
                FROM (SELECT c.id, c.account_id, c.category, c.handovers, \
                    (SELECT CAST(COUNT(*) AS BIGINT) FROM case_interactions ci WHERE ci.case_id = c.id) AS contacts, \
                    COALESCE((SELECT MIN(i.started_at) FROM case_interactions ci JOIN interactions i ON i.id = ci.interaction_id WHERE ci.case_id = c.id), c.opened_at) AS first_at \
                    FROM cases c JOIN staff_users s ON s.id = c.owner_id WHERE c.resolved_at IS NOT NULL AND {} LIMIT {MAX_ROWS}) x",
                w.sql()
            ),
            &w
        )?;
        f.cases = rows
            .into_iter()
            .map(|(handovers, contacts, first, later)| ResolvedCase {
                handovers,
                contacts,
                later_contact: later > 0,
                window_closed: first + week <= now,
            })
            .collect();

        // Consults asked.
        let w = staffed("co.requested_at", from, to, "co.requested_by", q);
        let rows: Vec<(i64,)> = fetch!(
            &self.db,
            (i64,),
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM consults co JOIN staff_users s ON s.id = co.requested_by WHERE {}",
                w.sql()
            ),
            &w
        )?;
        f.consults = rows.first().map_or(0, |r| r.0);

        // Verifications, and people verified again about the same case
        // within a day on another contact.
        let w = staffed("v.at", from, to, "v.verified_by", q);
        let rows: Vec<(i64,)> = fetch!(
            &self.db,
            (i64,),
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM verifications v LEFT JOIN staff_users s ON s.id = v.verified_by WHERE {}",
                w.sql()
            ),
            &w
        )?;
        f.verifications = rows.first().map_or(0, |r| r.0);
        // Only a verification on a contact linked to a case can repeat one
        // about the same case: start from those.
        let rows: Vec<(i64,)> = fetch!(
            &self.db,
            (i64,),
            format!(
                "SELECT CAST(COUNT(DISTINCT v.id) AS BIGINT) FROM verifications v JOIN case_interactions cv ON cv.interaction_id = v.interaction_id \
                LEFT JOIN staff_users s ON s.id = v.verified_by WHERE {} AND EXISTS (SELECT 1 FROM case_interactions cw \
                JOIN verifications x ON x.interaction_id = cw.interaction_id \
                WHERE cw.case_id = cv.case_id AND x.person_id = v.person_id AND x.interaction_id <> v.interaction_id AND x.at < v.at AND x.at >= v.at - {day})",
                w.sql(),
                day = 24 * 3600 * 1_000_000i64
            ),
            &w
        )?;
        f.reverified = rows.first().map_or(0, |r| r.0);

        // Money actions by staff.
        let mut w = staffed("l.created_at", from, to, "l.created_by", q);
        w.plain("l.created_by IS NOT NULL")
            .plain("l.kind IN ('credit', 'charge_waiver', 'fee_reversal', 'refund', 'free_item')");
        let rows: Vec<(Uuid, String, String, String, i64)> = fetch!(
            &self.db,
            (Uuid, String, String, String, i64),
            format!(
                "SELECT l.created_by, s.name, s.role, l.kind, l.amount_minor FROM ledger_entries l JOIN staff_users s ON s.id = l.created_by WHERE {} LIMIT {MAX_ROWS}",
                w.sql()
            ),
            &w
        )?;
        f.money = rows
            .into_iter()
            .map(|(id, n, r, k, a)| (StaffId(id), n, r, k, a))
            .collect();

        // Approval requests.
        let w = staffed("a.created_at", from, to, "a.requested_by", q);
        let rows: Vec<(String, i64, Option<i64>)> = fetch!(
            &self.db,
            (String, i64, Option<i64>),
            format!(
                "SELECT a.status, a.created_at, a.decided_at FROM approvals a JOIN staff_users s ON s.id = a.requested_by WHERE {} LIMIT {MAX_ROWS}",
                w.sql()
            ),
            &w
        )?;
        f.approvals = rows
            .into_iter()
            .map(|(status, at, decided)| (status, decided.map(|d| ((d - at) / 1_000_000).max(0))))
            .collect();

        // Satisfaction: each answered survey once, and per person who took part.
        let w = answered(from, to, q);
        let rows: Vec<(i64, i64)> = fetch!(
            &self.db,
            (i64, i64),
            format!(
                "SELECT CAST(sv.rating AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM surveys sv WHERE {} GROUP BY sv.rating",
                w.sql()
            ),
            &w
        )?;
        f.ratings = rows;
        let mut w = staffed("sv.answered_at", from, to, "ss.staff_id", q);
        w.plain("sv.rating IS NOT NULL");
        let rows: Vec<(Uuid, String, i64, i64)> = fetch!(
            &self.db,
            (Uuid, String, i64, i64),
            format!(
                "SELECT ss.staff_id, s.name, CAST(sv.rating AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM surveys sv JOIN survey_staff ss ON ss.survey_id = sv.id \
                 JOIN staff_users s ON s.id = ss.staff_id WHERE {} GROUP BY ss.staff_id, s.name, sv.rating",
                w.sql()
            ),
            &w
        )?;
        f.ratings_by_staff = rows
            .into_iter()
            .map(|(id, n, r, c)| (StaffId(id), n, r, c))
            .collect();
        Ok(f)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn report_records(
        &self,
        figure: &str,
        q: &ReportQuery,
        from: i64,
        to: i64,
    ) -> Result<Vec<RecordRow>> {
        let row = |at: i64, who: String, what: String, link: String| RecordRow {
            at: micros_to_ts(at),
            who,
            what,
            link,
        };
        let words = |o: &str| o.replace('_', " ");
        let mut out = Vec::new();
        match figure {
            "extra_mile_calls" | "follow_ups_on_time" => {
                let w = staffed("f.done_at", from, to, "f.done_by", q);
                let rows: Vec<(Uuid, i64, String, Option<String>, String, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, Option<String>, String, String),
                    format!(
                        "SELECT f.id, f.done_at, s.name, f.outcome, f.due_on, f.purpose FROM follow_ups f JOIN staff_users s ON s.id = f.done_by \
                             WHERE f.state = 'done' AND {} ORDER BY f.done_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (id, at, who, outcome, due, purpose) in rows {
                    out.push(row(
                        at,
                        who,
                        format!(
                            "Follow-up due {due}: {purpose} — {}",
                            words(&outcome.unwrap_or_default())
                        ),
                        format!("/follow-ups/{id}"),
                    ));
                }
                if figure == "extra_mile_calls" {
                    let mut w = staffed("i.started_at", from, to, "i.owner_id", q);
                    w.plain("i.channel = 'outbound_call'");
                    let rows: Vec<(Uuid, i64, String, Option<String>)> = fetch!(
                        &self.db,
                        (Uuid, i64, String, Option<String>),
                        format!(
                            "SELECT i.id, i.started_at, s.name, i.subject FROM interactions i JOIN staff_users s ON s.id = i.owner_id WHERE {} ORDER BY i.started_at DESC LIMIT {RECORDS_LIMIT}",
                            w.sql()
                        ),
                        &w
                    )?;
                    for (id, at, who, subject) in rows {
                        out.push(row(
                            at,
                            who,
                            format!(
                                "Outbound call{}",
                                subject.map(|s| format!(": {s}")).unwrap_or_default()
                            ),
                            format!("/interactions/{id}"),
                        ));
                    }
                }
            }
            "speed_of_answer" | "abandoned" => {
                let mut w = queued(from, to, q);
                if figure == "abandoned" {
                    w.plain("i.answered_at IS NULL AND i.state = 'ended'");
                } else {
                    w.plain("i.answered_at IS NOT NULL");
                }
                let rows: Vec<(Uuid, i64, Option<i64>, Option<i64>, String, Option<String>)> = fetch!(
                    &self.db,
                    (Uuid, i64, Option<i64>, Option<i64>, String, Option<String>),
                    format!(
                        "SELECT i.id, qe.queued_at, i.answered_at, i.ended_at, qu.name, s.name FROM queue_entries qe JOIN interactions i ON i.id = qe.interaction_id \
                             JOIN queues qu ON qu.id = qe.queue_id LEFT JOIN staff_users s ON s.id = i.owner_id WHERE {} ORDER BY qe.queued_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (id, queued, answered, ended, queue, who) in rows {
                    let what = match answered {
                        Some(a) => format!(
                            "{queue}: answered after {}",
                            extramile_domain::reports::secs_words((a - queued) / 1_000_000)
                        ),
                        None => format!(
                            "{queue}: hung up after {}",
                            extramile_domain::reports::secs_words(
                                (ended.unwrap_or(queued) - queued) / 1_000_000
                            )
                        ),
                    };
                    out.push(row(
                        queued,
                        who.unwrap_or_default(),
                        what,
                        format!("/interactions/{id}"),
                    ));
                }
            }
            "fcr" | "handovers_per_case" => {
                let w = staffed("c.resolved_at", from, to, "c.owner_id", q);
                let rows: Vec<(Uuid, i64, String, String, i64, i64)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, String, i64, i64),
                    format!(
                        "SELECT c.id, c.resolved_at, s.name, c.title, c.handovers, (SELECT CAST(COUNT(*) AS BIGINT) FROM case_interactions ci WHERE ci.case_id = c.id) \
                             FROM cases c JOIN staff_users s ON s.id = c.owner_id WHERE c.resolved_at IS NOT NULL AND {} ORDER BY c.resolved_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (id, at, who, title, handovers, contacts) in rows {
                    out.push(row(
                        at,
                        who,
                        format!("{title} — {contacts} contact(s), {handovers} handover(s)"),
                        format!("/cases/{id}"),
                    ));
                }
            }
            "transfers_per_contact" => {
                let mut w = staffed("i.started_at", from, to, "i.owner_id", q);
                w.plain("i.transfers > 0");
                if let Some(c) = &q.channel {
                    w.add("i.channel = ?", Bind::Text(c.clone()));
                }
                let rows: Vec<(Uuid, i64, Option<String>, i64, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, Option<String>, i64, String),
                    format!(
                        "SELECT i.id, i.started_at, s.name, i.transfers, i.channel FROM interactions i LEFT JOIN staff_users s ON s.id = i.owner_id WHERE {} ORDER BY i.started_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (id, at, who, n, channel) in rows {
                    out.push(row(
                        at,
                        who.unwrap_or_default(),
                        format!("{}: transferred {n} time(s)", words(&channel)),
                        format!("/interactions/{id}"),
                    ));
                }
            }
            "consults_per_case" => {
                let w = staffed("co.requested_at", from, to, "co.requested_by", q);
                let rows: Vec<(Uuid, i64, String, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, String),
                    format!(
                        "SELECT co.case_id, co.requested_at, s.name, co.question FROM consults co JOIN staff_users s ON s.id = co.requested_by WHERE {} ORDER BY co.requested_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (case, at, who, question) in rows {
                    out.push(row(
                        at,
                        who,
                        format!("Asked: {question}"),
                        format!("/cases/{case}"),
                    ));
                }
            }
            "repeat_identification" => {
                let mut w = staffed("v.at", from, to, "v.verified_by", q);
                w.plain(&format!("EXISTS (SELECT 1 FROM verifications x JOIN case_interactions cx ON cx.interaction_id = x.interaction_id \
                    JOIN case_interactions cv ON cv.interaction_id = v.interaction_id AND cv.case_id = cx.case_id \
                    WHERE x.person_id = v.person_id AND x.interaction_id <> v.interaction_id AND x.at < v.at AND x.at >= v.at - {})", 24 * 3600 * 1_000_000i64));
                let rows: Vec<(Uuid, i64, String, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, String),
                    format!(
                        "SELECT v.interaction_id, v.at, v.verified_by_name, v.method FROM verifications v LEFT JOIN staff_users s ON s.id = v.verified_by WHERE {} ORDER BY v.at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (id, at, who, method) in rows {
                    out.push(row(
                        at,
                        who,
                        format!(
                            "Verified again ({}) within a day about the same case",
                            words(&method)
                        ),
                        format!("/interactions/{id}"),
                    ));
                }
            }
            "approvals" => {
                let w = staffed("a.created_at", from, to, "a.requested_by", q);
                let rows: Vec<(Uuid, i64, String, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, String),
                    format!(
                        "SELECT a.account_id, a.created_at, a.requested_by_name, a.status FROM approvals a JOIN staff_users s ON s.id = a.requested_by WHERE {} ORDER BY a.created_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (account, at, who, status) in rows {
                    out.push(row(
                        at,
                        who,
                        format!("Approval request: {}", words(&status)),
                        format!("/accounts/{account}/money"),
                    ));
                }
            }
            "money" => {
                let mut w = staffed("l.created_at", from, to, "l.created_by", q);
                w.plain("l.created_by IS NOT NULL").plain(
                    "l.kind IN ('credit', 'charge_waiver', 'fee_reversal', 'refund', 'free_item')",
                );
                let rows: Vec<(Uuid, i64, String, String, i64, String, String)> = fetch!(
                    &self.db,
                    (Uuid, i64, String, String, i64, String, String),
                    format!(
                        "SELECT l.account_id, l.created_at, s.name, l.kind, l.amount_minor, l.currency, l.memo FROM ledger_entries l \
                         JOIN staff_users s ON s.id = l.created_by WHERE {} ORDER BY l.created_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (account, at, who, kind, amount, currency, memo) in rows {
                    out.push(row(
                        at,
                        who,
                        format!(
                            "{} {}: {memo}",
                            match kind.as_str() {
                                "credit" => "Credit",
                                "charge_waiver" => "Waiver",
                                "fee_reversal" => "Fee reversal",
                                "refund" => "Refund",
                                _ => "Free item",
                            },
                            extramile_domain::ledger::format_money(amount.abs(), &currency)
                        ),
                        format!("/accounts/{account}/money"),
                    ));
                }
            }
            "satisfaction" => {
                let w = answered(from, to, q);
                let rows: Vec<(
                    i64,
                    i64,
                    Option<String>,
                    Option<Uuid>,
                    Option<Uuid>,
                    Option<String>,
                )> = fetch!(
                    &self.db,
                    (
                        i64,
                        i64,
                        Option<String>,
                        Option<Uuid>,
                        Option<Uuid>,
                        Option<String>
                    ),
                    format!(
                        "SELECT sv.answered_at, CAST(sv.rating AS BIGINT), sv.comment, sv.case_id, sv.interaction_id, \
                         (SELECT MIN(u.name) FROM survey_staff ss JOIN staff_users u ON u.id = ss.staff_id WHERE ss.survey_id = sv.id) \
                         FROM surveys sv WHERE {} ORDER BY sv.answered_at DESC LIMIT {RECORDS_LIMIT}",
                        w.sql()
                    ),
                    &w
                )?;
                for (at, rating, comment, case, contact, who) in rows {
                    out.push(row(
                        at,
                        who.unwrap_or_default(),
                        format!(
                            "Rated {rating} of 5{}",
                            comment
                                .filter(|c| !c.trim().is_empty())
                                .map(|c| format!(": “{c}”"))
                                .unwrap_or_default()
                        ),
                        match (case, contact) {
                            (Some(c), _) => format!("/cases/{c}"),
                            (None, Some(i)) => format!("/interactions/{i}"),
                            (None, None) => String::new(),
                        },
                    ));
                }
            }
            other => {
                return Err(extramile_domain::DomainError::invalid(
                    "figure",
                    format!(
                        "must be one of: {} (not {other})",
                        extramile_domain::reports::RECORD_FIGURES.join(", ")
                    ),
                ));
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.at));
        out.truncate(RECORDS_LIMIT as usize);
        Ok(out)
    }
}
