//! Test support: a fresh database per test on each available backend.
//! SQLite always; PostgreSQL when `EXTRAMILE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) answers. Under CI
//! (`CI=true`) an unreachable PostgreSQL is a failure, not a skip.

use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn admin_url() -> String {
    std::env::var("EXTRAMILE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), t % 1_000_000_000)
}

/// A new SQLite file under the system temp directory.
pub fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("extramile-tests");
    let _ = std::fs::create_dir_all(&dir);
    format!(
        "sqlite:{}",
        dir.join(format!("{}.db", unique("t"))).display()
    )
}

/// A new, empty PostgreSQL database, or `None` when no server answers
/// outside CI.
pub async fn postgres_url() -> Option<String> {
    let admin = admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL at {admin} must be reachable under CI: {e}");
            }
            eprintln!("skipping PostgreSQL: {admin} does not answer ({e})");
            return None;
        }
    };
    let name = unique("extramile_test");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some(format!("{base}/{name}"))
}

/// URLs of a fresh database on every available backend.
pub async fn databases() -> Vec<String> {
    let mut out = vec![sqlite_url()];
    out.extend(postgres_url().await);
    out
}
