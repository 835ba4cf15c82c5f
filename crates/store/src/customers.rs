//! People, accounts, roles and contact points.

use crate::audit::insert_audit;
use crate::lookup::index_terms;
use crate::rows::*;
use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::lookup::{LookupHit, MatchKind, TermField, TermMatch, name_terms};
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use extramile_domain::store::CustomerStore;
use extramile_domain::time::ts_to_micros;
use extramile_domain::{DomainError, Result};

pub(crate) fn stale(what: &str) -> DomainError {
    DomainError::Conflict(format!(
        "this {what} was changed by someone else since you opened it; reload and try again"
    ))
}

macro_rules! insert_contact {
    ($conn:expr, $c:expr) => {{
        let c: &ContactPoint = $c;
        sqlx::query("INSERT INTO contact_points (id, person_id, kind, value, normalized, label, is_primary, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(c.id.0).bind(c.person_id.0).bind(c.kind.as_str()).bind(c.value.as_str())
            .bind(c.normalized.as_str()).bind(c.label.as_deref()).bind(c.is_primary).bind(c.version)
            .execute($conn).await.map(|_| ()).map_err(db_err)
    }};
}

macro_rules! insert_role {
    ($conn:expr, $r:expr) => {{
        let r: &AccountRole = $r;
        let c = r.consent.as_ref();
        sqlx::query(concat!(
            "INSERT INTO account_roles (",
            role_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(r.id.0)
        .bind(r.account_id.0)
        .bind(r.person_id.0)
        .bind(r.kind.as_str())
        .bind(c.map(|c| c.given_by.0))
        .bind(c.map(|c| ts_to_micros(c.given_at)))
        .bind(c.map(|c| c.method.as_str()))
        .bind(c.and_then(|c| c.note.as_deref()))
        .bind(r.ended_reason.as_deref())
        .bind(r.ended_on.map(|d| d.to_string()))
        .bind(ts_to_micros(r.created_at))
        .bind(r.version)
        .execute($conn)
        .await
        .map(|_| ())
        .map_err(db_err)
    }};
}

#[async_trait]
impl CustomerStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_person(
        &self,
        p: &Person,
        cps: &[ContactPoint],
        audit: &[AuditEvent],
    ) -> Result<()> {
        let terms = name_terms(p);
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(concat!("INSERT INTO people (", person_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(p.id.0).bind(p.given_name.as_str()).bind(p.family_name.as_str())
                .bind(p.preferred_language.as_deref()).bind(ts_to_micros(p.created_at)).bind(p.version)
                .execute(&mut *tx).await.map_err(db_err)?;
            for c in cps {
                insert_contact!(&mut *tx, c)?;
            }
            index_terms!(&mut *tx, TermField::Name, p.id.0, &terms);
            for ev in audit {
                insert_audit!(&mut *tx, ev)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_person(&self, p: &Person, audit: &AuditEvent) -> Result<()> {
        let terms = name_terms(p);
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE people SET given_name = $1, family_name = $2, preferred_language = $3, version = $4 WHERE id = $5 AND version = $6")
                .bind(p.given_name.as_str()).bind(p.family_name.as_str()).bind(p.preferred_language.as_deref())
                .bind(p.version).bind(p.id.0).bind(p.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(stale("person"));
            }
            index_terms!(&mut *tx, TermField::Name, p.id.0, &terms);
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn person(&self, id: PersonId) -> Result<Option<Person>> {
        let row: Option<PersonRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", person_cols!(), " FROM people WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(PersonRow::into_domain))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn person_contact_points(&self, id: PersonId) -> Result<Vec<ContactPoint>> {
        let rows: Vec<ContactRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM contact_points WHERE person_id = $1 ORDER BY kind, is_primary DESC, id"))
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ContactRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn person_accounts(&self, id: PersonId) -> Result<Vec<(AccountRole, Account)>> {
        let roles: Vec<RoleRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", role_cols!(), " FROM account_roles WHERE person_id = $1 ORDER BY id"))
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        // The accounts in one more query, not one per role.
        let accounts: Vec<AccountRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id IN (SELECT account_id FROM account_roles WHERE person_id = $1)"))
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        let accounts: std::collections::HashMap<AccountId, Account> = accounts
            .into_iter()
            .map(|r| r.into_domain().map(|a| (a.id, a)))
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(roles.len());
        for r in roles {
            let role = r.into_domain()?;
            if let Some(a) = accounts.get(&role.account_id) {
                out.push((role, a.clone()));
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_account(
        &self,
        a: &Account,
        holder: &AccountRole,
        audit: &[AuditEvent],
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(concat!("INSERT INTO accounts (", account_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(a.id.0).bind(a.number.as_str()).bind(a.name.as_str()).bind(a.account_type.as_str())
                .bind(a.status.as_str()).bind(ts_to_micros(a.created_at)).bind(a.version)
                .execute(&mut *tx).await.map_err(|e| match db_err(e) {
                    DomainError::Conflict(_) => DomainError::Conflict(format!("account number {} is already in use", a.number)),
                    other => other,
                })?;
            insert_role!(&mut *tx, holder)?;
            for ev in audit {
                insert_audit!(&mut *tx, ev)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_account(&self, a: &Account, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE accounts SET name = $1, account_type = $2, status = $3, version = $4 WHERE id = $5 AND version = $6")
                .bind(a.name.as_str()).bind(a.account_type.as_str()).bind(a.status.as_str())
                .bind(a.version).bind(a.id.0).bind(a.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(stale("account"));
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let row: Option<AccountRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(AccountRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_roles(&self, id: AccountId) -> Result<Vec<AccountRole>> {
        let rows: Vec<RoleRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", role_cols!(), " FROM account_roles WHERE account_id = $1 ORDER BY id"))
            .bind(id.0).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(RoleRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn role(&self, id: AccountRoleId) -> Result<Option<AccountRole>> {
        let row: Option<RoleRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", role_cols!(), " FROM account_roles WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(RoleRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_role(&self, r: &AccountRole, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_role!(&mut *tx, r)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_role(&self, r: &AccountRole, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE account_roles SET kind = $1, ended_reason = $2, ended_on = $3, version = $4 WHERE id = $5 AND version = $6")
                .bind(r.kind.as_str()).bind(r.ended_reason.as_deref()).bind(r.ended_on.map(|d| d.to_string()))
                .bind(r.version).bind(r.id.0).bind(r.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(stale("role"));
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn contact_point(&self, id: ContactPointId) -> Result<Option<ContactPoint>> {
        let row: Option<ContactRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM contact_points WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(ContactRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_contact_point(&self, c: &ContactPoint, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_contact!(&mut *tx, c)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_contact_point(&self, c: &ContactPoint, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE contact_points SET value = $1, normalized = $2, label = $3, is_primary = $4, version = $5 WHERE id = $6 AND version = $7")
                .bind(c.value.as_str()).bind(c.normalized.as_str()).bind(c.label.as_deref()).bind(c.is_primary)
                .bind(c.version).bind(c.id.0).bind(c.version - 1)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(stale("contact point"));
            }
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn location(&self, id: LocationId) -> Result<Option<ServiceLocation>> {
        self.location_by_id(id).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_location(&self, l: &ServiceLocation, audit: &AuditEvent) -> Result<()> {
        self.write_location(l, audit, true).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_location(&self, l: &ServiceLocation, audit: &AuditEvent) -> Result<()> {
        self.write_location(l, audit, false).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn products(&self) -> Result<Vec<Product>> {
        self.all_products().await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn product(&self, id: ProductId) -> Result<Option<Product>> {
        self.product_by_id(id).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_product(&self, p: &Product, audit: &AuditEvent) -> Result<()> {
        self.write_product(p, audit).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn subscription(&self, id: SubscriptionId) -> Result<Option<Subscription>> {
        self.subscription_by_id(id).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_subscription(
        &self,
        s: &Subscription,
        ev: &SubscriptionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        self.write_subscription(s, ev, audit, true).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_subscription(
        &self,
        s: &Subscription,
        ev: &SubscriptionEvent,
        audit: &AuditEvent,
    ) -> Result<()> {
        self.write_subscription(s, ev, audit, false).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn insert_note(&self, n: &Note, audit: &AuditEvent) -> Result<()> {
        self.write_note(n, audit).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn customer_360(&self, id: AccountId, limit: u32) -> Result<Option<Customer360>> {
        self.load_360(id, limit).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn find_by_identifier(
        &self,
        kind: MatchKind,
        value: &str,
        limit: u32,
    ) -> Result<Vec<LookupHit>> {
        self.identifier_hits(kind, value, limit).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn account_time_zone(&self, account: AccountId) -> Result<Option<String>> {
        read!(&self.db, p => sqlx::query_scalar("SELECT time_zone FROM service_locations WHERE account_id = $1 AND time_zone IS NOT NULL ORDER BY id LIMIT 1")
            .bind(account.0).fetch_optional(p).await).map_err(crate::db_err)
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn hit_details(
        &self,
        accounts: &[AccountId],
        people: &[PersonId],
    ) -> Result<(Vec<(AccountId, String)>, Vec<(PersonId, String)>)> {
        self.lookup_details(accounts, people).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn vocabulary(&self, variants: &[String]) -> Result<Vec<String>> {
        self.vocabulary_terms(variants).await
    }
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn find_by_terms(
        &self,
        field: TermField,
        terms: &[TermMatch],
        limit: u32,
    ) -> Result<Vec<LookupHit>> {
        self.term_hits(field, terms, limit).await
    }
}
