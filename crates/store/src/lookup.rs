//! Lookup queries: exact identifiers through their indexes; names and
//! addresses through the term index, every query term matching by prefix
//! or by a one-edit vocabulary neighbour.

use crate::{SqlStore, db_err, read};
use extramile_domain::Result;
use extramile_domain::customers::lookup::*;
use extramile_domain::customers::model::{AccountStatus, RoleKind};
use extramile_domain::ids::{AccountId, PersonId};
use uuid::Uuid;

pub(crate) fn field_code(f: TermField) -> &'static str {
    match f {
        TermField::Name => "n",
        TermField::Address => "a",
    }
}

/// Name pairs live under their own field code.
pub(crate) fn pair_code(f: TermField) -> &'static str {
    match f {
        TermField::Name => "p",
        TermField::Address => "a",
    }
}

/// Replace the terms of one entity and grow the typo vocabulary.
macro_rules! index_terms {
    ($conn:expr, $field:expr, $entity:expr, $terms:expr) => {{
        let field = $crate::lookup::field_code($field);
        let entity: uuid::Uuid = $entity;
        sqlx::query("DELETE FROM search_terms WHERE entity_id = $1 AND (field = $2 OR field = $3)")
            .bind(entity).bind(field).bind($crate::lookup::pair_code($field)).execute($conn).await.map_err(db_err)?;
        if $field == extramile_domain::customers::lookup::TermField::Name {
            for pair in extramile_domain::customers::lookup::name_pairs($terms) {
                sqlx::query("INSERT INTO search_terms (field, term, entity_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind("p").bind(pair).bind(entity).execute($conn).await.map_err(db_err)?;
            }
        }
        for t in $terms.iter() {
            sqlx::query("INSERT INTO search_terms (field, term, entity_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(field).bind(t.as_str()).bind(entity).execute($conn).await.map_err(db_err)?;
            if extramile_domain::customers::lookup::is_fuzzy_term(t) {
                for v in extramile_domain::customers::lookup::deletion_variants(t) {
                    sqlx::query("INSERT INTO term_variants (variant, term) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(v).bind(t.as_str()).execute($conn).await.map_err(db_err)?;
                }
            }
        }
    }};
}
pub(crate) use index_terms;

#[derive(sqlx::FromRow)]
struct HitRow {
    account_id: Option<Uuid>,
    number: Option<String>,
    account_name: Option<String>,
    status: Option<String>,
    person_id: Option<Uuid>,
    given_name: Option<String>,
    family_name: Option<String>,
    role: Option<String>,
    matched_text: String,
}

impl HitRow {
    fn into_hit(self, matched: MatchKind, score: u32) -> LookupHit {
        LookupHit {
            account_id: self.account_id.map(Into::into),
            account_number: self.number,
            account_name: self.account_name,
            account_status: self
                .status
                .and_then(|s| AccountStatus::parse("status", &s).ok()),
            person_id: self.person_id.map(Into::into),
            person_name: match (self.given_name, self.family_name) {
                (Some(g), Some(f)) => Some(format!("{g} {f}")),
                _ => None,
            },
            role: self.role.and_then(|r| RoleKind::parse("role", &r).ok()),
            matched,
            matched_text: self.matched_text,
            score,
            city: None,
            phone_ending: None,
        }
    }
}

const BY_CONTACT: &str = "SELECT a.id AS account_id, a.number, a.name AS account_name, a.status, p.id AS person_id, p.given_name, p.family_name, r.kind AS role, c.value AS matched_text
 FROM contact_points c JOIN people p ON p.id = c.person_id
 LEFT JOIN account_roles r ON r.person_id = p.id
 LEFT JOIN accounts a ON a.id = r.account_id
 WHERE c.normalized = $1 AND c.kind = $2 LIMIT $3";

const BY_NUMBER: &str = "SELECT a.id AS account_id, a.number, a.name AS account_name, a.status, p.id AS person_id, p.given_name, p.family_name, r.kind AS role, a.number AS matched_text
 FROM accounts a
 LEFT JOIN account_roles r ON r.account_id = a.id AND r.kind = 'holder' AND r.ended_on IS NULL
 LEFT JOIN people p ON p.id = r.person_id
 WHERE a.number = $1 LIMIT $2";

const NAME_HITS: &str = "SELECT a.id AS account_id, a.number, a.name AS account_name, a.status, p.id AS person_id, p.given_name, p.family_name, r.kind AS role, p.given_name || ' ' || p.family_name AS matched_text
 FROM people p
 LEFT JOIN account_roles r ON r.person_id = p.id
 LEFT JOIN accounts a ON a.id = r.account_id
 WHERE p.id IN ";

const ADDRESS_HITS: &str = "SELECT a.id AS account_id, a.number, a.name AS account_name, a.status, p.id AS person_id, p.given_name, p.family_name, r.kind AS role, l.line1 || ', ' || l.city || ' ' || l.postcode AS matched_text
 FROM service_locations l JOIN accounts a ON a.id = l.account_id
 LEFT JOIN account_roles r ON r.account_id = a.id AND r.kind = 'holder' AND r.ended_on IS NULL
 LEFT JOIN people p ON p.id = r.person_id
 WHERE l.id IN ";

/// Numbered placeholders for SQL text built from fixed fragments; every
/// value is bound, never spliced into the text.
struct Sql {
    text: String,
    binds: Vec<String>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.into(),
            binds: Vec::new(),
        }
    }
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// Append a placeholder bound to `v`.
    fn bind(&mut self, v: impl Into<String>) {
        self.binds.push(v.into());
        self.text.push_str(&format!("${}", self.binds.len()));
    }
    /// `SELECT entity_id ... WHERE field = f AND term` in the prefix range,
    /// or equal to one of the one-edit words. Each alternative is its own
    /// SELECT joined by UNION ALL: SQLite turns `range OR IN (...)` into a
    /// scan of the whole field.
    fn term_select(&mut self, field: &str, t: &TermMatch) {
        self.push("SELECT entity_id FROM search_terms WHERE field = ");
        self.bind(field);
        if t.prefix.len() == 1 {
            // One letter as a prefix would scan a 26th of the index.
            self.push(" AND term = ");
            self.bind(t.prefix.clone());
        } else {
            self.push(" AND term >= ");
            self.bind(t.prefix.clone());
            self.push(" AND term < ");
            self.bind(prefix_upper_bound(&t.prefix));
        }
        for f in &t.fuzzy {
            self.push(" UNION ALL SELECT entity_id FROM search_terms WHERE field = ");
            self.bind(field);
            self.push(" AND term = ");
            self.bind(f.clone());
        }
    }
}

/// Entities matching every term: `(SELECT entity_id FROM (t1) AS m1
/// INTERSECT SELECT entity_id FROM (t2) AS m2 ... LIMIT $n)`.
fn entity_subquery(field: TermField, terms: &[TermMatch]) -> Sql {
    let mut sql = Sql::new("(SELECT entity_id FROM (");
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            sql.push(" INTERSECT ");
        }
        sql.push("SELECT entity_id FROM (");
        sql.term_select(field_code(field), t);
        sql.push(&format!(") AS m{i}"));
    }
    sql.push(") AS m LIMIT ");
    sql
}

