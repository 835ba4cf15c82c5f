//! One lookup box: what the query looks like decides which indexes are
//! asked; identifiers rank above names and addresses.
//!
//! Names and addresses are indexed as normalized terms (ASCII, lower case,
//! split on anything that is not a letter or digit). Each query term
//! matches by prefix; a term of four or more letters also matches any
//! indexed term one edit away (insert, delete, substitute, transpose),
//! found through a vocabulary of single-deletion variants.

use super::model::{AccountStatus, Person, RoleKind, ServiceLocation};
use super::values::{AccountNumber, Email, PhoneNumber};
use crate::ids::{AccountId, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MAX_TERMS: usize = 6;
const MAX_TERM_LEN: usize = 32;
const FUZZY_MIN_LEN: usize = 4;

#[derive(Debug, Default, PartialEq)]
pub struct ParsedQuery {
    pub phone: Option<PhoneNumber>,
    pub account_number: Option<AccountNumber>,
    pub email: Option<Email>,
    pub terms: Vec<String>,
}

pub fn parse_query(q: &str, region: &str) -> ParsedQuery {
    let q = q.trim();
    let mut out = ParsedQuery::default();
    if q.is_empty() {
        return out;
    }
    if q.contains('@') {
        out.email = Email::parse(q).ok();
        return out;
    }
    out.phone = PhoneNumber::parse(q, region).ok();
    out.account_number = AccountNumber::parse(q).ok();
    if q.chars().any(char::is_alphanumeric) && out.phone.is_none() {
        out.terms = normalize_terms(q);
    }
    out
}

/// ASCII-fold, lower-case and split into at most `MAX_TERMS` terms.
pub fn normalize_terms(text: &str) -> Vec<String> {
    let folded = deunicode::deunicode(text).to_lowercase();
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(MAX_TERM_LEN).collect())
        .take(MAX_TERMS)
        .collect()
}

pub fn name_terms(p: &Person) -> Vec<String> {
    let mut t = normalize_terms(&format!("{} {}", p.given_name, p.family_name));
    t.sort();
    t.dedup();
    t
}

/// Street-type words that a third of all addresses share: they are not
/// indexed and are ignored in address queries.
const ADDRESS_STOPWORDS: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "boulevard",
    "blvd",
    "way",
    "place",
    "pl",
    "terrace",
    "ter",
];

pub fn is_address_stopword(term: &str) -> bool {
    ADDRESS_STOPWORDS.contains(&term)
}

pub fn address_terms(l: &ServiceLocation) -> Vec<String> {
    let mut t: Vec<String> = normalize_terms(&l.line1)
        .into_iter()
        .filter(|w| !is_address_stopword(w))
        .collect();
    t.extend(normalize_terms(&l.city));
    t.extend(normalize_terms(&l.postcode));
    t.sort();
    t.dedup();
    t
}

/// Separates the two words of a name pair term; sorts below every term
/// character, so `smith\x01jen` bounds a prefix range of pairs.
pub const PAIR_SEPARATOR: char = '\u{1}';

/// Ordered pairs of a person's name terms, both orders: a two-word query
/// ("smith jen", "jen smith") becomes one narrow range scan instead of the
/// intersection of two large ones.
pub fn name_pairs(terms: &[String]) -> Vec<String> {
    let terms = &terms[..terms.len().min(4)];
    let mut out = Vec::new();
    for (i, a) in terms.iter().enumerate() {
        for (j, b) in terms.iter().enumerate() {
            if i != j {
                out.push(format!("{a}{PAIR_SEPARATOR}{b}"));
            }
        }
    }
    out
}

/// Whether a term takes part in typo tolerance: long enough, and a word
/// rather than a number (a house number one digit off is another house).
pub fn is_fuzzy_term(term: &str) -> bool {
    term.len() >= FUZZY_MIN_LEN && term.chars().all(|c| c.is_ascii_lowercase())
}

/// The term and every string made by deleting one character from it.
pub fn deletion_variants(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut out = vec![term.to_string()];
    for i in 0..chars.len() {
        let v: String = chars
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| c)
            .collect();
        out.push(v);
    }
    out.sort();
    out.dedup();
    out
}

/// Optimal string alignment distance of at most one.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if la == lb {
        let transposed =
            p + 1 < la && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..];
        return transposed || a[p + 1..] == b[p + 1..];
    }
    let (long, short) = if la > lb { (&a, &b) } else { (&b, &a) };
    long[p + 1..] == short[p..]
}

/// Smallest string greater than every string starting with `prefix`
/// (terms are ASCII lower-case letters and digits).
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push('\u{7f}');
    s
}

/// How one query term is matched against the index.
#[derive(Clone, Debug, PartialEq)]
pub struct TermMatch {
    pub prefix: String,
    /// Indexed terms one edit away from the query term.
    pub fuzzy: Vec<String>,
}

crate::str_enum!(MatchKind {
    Phone => "phone",
    AccountNumber => "account_number",
    Email => "email",
    Name => "name",
    Address => "address",
});

crate::str_enum!(TermField { Name => "name", Address => "address" });

