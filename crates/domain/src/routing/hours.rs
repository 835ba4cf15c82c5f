//! Opening hours per queue, in the queue's own time zone, written the way
//! people write them: `24/7`, or `mon-fri 08:00-18:00; sat 09:00-13:00`.

use crate::error::{DomainError, Result};
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub day: Weekday,
    pub open: Time,
    pub close: Time,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hours {
    pub always: bool,
    pub windows: Vec<Window>,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

fn day(s: &str) -> Result<usize> {
    DAYS.iter().position(|(n, _)| *n == s).ok_or_else(|| {
        DomainError::invalid(
            "hours",
            format!("unknown day \"{s}\"; use mon, tue, wed, thu, fri, sat, sun"),
        )
    })
}

fn time(s: &str) -> Result<Time> {
    let bad = || DomainError::invalid("hours", format!("\"{s}\" is not a time like 08:00"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h == 24 && m == 0 {
        return Ok(Time::MAX);
    }
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

impl Hours {
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim().to_lowercase();
        if spec == "24/7" || spec == "always" {
            return Ok(Self {
                always: true,
                windows: Vec::new(),
            });
        }
        let mut windows = Vec::new();
        for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, times) = part.split_once(' ').ok_or_else(|| {
                DomainError::invalid(
                    "hours",
                    format!("\"{part}\" needs days and times, e.g. mon-fri 08:00-18:00"),
                )
            })?;
            let (a, b) = days.split_once('-').unwrap_or((days, days));
            let (from, to) = (day(a)?, day(b)?);
            if to < from {
                return Err(DomainError::invalid(
                    "hours",
                    format!("\"{days}\" runs backwards"),
                ));
            }
            let (o, c) = times.trim().split_once('-').ok_or_else(|| {
                DomainError::invalid(
                    "hours",
                    format!("\"{times}\" is not a range like 08:00-18:00"),
                )
            })?;
            let (open, close) = (time(o)?, time(c)?);
            if close <= open {
                return Err(DomainError::invalid(
                    "hours",
                    format!("{o}-{c} closes before it opens"),
                ));
            }
            for (_, d) in &DAYS[from..=to] {
                windows.push(Window {
                    day: *d,
                    open,
                    close,
                });
            }
        }
        if windows.is_empty() {
            return Err(DomainError::invalid(
                "hours",
                "give opening hours, e.g. mon-fri 08:00-18:00, or 24/7",
            ));
        }
        Ok(Self {
            always: false,
            windows,
        })
    }

    pub fn is_open(&self, tz: &TimeZone, at: Timestamp) -> bool {
        if self.always {
            return true;
        }
        let local = at.to_zoned(tz.clone());
        let (d, t) = (local.weekday(), local.time());
        self.windows
            .iter()
            .any(|w| w.day == d && w.open <= t && t < w.close)
    }

    /// The next moment the queue opens after `at` (`at` itself when open).
    pub fn next_opening(&self, tz: &TimeZone, at: Timestamp) -> Option<Zoned> {
        let local = at.to_zoned(tz.clone());
        if self.is_open(tz, at) {
            return Some(local);
        }
        let mut best: Option<Zoned> = None;
        for offset in 0..8 {
            let date = local
                .date()
                .checked_add(jiff::Span::new().days(offset))
                .ok()?;
            for w in self.windows.iter().filter(|w| w.day == date.weekday()) {
                let Ok(start) = date.to_datetime(w.open).to_zoned(tz.clone()) else {
                    continue;
                };
                if start.timestamp() > at
                    && best
                        .as_ref()
                        .is_none_or(|b| start.timestamp() < b.timestamp())
                {
                    best = Some(start);
                }
            }
            if best.is_some() {
                break;
            }
        }
        best
    }
}

pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name.trim()).map_err(|_| {
        DomainError::invalid(
            "time_zone",
            format!("unknown time zone \"{name}\"; use a name like America/New_York"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, tz: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(time_zone(tz).unwrap())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn day_hours_open_and_close_in_local_time() {
        let h = Hours::parse("Mon-Fri 08:00-18:00; sat 09:00-13:00").unwrap();
        let tz = time_zone("America/Chicago").unwrap();
        assert!(
            h.is_open(&tz, at("2026-11-23T08:00", "America/Chicago")),
            "Monday 08:00"
        );
        assert!(
            !h.is_open(&tz, at("2026-11-23T18:00", "America/Chicago")),
            "closing time is closed"
        );
        assert!(!h.is_open(&tz, at("2026-11-23T04:45", "America/Chicago")));
        assert!(
            !h.is_open(&tz, at("2026-11-22T10:00", "America/Chicago")),
            "Sunday"
        );
        let next = h
            .next_opening(&tz, at("2026-11-21T14:00", "America/Chicago"))
            .unwrap();
        assert_eq!(
            next.datetime().to_string(),
            "2026-11-23T08:00:00",
            "Saturday afternoon → Monday 08:00"
        );
        let next = h
            .next_opening(&tz, at("2026-11-23T04:45", "America/Chicago"))
            .unwrap();
        assert_eq!(
            next.datetime().to_string(),
            "2026-11-23T08:00:00",
            "early morning → same day"
        );
    }

    #[test]
    fn always_open_is_open_at_4_45() {
        let h = Hours::parse("24/7").unwrap();
        let tz = time_zone("Europe/Dublin").unwrap();
        assert!(h.is_open(&tz, at("2026-11-23T04:45", "Europe/Dublin")));
    }

    #[test]
    fn bad_hours_say_what_is_wrong() {
        for bad in [
            "",
            "mon",
            "mon 08:00",
            "xyz 08:00-10:00",
            "fri-mon 08:00-10:00",
            "mon 18:00-08:00",
            "mon 25:00-26:00",
        ] {
            assert!(
                matches!(Hours::parse(bad), Err(DomainError::Invalid { ref field, .. }) if field == "hours"),
                "{bad:?}"
            );
        }
        assert!(time_zone("Mars/Olympus").is_err());
    }
}
