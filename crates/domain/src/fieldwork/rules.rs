//! The work order's state machine, appointments and what a completion
//! report makes of a work order.
//!
//! ```text
//! requested ──▶ scheduled ──▶ dispatched ──▶ on_site ──▶ completed
//!     │             │  ▲           │            ├──────▶ partially_completed
//!     │             └──┘           │            └──────▶ not_completed (reason)
//!     └─────────────┴──────────────┴──────▶ cancelled (reason)
//! ```
//! A scheduled work order may be scheduled again (another day, window or
//! technician). Completed, partially completed, not completed and
//! cancelled are final.

use super::model::*;
use crate::error::{DomainError, Result};
use jiff::civil::Time;

pub fn can_become(from: WorkOrderState, to: WorkOrderState) -> bool {
    use WorkOrderState::*;
    matches!(
        (from, to),
        (Requested, Scheduled)
            | (Scheduled, Scheduled)
            | (Scheduled, Dispatched)
            | (Dispatched, OnSite)
            | (OnSite, Completed | PartiallyCompleted | NotCompleted)
            | (Requested | Scheduled | Dispatched, Cancelled)
    )
}

pub fn is_final(s: WorkOrderState) -> bool {
    use WorkOrderState::*;
    matches!(s, Completed | PartiallyCompleted | NotCompleted | Cancelled)
}

/// Why a step is refused, in words for the dispatcher or technician.
pub fn check(from: WorkOrderState, to: WorkOrderState) -> Result<()> {
    use WorkOrderState::*;
    if can_become(from, to) {
        return Ok(());
    }
    let said = |s: WorkOrderState| s.as_str().replace('_', " ");
    let why = match (from, to) {
        (f, _) if is_final(f) => format!(
            "this work order is already {}; it cannot become {}",
            said(f),
            said(to)
        ),
        (OnSite, Cancelled) => {
            "the technician is on site: finish with a completion report (not completed, with its reason)".into()
        }
        (Requested, Dispatched | OnSite) => "schedule it first (a day, a window and a technician)".into(),
        (_, Completed | PartiallyCompleted | NotCompleted) => {
            "only a technician on site files the completion report".into()
        }
        (_, OnSite) => "dispatch it first".into(),
        _ => format!("a {} work order cannot become {}", said(from), said(to)),
    };
    Err(DomainError::Conflict(why))
}

/// How long a visit of this kind is expected to take, in minutes.
pub fn expected_minutes(k: WorkOrderKind) -> i64 {
    match k {
        WorkOrderKind::Install => 120,
        WorkOrderKind::Repair => 60,
        WorkOrderKind::Disconnect | WorkOrderKind::Reconnect => 30,
        WorkOrderKind::EquipmentPickup => 20,
    }
}