/// Name pairs for two terms, both orders, each first word exact or one of
/// its one-edit neighbours, the second by prefix; one seek per range.
fn pair_subquery(a: &TermMatch, b: &TermMatch) -> Sql {
    let mut sql = Sql::new("(SELECT entity_id FROM (");
    let mut first_range = true;
    for (first, second) in [(a, b), (b, a)] {
        for word in std::iter::once(&first.prefix).chain(first.fuzzy.iter()) {
            if !first_range {
                sql.push(" UNION ALL ");
            }
            first_range = false;
            let r = format!("{word}{PAIR_SEPARATOR}{}", second.prefix);
            sql.push("SELECT entity_id FROM search_terms WHERE field = ");
            sql.bind("p");
            sql.push(" AND term >= ");
            sql.bind(r.clone());
            sql.push(" AND term < ");
            sql.bind(prefix_upper_bound(&r));
        }
    }
    sql.push(") AS m LIMIT ");
    sql
}

impl SqlStore {
    /// Service cities of the accounts; phones of the people, primary first.
    pub(crate) async fn lookup_details(
        &self,
        accounts: &[AccountId],
        people: &[PersonId],
    ) -> Result<(Vec<(AccountId, String)>, Vec<(PersonId, String)>)> {
        let cities: Vec<(Uuid, String)> = if accounts.is_empty() {
            Vec::new()
        } else {
            read!(&self.db, p => {
                let mut q = sqlx::QueryBuilder::new("SELECT account_id, MIN(city) FROM service_locations WHERE account_id IN (");
                let mut list = q.separated(", ");
                for a in accounts.iter().take(200) {
                    list.push_bind(a.0);
                }
                q.push(") GROUP BY account_id");
                q.build_query_as().fetch_all(p).await
            })
            .map_err(db_err)?
        };
        let phones: Vec<(Uuid, String)> = if people.is_empty() {
            Vec::new()
        } else {
            read!(&self.db, p => {
                let mut q = sqlx::QueryBuilder::new("SELECT person_id, value FROM contact_points WHERE kind = 'phone' AND person_id IN (");
                let mut list = q.separated(", ");
                for x in people.iter().take(200) {
                    list.push_bind(x.0);
                }
                q.push(") ORDER BY is_primary DESC, id");
                q.build_query_as().fetch_all(p).await
            })
            .map_err(db_err)?
        };
        Ok((
            cities.into_iter().map(|(a, c)| (a.into(), c)).collect(),
            phones.into_iter().map(|(x, v)| (x.into(), v)).collect(),
        ))
    }

