//! The follow-up state machine and its checks; pure.
//!
//! ```text
//!     scheduled --due day starts (job)--> due
//!     scheduled | due --reschedule (reason; counted)--> scheduled
//!     scheduled | due --reassign--> (same state, new owner)
//!     scheduled | due --cancel (reason)--> cancelled
//!     scheduled | due --outcome reached/declined--> done (done_by = caller)
//!     scheduled | due --no answer--> unchanged (an attempt; reschedule offered)
//!     due, its day passed --closed as missed (reason)--> missed
//! ```
//!
//! Nothing else moves it: a case resolved or handed over, a new contact,
//! a changed phone number, the owner away leave it as it is.

use super::model::*;
use crate::error::{DomainError, Result};
use jiff::civil::{Date, Time};

pub fn is_open(s: FollowUpState) -> bool {
    matches!(s, FollowUpState::Scheduled | FollowUpState::Due)
}

fn open_or_conflict(f: &FollowUp, doing: &str) -> Result<()> {
    if is_open(f.state) {
        Ok(())
    } else {
        Err(DomainError::Conflict(format!(
            "a follow-up that is {} cannot be {doing}",
            f.state
        )))
    }
}

/// A due day: a valid date, not before today (in the owner's zone).
pub fn check_due(field: &str, input: &str, today: Date) -> Result<Date> {
    let d = crate::customers::values::parse_date(field, input)?;
    if d < today {
        return Err(DomainError::invalid(
            field,
            format!("must be today ({today}) or later"),
        ));
    }
    if d > today.saturating_add(jiff::Span::new().years(2)) {
        return Err(DomainError::invalid(field, "must be within two years"));
    }
    Ok(d)
}

/// A window on the due day: both ends or neither, start before end.
pub fn check_window(
    start: Option<&str>,
    end: Option<&str>,
) -> Result<(Option<Time>, Option<Time>)> {
    let parse = |field: &str, s: Option<&str>| -> Result<Option<Time>> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<Time>()
                .map(Some)
                .map_err(|_| DomainError::invalid(field, "must be a time like 14:30")),
        }
    };
    let (a, b) = (parse("window_start", start)?, parse("window_end", end)?);
    match (a, b) {
        (Some(a), Some(b)) if a >= b => Err(DomainError::invalid(
            "window_end",
            "must be after the window's start",
        )),
        (Some(_), None) => Err(DomainError::invalid(
            "window_end",
            "is required with a start",
        )),
        (None, Some(_)) => Err(DomainError::invalid(
            "window_start",
            "is required with an end",
        )),
        w => Ok(w),
    }
}

/// The due day has started: scheduled → due. Anything else is left alone
/// (the job may run late, twice, or after a reschedule to a later day).
pub fn fall_due(f: &FollowUp, today: Date) -> Option<FollowUp> {
    if f.state != FollowUpState::Scheduled || f.due_on > today {
        return None;
    }
    let mut g = f.clone();
    g.state = FollowUpState::Due;
    g.version += 1;
    Some(g)
}

/// Moved to another day; counted, with a reason.
pub fn reschedule(
    f: &FollowUp,
    due_on: Date,
    window: (Option<Time>, Option<Time>),
    reason: &str,
) -> Result<FollowUp> {
    open_or_conflict(f, "rescheduled")?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "is required"));
    }
    let mut g = f.clone();
    g.due_on = due_on;
    (g.window_start, g.window_end) = window;
    g.state = FollowUpState::Scheduled;
    g.reschedules += 1;
    g.version += 1;
    Ok(g)
}

pub fn reassign(f: &FollowUp, owner: crate::ids::StaffId) -> Result<FollowUp> {
    open_or_conflict(f, "reassigned")?;
    if f.owner_id == owner {
        return Err(DomainError::invalid("owner_id", "already owns it"));
    }
    let mut g = f.clone();
    g.owner_id = owner;
    g.version += 1;
    Ok(g)
}

pub fn cancel(f: &FollowUp, reason: &str) -> Result<FollowUp> {
    open_or_conflict(f, "cancelled")?;
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "is required"));
    }
    let mut g = f.clone();
    g.state = FollowUpState::Cancelled;
    g.cancel_reason = Some(reason.trim().to_string());
    g.version += 1;
    Ok(g)
}

