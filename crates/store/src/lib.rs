//! The store traits implemented for SQLite and PostgreSQL.
//!
//! One SQL text (with `$1` placeholders, which both drivers accept) is
//! compiled once per driver through the `read!`/`write!` macros, so native
//! types decode on both. Placeholders must appear in increasing order in
//! the text: SQLite numbers named parameters by first appearance.

mod admin;
mod audit;
mod batch;
pub mod bulk;
mod cases;
mod consults;
mod customers;
mod feedback;
mod fieldwork;
mod followups;
mod interactions;
mod jobs;
mod ledger;
mod live;
mod lookup;
mod moves;
mod orders;
mod records;
mod reports;
mod resources;
mod routing;
mod rows;
mod telephony;
pub mod testing;
mod view;
mod workspace;

use extramile_domain::DomainError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub enum Db {
    /// A single writer connection (SQLite serialises writers anyway, and one
    /// connection avoids busy retries) and a pool of readers (WAL).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        /// Copies the write-ahead log into the database in the background,
        /// so no writer pays for it (a commit that triggered SQLite's own
        /// checkpoint took 5–7 ms instead of 1).
        checkpoint: SqlitePool,
    },
    Postgres(PgPool),
}

/// Run `$body` with `$p` bound to a pool that may be used for reading.
macro_rules! read {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { read: $p, .. } => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}
/// Run `$body` with `$p` bound to the pool that writes.
macro_rules! write {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { write: $p, .. } => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use {read, write};

/// The store over one database.
pub struct SqlStore {
    pub(crate) db: Db,
    /// Set between `bulk_begin` and `bulk_finish`.
    pub(crate) staged: std::sync::atomic::AtomicBool,
    /// Group commit of new interactions and cases (SQLite).
    pub(crate) creates: Option<batch::Batcher>,
    /// The background checkpoints (SQLite).
    checkpointer: Option<tokio::task::AbortHandle>,
}

pub(crate) fn db_err(e: sqlx::Error) -> DomainError {
    if let Some(d) = e.as_database_error()
        && d.is_unique_violation()
    {
        return DomainError::Conflict(format!(
            "already exists: another record has the same {}",
            unique_what(d.message(), d.constraint())
        ));
    }
    let busy = matches!(e, sqlx::Error::PoolTimedOut)
        || e.as_database_error().is_some_and(|d| {
            d.code().as_deref() == Some("5") || d.message().contains("database is locked")
        });
    if busy {
        // SQLite's writer was held past the busy timeout (a large import):
        // nothing was written; the caller may try again shortly.
        return DomainError::Throttled {
            message: "the database is busy (a large import or maintenance); nothing was changed — try again in a few seconds".into(),
            retry_after_secs: 5,
        };
    }
    DomainError::Store(e.to_string())
}

/// What a unique rule is about, in words: the columns (SQLite names them
/// as `table.column`) or the index name without its table.
fn unique_what(message: &str, constraint: Option<&str>) -> String {
    if let Some(cols) = message.split("failed: ").nth(1) {
        return cols
            .split(", ")
            .map(|c| c.rsplit('.').next().unwrap_or(c).replace('_', " "))
            .collect::<Vec<_>>()
            .join(" and ");
    }
    constraint
        .map(|c| {
            c.trim_end_matches("_key")
                .trim_end_matches("_pkey")
                .split_once('_')
                .map_or(c, |(_, rest)| rest)
                .replace('_', " ")
        })
        .unwrap_or_else(|| "values".into())
}

/// Options for opening a database.
#[derive(Clone, Debug)]
pub struct Options {
    pub max_connections: u32,
    /// SQLite page cache per connection, in KiB.
    pub sqlite_cache_kib: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_connections: 8,
            sqlite_cache_kib: 2 * 1024,
        }
    }
}

/// A passive checkpoint four times a second on its own connection: it
/// never blocks the writer or readers; once it has copied everything, the
/// next commit starts the log over. Ends when the store is closed.
fn spawn_checkpoints(pool: SqlitePool) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "write-ahead log checkpoint failed; trying again in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    })
    .abort_handle()
}

/// A store dropped without `close` stops its checkpoints (and so lets go
/// of their connection).
impl Drop for SqlStore {
    fn drop(&mut self) {
        if let Some(h) = &self.checkpointer {
            h.abort();
        }
    }
}

impl SqlStore {
    /// Open (creating a SQLite file when needed) and migrate.
    pub async fn open(url: &str, opts: &Options) -> Result<Self, DomainError> {
        let mut checkpointer = None;
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let o = PgConnectOptions::from_str(url).map_err(db_err)?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(o)
                .await
                .map_err(db_err)?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .map_err(|e| DomainError::Store(e.to_string()))?;
            Db::Postgres(pool)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let o = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", format!("-{}", opts.sqlite_cache_kib))
                .pragma("temp_store", "memory")
                // Sorts (index builds, ORDER BY) may use a second core.
                .pragma("threads", "2");
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                // The background task checkpoints; this is only the net
                // should it stop (10,000 pages, about 40 MB of log).
                .connect_with(o.clone().pragma("wal_autocheckpoint", "10000"))
                .await
                .map_err(db_err)?;
            sqlx::migrate!("migrations/sqlite")
                .run(&write)
                .await
                .map_err(|e| DomainError::Store(e.to_string()))?;
            let read = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .connect_with(o.clone().read_only(true))
                .await
                .map_err(db_err)?;
            let checkpoint = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(o.clone())
                .await
                .map_err(db_err)?;
            checkpointer = Some(spawn_checkpoints(checkpoint.clone()));
            Db::Sqlite {
                read,
                write,
                checkpoint,
            }
        };
        let creates = match &db {
            Db::Sqlite { write, .. } => Some(batch::Batcher::start(write.clone())),
            Db::Postgres(_) => None,
        };
        Ok(Self {
            db,
            staged: Default::default(),
            creates,
            checkpointer,
        })
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, DomainError> {
        read!(&self.db, p => sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = $1")
            .bind(key).fetch_optional(p).await).map_err(db_err)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), DomainError> {
        write!(&self.db, p => sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(p).await.map(|_| ())).map_err(db_err)?;
        Ok(())
    }

    /// Refresh planner statistics after a bulk load, and (SQLite) write
    /// what the load left in the log into the database now rather than
    /// beside the next requests.
    pub async fn analyze(&self) -> Result<(), DomainError> {
        write!(&self.db, p => sqlx::query("ANALYZE").execute(p).await.map(|_| ()))
            .map_err(db_err)?;
        if let Db::Sqlite { checkpoint, .. } = &self.db {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(checkpoint)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite {
                read,
                write,
                checkpoint,
            } => {
                read.close().await;
                write.close().await;
                // Whatever is left in the log goes into the database.
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(checkpoint)
                    .await;
                checkpoint.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}
