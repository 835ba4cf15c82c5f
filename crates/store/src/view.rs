//! The customer 360 in a fixed number of queries (no query per row): each
//! related set is selected by account through a subquery.

use crate::rows::*;
use crate::{SqlStore, db_err, read};
use extramile_domain::Result;
use extramile_domain::customers::model::*;
use extramile_domain::ids::*;
use std::collections::HashMap;

impl SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub(crate) async fn load_360(
        &self,
        id: AccountId,
        timeline_limit: u32,
    ) -> Result<Option<Customer360>> {
        let Some(account) = extramile_domain::store::CustomerStore::account(self, id).await? else {
            return Ok(None);
        };
        let aid = id.0;
        let limit = i64::from(timeline_limit);
        let (roles, people, contacts, locations, subs, products, events, notes, audit) = read!(&self.db, p => async {
            let roles: Vec<RoleRow> = sqlx::query_as(concat!("SELECT ", role_cols!(), " FROM account_roles WHERE account_id = $1 ORDER BY id"))
                .bind(aid).fetch_all(p).await?;
            let people: Vec<PersonRow> = sqlx::query_as(concat!("SELECT ", person_cols!(), " FROM people WHERE id IN (SELECT person_id FROM account_roles WHERE account_id = $1)"))
                .bind(aid).fetch_all(p).await?;
            let contacts: Vec<ContactRow> = sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM contact_points WHERE person_id IN (SELECT person_id FROM account_roles WHERE account_id = $1) ORDER BY kind, is_primary DESC, id"))
                .bind(aid).fetch_all(p).await?;
            let locations: Vec<LocationRow> = sqlx::query_as(concat!("SELECT ", location_cols!(), " FROM service_locations WHERE account_id = $1 ORDER BY id"))
                .bind(aid).fetch_all(p).await?;
            let subs: Vec<SubscriptionRow> = sqlx::query_as(concat!("SELECT ", subscription_cols!(), " FROM subscriptions WHERE account_id = $1 ORDER BY id"))
                .bind(aid).fetch_all(p).await?;
            let products: Vec<ProductRow> = sqlx::query_as(concat!("SELECT ", product_cols!(), " FROM products WHERE id IN (SELECT product_id FROM subscriptions WHERE account_id = $1)"))
                .bind(aid).fetch_all(p).await?;
            let events: Vec<SubEventRow> = sqlx::query_as("SELECT id, subscription_id, at, kind, description, actor_name FROM subscription_events WHERE subscription_id IN (SELECT id FROM subscriptions WHERE account_id = $1) ORDER BY id")
                .bind(aid).fetch_all(p).await?;
            let notes: Vec<NoteRow> = sqlx::query_as("SELECT id, account_id, author_id, author_name, body, created_at FROM notes WHERE account_id = $1 ORDER BY id DESC LIMIT 100")
                .bind(aid).fetch_all(p).await?;
            let audit: Vec<AuditRow> = sqlx::query_as(concat!("SELECT ", audit_cols!(), " FROM audit_events WHERE account_id = $1 ORDER BY id DESC LIMIT $2"))
                .bind(aid).bind(limit).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((roles, people, contacts, locations, subs, products, events, notes, audit))
        }.await)
        .map_err(db_err)?;

        let people: HashMap<PersonId, Person> = people
            .into_iter()
            .map(|r| {
                let p = r.into_domain();
                (p.id, p)
            })
            .collect();
        let mut contacts_by: HashMap<PersonId, Vec<ContactPoint>> = HashMap::new();
        for c in contacts {
            let c = c.into_domain()?;
            contacts_by.entry(c.person_id).or_default().push(c);
        }
        let mut parties = Vec::with_capacity(roles.len());
        for r in roles {
            let role = r.into_domain()?;
            if let Some(person) = people.get(&role.person_id) {
                parties.push(Party {
                    contact_points: contacts_by
                        .get(&role.person_id)
                        .cloned()
                        .unwrap_or_default(),
                    person: person.clone(),
                    role,
                });
            }
        }
        // Current holders first, then representatives, then former holders.
        parties.sort_by_key(|p| {
            (
                p.role.ended_on.is_some(),
                match p.role.kind {
                    RoleKind::Holder => 0,
                    RoleKind::AuthorizedRepresentative => 1,
                    RoleKind::FormerHolder => 2,
                },
            )
        });
        let products: HashMap<ProductId, Product> = products
            .into_iter()
            .map(|r| r.into_domain().map(|p| (p.id, p)))
            .collect::<Result<_>>()?;
        let mut history: HashMap<SubscriptionId, Vec<SubscriptionEvent>> = HashMap::new();
        for e in events {
            let e = e.into_domain();
            history.entry(e.subscription_id).or_default().push(e);
        }
        let mut subscriptions = Vec::with_capacity(subs.len());
        for s in subs {
            let s = s.into_domain()?;
            if let Some(product) = products.get(&s.product_id) {
                subscriptions.push(SubscriptionView {
                    history: history.remove(&s.id).unwrap_or_default(),
                    product: product.clone(),
                    subscription: s,
                });
            }
        }
        Ok(Some(Customer360 {
            account,
            parties,
            locations: locations
                .into_iter()
                .map(LocationRow::into_domain)
                .collect(),
            subscriptions,
            notes: notes.into_iter().map(NoteRow::into_domain).collect(),
            timeline: audit.into_iter().map(AuditRow::into_domain).collect(),
        }))
    }
}