/// The outcome of a call: done, except "no answer" (an attempt; it stays
/// open and a reschedule is offered).
pub fn complete(
    f: &FollowUp,
    outcome: FollowUpOutcome,
    note: Option<String>,
    by: crate::ids::StaffId,
    at: jiff::Timestamp,
) -> Result<FollowUp> {
    open_or_conflict(f, "completed")?;
    let mut g = f.clone();
    g.outcome = Some(outcome);
    g.outcome_note = note;
    if outcome != FollowUpOutcome::NoAnswer {
        g.state = FollowUpState::Done;
        g.done_by = Some(by);
        g.done_at = Some(at);
    }
    g.version += 1;
    Ok(g)
}

/// Closed without the contact: only once its day has passed.
pub fn miss(f: &FollowUp, reason: &str, today: Date) -> Result<FollowUp> {
    open_or_conflict(f, "closed as missed")?;
    if f.due_on >= today {
        return Err(DomainError::Conflict(format!(
            "it is due on {}; it can be closed as missed once that day has passed",
            f.due_on
        )));
    }
    if reason.trim().is_empty() {
        return Err(DomainError::invalid("reason", "is required"));
    }
    let mut g = f.clone();
    g.state = FollowUpState::Missed;
    g.cancel_reason = Some(reason.trim().to_string());
    g.version += 1;
    Ok(g)
}

/// Its day has passed in the owner's zone and it is still open.
pub fn overdue(f: &FollowUp, today: Date) -> bool {
    is_open(f.state) && f.due_on < today
}

/// The first day on or after `d` that is not a weekend or a holiday (a
/// suggestion when scheduling; never forced).
pub fn next_working_day(d: Date, holidays: &[Date]) -> Date {
    let mut day = d;
    for _ in 0..31 {
        let weekend = matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        );
        if !weekend && !holidays.contains(&day) {
            return day;
        }
        day = day.tomorrow().unwrap_or(day);
    }
    d
}

