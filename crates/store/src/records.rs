//! Service locations, the product catalog, subscriptions and notes.

use crate::audit::insert_audit;
use crate::customers::stale;
use crate::lookup::index_terms;
use crate::rows::*;
use crate::{SqlStore, db_err, read, write};
use extramile_domain::Result;
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::lookup::{TermField, address_terms};
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use extramile_domain::time::ts_to_micros;

macro_rules! insert_sub_event {
    ($conn:expr, $ev:expr) => {{
        let ev: &SubscriptionEvent = $ev;
        sqlx::query("INSERT INTO subscription_events (id, subscription_id, at, kind, description, actor_name) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(ev.id.0).bind(ev.subscription_id.0).bind(ts_to_micros(ev.at))
            .bind(ev.kind.as_str()).bind(ev.description.as_str()).bind(ev.actor_name.as_str())
            .execute($conn).await.map(|_| ()).map_err(db_err)
    }};
}

/// A new service location's row in a transaction (its search terms are
/// indexed by the caller).
macro_rules! insert_location_row {
    ($conn:expr, $l:expr) => {
        let l: &extramile_domain::customers::model::ServiceLocation = $l;
        sqlx::query(concat!(
            "INSERT INTO service_locations (",
            $crate::rows::location_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(l.id.0)
        .bind(l.account_id.0)
        .bind(l.line1.as_str())
        .bind(l.line2.as_deref())
        .bind(l.city.as_str())
        .bind(l.region.as_deref())
        .bind(l.postcode.as_str())
        .bind(l.country.as_str())
        .bind(l.version)
        .bind(l.time_zone.as_deref())
        .execute($conn)
        .await
        .map_err($crate::db_err)?;
    };
}
pub(crate) use insert_location_row;

impl SqlStore {
    pub(crate) async fn location_by_id(&self, id: LocationId) -> Result<Option<ServiceLocation>> {
        let row: Option<LocationRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", location_cols!(), " FROM service_locations WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        Ok(row.map(LocationRow::into_domain))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub(crate) async fn write_location(
        &self,
        l: &ServiceLocation,
        audit: &AuditEvent,
        new: bool,
    ) -> Result<()> {
        let terms = address_terms(l);
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if new {
                insert_location_row!(&mut *tx, l);
            } else {
                let done = sqlx::query("UPDATE service_locations SET line1 = $1, line2 = $2, city = $3, region = $4, postcode = $5, version = $6, time_zone = $7 WHERE id = $8 AND version = $9")
                    .bind(l.line1.as_str()).bind(l.line2.as_deref()).bind(l.city.as_str()).bind(l.region.as_deref())
                    .bind(l.postcode.as_str()).bind(l.version).bind(l.time_zone.as_deref()).bind(l.id.0).bind(l.version - 1)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(stale("service location"));
                }
            }
            index_terms!(&mut *tx, TermField::Address, l.id.0, &terms);
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    pub(crate) async fn all_products(&self) -> Result<Vec<Product>> {
        let rows: Vec<ProductRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", product_cols!(), " FROM products ORDER BY kind, monthly_price_minor, code"))
            .fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(ProductRow::into_domain).collect()
    }

    pub(crate) async fn product_by_id(&self, id: ProductId) -> Result<Option<Product>> {
        let row: Option<ProductRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", product_cols!(), " FROM products WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(ProductRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub(crate) async fn write_product(&self, p: &Product, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(concat!("INSERT INTO products (", product_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(p.id.0).bind(p.code.as_str()).bind(p.name.as_str()).bind(p.kind.as_str())
                .bind(p.monthly_price_minor).bind(p.currency.as_str()).bind(p.retail_price_minor)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    pub(crate) async fn subscription_by_id(
        &self,
        id: SubscriptionId,
    ) -> Result<Option<Subscription>> {
        let row: Option<SubscriptionRow> = read!(&self.db, p => sqlx::query_as(concat!("SELECT ", subscription_cols!(), " FROM subscriptions WHERE id = $1"))
            .bind(id.0).fetch_optional(p).await).map_err(db_err)?;
        row.map(SubscriptionRow::into_domain).transpose()
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub(crate) async fn write_subscription(
        &self,
        s: &Subscription,
        ev: &SubscriptionEvent,
        audit: &AuditEvent,
        new: bool,
    ) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if new {
                sqlx::query(concat!("INSERT INTO subscriptions (", subscription_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                    .bind(s.id.0).bind(s.account_id.0).bind(s.location_id.0).bind(s.product_id.0)
                    .bind(s.status.as_str()).bind(s.start_date.to_string()).bind(s.version)
                    .execute(&mut *tx).await.map_err(db_err)?;
            } else {
                let done = sqlx::query("UPDATE subscriptions SET product_id = $1, status = $2, version = $3 WHERE id = $4 AND version = $5")
                    .bind(s.product_id.0).bind(s.status.as_str()).bind(s.version).bind(s.id.0).bind(s.version - 1)
                    .execute(&mut *tx).await.map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Err(stale("subscription"));
                }
            }
            insert_sub_event!(&mut *tx, ev)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub(crate) async fn write_note(&self, n: &Note, audit: &AuditEvent) -> Result<()> {
        write!(&self.db, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO notes (id, account_id, author_id, author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(n.id.0).bind(n.account_id.0).bind(n.author_id.map(|a| a.0)).bind(n.author_name.as_str())
                .bind(n.body.as_str()).bind(ts_to_micros(n.created_at))
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_audit!(&mut *tx, audit)?;
            tx.commit().await.map_err(db_err)
        })
    }
}