    #[tracing::instrument(skip_all, fields(kind = %kind), err)]
    pub(crate) async fn identifier_hits(
        &self,
        kind: MatchKind,
        value: &str,
        limit: u32,
    ) -> Result<Vec<LookupHit>> {
        let limit = i64::from(limit);
        let rows: Vec<HitRow> = match kind {
            MatchKind::Phone | MatchKind::Email => {
                let k = if kind == MatchKind::Phone { "phone" } else { "email" };
                read!(&self.db, p => sqlx::query_as(BY_CONTACT).bind(value).bind(k).bind(limit).fetch_all(p).await)
            }
            MatchKind::AccountNumber => read!(&self.db, p => sqlx::query_as(BY_NUMBER).bind(value).bind(limit).fetch_all(p).await),
            MatchKind::Name | MatchKind::Address => return Ok(Vec::new()),
        }
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_hit(kind, IDENTIFIER_SCORE))
            .collect())
    }

    pub(crate) async fn vocabulary_terms(&self, variants: &[String]) -> Result<Vec<String>> {
        let marks: Vec<String> = (1..=variants.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT term FROM term_variants WHERE variant IN ({})",
            marks.join(", ")
        );
        read!(&self.db, p => {
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for v in variants {
                q = q.bind(v.as_str());
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)
    }

    #[tracing::instrument(skip_all, fields(field = %field), err)]
    pub(crate) async fn term_hits(
        &self,
        field: TermField,
        terms: &[TermMatch],
        limit: u32,
    ) -> Result<Vec<LookupHit>> {
        let terms: Vec<TermMatch> = terms
            .iter()
            .filter(|t| field == TermField::Name || !is_address_stopword(&t.prefix))
            .cloned()
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let kind = if field == TermField::Name {
            MatchKind::Name
        } else {
            MatchKind::Address
        };
        let head = if field == TermField::Name {
            NAME_HITS
        } else {
            ADDRESS_HITS
        };
        if field == TermField::Name && terms.len() >= 2 {
            // The two longest words are the most selective; the caller
            // checks the others against each candidate's name.
            let mut by_len: Vec<&TermMatch> = terms.iter().collect();
            by_len.sort_by_key(|t| std::cmp::Reverse(t.prefix.len()));
            let rows = self
                .hits(head, pair_subquery(by_len[0], by_len[1]), limit)
                .await?;
            if !rows.is_empty() {
                return Ok(rows.into_iter().map(|r| r.into_hit(kind, 0)).collect());
            }
        }
        // A word nothing is indexed under makes the intersection empty:
        // find out with one seek per word before intersecting large sets.
        if terms.len() > 1 {
            for t in &terms {
                if !self.any_entity(field, t).await? {
                    return Ok(Vec::new());
                }
            }
        }
        let rows = self
            .hits(head, entity_subquery(field, &terms), limit)
            .await?;
        Ok(rows.into_iter().map(|r| r.into_hit(kind, 0)).collect())
    }

    async fn any_entity(&self, field: TermField, t: &TermMatch) -> Result<bool> {
        let mut sql = Sql::new("SELECT entity_id FROM (");
        sql.term_select(field_code(field), t);
        sql.push(") AS m LIMIT 1");
        read!(&self.db, p => {
            let mut q = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql.text));
            for b in &sql.binds {
                q = q.bind(b.as_str());
            }
            q.fetch_optional(p).await
        })
        .map(|r| r.is_some())
        .map_err(db_err)
    }

    async fn hits(&self, head: &str, sub: Sql, limit: u32) -> Result<Vec<HitRow>> {
        let mut sub = sub;
        sub.bind(limit.to_string());
        let text = format!("{head}{})", sub.text);
        let limit_index = sub.binds.len() - 1;
        read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, HitRow>(sqlx::AssertSqlSafe(text));
            for (i, b) in sub.binds.iter().enumerate() {
                q = if i == limit_index { q.bind(i64::from(limit)) } else { q.bind(b.as_str()) };
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)
    }
}
