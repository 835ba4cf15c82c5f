//! The SQLite and PostgreSQL migrations give the same tables, columns
//! (types normalised: BLOB ids are UUIDs, INTEGER and BIGINT are integers)
//! and named indexes, so the two folders cannot drift apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use extramile_store::{Options, SqlStore, testing};
use sqlx::Connection;
use std::collections::BTreeMap;

/// table -> column -> type class; and the named indexes as "table.index".
type Schema = (BTreeMap<String, BTreeMap<String, String>>, Vec<String>);

fn class(t: &str) -> String {
    let t = t.to_ascii_lowercase();
    match t.as_str() {
        "blob" | "uuid" => "uuid",
        "text" | "character varying" | "varchar" => "text",
        "bigint" | "integer" | "int" | "int8" | "int4" | "smallint" => "integer",
        "boolean" | "bool" => "boolean",
        "real" | "double precision" | "float8" => "real",
        other => return other.to_string(),
    }
    .to_string()
}

fn internal(table: &str) -> bool {
    table.starts_with("_sqlx") || table.starts_with("sqlite_")
}

/// Indexes as sorted "table.index", leaving out the migrations' own.
fn named(idx: Vec<(String, String)>) -> Vec<String> {
    let mut out: Vec<String> = idx
        .into_iter()
        .filter(|(t, _)| !internal(t))
        .map(|(t, i)| format!("{t}.{i}"))
        .collect();
    out.sort();
    out
}

async fn sqlite_schema(path: &str) -> Schema {
    let mut c = sqlx::SqliteConnection::connect(path).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut c)
            .await
            .unwrap();
    let mut cols = BTreeMap::new();
    for (t,) in tables.into_iter().filter(|(t,)| !internal(t)) {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
                .bind(&t)
                .fetch_all(&mut c)
                .await
                .unwrap();
        cols.insert(t, rows.into_iter().map(|(n, ty)| (n, class(&ty))).collect());
    }
    let idx: Vec<(String, String)> = sqlx::query_as("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")
        .fetch_all(&mut c)
        .await
        .unwrap();
    (cols, named(idx))
}

async fn postgres_schema(url: &str) -> Schema {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut cols: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (t, n, ty) in rows.into_iter().filter(|(t, _, _)| !internal(t)) {
        cols.entry(t).or_default().insert(n, class(&ty));
    }
    // Primary keys and UNIQUE constraints are implicit indexes on SQLite.
    let idx: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.tablename::text, i.indexname::text FROM pg_indexes i WHERE i.schemaname = 'public' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    (cols, named(idx))
}

#[tokio::test]
async fn both_migration_folders_give_the_same_schema() {
    let sqlite = testing::sqlite_url();
    SqlStore::open(&sqlite, &Options::default()).await.unwrap();
    let Some(pg) = testing::postgres_url().await else {
        return;
    };
    SqlStore::open(&pg, &Options::default()).await.unwrap();
    let (lite_cols, lite_idx) = sqlite_schema(&sqlite).await;
    let (pg_cols, pg_idx) = postgres_schema(&pg).await;
    let tables =
        |m: &BTreeMap<String, BTreeMap<String, String>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&lite_cols), tables(&pg_cols), "tables");
    for (t, cols) in &lite_cols {
        assert_eq!(
            Some(cols),
            pg_cols.get(t),
            "columns of {t} (SQLite left, PostgreSQL right)"
        );
    }
    assert_eq!(
        lite_idx, pg_idx,
        "named indexes (SQLite left, PostgreSQL right)"
    );
    assert!(lite_cols.len() > 20, "{lite_cols:?}");
}
