//! Password hashes (argon2id) and random secrets for sessions and tokens.
//! Session and token secrets are 256 random bits, so a fast digest is
//! enough for storing them; passwords need the slow hash.

use crate::error::{DomainError, Result};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use blake2::{Blake2s256, Digest};

pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 12 {
        return Err(DomainError::invalid(
            "password",
            "a password has at least 12 characters",
        ));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Store(format!("password hashing failed: {e}")))
}

/// At most this many password hashes at once: each takes 19 MiB (argon2id's
/// recommended memory cost) and a core for tens of milliseconds, so parallel
/// sign-ins must queue rather than take the server's memory.
const HASHING_AT_ONCE: usize = 2;

fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(HASHING_AT_ONCE))
}

/// `verify_password` off the async workers, at most `HASHING_AT_ONCE` at a time.
pub async fn verify_password_bounded(password: &str, hash: &str) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    let (p, h) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&p, &h))
        .await
        .unwrap_or(false)
}

/// `hash_password` off the async workers, at most `HASHING_AT_ONCE` at a time.
pub async fn hash_password_bounded(password: &str) -> Result<String> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| DomainError::Store(format!("hashing closed: {e}")))?;
    let p = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&p))
        .await
        .map_err(|e| DomainError::Store(format!("hashing failed: {e}")))?
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret, hex-encoded, with a readable prefix.
pub fn new_secret(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::Store(format!("no randomness available: {e}")))?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

pub fn secret_digest(secret: &str) -> String {
    hex(&Blake2s256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn secrets_are_fresh_and_digests_stable() {
        let a = new_secret("emt_").unwrap();
        let b = new_secret("emt_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(secret_digest(&a), secret_digest(&a));
        assert_ne!(secret_digest(&a), secret_digest(&b));
    }
}
