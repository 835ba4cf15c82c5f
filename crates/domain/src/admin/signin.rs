//! Sign-in throttling and the password policy.
//!
//! Attempts are counted in the database, atomically, before the password is
//! checked: parallel guesses each take an attempt, so no burst gets past the
//! limit. Two counters apply to every attempt, for known and unknown e-mails
//! alike (the answers and their timing do not tell which e-mails exist):
//!
//! - per e-mail *and* client address: 5 attempts; the fifth failure pauses
//!   that pair for 1 minute, each further pause doubles, up to 15 minutes.
//!   Someone else's failures from another address never lock a staff member
//!   out.
//! - per client address, over all e-mails: 30 attempts in 15 minutes; then
//!   the address waits 15 minutes (password spraying).
//!
//! Each failure also delays its answer 250 ms more than the last (up to 1.25 s).

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SigninPolicy {
    /// Attempts per (e-mail, address) before a pause.
    pub max_failures: i64,
    /// The first pause; each further one doubles.
    pub first_pause: SignedDuration,
    /// The longest pause of a pair, and an address's pause.
    pub lock_for: SignedDuration,
    /// Attempts per address in one window, over every e-mail.
    pub address_attempts: i64,
    /// How long attempts are counted together.
    pub window: SignedDuration,
    /// Extra delay per failure so far, applied before answering.
    pub delay_per_failure: SignedDuration,
}

impl Default for SigninPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            first_pause: SignedDuration::from_mins(1),
            lock_for: SignedDuration::from_mins(15),
            address_attempts: 30,
            window: SignedDuration::from_mins(15),
            delay_per_failure: SignedDuration::from_millis(250),
        }
    }
}

impl SigninPolicy {
    pub fn delay(&self, failures: i64) -> std::time::Duration {
        let capped = failures.clamp(0, self.max_failures) as i32;
        (self.delay_per_failure * capped).unsigned_abs()
    }

    /// The pause after a pair's `locks_before`-th lock: 1, 2, 4, 8, then
    /// 15 minutes.
    pub fn pause(&self, locks_before: i64) -> SignedDuration {
        let factor = 1i32 << locks_before.clamp(0, 10);
        (self.first_pause * factor).min(self.lock_for)
    }
}

/// Counters for sign-in attempts: per pair and per address.
pub fn pair_subject(email: &str, address: &str) -> String {
    format!("pair:{email}|{address}")
}

pub fn address_subject(address: &str) -> String {
    format!("addr:{address}")
}

/// When counting starts again for an attempt at `now`.
pub fn window_start(policy: &SigninPolicy, now: Timestamp) -> Timestamp {
    now.checked_sub(policy.window)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Passwords that meet the length rule but are among the first tried.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "qwertyuiopas",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "password1234",
    "password12345",
    "passwordpassword",
    "password123456",
    "iloveyou1234",
    "administrator",
    "administrator1",
    "changeme1234",
    "welcome12345",
    "letmein12345",
    "trustno1trustno1",
    "correcthorsebatterystaple",
    "extramile123",
    "extramile1234",
    "abcdefghijkl",
    "abc123abc123",
    "qwertyqwerty",
    "aaaaaaaaaaaa",
    "football1234",
    "baseball1234",
    "superman1234",
    "sunshine1234",
    "princess1234",
    "monkey123456",
    "dragon123456",
    "master123456",
];

/// The password policy: at least 12 characters, not blank, at least 5
/// different characters, not one of the commonly tried passwords (whatever
/// the case), and not containing the e-mail's name part.
pub fn check_password(password: &str, email: &str) -> crate::Result<()> {
    let bad = |m: &str| Err(crate::DomainError::invalid("password", m));
    if password.chars().count() < 12 {
        return bad("a password has at least 12 characters");
    }
    if password.trim().is_empty() {
        return bad("a password cannot be blank");
    }
    if password.chars().any(|c| c.is_control()) {
        return bad("a password cannot contain control characters");
    }
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return bad("a password needs at least 5 different characters");
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return bad("this password is among the first ones attackers try");
    }
    let name = email.split('@').next().unwrap_or("").to_lowercase();
    if name.chars().count() >= 4 && lower.contains(&name) {
        return bad("a password cannot contain your e-mail name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_fifteen_minutes() {
        let p = SigninPolicy::default();
        let mins: Vec<i64> = (0..6).map(|l| p.pause(l).as_secs() / 60).collect();
        assert_eq!(mins, vec![1, 2, 4, 8, 15, 15]);
        assert!(p.delay(4) > p.delay(1));
        assert_eq!(p.delay(50), p.delay(5));
    }

    #[test]
    fn the_password_policy_refuses_blank_short_common_and_personal_passwords() {
        let e = "maya.lopez@t.example";
        assert!(check_password("a long test password", e).is_ok());
        for bad in [
            "                    ",
            "short",
            "aaaaaaaaaaaaaaaa",
            "Password1234",
            "1q2w3e4r5t6y",
            "my maya.lopez pass",
            "tab\tin the middle",
        ] {
            assert!(check_password(bad, e).is_err(), "{bad:?}");
        }
    }
}