/// Minutes since midnight.
fn mins(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// The span a visit may take: from the window's start to its end plus the
/// visit's expected length (arriving late in the window still works).
pub fn busy(start: Time, end: Time, minutes: i64) -> (i64, i64) {
    (mins(start), mins(end) + minutes)
}

/// Two visits of one technician on one day overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A technician's working day unless set otherwise.
pub const WORKING_HOURS: (i64, i64) = (8 * 60, 18 * 60);

/// Whether a visit fits in the working day (Monday to Friday, 08:00–18:00),
/// and why not.
pub fn within_hours(day: jiff::civil::Date, span: (i64, i64)) -> Result<()> {
    use jiff::civil::Weekday::*;
    if matches!(day.weekday(), Saturday | Sunday) {
        return Err(DomainError::invalid(
            "day",
            format!(
                "{} is a {}: technicians work Monday to Friday",
                day,
                day.strftime("%A")
            ),
        ));
    }
    if span.0 < WORKING_HOURS.0 || span.1 > WORKING_HOURS.1 {
        return Err(DomainError::invalid(
            "window_start",
            format!(
                "the visit would run {}–{}, outside working hours (08:00–18:00)",
                hm(span.0),
                hm(span.1)
            ),
        ));
    }
    Ok(())
}

/// "08:30" for minutes since midnight.
pub fn hm(m: i64) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The free windows of a working day around the busy spans (each at least
/// `min` minutes), for the dispatch board.
pub fn free_windows(mut busy: Vec<(i64, i64)>, min: i64) -> Vec<(i64, i64)> {
    busy.sort_unstable();
    let mut out = Vec::new();
    let mut at = WORKING_HOURS.0;
    for (a, b) in busy {
        if a - at >= min {
            out.push((at, a.min(WORKING_HOURS.1)));
        }
        at = at.max(b);
    }
    if WORKING_HOURS.1 - at >= min {
        out.push((at, WORKING_HOURS.1));
    }
    out
}

/// The state a completion report leads to: every concerned line
/// installed → completed; some → partially completed; none → not
/// completed (a reason is then required).
pub fn outcome_of(report: &CompletionInput) -> Result<WorkOrderState> {
    if report.lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "say for each product whether it was installed",
        ));
    }
    for (i, l) in report.lines.iter().enumerate() {
        if !l.installed && l.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(DomainError::invalid(
                format!("lines[{i}].reason"),
                "say why it was not installed",
            ));
        }
    }
    let done = report.lines.iter().filter(|l| l.installed).count();
    Ok(if done == report.lines.len() {
        WorkOrderState::Completed
    } else if done > 0 {
        WorkOrderState::PartiallyCompleted
    } else {
        if report.not_completed_reason.is_none() {
            return Err(DomainError::invalid(
                "not_completed_reason",
                "nothing was installed: choose why (no access, customer absent, fault found, safety, other)",
            ));
        }
        WorkOrderState::NotCompleted
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkOrderState::*;

    #[test]
    fn every_pair_of_states_is_decided_here() {
        let allowed = [
            (Requested, Scheduled),
            (Scheduled, Scheduled),
            (Scheduled, Dispatched),
            (Dispatched, OnSite),
            (OnSite, Completed),
            (OnSite, PartiallyCompleted),
            (OnSite, NotCompleted),
            (Requested, Cancelled),
            (Scheduled, Cancelled),
            (Dispatched, Cancelled),
        ];
        for from in WorkOrderState::ALL {
            for to in WorkOrderState::ALL {
                assert_eq!(
                    can_become(*from, *to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
                assert_eq!(check(*from, *to).is_ok(), can_become(*from, *to));
                if is_final(*from) {
                    assert!(!can_become(*from, *to), "{from} is final");
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let e = check(OnSite, Cancelled).unwrap_err().to_string();
        assert!(e.contains("completion report"), "{e}");
        let e = check(Completed, Cancelled).unwrap_err().to_string();
        assert!(e.contains("already completed"), "{e}");
        let e = check(Requested, Dispatched).unwrap_err().to_string();
        assert!(e.contains("schedule it first"), "{e}");
    }

    #[test]
    fn visits_overlap_by_window_and_length() {
        let t = |h, m| Time::new(h, m, 0, 0).unwrap();
        // 08:00–10:00 window, 2 h install: busy until noon.
        let a = busy(t(8, 0), t(10, 0), 120);
        assert_eq!(a, (480, 720));
        assert!(overlaps(a, busy(t(11, 0), t(12, 0), 60)));
        assert!(!overlaps(a, busy(t(12, 0), t(14, 0), 60)));
        assert_eq!(expected_minutes(WorkOrderKind::EquipmentPickup), 20);
    }

    #[test]
    fn free_windows_are_the_gaps_of_the_working_day() {
        assert_eq!(free_windows(vec![], 30), vec![(480, 1080)]);
        // 08:00–12:00 and 13:00–14:00 busy: 12:00–13:00 and 14:00–18:00 free.
        assert_eq!(
            free_windows(vec![(780, 840), (480, 720)], 30),
            vec![(720, 780), (840, 1080)]
        );
        // Overlapping and too-short gaps are left out.
        assert_eq!(
            free_windows(vec![(480, 600), (590, 700), (710, 1080)], 30),
            vec![]
        );
        let tue = jiff::civil::date(2026, 12, 1);
        assert!(within_hours(tue, (480, 600)).is_ok());
        let e = within_hours(tue, (960, 1140)).unwrap_err().to_string();
        assert!(e.contains("16:00–19:00, outside working hours"), "{e}");
        let e = within_hours(jiff::civil::date(2026, 12, 5), (480, 600))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Saturday"), "{e}");
    }

    fn line(installed: bool, reason: Option<&str>) -> ReportLineInput {
        ReportLineInput {
            subscription_id: crate::ids::SubscriptionId::new(),
            installed,
            reason: reason.map(Into::into),
            measurements: Vec::new(),
        }
    }

    #[test]
    fn the_report_decides_the_outcome_not_the_remark() {
        let r = |lines, why| CompletionInput {
            lines,
            not_completed_reason: why,
            remark: Some("Customer was rude, never again. Cancel everything!".into()),
            ..Default::default()
        };
        assert_eq!(
            outcome_of(&r(vec![line(true, None), line(true, None)], None)).unwrap(),
            Completed
        );
        assert_eq!(
            outcome_of(&r(
                vec![
                    line(true, None),
                    line(false, Some("no dial tone at the box"))
                ],
                None
            ))
            .unwrap(),
            PartiallyCompleted
        );
        let e = outcome_of(&r(vec![line(false, None)], None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("lines[0].reason"), "{e}");
        assert!(outcome_of(&r(vec![line(false, Some("x"))], None)).is_err());
        assert_eq!(
            outcome_of(&r(
                vec![line(false, Some("x"))],
                Some(NotDoneReason::NoAccess)
            ))
            .unwrap(),
            NotCompleted
        );
    }
}
