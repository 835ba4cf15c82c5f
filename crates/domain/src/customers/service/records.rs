//! Contact points, locations, the catalog, subscriptions, notes and lookup.

use super::{CustomerService, account_of, cp_event, next_version, not_found};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::inputs::*;
use crate::customers::lookup::{self, LookupHit, MatchKind, TermField, TermMatch};
use crate::customers::model::*;
use crate::customers::rules;
use crate::customers::values::*;
use crate::error::{DomainError, Result};
use crate::ids::*;

const LOOKUP_LIMIT: u32 = 20;

impl CustomerService {
    pub async fn add_contact_point(
        &self,
        actor: &Actor,
        person: PersonId,
        input: NewContactPoint,
    ) -> Result<ContactPoint> {
        authorize(actor.role, Action::EditCustomer)?;
        self.store
            .person(person)
            .await?
            .ok_or_else(|| not_found("person"))?;
        let cp = self.contact_point_from(person, &input)?;
        let account = account_of(self.store.as_ref(), person).await?;
        self.store
            .insert_contact_point(&cp, &cp_event(actor, "create", &cp, None, account))
            .await?;
        Ok(cp)
    }

    pub async fn update_contact_point(
        &self,
        actor: &Actor,
        id: ContactPointId,
        input: ContactPointUpdate,
    ) -> Result<ContactPoint> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .contact_point(id)
            .await?
            .ok_or_else(|| not_found("contact point"))?;
        let version = next_version(before.version, input.version, "contact point")?;
        let mut after = self.contact_point_from(
            before.person_id,
            &NewContactPoint {
                kind: before.kind.as_str().into(),
                value: input.value.clone().unwrap_or_else(|| before.value.clone()),
                label: input.label.clone().or_else(|| before.label.clone()),
                is_primary: input.is_primary.unwrap_or(before.is_primary),
            },
        )?;
        after.id = before.id;
        after.version = version;
        let account = account_of(self.store.as_ref(), before.person_id).await?;
        self.store
            .update_contact_point(
                &after,
                &cp_event(actor, "update", &after, Some(&before), account),
            )
            .await?;
        Ok(after)
    }

    pub async fn add_location(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewLocation,
    ) -> Result<ServiceLocation> {
        authorize(actor.role, Action::EditCustomer)?;
        self.store
            .account(account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let loc = self.location_from(account_id, input)?;
        let ev = change(actor, "create", "service_location", loc.id.0)
            .account(Some(account_id))
            .summary(format!("Added service location {}", loc.one_line()))
            .after(&loc)
            .build();
        self.store.insert_location(&loc, &ev).await?;
        Ok(loc)
    }

    /// A new service location checked and built, not written (a move
    /// writes it with itself).
    pub fn location_from(
        &self,
        account_id: AccountId,
        input: NewLocation,
    ) -> Result<ServiceLocation> {
        Ok(ServiceLocation {
            id: LocationId::new(),
            account_id,
            line1: required_text("line1", &input.line1, 200)?,
            line2: optional_text("line2", input.line2.as_deref(), 200)?,
            city: required_text("city", &input.city, 100)?,
            region: optional_text("region", input.region.as_deref(), 100)?,
            postcode: required_text("postcode", &input.postcode, 20)?,
            country: country(input.country.as_deref().unwrap_or(self.region()))?,
            version: 1,
            time_zone: match input.time_zone.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(z) => {
                    crate::routing::hours::time_zone(z).map_err(|_| {
                        DomainError::invalid(
                            "time_zone",
                            "an IANA time zone such as America/Denver",
                        )
                    })?;
                    Some(z.to_string())
                }
            },
        })
    }

    pub async fn update_location(
        &self,
        actor: &Actor,
        id: LocationId,
        input: LocationUpdate,
    ) -> Result<ServiceLocation> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .location(id)
            .await?
            .ok_or_else(|| not_found("service location"))?;
        let mut after = before.clone();
        after.version = next_version(before.version, input.version, "service location")?;
        if let Some(v) = &input.line1 {
            after.line1 = required_text("line1", v, 200)?;
        }
        if input.line2.is_some() {
            after.line2 = optional_text("line2", input.line2.as_deref(), 200)?;
        }
        if let Some(v) = &input.city {
            after.city = required_text("city", v, 100)?;
        }
        if input.region.is_some() {
            after.region = optional_text("region", input.region.as_deref(), 100)?;
        }
        if let Some(v) = &input.postcode {
            after.postcode = required_text("postcode", v, 20)?;
        }
        let ev = change(actor, "update", "service_location", id.0)
            .account(Some(before.account_id))
            .summary(format!("Changed service location to {}", after.one_line()))
            .before(&before)
            .after(&after)
            .build();
        self.store.update_location(&after, &ev).await?;
        Ok(after)
    }

    pub async fn products(&self, actor: &Actor) -> Result<Vec<Product>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.products().await
    }

    pub async fn create_product(&self, actor: &Actor, input: NewProduct) -> Result<Product> {
        authorize(actor.role, Action::ManageCatalog)?;
        if input.monthly_price_minor < 0 {
            return Err(DomainError::invalid(
                "monthly_price_minor",
                "cannot be negative",
            ));
        }
        let kind = ProductKind::parse("kind", &input.kind)?;
        let retail_price_minor = match (kind.is_goods(), input.retail_price_minor) {
            (true, None) => {
                return Err(DomainError::invalid(
                    "retail_price_minor",
                    "equipment and accessories need a price, in cents",
                ));
            }
            (_, Some(p)) if !(0..=crate::ledger::MAX_AMOUNT_MINOR).contains(&p) => {
                return Err(DomainError::invalid(
                    "retail_price_minor",
                    "must be zero or more, in cents",
                ));
            }
            (_, p) => p,
        };
        let p = Product {
            id: ProductId::new(),
            code: required_text("code", &input.code, 40)?.to_uppercase(),
            name: required_text("name", &input.name, 100)?,
            kind,
            monthly_price_minor: input.monthly_price_minor,
            currency: currency(&input.currency)?,
            retail_price_minor,
        };
        let ev = change(actor, "create", "product", p.id.0)
            .summary(format!("Added product {}", p.name))
            .after(&p)
            .build();
        self.store.insert_product(&p, &ev).await?;
        Ok(p)
    }

    pub async fn add_subscription(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewSubscription,
    ) -> Result<Subscription> {
        authorize(actor.role, Action::EditCustomer)?;
        self.store
            .account(account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let loc = self
            .store
            .location(input.location_id)
            .await?
            .filter(|l| l.account_id == account_id)
            .ok_or_else(|| {
                DomainError::invalid("location_id", "not a service location of this account")
            })?;
        let product = self
            .store
            .product(input.product_id)
            .await?
            .ok_or_else(|| DomainError::invalid("product_id", "no product with this id"))?;
        if product.kind.is_goods() {
            return Err(DomainError::invalid(
                "product_id",
                format!(
                    "{} is {}: order it, it is not a subscription",
                    product.name, product.kind
                ),
            ));
        }
        let start_date = match input.start_date.as_deref() {
            Some(d) => parse_date("start_date", d)?,
            None => jiff::Zoned::now().date(),
        };
        let s = Subscription {
            id: SubscriptionId::new(),
            account_id,
            location_id: loc.id,
            product_id: product.id,
            status: SubscriptionStatus::Active,
            start_date,
            version: 1,
        };
        let ev = sub_event(
            actor,
            s.id,
            "started",
            format!("{} at {}", product.name, loc.one_line()),
        );
        let audit = change(actor, "create", "subscription", s.id.0)
            .account(Some(account_id))
            .summary(format!("Subscribed to {}", product.name))
            .after(&s)
            .build();
        self.store.insert_subscription(&s, &ev, &audit).await?;
        Ok(s)
    }

    pub async fn change_subscription(
        &self,
        actor: &Actor,
        id: SubscriptionId,
        input: SubscriptionChange,
    ) -> Result<Subscription> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .subscription(id)
            .await?
            .ok_or_else(|| not_found("subscription"))?;
        let mut after = before.clone();
        after.version = next_version(before.version, input.version, "subscription")?;
        let current = self
            .store
            .product(before.product_id)
            .await?
            .ok_or_else(|| not_found("product"))?;
        let mut what = Vec::new();
        if let Some(pid) = input.product_id.filter(|p| *p != before.product_id) {
            let next = self
                .store
                .product(pid)
                .await?
                .ok_or_else(|| DomainError::invalid("product_id", "no product with this id"))?;
            rules::check_product_change(&current, &next, before.status)?;
            after.product_id = pid;
            what.push((
                "product_changed",
                format!("{} → {}", current.name, next.name),
            ));
        }
        if let Some(s) = &input.status {
            after.status = SubscriptionStatus::parse("status", s)?;
            if after.status != before.status {
                if before.status == SubscriptionStatus::Cancelled {
                    return Err(DomainError::Conflict(
                        "a cancelled subscription is restored from its order, not here".into(),
                    ));
                }
                what.push((
                    "status_changed",
                    format!("{} → {}", before.status, after.status),
                ));
            }
        }
        let Some((kind, _)) = what.first().cloned() else {
            return Err(DomainError::invalid(
                "product_id",
                "nothing to change: send a new product_id or status",
            ));
        };
        let description = what
            .iter()
            .map(|(_, d)| d.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let reason = optional_text("reason", input.reason.as_deref(), 500)?;
        let ev = sub_event(actor, id, kind, description.clone());
        let audit = change(actor, "update", "subscription", id.0)
            .account(Some(before.account_id))
            .summary(format!("{}: {description}", current.name))
            .reason(reason)
            .before(&before)
            .after(&after)
            .build();
        self.store.update_subscription(&after, &ev, &audit).await?;
        Ok(after)
    }

    pub async fn add_note(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewNote,
    ) -> Result<Note> {
        authorize(actor.role, Action::AddNote)?;
        self.store
            .account(account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let n = Note {
            id: NoteId::new(),
            account_id,
            author_id: actor.id,
            author_name: actor.name.clone(),
            body: required_text("body", &input.body, 4000)?,
            created_at: crate::time::now(),
        };
        let first_line: String = n
            .body
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(80)
            .collect();
        let ev = change(actor, "create", "note", n.id.0)
            .account(Some(account_id))
            .summary(format!("Note: {first_line}"))
            .after(&n)
            .build();
        self.store.insert_note(&n, &ev).await?;
        Ok(n)
    }

    /// Identifier matches first, then names and addresses by score.
    /// The best matches (at most 20), told apart by city and phone ending.
    pub async fn lookup(&self, actor: &Actor, q: &str) -> Result<Vec<LookupHit>> {
        let mut hits = self.matches(actor, q, LOOKUP_LIMIT).await?;
        self.distinguish(&mut hits).await?;
        Ok(hits)
    }

    /// The best 20 and how many matched (counted up to 200): the console
    /// says "20 of 137 — refine" instead of stopping silently.
    pub async fn lookup_page(&self, actor: &Actor, q: &str) -> Result<lookup::LookupPage> {
        const COUNT_UP_TO: u32 = 200;
        let mut hits = self.matches(actor, q, COUNT_UP_TO).await?;
        let total = hits.len();
        hits.truncate(LOOKUP_LIMIT as usize);
        self.distinguish(&mut hits).await?;
        Ok(lookup::LookupPage {
            hits,
            total,
            more: total >= COUNT_UP_TO as usize,
        })
    }

    /// Add each hit's service city and the person's phone ending.
    async fn distinguish(&self, hits: &mut [LookupHit]) -> Result<()> {
        let accounts: Vec<_> = hits.iter().filter_map(|h| h.account_id).collect();
        let people: Vec<_> = hits.iter().filter_map(|h| h.person_id).collect();
        let (cities, phones) = self.store.hit_details(&accounts, &people).await?;
        for h in hits.iter_mut() {
            h.city = cities
                .iter()
                .find(|(a, _)| Some(*a) == h.account_id)
                .map(|(_, c)| c.clone());
            h.phone_ending = phones
                .iter()
                .find(|(p, _)| Some(*p) == h.person_id)
                .map(|(_, v)| {
                    let digits: Vec<char> = v.chars().filter(char::is_ascii_digit).collect();
                    digits[digits.len().saturating_sub(4)..].iter().collect()
                });
        }
        Ok(())
    }

    /// Matches, best first (identifiers, then name and address terms),
    /// current holders before former ones at the same score; at most `limit`.
    async fn matches(&self, actor: &Actor, q: &str, limit: u32) -> Result<Vec<LookupHit>> {
        authorize(actor.role, Action::ViewCustomer)?;
        if q.chars().count() > 200 {
            return Err(DomainError::invalid(
                "q",
                "a search has at most 200 characters",
            ));
        }
        let parsed = lookup::parse_query(q, self.region());
        let mut hits = Vec::new();
        let ids = [
            (MatchKind::Phone, parsed.phone.as_ref().map(|p| p.as_str())),
            (MatchKind::Email, parsed.email.as_ref().map(|e| e.as_str())),
            (
                MatchKind::AccountNumber,
                parsed.account_number.as_ref().map(|a| a.as_str()),
            ),
        ];
        for (kind, value) in ids {
            if let Some(v) = value {
                hits.extend(self.store.find_by_identifier(kind, v, limit).await?);
            }
        }
        // An exact identifier is the answer; names are searched only without one.
        if !parsed.terms.is_empty() && hits.is_empty() {
            let matches = self.term_matches(&parsed.terms).await?;
            for field in [TermField::Name, TermField::Address] {
                for mut h in self.store.find_by_terms(field, &matches, limit * 2).await? {
                    // The store may answer from two of the words; every
                    // word must match.
                    if !lookup::all_terms_match(&parsed.terms, &h.matched_text) {
                        continue;
                    }
                    h.score = lookup::score_terms(&parsed.terms, &h.matched_text);
                    hits.push(h);
                }
            }
        }
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| lookup::standing_rank(a).cmp(&lookup::standing_rank(b)))
                .then_with(|| a.person_name.cmp(&b.person_name))
        });
        let mut seen = std::collections::HashSet::new();
        hits.retain(|h| seen.insert((h.account_id, h.person_id, h.matched)));
        hits.truncate(limit as usize);
        Ok(hits)
    }

    async fn term_matches(&self, terms: &[String]) -> Result<Vec<TermMatch>> {
        let variants: Vec<String> = terms
            .iter()
            .filter(|t| lookup::is_fuzzy_term(t))
            .flat_map(|t| lookup::deletion_variants(t))
            .collect();
        let vocab = if variants.is_empty() {
            Vec::new()
        } else {
            self.store.vocabulary(&variants).await?
        };
        Ok(terms
            .iter()
            .map(|t| TermMatch {
                prefix: t.clone(),
                fuzzy: if lookup::is_fuzzy_term(t) {
                    vocab
                        .iter()
                        .filter(|v| !v.starts_with(t.as_str()) && lookup::within_one_edit(t, v))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect())
    }
}

fn sub_event(
    actor: &Actor,
    id: SubscriptionId,
    kind: &str,
    description: String,
) -> SubscriptionEvent {
    SubscriptionEvent {
        id: SubscriptionEventId::new(),
        subscription_id: id,
        at: crate::time::now(),
        kind: kind.into(),
        description,
        actor_name: actor.name.clone(),
    }
}

fn country(input: &str) -> Result<String> {
    let c = input.trim().to_uppercase();
    if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        return Err(DomainError::invalid(
            "country",
            "a two-letter country code such as US",
        ));
    }
    Ok(c)
}

pub fn currency(input: &str) -> Result<String> {
    let c = input.trim().to_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        return Err(DomainError::invalid(
            "currency",
            "a three-letter currency code such as USD",
        ));
    }
    Ok(c)
}
