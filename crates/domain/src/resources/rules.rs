//! The rules of numbers, equipment and porting, without storage.

use super::model::*;
use crate::error::{DomainError, Result};
use crate::ids::AccountId;
use jiff::Timestamp;

/// A North American number in E.164 (`+15125550123`) from any common
/// written form: "(512) 555-0123", "512.555.0123", "1 512 555 0123".
/// Written for speed (imports of a million numbers) and because the
/// inventory is NANP only; customers' own numbers go through
/// `customers::values::PhoneNumber` (every region).
pub fn nanp(field: &str, input: &str) -> Result<String> {
    let t = input.trim();
    if t.is_empty() {
        return Err(DomainError::invalid(field, "a phone number is required"));
    }
    if t.chars()
        .any(|c| !(c.is_ascii_digit() || " ()+-.".contains(c)))
    {
        return Err(DomainError::invalid(
            field,
            "a phone number may contain only digits, spaces and ( ) + - .",
        ));
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        n => {
            return Err(DomainError::invalid(
                field,
                format!("a North American number has 10 digits (or 1 and 10); this one has {n}"),
            ));
        }
    };
    let b = national.as_bytes();
    if b[0] < b'2' || b[3] < b'2' {
        return Err(DomainError::invalid(
            field,
            "the area code and the exchange cannot start with 0 or 1",
        ));
    }
    Ok(format!("+1{national}"))
}

/// "+15125550123" as "(512) 555-0123".
pub fn display(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
        _ => e164.to_string(),
    }
}

/// What a number is now: a reservation or an aging period that ended
/// makes it available without anyone writing it.
pub fn effective(n: &PhoneNumber, now: Timestamp) -> NumberState {
    match n.state {
        NumberState::Reserved | NumberState::Aging if n.until.is_some_and(|u| u <= now) => {
            NumberState::Available
        }
        s => s,
    }
}

fn day(t: Option<Timestamp>) -> String {
    t.map(|t| {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%-d %b %Y")
            .to_string()
    })
    .unwrap_or_default()
}

/// May `account` take this number (activate it on a phone service)? An
/// aging number goes back to its previous account only.
pub fn may_take(n: &PhoneNumber, account: AccountId, now: Timestamp) -> Result<()> {
    let shown = display(&n.number);
    match effective(n, now) {
        NumberState::Available => Ok(()),
        NumberState::Reserved if n.account_id == Some(account) => Ok(()),
        NumberState::Reserved => Err(format!(
            "{shown} is reserved for another account until {}",
            day(n.until)
        )),
        NumberState::Aging if n.account_id == Some(account) => Ok(()),
        NumberState::Aging => Err(format!(
            "{shown} is aging, quarantined to its previous account until {}: it cannot be given to another account",
            day(n.until)
        )),
        // Ported in before the phone service existed: it goes on it now.
        NumberState::Assigned if n.account_id == Some(account) && n.subscription_id.is_none() => {
            Ok(())
        }
        NumberState::Assigned if n.account_id == Some(account) => {
            Err(format!("{shown} is already on one of this account's services"))
        }
        NumberState::Assigned => Err(format!("{shown} is assigned to another account")),
        NumberState::PortingIn => Err(format!("{shown} is being ported in")),
        NumberState::PortedOut => Err(format!("{shown} was ported out to another provider")),
        NumberState::Administrative => Err(format!("{shown} is held for administration")),
    }
    .map_err(DomainError::Conflict)
}

/// The moves a person may make by hand (the rest follow from reports,
/// cancellations and port orders): reserve and release, administration,
/// port out.
pub fn number_step_allowed(from: NumberState, to: NumberState) -> bool {
    use NumberState::*;
    matches!(
        (from, to),
        (Available, Reserved)
            | (Reserved, Available)
            | (Reserved, Reserved)
            | (Available, Administrative)
            | (Administrative, Available)
            | (Assigned, PortedOut)
    )
}

