//! Live updates across nodes: on PostgreSQL every node NOTIFYs what it
//! publishes and LISTENs for the others'; SQLite is one node, nothing to do.

use crate::{Db, SqlStore, db_err};
use extramile_domain::Result;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

const CHANNEL: &str = "extramile_live";

impl SqlStore {
    /// Send every payload from `outgoing` to the other nodes and hand every
    /// payload they send to `incoming`. Runs until the process ends.
    pub async fn bridge_live(
        &self,
        mut outgoing: mpsc::UnboundedReceiver<String>,
        incoming: impl Fn(String) + Send + Sync + 'static,
    ) -> Result<()> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(());
        };
        let mut listener = PgListener::connect_with(pool).await.map_err(db_err)?;
        listener.listen(CHANNEL).await.map_err(db_err)?;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => incoming(n.payload().to_string()),
                    // PgListener reconnects by itself on the next recv.
                    Err(e) => tracing::warn!(error = %e, "live listener"),
                }
            }
        });
        let pool = pool.clone();
        tokio::spawn(async move {
            while let Some(payload) = outgoing.recv().await {
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "live notify");
                }
            }
        });
        Ok(())
    }
}
