//! Repeated failed sign-ins are slowed, then locked for a while.

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SigninPolicy {
    /// Failures in a row before the account locks.
    pub max_failures: i64,
    pub lock_for: SignedDuration,
    /// Extra delay per failure so far, applied before answering.
    pub delay_per_failure: SignedDuration,
}

impl Default for SigninPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock_for: SignedDuration::from_mins(15),
            delay_per_failure: SignedDuration::from_millis(250),
        }
    }
}

impl SigninPolicy {
    pub fn delay(&self, failures: i64) -> std::time::Duration {
        let capped = failures.clamp(0, self.max_failures) as i32;
        (self.delay_per_failure * capped).unsigned_abs()
    }
}

/// After one more failure: the new failure count and, when the limit is
/// reached, the time the account stays locked until.
pub fn lockout_after_failure(
    policy: &SigninPolicy,
    failures_so_far: i64,
    now: Timestamp,
) -> (i64, Option<Timestamp>) {
    let failures = failures_so_far + 1;
    if failures >= policy.max_failures {
        (0, now.checked_add(policy.lock_for).ok())
    } else {
        (failures, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let p = SigninPolicy::default();
        let now = Timestamp::UNIX_EPOCH;
        let mut failures = 0;
        for _ in 0..4 {
            let (f, lock) = lockout_after_failure(&p, failures, now);
            assert!(lock.is_none());
            failures = f;
        }
        assert_eq!(failures, 4);
        let (f, lock) = lockout_after_failure(&p, failures, now);
        assert_eq!(f, 0);
        assert_eq!(lock.unwrap().as_second(), 15 * 60);
        assert!(p.delay(4) > p.delay(1));
        assert_eq!(p.delay(50), p.delay(5));
    }
}