/// Days a number ages before another account may have it: 47 CFR
/// 52.15(f)(1)(ii): at least 45 days, at most 90 for residential numbers
/// and 365 for business numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgingPolicy {
    pub residential_days: i64,
    pub business_days: i64,
}

impl Default for AgingPolicy {
    fn default() -> Self {
        Self {
            residential_days: 90,
            business_days: 365,
        }
    }
}

impl AgingPolicy {
    pub fn new(residential_days: i64, business_days: i64) -> std::result::Result<Self, String> {
        if !(45..=90).contains(&residential_days) {
            return Err(
                "number_aging_residential_days: must be between 45 and 90 (47 CFR 52.15(f))".into(),
            );
        }
        if !(45..=365).contains(&business_days) {
            return Err(
                "number_aging_business_days: must be between 45 and 365 (47 CFR 52.15(f))".into(),
            );
        }
        Ok(Self {
            residential_days,
            business_days,
        })
    }

    pub fn days(&self, business: bool) -> i64 {
        if business {
            self.business_days
        } else {
            self.residential_days
        }
    }
}

pub fn equipment_allowed(from: EquipmentState, to: EquipmentState) -> bool {
    use EquipmentState::*;
    matches!(
        (from, to),
        (InStock, InStock)
            | (InStock, Assigned)
            | (InStock, Retired)
            | (Assigned, PendingReturn)
            | (Assigned, Returned)
            | (PendingReturn, Assigned)
            | (PendingReturn, Returned)
            | (Returned, InStock)
            | (Returned, Retired)
    )
}

pub fn port_allowed(from: PortState, to: PortState) -> bool {
    use PortState::*;
    matches!(
        (from, to),
        (Unconfirmed, Submitted)
            | (Submitted, Pending)
            | (Pending, Scheduled)
            | (Scheduled, Scheduled)
            | (Scheduled, Completed)
            | (Unconfirmed | Submitted | Pending | Scheduled, Rejected)
            | (
                Unconfirmed | Submitted | Pending | Scheduled | Rejected,
                Cancelled
            )
            | (Rejected, Submitted)
    )
}

pub fn check_port(from: PortState, to: PortState) -> Result<()> {
    if port_allowed(from, to) {
        Ok(())
    } else {
        Err(DomainError::Conflict(format!(
            "a port order that is {} cannot become {}",
            from.as_str().replace('_', " "),
            to.as_str().replace('_', " ")
        )))
    }
}

/// How to find numbers: the range of numbers to look in, the range of
/// reversed numbers when the pattern ends in fixed digits (so "ends in
/// 7777" reads an index, not every number of an area code), and the
/// pattern as SQL LIKE.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberSearch {
    pub lo: String,
    pub hi: String,
    pub rev: Option<(String, String)>,
    pub like: String,
}

/// The ten national digits reversed: "+15125550123" → "3210555215".
pub fn reversed(e164: &str) -> String {
    e164.trim_start_matches("+1").chars().rev().collect()
}

