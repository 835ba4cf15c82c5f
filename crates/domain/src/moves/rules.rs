//! Readings, gaps and overlaps.

use crate::error::{DomainError, Result};
use jiff::civil::Date;

/// A reading as read ("18342.5") in thousandths, to compare exactly.
pub fn milli(field: &str, value: &str) -> Result<i64> {
    let v = value.trim();
    let bad = || DomainError::invalid(field, "a number like 18342.5 (up to three decimals)");
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 3
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    Ok(w * 1000 + f)
}

/// A reading below the meter's last is refused unless the meter changed.
/// `shown` is the last reading in words, or None when another account
/// took it (its figures are not theirs to see).
pub fn check_reading(
    new: i64,
    last: Option<(i64, Option<&str>)>,
    meter_change: bool,
) -> Result<()> {
    match last {
        Some((last, shown)) if new < last && !meter_change => Err(DomainError::invalid(
            "reading.value",
            match shown {
                Some(shown) => format!(
                    "is below the meter's last reading ({shown}); tick meter change if the meter was replaced"
                ),
                None => {
                    "is below the meter's last reading; tick meter change if the meter was replaced"
                        .into()
                }
            },
        )),
        _ => Ok(()),
    }
}

/// Between the stop at the old address and the start at the new one: a
/// gap (without service) or an overlap (billed at both), in words.
pub fn gap(stop: Date, start: Date) -> Option<String> {
    let days = (start - stop).get_days();
    let day = |d: Date| d.strftime("%a %-d %b").to_string();
    match days {
        0 => None,
        d if d > 0 => Some(format!(
            "a gap: no service for {d} day{} between the stop on {} and the start on {}",
            if d == 1 { "" } else { "s" },
            day(stop),
            day(start)
        )),
        d => Some(format!(
            "an overlap: billed at both addresses for {} day{} (start {}, stop {})",
            -d,
            if d == -1 { "" } else { "s" },
            day(start),
            day(stop)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn readings_are_exact() {
        assert_eq!(milli("v", "18342.5").unwrap(), 18_342_500);
        assert_eq!(milli("v", "18342").unwrap(), 18_342_000);
        assert_eq!(milli("v", "0.125").unwrap(), 125);
        for bad in ["", "-1", "1.2345", "12a", ".5", "1e5", "1.2.3"] {
            assert!(milli("v", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_lower_reading_needs_a_meter_change() {
        let e = check_reading(100, Some((200, Some("0.2 kWh"))), false).unwrap_err();
        assert!(
            e.to_string()
                .contains("below the meter's last reading (0.2 kWh)"),
            "{e}"
        );
        assert!(check_reading(100, Some((200, Some("0.2 kWh"))), true).is_ok());
        assert!(check_reading(200, Some((200, Some("0.2 kWh"))), false).is_ok());
        assert!(check_reading(1, None, false).is_ok());
        let e = check_reading(100, Some((200, None)), false).unwrap_err();
        assert!(
            !e.to_string().contains("kWh"),
            "another account's figures stay hidden: {e}"
        );
    }

    #[test]
    fn gaps_and_overlaps_in_days() {
        let stop = date(2026, 12, 4);
        assert_eq!(gap(stop, stop), None);
        let g = gap(stop, date(2026, 12, 7)).unwrap();
        assert!(g.starts_with("a gap: no service for 3 days"), "{g}");
        let o = gap(stop, date(2026, 12, 3)).unwrap();
        assert!(
            o.starts_with("an overlap: billed at both addresses for 1 day "),
            "{o}"
        );
    }
}