/// One row of lookup results: an account (when the match belongs to one)
/// and the person matched, with what matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LookupHit {
    pub account_id: Option<AccountId>,
    pub account_number: Option<String>,
    pub account_name: Option<String>,
    pub account_status: Option<AccountStatus>,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub role: Option<RoleKind>,
    pub matched: MatchKind,
    /// The matched value: the phone, e-mail, name or address.
    pub matched_text: String,
    /// Higher is better; identifier matches score 1000.
    pub score: u32,
    /// What tells two "David Smith"s apart: the account's service city and
    /// the last four digits of the person's primary phone.
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub phone_ending: Option<String>,
}

/// Current holders and representatives before former holders, and open
/// accounts before closed ones, at the same score.
pub fn standing_rank(h: &LookupHit) -> u8 {
    let role = match h.role {
        Some(RoleKind::Holder) => 0,
        Some(RoleKind::AuthorizedRepresentative) => 1,
        None => 2,
        Some(_) => 3,
    };
    let closed = matches!(
        h.account_status,
        Some(crate::customers::model::AccountStatus::Closed)
    );
    role + if closed { 4 } else { 0 }
}

/// A page of lookup results: the best `hits`, how many matched in all (up
/// to the cap), and whether there were more than that.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LookupPage {
    pub hits: Vec<LookupHit>,
    pub total: usize,
    pub more: bool,
}

pub const IDENTIFIER_SCORE: u32 = 1000;

/// Whether every query term matches some word of `text` (prefix, or one
/// edit for longer words).
pub fn all_terms_match(query_terms: &[String], text: &str) -> bool {
    let target = normalize_terms(text);
    query_terms.iter().all(|q| {
        is_address_stopword(q)
            || target
                .iter()
                .any(|t| t.starts_with(q.as_str()) || (is_fuzzy_term(q) && within_one_edit(q, t)))
    })
}

/// Score a name or address hit against the query terms: per term, an exact
/// term match counts 3, a prefix 2, a one-edit match 1.
pub fn score_terms(query_terms: &[String], matched_text: &str) -> u32 {
    let target = normalize_terms(matched_text);
    let mut total = 0;
    for q in query_terms {
        let best = target
            .iter()
            .map(|t| {
                if t == q {
                    3
                } else if t.starts_with(q.as_str()) {
                    2
                } else if is_fuzzy_term(q) && within_one_edit(q, t) {
                    1
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0);
        total += best;
    }
    total * 10 + u32::from(target.len() == query_terms.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_shapes_pick_identifiers() {
        let q = parse_query("(555) 010-2030", "US");
        assert_eq!(q.phone.unwrap().as_str(), "+15550102030");
        assert!(q.terms.is_empty());
        let q = parse_query("Ana@Example.com", "US");
        assert_eq!(q.email.unwrap().as_str(), "ana@example.com");
        let q = parse_query("em00012345", "US");
        assert_eq!(q.account_number.unwrap().as_str(), "EM00012345");
        assert_eq!(q.terms, vec!["em00012345"]);
        let q = parse_query("José  Álvarez", "US");
        assert_eq!(q.terms, vec!["jose", "alvarez"]);
        assert!(q.phone.is_none() && q.account_number.is_none());
    }

    #[test]
    fn one_edit_covers_typos_and_nothing_more() {
        for (a, b) in [
            ("alvarez", "alvarez"),
            ("alvarez", "alvares"),
            ("alvarez", "alvrez"),
            ("alvarez", "allvarez"),
            ("alvarez", "avlarez"),
            ("rosa", "rsoa"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
            assert!(within_one_edit(b, a), "{b} {a}");
        }
        for (a, b) in [
            ("alvarez", "alvzrex"),
            ("rosa", "ro"),
            ("rosa", "asor"),
            ("smith", "smyht"),
        ] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
    }

    #[test]
    fn a_typo_shares_a_deletion_variant_with_the_word() {
        let typo = deletion_variants("alvrez");
        let word = deletion_variants("alvarez");
        assert!(typo.iter().any(|v| word.contains(v)));
        let transposed = deletion_variants("avlarez");
        assert!(transposed.iter().any(|v| word.contains(v)));
    }

    #[test]
    fn exact_beats_prefix_beats_typo() {
        let q = vec!["rosa".to_string()];
        let exact = score_terms(&q, "Rosa Alvarez");
        let prefix = score_terms(&q, "Rosalind Alvarez");
        let typo = score_terms(&q, "Rossa Alvarez");
        assert!(
            exact > prefix && prefix > typo && typo > 0,
            "{exact} {prefix} {typo}"
        );
        assert_eq!(score_terms(&q, "Ben Okafor"), 0);
    }

    #[test]
    fn pairs_cover_both_orders() {
        let t = vec!["rosa".to_string(), "alvarez".to_string()];
        assert_eq!(name_pairs(&t), vec!["rosa\u{1}alvarez", "alvarez\u{1}rosa"]);
        let p = format!("alvarez{PAIR_SEPARATOR}ro");
        assert!(
            p.as_str() <= "alvarez\u{1}rosa"
                && "alvarez\u{1}rosa" < prefix_upper_bound(&p).as_str()
        );
        assert!("alvarezz\u{1}a" > prefix_upper_bound(&p).as_str());
    }

    #[test]
    fn prefix_bound_orders_after_every_extension() {
        let ub = prefix_upper_bound("alv");
        assert!("alvarez" < ub.as_str() && "alw" > ub.as_str() && "alv" < ub.as_str());
        assert!("alvzzzz9" < ub.as_str());
    }
}
