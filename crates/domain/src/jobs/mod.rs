//! Background jobs: work that happens by time or after a commit (a
//! follow-up falling due, an approval escalating, sweeps, roll-ups).
//!
//! A job is written in the same transaction as the change that causes it,
//! so there is never a change without its job nor a job without its change.
//! Runners on any number of nodes claim due jobs under a lease; a job whose
//! lease expires (its node died) is claimed again. Handlers are therefore
//! idempotent by the ids in their payload.

use crate::error::{DomainError, Result};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

crate::str_enum!(
    /// Where a job is in its life.
    JobState {
        Pending => "pending",
        Running => "running",
        Done => "done",
        Dead => "dead",
    }
);

/// The kinds of job Extramile runs; a handler is registered per kind.
pub mod kinds {
    /// A follow-up's due day has started in its owner's zone.
    pub const FOLLOW_UP_DUE: &str = "follow_up_due";
    /// Periodic: approval requests past their due time escalate.
    pub const APPROVAL_ESCALATE: &str = "approval_escalate";
    /// Periodic: expired sign-in counters, create keys and finished jobs.
    pub const HOUSEKEEPING: &str = "housekeeping";
    /// Periodic: after-call work that is over ends.
    pub const AFTER_CALL: &str = "after_call_end";
    /// Periodic: yesterday's report roll-up is closed.
    pub const ROLLUP_DAY: &str = "rollup_day";
    /// Periodic: satisfaction surveys for cases resolved and contacts
    /// wrapped up lately that have none.
    pub const SURVEY_SEND: &str = "survey_sweep";
    /// A work order's grace period ended: its services pending
    /// cancellation are cancelled for good.
    pub const FINALISE_CANCELLATION: &str = "finalise_cancellation";
}

/// Attempts before a failing job is dead (an admin may retry it).
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;
/// Longest wait between two attempts.
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_hours(1);

/// A job to write with a change.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    pub max_attempts: i32,
    /// At most one unfinished job per key (periodic jobs use their kind).
    pub key: Option<String>,
}

impl NewJob {
    pub fn new(kind: &str, payload: serde_json::Value, run_at: Timestamp) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: kind.into(),
            payload,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            key: None,
        }
    }

    /// One unfinished job per key: enqueuing again while one waits does
    /// nothing.
    pub fn keyed(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

/// A stored job.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Job {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub run_at: Timestamp,
    pub state: JobState,
    /// Runs started so far (a run cut short by a lost lease counts).
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    /// The node running it, while running.
    pub lease_holder: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub lease_until: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    pub key: Option<String>,
}

impl Job {
    /// The payload's field as an id, or an error naming it (a job whose
    /// payload is wrong fails and says why).
    pub fn uuid(&self, field: &str) -> Result<Uuid> {
        self.payload
            .get(field)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| DomainError::invalid(field, "missing from the job's payload"))
    }
}

/// How long to wait after the `attempts`-th failed run: `base × 2^(n-1)`,
/// at most [`MAX_BACKOFF`].
pub fn backoff(attempts: i32, base: SignedDuration) -> SignedDuration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
    let factor = 1i64 << exp;
    let ms = base.as_millis().saturating_mul(i128::from(factor));
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    SignedDuration::from_millis(ms).min(MAX_BACKOFF)
}

/// After a failed run: when to try again, or `None` when it is dead.
pub fn retry_at(
    attempts: i32,
    max_attempts: i32,
    now: Timestamp,
    base: SignedDuration,
) -> Option<Timestamp> {
    if attempts >= max_attempts {
        return None;
    }
    Some(now.checked_add(backoff(attempts, base)).unwrap_or(now))
}

/// Counts per state, for the admin page and API.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct JobCounts {
    pub pending: i64,
    /// Pending jobs whose time has come and that nobody runs yet.
    pub overdue: i64,
    pub running: i64,
    /// Pending jobs that have failed at least once (backing off).
    pub failing: i64,
    pub dead: i64,
    pub done: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = SignedDuration::from_secs(2);
        assert_eq!(backoff(1, base), SignedDuration::from_secs(2));
        assert_eq!(backoff(2, base), SignedDuration::from_secs(4));
        assert_eq!(backoff(5, base), SignedDuration::from_secs(32));
        assert_eq!(backoff(40, base), MAX_BACKOFF);
        assert_eq!(backoff(0, base), SignedDuration::from_secs(2));
    }

    #[test]
    fn a_job_dies_after_its_last_attempt() {
        let now = Timestamp::UNIX_EPOCH;
        let base = SignedDuration::from_secs(1);
        assert_eq!(
            retry_at(1, 3, now, base),
            Some(now + SignedDuration::from_secs(1))
        );
        assert_eq!(
            retry_at(2, 3, now, base),
            Some(now + SignedDuration::from_secs(2))
        );
        assert_eq!(retry_at(3, 3, now, base), None);
    }

    #[test]
    fn a_payload_id_is_read_or_named() {
        let id = Uuid::now_v7();
        let mut job = Job {
            id,
            kind: kinds::FOLLOW_UP_DUE.into(),
            payload: serde_json::json!({"follow_up_id": id.to_string()}),
            run_at: Timestamp::UNIX_EPOCH,
            state: JobState::Pending,
            attempts: 0,
            max_attempts: 3,
            last_error: None,
            lease_holder: None,
            lease_until: None,
            created_at: Timestamp::UNIX_EPOCH,
            done_at: None,
            key: None,
        };
        assert_eq!(job.uuid("follow_up_id").ok(), Some(id));
        job.payload = serde_json::json!({});
        let e = job.uuid("follow_up_id").unwrap_err().to_string();
        assert!(e.contains("follow_up_id"), "{e}");
    }
}
