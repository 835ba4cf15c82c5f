//! Phone-system call links and applied event ids.

use crate::{SqlStore, db_err, read, write};
use async_trait::async_trait;
use extramile_domain::Result;
use extramile_domain::ids::InteractionId;
use extramile_domain::store::TelephonyStore;
use extramile_domain::time::{now, ts_to_micros};
use uuid::Uuid;

#[async_trait]
impl TelephonyStore for SqlStore {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn call_event(&self, event_id: &str) -> Result<Option<InteractionId>> {
        let r: Option<Uuid> = read!(&self.db, p => sqlx::query_scalar("SELECT interaction_id FROM call_events WHERE event_id = $1").bind(event_id).fetch_optional(p).await).map_err(db_err)?;
        Ok(r.map(Into::into))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn record_call_event(
        &self,
        event_id: &str,
        call_id: &str,
        interaction: InteractionId,
    ) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO call_events (event_id, call_id, interaction_id, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING")
            .bind(event_id).bind(call_id).bind(interaction.0).bind(ts_to_micros(now())).execute(p).await.map(|_| ())).map_err(db_err)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn call_interaction(&self, call_id: &str) -> Result<Option<InteractionId>> {
        let r: Option<Uuid> = read!(&self.db, p => sqlx::query_scalar("SELECT interaction_id FROM call_links WHERE call_id = $1").bind(call_id).fetch_optional(p).await).map_err(db_err)?;
        Ok(r.map(Into::into))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn link_call(&self, call_id: &str, interaction: InteractionId) -> Result<()> {
        write!(&self.db, p => sqlx::query("INSERT INTO call_links (call_id, interaction_id) VALUES ($1, $2)")
            .bind(call_id).bind(interaction.0).execute(p).await.map(|_| ())).map_err(db_err)
    }
}
