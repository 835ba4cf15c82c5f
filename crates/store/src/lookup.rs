//! Lookup queries: exact identifiers through their indexes; names and
//! addresses through the term index, every query term matching by prefix
//! or by a one-edit vocabulary neighbour.

use crate::{SqlStore, db_err, read};
use extramile_domain::Result;
use extramile_domain::customers::lookup::*;
use extramile_domain::customers::model::{AccountStatus, RoleKind};
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

/// `(SELECT entity_id FROM (... INTERSECT ...) m LIMIT $n)` with numbered
/// placeholders, and the values to bind in order.
fn entity_subquery(field: TermField, terms: &[TermMatch]) -> (String, Vec<String>) {
    let mut sql = String::from("(SELECT entity_id FROM (");
    let mut binds = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            sql.push_str(" INTERSECT ");
        }
        binds.push(field_code(field).to_string());
        if t.prefix.len() == 1 {
            // One letter as a prefix would scan a 26th of the index.
            sql.push_str(&format!(
                "SELECT entity_id FROM search_terms WHERE field = ${} AND (term = ${}",
                binds.len(),
                binds.len() + 1
            ));
            binds.push(t.prefix.clone());
        } else {
            sql.push_str(&format!("SELECT entity_id FROM search_terms WHERE field = ${} AND ((term >= ${} AND term < ${})", binds.len(), binds.len() + 1, binds.len() + 2));
            binds.push(t.prefix.clone());
            binds.push(prefix_upper_bound(&t.prefix));
        }
        if !t.fuzzy.is_empty() {
            let marks: Vec<String> = t
                .fuzzy
                .iter()
                .enumerate()
                .map(|(j, _)| format!("${}", binds.len() + 1 + j))
                .collect();
            sql.push_str(&format!(" OR term IN ({})", marks.join(", ")));
            binds.extend(t.fuzzy.iter().cloned());
        }
        sql.push(')');
    }
    sql.push_str(&format!(") m LIMIT ${})", binds.len() + 1));
    (sql, binds)
}

/// `(SELECT entity_id FROM search_terms WHERE field = 'p' AND (ranges) LIMIT $n)`
/// for the first two terms in both orders, each first word exact or one of
/// its one-edit neighbours, the second by prefix.
fn pair_subquery(a: &TermMatch, b: &TermMatch) -> (String, Vec<String>) {
    let mut ranges = Vec::new();
    for (first, second) in [(a, b), (b, a)] {
        for word in std::iter::once(&first.prefix).chain(first.fuzzy.iter()) {
            ranges.push(format!("{word}{PAIR_SEPARATOR}{}", second.prefix));
        }
    }
    let mut sql = String::from("(SELECT entity_id FROM search_terms WHERE field = $1 AND (");
    let mut binds = vec!["p".to_string()];
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!(
            "(term >= ${} AND term < ${})",
            binds.len() + 1,
            binds.len() + 2
        ));
        binds.push(r.clone());
        binds.push(prefix_upper_bound(r));
    }
    sql.push_str(&format!(") LIMIT ${})", binds.len() + 1));
    (sql, binds)
}

impl SqlStore {
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
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let kind = if field == TermField::Name {
            MatchKind::Name
        } else {
            MatchKind::Address
        };
        if field == TermField::Name && terms.len() >= 2 {
            // The two longest words are the most selective; the caller
            // checks the others against each candidate's name.
            let mut by_len: Vec<&TermMatch> = terms.iter().collect();
            by_len.sort_by_key(|t| std::cmp::Reverse(t.prefix.len()));
            let (sub, binds) = pair_subquery(by_len[0], by_len[1]);
            let rows = self
                .hits(format!("{NAME_HITS}{sub}"), &binds, limit)
                .await?;
            if !rows.is_empty() {
                return Ok(rows.into_iter().map(|r| r.into_hit(kind, 0)).collect());
            }
        }
        let address_terms: Vec<TermMatch>;
        let terms = if field == TermField::Address {
            address_terms = terms
                .iter()
                .filter(|t| !is_address_stopword(&t.prefix))
                .cloned()
                .collect();
            if address_terms.is_empty() {
                return Ok(Vec::new());
            }
            &address_terms[..]
        } else {
            terms
        };
        let (sub, binds) = entity_subquery(field, terms);
        let head = if field == TermField::Name {
            NAME_HITS
        } else {
            ADDRESS_HITS
        };
        let rows = self.hits(format!("{head}{sub}"), &binds, limit).await?;
        Ok(rows.into_iter().map(|r| r.into_hit(kind, 0)).collect())
    }

    async fn hits(&self, sql: String, binds: &[String], limit: u32) -> Result<Vec<HitRow>> {
        read!(&self.db, p => {
            let mut q = sqlx::query_as::<_, HitRow>(sqlx::AssertSqlSafe(sql));
            for b in binds {
                q = q.bind(b.as_str());
            }
            q.bind(i64::from(limit)).fetch_all(p).await
        })
        .map_err(db_err)
    }
}
