//! What the agent's workspace needs beyond the records: pick-lists the
//! admin maintains, creating forms that act once, presence that follows
//! calls, and each person's time zone.

pub mod keys;
pub mod picklists;

pub use keys::{Created, KeyClaim, create_once};
pub use picklists::{ListKind, PickItem, PickLists};

/// Note work done beside a contact on its timeline (best effort: the work
/// itself is saved; a failure here is logged).
pub async fn note_on_timeline(
    store: &dyn crate::store::Store,
    interaction: crate::ids::InteractionId,
    actor: &crate::audit::Actor,
    kind: &str,
    detail: String,
) {
    let ev = crate::interactions::InteractionEvent {
        id: crate::ids::InteractionEventId::new(),
        interaction_id: interaction,
        at: crate::time::now(),
        kind: kind.into(),
        actor_name: actor.name.clone(),
        detail,
    };
    if let Err(e) = store.timeline_note(&ev).await {
        tracing::warn!(error = %e, "a timeline note was not written");
    }
}