/// Listed as "covering for NAME" for a reader who is not the owner: the
/// owner is away or offline and it is due (or overdue) today.
pub fn covering(f: &FollowUp, owner_presence: Option<&str>, today: Date) -> bool {
    is_open(f.state)
        && f.due_on <= today
        && matches!(owner_presence, None | Some("away") | Some("offline"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use jiff::civil::date;

    fn fu(state: FollowUpState, due: Date) -> FollowUp {
        FollowUp {
            id: FollowUpId::new(),
            account_id: AccountId::new(),
            person_id: PersonId::new(),
            contact_point_id: None,
            owner_id: StaffId::new(),
            case_id: None,
            created_from: None,
            purpose: "Check the line is stable".into(),
            due_on: due,
            window_start: None,
            window_end: None,
            state,
            outcome: None,
            outcome_note: None,
            cancel_reason: None,
            reschedules: 0,
            calling_interaction: None,
            created_by: StaffId::new(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            done_by: None,
            done_at: None,
            version: 1,
        }
    }

    #[test]
    fn it_falls_due_on_its_day_once_and_only_when_scheduled() {
        let f = fu(FollowUpState::Scheduled, date(2026, 11, 27));
        assert!(
            fall_due(&f, date(2026, 11, 26)).is_none(),
            "not the day before"
        );
        let g = fall_due(&f, date(2026, 11, 27)).unwrap_or_else(|| panic!("due"));
        assert_eq!((g.state, g.version), (FollowUpState::Due, 2));
        assert!(
            fall_due(&g, date(2026, 11, 27)).is_none(),
            "twice is nothing"
        );
        for s in [
            FollowUpState::Done,
            FollowUpState::Cancelled,
            FollowUpState::Missed,
        ] {
            assert!(fall_due(&fu(s, date(2026, 11, 1)), date(2026, 11, 27)).is_none());
        }
    }

    #[test]
    fn every_closed_state_refuses_every_change() {
        let today = date(2026, 11, 27);
        for s in [
            FollowUpState::Done,
            FollowUpState::Cancelled,
            FollowUpState::Missed,
        ] {
            let f = fu(s, date(2026, 11, 20));
            assert!(matches!(
                reschedule(&f, today, (None, None), "x"),
                Err(DomainError::Conflict(_))
            ));
            assert!(matches!(
                reassign(&f, StaffId::new()),
                Err(DomainError::Conflict(_))
            ));
            assert!(matches!(cancel(&f, "x"), Err(DomainError::Conflict(_))));
            assert!(matches!(
                miss(&f, "x", today),
                Err(DomainError::Conflict(_))
            ));
            let done = complete(
                &f,
                FollowUpOutcome::ReachedResolved,
                None,
                StaffId::new(),
                jiff::Timestamp::UNIX_EPOCH,
            );
            assert!(matches!(done, Err(DomainError::Conflict(_))));
        }
    }

    #[test]
    fn rescheduling_counts_needs_a_reason_and_schedules_again() {
        let f = fu(FollowUpState::Due, date(2026, 11, 27));
        assert!(matches!(
            reschedule(&f, date(2026, 11, 30), (None, None), " "),
            Err(DomainError::Invalid { .. })
        ));
        let g = reschedule(&f, date(2026, 11, 30), (None, None), "customer at work")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (g.state, g.reschedules, g.due_on),
            (FollowUpState::Scheduled, 1, date(2026, 11, 30))
        );
        let h = reschedule(&g, date(2026, 12, 1), (None, None), "again")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h.reschedules, 2);
    }

    #[test]
    fn outcomes_close_it_except_no_answer_and_credit_the_caller() {
        let f = fu(FollowUpState::Due, date(2026, 11, 27));
        let caller = StaffId::new();
        let at = jiff::Timestamp::UNIX_EPOCH;
        let n = complete(&f, FollowUpOutcome::NoAnswer, None, caller, at)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((n.state, n.done_by), (FollowUpState::Due, None));
        assert_eq!(n.outcome, Some(FollowUpOutcome::NoAnswer));
        for o in [
            FollowUpOutcome::ReachedResolved,
            FollowUpOutcome::ReachedMore,
            FollowUpOutcome::Declined,
        ] {
            let d =
                complete(&f, o, Some("fine".into()), caller, at).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                (d.state, d.done_by, d.outcome),
                (FollowUpState::Done, Some(caller), Some(o))
            );
        }
    }

    #[test]
    fn missed_only_after_its_day() {
        let f = fu(FollowUpState::Due, date(2026, 11, 27));
        assert!(matches!(
            miss(&f, "unreachable", date(2026, 11, 27)),
            Err(DomainError::Conflict(_))
        ));
        assert!(matches!(
            miss(&f, "", date(2026, 11, 28)),
            Err(DomainError::Invalid { .. })
        ));
        let m =
            miss(&f, "unreachable all week", date(2026, 11, 28)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.state, FollowUpState::Missed);
        assert!(overdue(&f, date(2026, 11, 28)) && !overdue(&f, date(2026, 11, 27)));
        assert!(!overdue(&m, date(2026, 12, 28)));
    }

    #[test]
    fn a_due_day_is_today_or_later_and_a_window_is_whole() {
        let today = date(2026, 11, 22);
        assert!(check_due("due_on", "2026-11-21", today).is_err());
        assert_eq!(
            check_due("due_on", "2026-11-27", today).ok(),
            Some(date(2026, 11, 27))
        );
        assert!(check_due("due_on", "27/11/2026", today).is_err());
        assert!(check_due("due_on", "2030-01-01", today).is_err());
        assert_eq!(check_window(None, Some("")).ok(), Some((None, None)));
        assert!(check_window(Some("16:00"), Some("14:00")).is_err());
        let e = check_window(Some("14:00"), None).unwrap_err();
        assert!(matches!(e, DomainError::Invalid { ref field, .. } if field == "window_end"));
        assert!(check_window(Some("2pm"), Some("16:00")).is_err());
        assert!(check_window(Some("14:00"), Some("16:00")).is_ok());
    }

    #[test]
    fn the_next_working_day_skips_weekends_and_holidays() {
        // Friday 27 Nov 2026 is the day after Thanksgiving in some calendars.
        let fri = date(2026, 11, 27);
        assert_eq!(next_working_day(fri, &[]), fri);
        assert_eq!(next_working_day(fri, &[fri]), date(2026, 11, 30));
        assert_eq!(
            next_working_day(date(2026, 11, 28), &[]),
            date(2026, 11, 30)
        );
    }

    #[test]
    fn covering_is_for_an_away_or_offline_owner_on_the_day() {
        let today = date(2026, 11, 27);
        let f = fu(FollowUpState::Due, today);
        assert!(covering(&f, Some("away"), today));
        assert!(covering(&f, Some("offline"), today));
        assert!(covering(&f, None, today));
        assert!(!covering(&f, Some("available"), today));
        assert!(!covering(&f, Some("busy"), today));
        assert!(!covering(
            &fu(FollowUpState::Scheduled, date(2026, 11, 28)),
            Some("away"),
            today
        ));
    }
}
