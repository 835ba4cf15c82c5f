//! The ledger, authority policies and approvals. Money writes check their
//! idempotency key, the billing system's external id and their guards in
//! the same transaction as the entry and its audit row.

use crate::audit::insert_audit;
use crate::{Db, SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::admin::StaffRole;
use extramile_domain::audit::AuditEvent;
use extramile_domain::authority::*;
use extramile_domain::ids::*;
use extramile_domain::ledger::{EntryKind, LedgerEntry, LedgerWindow};
use extramile_domain::store::{IdempotencyKey, LedgerStore, PostGuard, PostOutcome};
use extramile_domain::time::{micros_to_ts, ts_to_micros};
use extramile_domain::{DomainError, Result};
use jiff::Timestamp;
use uuid::Uuid;

fn corrupt(e: impl std::fmt::Display) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct EntryRow {
    id: Uuid,
    account_id: Uuid,
    kind: String,
    amount_minor: i64,
    currency: String,
    reason_code: Option<String>,
    memo: String,
    label: Option<String>,
    related_entry_id: Option<Uuid>,
    external_id: Option<String>,
    effective_on: String,
    created_at: i64,
    created_by: Option<Uuid>,
    created_by_name: String,
    approval_id: Option<Uuid>,
}

pub(crate) const ENTRY_COLS: &str = "SELECT id, account_id, kind, amount_minor, currency, reason_code, memo, label, related_entry_id, external_id, effective_on, created_at, created_by, created_by_name, approval_id FROM ledger_entries";

impl EntryRow {
    pub(crate) fn into_domain(self) -> Result<LedgerEntry> {
        Ok(LedgerEntry {
            id: self.id.into(),
            account_id: self.account_id.into(),
            kind: EntryKind::parse("kind", &self.kind).map_err(corrupt)?,
            amount_minor: self.amount_minor,
            currency: self.currency,
            reason_code: self.reason_code,
            memo: self.memo,
            label: self.label,
            related_entry_id: self.related_entry_id.map(Into::into),
            external_id: self.external_id,
            effective_on: self.effective_on.parse().map_err(corrupt)?,
            created_at: micros_to_ts(self.created_at),
            created_by: self.created_by.map(Into::into),
            created_by_name: self.created_by_name,
            approval_id: self.approval_id.map(Into::into),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: Uuid,
    account_id: Uuid,
    requested_by: Uuid,
    requested_by_name: String,
    request_json: String,
    status: String,
    created_at: i64,
    due_at: i64,
    escalated: bool,
    decided_by: Option<Uuid>,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    decision_reason: Option<String>,
    entry_id: Option<Uuid>,
    version: i64,
    decision_key: Option<String>,
}

const APPROVAL_COLS: &str = "id, account_id, requested_by, requested_by_name, request_json, status, created_at, due_at, escalated, decided_by, decided_by_name, decided_at, decision_reason, entry_id, version, decision_key";

impl ApprovalRow {
    fn into_domain(self) -> Result<Approval> {
        Ok(Approval {
            id: self.id.into(),
            account_id: self.account_id.into(),
            requested_by: self.requested_by.into(),
            requested_by_name: self.requested_by_name,
            request: serde_json::from_str(&self.request_json).map_err(corrupt)?,
            status: ApprovalStatus::parse("status", &self.status).map_err(corrupt)?,
            created_at: micros_to_ts(self.created_at),
            due_at: micros_to_ts(self.due_at),
            escalated: self.escalated,
            decided_by: self.decided_by.map(Into::into),
            decided_by_name: self.decided_by_name,
            decided_at: self.decided_at.map(micros_to_ts),
            decision_reason: self.decision_reason,
            entry_id: self.entry_id.map(Into::into),
            version: self.version,
            decision_key: self.decision_key,
        })
    }
}

type PolicyRow = (
    Uuid,
    Option<String>,
    Option<Uuid>,
    String,
    String,
    i64,
    Option<i64>,
    i64,
);

/// Inside an open transaction `$tx` on `$db`: the checks, then the entry,
/// its key and its audit row. Evaluates to `Result<PostOutcome>`; anything
/// but `Posted` must be followed by a rollback.
macro_rules! post_in_tx {
    ($db:expr, $tx:expr, $e:expr, $audit:expr, $guard:expr, $key:expr) => {{
        let e: &LedgerEntry = $e;
        let guard: &PostGuard = $guard;
        let key: Option<&IdempotencyKey> = $key;
        async {
            if matches!($db, Db::Postgres(_)) {
                // Money writes on one account take turns.
                sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE").bind(e.account_id.0).execute(&mut *$tx).await.map_err(db_err)?;
            }
            if let Some(k) = key {
                let seen: Option<(String, Uuid)> = sqlx::query_as("SELECT digest, entry_id FROM idempotency_keys WHERE actor_id = $1 AND key = $2")
                    .bind(k.actor.0).bind(k.key.as_str()).fetch_optional(&mut *$tx).await.map_err(db_err)?;
                if let Some((digest, entry)) = seen {
                    let row: EntryRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE id = $1"))).bind(entry).fetch_one(&mut *$tx).await.map_err(db_err)?;
                    return Ok(PostOutcome::Existing(Box::new(row.into_domain()?), Some(digest)));
                }
            }
            if let Some(x) = &e.external_id {
                let row: Option<EntryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE external_id = $1"))).bind(x.as_str()).fetch_optional(&mut *$tx).await.map_err(db_err)?;
                if let Some(row) = row {
                    return Ok(PostOutcome::Existing(Box::new(row.into_domain()?), None));
                }
            }
            // One currency per account: its first entry's.
            let billed: Option<String> = sqlx::query_scalar("SELECT currency FROM ledger_entries WHERE account_id = $1 LIMIT 1")
                .bind(e.account_id.0).fetch_optional(&mut *$tx).await.map_err(db_err)?;
            if let Some(c) = billed.filter(|c| *c != e.currency) {
                return Ok(PostOutcome::OtherCurrency(c));
            }
            if let Some((charge, seen)) = &guard.charge_seen {
                let now: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE related_entry_id = $1")
                    .bind(charge.0).fetch_one(&mut *$tx).await.map_err(db_err)?;
                if now != *seen {
                    return Ok(PostOutcome::ChargeChanged);
                }
            }
            if let Some((kind, since, limit)) = &guard.month {
                let used: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM ledger_entries WHERE account_id = $1 AND kind = $2 AND created_at >= $3 AND created_by IS NOT NULL")
                    .bind(e.account_id.0).bind(kind.as_str()).bind(ts_to_micros(*since)).fetch_one(&mut *$tx).await.map_err(db_err)?;
                let used = used.abs();
                if used + e.amount_minor.abs() > *limit {
                    return Ok(PostOutcome::MonthLimit { used });
                }
            }
            if let Some(max) = guard.max_balance_after {
                // Goodwill credits lower bills; they are never paid out.
                let balance: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM ledger_entries WHERE account_id = $1 AND kind <> 'credit'")
                    .bind(e.account_id.0).fetch_one(&mut *$tx).await.map_err(db_err)?;
                if balance + e.amount_minor > max {
                    return Ok(PostOutcome::BalanceLimit { balance });
                }
            }
            sqlx::query("INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, reason_code, memo, related_entry_id, external_id, effective_on, created_at, created_by, created_by_name, approval_id, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                .bind(e.id.0).bind(e.account_id.0).bind(e.kind.as_str()).bind(e.amount_minor).bind(e.currency.as_str())
                .bind(e.reason_code.as_deref()).bind(e.memo.as_str()).bind(e.related_entry_id.map(|x| x.0)).bind(e.external_id.as_deref())
                .bind(e.effective_on.to_string()).bind(ts_to_micros(e.created_at)).bind(e.created_by.map(|x| x.0)).bind(e.created_by_name.as_str())
                .bind(e.approval_id.map(|x| x.0)).bind(e.label.as_deref())
                .execute(&mut *$tx).await.map_err(db_err)?;
            if let Some(k) = key {
                sqlx::query("INSERT INTO idempotency_keys (actor_id, key, digest, entry_id, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(k.actor.0).bind(k.key.as_str()).bind(k.digest.as_str()).bind(e.id.0).bind(ts_to_micros(e.created_at))
                    .execute(&mut *$tx).await.map_err(db_err)?;
            }
            insert_audit!(&mut *$tx, $audit)?;
            Ok::<_, DomainError>(PostOutcome::Posted)
        }
        .await
    }};
}

pub(crate) use post_in_tx;

#[async_trait]
impl LedgerStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn post_entry(
        &self,
        e: &LedgerEntry,
        audit: &AuditEvent,
        guard: &PostGuard,
        key: Option<&IdempotencyKey>,
    ) -> Result<PostOutcome> {
        let db = &self.db;
        write!(db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let outcome = post_in_tx!(db, tx, e, audit, guard, key)?;
            if outcome == PostOutcome::Posted {
                tx.commit().await.map_err(db_err)?;
            } else {
                tx.rollback().await.map_err(db_err)?;
            }
            Ok(outcome)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn keyed_entry(
        &self,
        actor: StaffId,
        key: &str,
    ) -> Result<Option<(LedgerEntry, String)>> {
        let row: Option<(String, Uuid)> = read!(&self.db, p => sqlx::query_as("SELECT digest, entry_id FROM idempotency_keys WHERE actor_id = $1 AND key = $2")
            .bind(actor.0).bind(key).fetch_optional(p).await).map_err(db_err)?;
        let Some((digest, entry)) = row else {
            return Ok(None);
        };
        let e = self
            .ledger_entry(entry.into())
            .await?
            .ok_or_else(|| DomainError::Store("an idempotency key names a missing entry".into()))?;
        Ok(Some((e, digest)))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn ledger_entry(&self, id: LedgerEntryId) -> Result<Option<LedgerEntry>> {
        let row: Option<EntryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE id = $1"))).bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(EntryRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn ledger_entries(&self, account: AccountId) -> Result<Vec<LedgerEntry>> {
        let rows: Vec<EntryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE account_id = $1 ORDER BY created_at, id"))).bind(account.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(EntryRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn ledger_window(
        &self,
        account: AccountId,
        period_start: jiff::civil::Date,
        newest: u32,
    ) -> Result<LedgerWindow> {
        let start = period_start.to_string();
        let ((balance, before, credits, count), rows) = read!(&self.db, p => async {
            let sums: (i64, i64, i64, i64) = sqlx::query_as("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN effective_on < $2 THEN amount_minor ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN kind = 'credit' THEN amount_minor ELSE 0 END), 0) AS BIGINT), COUNT(*) \
                FROM ledger_entries WHERE account_id = $1")
                .bind(account.0).bind(start.as_str()).fetch_one(p).await?;
            // Two index ranges (the period, the newest), not a scan of the history.
            let rows: Vec<EntryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE id IN \
                (SELECT id FROM ledger_entries WHERE account_id = $1 AND effective_on >= $2 \
                 UNION SELECT id FROM (SELECT id FROM ledger_entries WHERE account_id = $3 ORDER BY created_at DESC, id DESC LIMIT $4) AS newest) \
                ORDER BY created_at DESC, id DESC")))
                .bind(account.0).bind(start.as_str()).bind(account.0).bind(i64::from(newest)).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((sums, rows))
        }.await).map_err(db_err)?;
        Ok(LedgerWindow {
            balance_minor: balance,
            brought_forward_minor: before,
            credits_minor: credits,
            count,
            entries: rows
                .into_iter()
                .map(EntryRow::into_domain)
                .collect::<Result<_>>()?,
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn recurring_charges(&self, account: AccountId) -> Result<Vec<(String, i64, String)>> {
        read!(&self.db, p => sqlx::query_as("SELECT p.name, p.monthly_price_minor, p.currency FROM subscriptions s JOIN products p ON p.id = s.product_id \
            WHERE s.account_id = $1 AND s.status = 'active' ORDER BY s.id").bind(account.0).fetch_all(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn ledger_currency(&self, account: AccountId) -> Result<Option<String>> {
        read!(&self.db, p => sqlx::query_scalar("SELECT currency FROM ledger_entries WHERE account_id = $1 ORDER BY created_at, id LIMIT 1")
            .bind(account.0).fetch_optional(p).await).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn charge_entries(
        &self,
        account: AccountId,
        charge: LedgerEntryId,
    ) -> Result<Vec<LedgerEntry>> {
        let rows: Vec<EntryRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY_COLS} WHERE account_id = $1 AND (id = $2 OR related_entry_id = $3) ORDER BY created_at, id")))
            .bind(account.0).bind(charge.0).bind(charge.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(EntryRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn month_used(
        &self,
        account: AccountId,
        kind: EntryKind,
        since: Timestamp,
    ) -> Result<i64> {
        let used: i64 = read!(&self.db, p => sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM ledger_entries WHERE account_id = $1 AND kind = $2 AND created_at >= $3 AND created_by IS NOT NULL")
            .bind(account.0).bind(kind.as_str()).bind(ts_to_micros(since)).fetch_one(p).await).map_err(db_err)?;
        Ok(used.abs())
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn policies(&self) -> Result<Vec<Policy>> {
        let rows: Vec<PolicyRow> = read!(&self.db, p => sqlx::query_as("SELECT id, role, staff_id, action, currency, per_entry_limit_minor, per_account_month_limit_minor, updated_at FROM authority_policies ORDER BY role, action, currency").fetch_all(p).await).map_err(db_err)?;
        rows.into_iter()
            .map(|(id, role, staff, action, currency, each, month, at)| {
                Ok(Policy {
                    id: id.into(),
                    role: role
                        .map(|r| StaffRole::parse("role", &r))
                        .transpose()
                        .map_err(corrupt)?,
                    staff_id: staff.map(Into::into),
                    action: MoneyActionKind::parse("action", &action).map_err(corrupt)?,
                    currency,
                    per_entry_limit_minor: each,
                    per_account_month_limit_minor: month,
                    updated_at: micros_to_ts(at),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn put_policy(&self, p: &Policy, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            match p.staff_id {
                Some(s) => sqlx::query("DELETE FROM authority_policies WHERE staff_id = $1 AND action = $2 AND currency = $3")
                    .bind(s.0).bind(p.action.as_str()).bind(p.currency.as_str()).execute(&mut *tx).await,
                None => sqlx::query("DELETE FROM authority_policies WHERE staff_id IS NULL AND role = $1 AND action = $2 AND currency = $3")
                    .bind(p.role.map(|r| r.as_str())).bind(p.action.as_str()).bind(p.currency.as_str()).execute(&mut *tx).await,
            }.map_err(db_err)?;
            sqlx::query("INSERT INTO authority_policies (id, role, staff_id, action, currency, per_entry_limit_minor, per_account_month_limit_minor, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(p.id.0).bind(p.role.map(|r| r.as_str())).bind(p.staff_id.map(|s| s.0)).bind(p.action.as_str()).bind(p.currency.as_str())
                .bind(p.per_entry_limit_minor).bind(p.per_account_month_limit_minor).bind(ts_to_micros(p.updated_at))
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_approval(&self, a: &Approval, audit: &AuditEvent) -> Result<Option<Approval>> {
        let request =
            serde_json::to_string(&a.request).map_err(|e| DomainError::Store(e.to_string()))?;
        let key = Some(a.request.idempotency_key.trim()).filter(|k| !k.is_empty());
        let inserted = write!(&self.db, pool => async {
            let mut tx = pool.begin().await.map_err(db_err)?;
            // A second request under the same key writes nothing.
            let done = sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO approvals ({APPROVAL_COLS}, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                ON CONFLICT (requested_by, idempotency_key) DO NOTHING")))
                .bind(a.id.0).bind(a.account_id.0).bind(a.requested_by.0).bind(a.requested_by_name.as_str()).bind(request.as_str())
                .bind(a.status.as_str()).bind(ts_to_micros(a.created_at)).bind(ts_to_micros(a.due_at)).bind(a.escalated)
                .bind(a.decided_by.map(|x| x.0)).bind(a.decided_by_name.as_deref()).bind(a.decided_at.map(ts_to_micros))
                .bind(a.decision_reason.as_deref()).bind(a.entry_id.map(|x| x.0)).bind(a.version).bind(a.decision_key.as_deref()).bind(key)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                tx.rollback().await.map_err(db_err)?;
                return Ok::<bool, DomainError>(false);
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)?;
            Ok(true)
        }.await)?;
        match (inserted, key) {
            (true, _) | (false, None) => Ok(None),
            (false, Some(k)) => self.approval_by_key(a.requested_by, k).await,
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn approval_by_key(&self, requester: StaffId, key: &str) -> Result<Option<Approval>> {
        let row: Option<ApprovalRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {APPROVAL_COLS} FROM approvals WHERE requested_by = $1 AND idempotency_key = $2")))
            .bind(requester.0).bind(key).fetch_optional(p).await).map_err(db_err)?;
        row.map(ApprovalRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn approval(&self, id: ApprovalId) -> Result<Option<Approval>> {
        let row: Option<ApprovalRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {APPROVAL_COLS} FROM approvals WHERE id = $1"))).bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(ApprovalRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        let rows: Vec<ApprovalRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {APPROVAL_COLS} FROM approvals WHERE status = 'pending' ORDER BY created_at, id LIMIT 500"))).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ApprovalRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn decided_approvals(&self, limit: u32) -> Result<Vec<Approval>> {
        let rows: Vec<ApprovalRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {APPROVAL_COLS} FROM approvals WHERE decided_at IS NOT NULL ORDER BY decided_at DESC, id DESC LIMIT $1"))).bind(i64::from(limit)).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ApprovalRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_approvals(&self, account: AccountId) -> Result<Vec<Approval>> {
        let rows: Vec<ApprovalRow> = read!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {APPROVAL_COLS} FROM approvals WHERE account_id = $1 ORDER BY id DESC LIMIT 50"))).bind(account.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ApprovalRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn decide_approval(
        &self,
        a: &Approval,
        entry: Option<(&LedgerEntry, &PostGuard, Option<&IdempotencyKey>)>,
        audit: &AuditEvent,
    ) -> Result<PostOutcome> {
        let db = &self.db;
        write!(db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            // The entry first (the approval refers to it), then the decision
            // where the version still matches; either failing undoes both.
            let outcome = match entry {
                Some((e, guard, key)) => post_in_tx!(db, tx, e, audit, guard, key)?,
                None => {
                    insert_audit!(&mut *tx, audit)?;
                    PostOutcome::Posted
                }
            };
            if outcome != PostOutcome::Posted {
                tx.rollback().await.map_err(db_err)?;
                return Ok(outcome);
            }
            let done = sqlx::query("UPDATE approvals SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, decision_reason = $5, entry_id = $6, version = $7, decision_key = $8 WHERE id = $9 AND version = $10")
                .bind(a.status.as_str()).bind(a.decided_by.map(|x| x.0)).bind(a.decided_by_name.as_deref()).bind(a.decided_at.map(ts_to_micros))
                .bind(a.decision_reason.as_deref()).bind(a.entry_id.map(|x| x.0)).bind(a.version).bind(a.decision_key.as_deref()).bind(a.id.0).bind(a.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                tx.rollback().await.map_err(db_err)?;
                return Err(crate::customers::stale("approval request"));
            }
            tx.commit().await.map_err(db_err)?;
            Ok(outcome)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn escalate_due(&self, now: Timestamp) -> Result<Vec<Approval>> {
        let rows: Vec<ApprovalRow> = write!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("UPDATE approvals SET escalated = TRUE WHERE status = 'pending' AND NOT escalated AND due_at <= $1 RETURNING {APPROVAL_COLS}")))
            .bind(ts_to_micros(now)).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ApprovalRow::into_domain).collect()
    }
}