/// An area code and a pattern of digits and wildcards (`*` any digits,
/// `?` or `x` one digit), matched against the end of the ten digits: "7777"
/// ends in 7777, "55501??" ends in 55501 and two digits; ten characters
/// (or a `*` inside) pin the start too: "512555????".
pub fn number_search(area_code: Option<&str>, pattern: Option<&str>) -> Result<NumberSearch> {
    let (mut lo, mut hi) = match area_code.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => {
            if a.len() != 3 || !a.chars().all(|c| c.is_ascii_digit()) || a.starts_with(['0', '1']) {
                return Err(DomainError::invalid(
                    "area_code",
                    "three digits, not starting with 0 or 1",
                ));
            }
            (format!("+1{a}"), format!("+1{a}:"))
        }
        None => ("+1".to_string(), "+1:".to_string()),
    };
    let t: String = pattern
        .unwrap_or("")
        .chars()
        .filter(|c| !" -().".contains(*c))
        .map(|c| if c == 'X' || c == 'x' { '?' } else { c })
        .collect();
    if t.len() > 10
        || t.chars()
            .any(|c| !(c.is_ascii_digit() || c == '*' || c == '?'))
    {
        return Err(DomainError::invalid(
            "pattern",
            "digits with * (any digits) or ? (one digit), at most 10",
        ));
    }
    if t.is_empty() || t.chars().all(|c| c == '*') {
        return Ok(NumberSearch {
            lo,
            hi,
            rev: None,
            like: "+1%".into(),
        });
    }
    let body: String = t
        .chars()
        .map(|c| match c {
            '*' => '%',
            '?' => '_',
            d => d,
        })
        .collect();
    // Pinned at the start: ten characters, or a star that is not leading.
    let pinned = (t.len() == 10 && !t.contains('*')) || (t.contains('*') && !t.starts_with('*'));
    // A leading star already matches any start.
    let like = if pinned || t.starts_with('*') {
        format!("+1{body}")
    } else {
        format!("+1%{body}")
    };
    if pinned {
        let lead: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !lead.is_empty() {
            let (l, h) = (format!("+1{lead}"), format!("+1{lead}:"));
            lo = lo.max(l);
            hi = hi.min(h);
        }
    }
    // Three or more fixed last digits pick at most one number in a
    // thousand: read those by the reversed index. Fewer match often
    // enough that reading the range in order finds the first ones sooner.
    let tail: String = t.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
    let rev = (tail.len() >= 3).then(|| (tail.clone(), format!("{tail}:")));
    Ok(NumberSearch { lo, hi, rev, like })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(state: NumberState, acc: Option<AccountId>, until: Option<Timestamp>) -> PhoneNumber {
        PhoneNumber {
            number: "+15125550123".into(),
            state,
            account_id: acc,
            subscription_id: None,
            since: None,
            until,
            note: None,
            version: 1,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn numbers_in_common_forms() {
        assert_eq!(nanp("n", "(512) 555-0123").unwrap(), "+15125550123");
        assert_eq!(nanp("n", "+1 512 555 0123").unwrap(), "+15125550123");
        assert_eq!(nanp("n", "15125550123").unwrap(), "+15125550123");
        assert!(nanp("n", "555-0123").is_err());
        assert!(nanp("n", "(112) 555-0123").is_err());
        assert!(nanp("n", "512 055 0123").is_err());
        assert!(nanp("n", "512a5550123").is_err());
        assert_eq!(display("+15125550123"), "(512) 555-0123");
    }

    #[test]
    fn an_aging_number_goes_back_to_its_account_only() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let later = Timestamp::from_second(2_000_000).unwrap();
        let mine = AccountId::new();
        let other = AccountId::new();
        let aging = n(NumberState::Aging, Some(mine), Some(later));
        assert!(may_take(&aging, mine, now).is_ok());
        let e = may_take(&aging, other, now).unwrap_err().to_string();
        assert!(e.contains("quarantined to its previous account"), "{e}");
        // After the aging period anyone may have it.
        assert!(may_take(&aging, other, later).is_ok());
        assert_eq!(effective(&aging, later), NumberState::Available);
    }

    #[test]
    fn reservations_hold_until_they_expire() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let later = Timestamp::from_second(2_000_000).unwrap();
        let (a, b) = (AccountId::new(), AccountId::new());
        let r = n(NumberState::Reserved, Some(a), Some(later));
        assert!(may_take(&r, a, now).is_ok());
        assert!(may_take(&r, b, now).is_err());
        assert!(may_take(&r, b, later).is_ok());
        for s in [
            NumberState::Assigned,
            NumberState::PortingIn,
            NumberState::PortedOut,
            NumberState::Administrative,
        ] {
            assert!(may_take(&n(s, Some(b), None), a, now).is_err(), "{s}");
        }
        assert!(may_take(&n(NumberState::Available, None, None), a, now).is_ok());
    }

    #[test]
    fn every_pair_of_number_states_by_hand() {
        use NumberState::*;
        let allowed = [
            (Available, Reserved),
            (Reserved, Available),
            (Reserved, Reserved),
            (Available, Administrative),
            (Administrative, Available),
            (Assigned, PortedOut),
        ];
        for a in NumberState::ALL {
            for b in NumberState::ALL {
                assert_eq!(
                    number_step_allowed(*a, *b),
                    allowed.contains(&(*a, *b)),
                    "{a} → {b}"
                );
            }
        }
    }

    #[test]
    fn every_pair_of_equipment_states() {
        use EquipmentState::*;
        let allowed = [
            (InStock, InStock),
            (InStock, Assigned),
            (InStock, Retired),
            (Assigned, PendingReturn),
            (Assigned, Returned),
            (PendingReturn, Assigned),
            (PendingReturn, Returned),
            (Returned, InStock),
            (Returned, Retired),
        ];
        for a in EquipmentState::ALL {
            for b in EquipmentState::ALL {
                assert_eq!(
                    equipment_allowed(*a, *b),
                    allowed.contains(&(*a, *b)),
                    "{a} → {b}"
                );
            }
        }
    }

    #[test]
    fn every_pair_of_port_states() {
        use PortState::*;
        let open = [Unconfirmed, Submitted, Pending, Scheduled];
        for a in PortState::ALL {
            for b in PortState::ALL {
                let expect = matches!(
                    (*a, *b),
                    (Unconfirmed, Submitted)
                        | (Submitted, Pending)
                        | (Pending, Scheduled)
                        | (Scheduled, Scheduled)
                        | (Scheduled, Completed)
                        | (Rejected, Submitted)
                        | (Rejected, Cancelled)
                ) || (open.contains(a) && matches!(b, Rejected | Cancelled));
                assert_eq!(port_allowed(*a, *b), expect, "{a} → {b}");
                assert_eq!(check_port(*a, *b).is_ok(), expect);
            }
        }
        // Final states stay final (a rejected one may be sent again).
        for b in PortState::ALL {
            assert!(!port_allowed(Completed, *b));
            assert!(!port_allowed(Cancelled, *b));
        }
    }

    #[test]
    fn aging_within_the_rule() {
        assert!(AgingPolicy::new(44, 365).is_err());
        assert!(AgingPolicy::new(91, 365).is_err());
        assert!(AgingPolicy::new(45, 366).is_err());
        let p = AgingPolicy::new(60, 180).unwrap();
        assert_eq!(p.days(false), 60);
        assert_eq!(p.days(true), 180);
    }

    #[test]
    fn patterns_read_an_index_where_they_can() {
        let p = number_search(Some("512"), Some("7777")).unwrap();
        assert_eq!((p.lo.as_str(), p.hi.as_str()), ("+1512", "+1512:"));
        assert_eq!(p.like, "+1%7777");
        assert_eq!(
            p.rev,
            Some(("7777".into(), "7777:".into())),
            "ends in 7777: by the reversed index"
        );
        let p = number_search(None, Some("512555????")).unwrap();
        assert_eq!(
            (p.lo.as_str(), p.hi.as_str(), p.like.as_str()),
            ("+1512555", "+1512555:", "+1512555____")
        );
        assert_eq!(p.rev, None);
        let p = number_search(Some("217"), Some("512*77")).unwrap();
        assert!(p.lo >= p.hi, "pinned to 512 within 217: nothing");
        let p = number_search(Some("217"), Some("*01?")).unwrap();
        assert_eq!((p.like.as_str(), p.rev.clone()), ("+1%01_", None));
        let p = number_search(Some("217"), Some("77")).unwrap();
        assert_eq!(
            p.rev, None,
            "two last digits match one in a hundred: read in order"
        );
        let p = number_search(None, Some("(555) 01-2x")).unwrap();
        assert_eq!(p.like, "+1%555012_");
        assert_eq!(number_search(None, None).unwrap().like, "+1%");
        assert!(number_search(None, Some("12345678901")).is_err());
        assert!(number_search(None, Some("5%5")).is_err());
        assert!(number_search(Some("017"), None).is_err());
        assert_eq!(reversed("+15125550123"), "3210555215");
    }
}
