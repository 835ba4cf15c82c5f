//! Creating once: a form (or API call) that creates a record carries a key;
//! the same key from the same person again answers the first record instead
//! of creating a second (a double click, a retried request).
//!
//! The key is claimed before the record is created and finished with the
//! new record's id after; a claim whose creation failed is dropped, so the
//! corrected form can be sent again under the same key. A twin arriving
//! while the first is still being created waits for it.

use crate::error::{DomainError, Result};
use crate::ids::StaffId;
use crate::store::Store;
use std::future::Future;
use std::time::Duration;

/// What claiming a key found.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyClaim {
    /// The key is new and now ours.
    New,
    /// Created before: the record's id.
    Done(String),
    /// Someone (a twin request) is creating it right now.
    Pending,
    /// The key was used for another kind of record.
    OtherKind,
}

/// A claim left without a result this long (a crash, a request dropped
/// mid-way) is taken over by the next request with the key.
pub const STALE_CLAIM_SECS: i64 = 30;

/// What `create_once` did.
#[derive(Clone, Debug, PartialEq)]
pub enum Created {
    New(String),
    /// The key was used before: the record it created.
    Again(String),
}

impl Created {
    pub fn id(&self) -> &str {
        match self {
            Created::New(id) | Created::Again(id) => id,
        }
    }
}

/// A key as sent: at most 100 characters; empty means none.
pub fn checked_key(key: Option<&str>) -> Result<Option<String>> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() > 100 => Err(DomainError::invalid(
            "idempotency_key",
            "at most 100 characters",
        )),
        Some(k) => Ok(Some(k.to_string())),
    }
}

/// Run `create` once per (staff, key); without a key, every call creates.
pub async fn create_once<F, Fut>(
    store: &dyn Store,
    staff: StaffId,
    key: Option<&str>,
    kind: &str,
    create: F,
) -> Result<Created>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<String>>,
{
    let Some(key) = checked_key(key)? else {
        return create().await.map(Created::New);
    };
    let mut waited = Duration::ZERO;
    loop {
        match store
            .claim_create_key(staff, &key, kind, crate::time::now())
            .await?
        {
            KeyClaim::New => break,
            KeyClaim::Done(id) => return Ok(Created::Again(id)),
            KeyClaim::Pending if waited < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                waited += Duration::from_millis(50);
            }
            KeyClaim::Pending => {
                return Err(DomainError::Conflict(
                    "this is being created already; look again in a moment".into(),
                ));
            }
            KeyClaim::OtherKind => {
                return Err(DomainError::invalid(
                    "idempotency_key",
                    "this key was already used to create another kind of record",
                ));
            }
        }
    }
    match create().await {
        Ok(id) => {
            store.finish_create_key(staff, &key, &id).await?;
            Ok(Created::New(id))
        }
        Err(e) => {
            store.drop_create_key(staff, &key).await?;
            Err(e)
        }
    }
}

/// `create_once` for a service: `create` makes the record and names its
/// id; `read` reads it again when the key was used before. The flag says
/// whether this call created it.
pub async fn once<T, C, CF, R, RF>(
    store: &dyn Store,
    actor: &crate::audit::Actor,
    key: Option<&str>,
    kind: &str,
    create: C,
    read: R,
) -> Result<(T, bool)>
where
    C: FnOnce() -> CF,
    CF: Future<Output = Result<(T, String)>>,
    R: FnOnce(String) -> RF,
    RF: Future<Output = Result<T>>,
{
    let Some(staff) = actor.id else {
        return create().await.map(|(t, _)| (t, true));
    };
    let mut made: Option<T> = None;
    let slot = &mut made;
    let c = create_once(store, staff, key, kind, move || async move {
        let (t, id) = create().await?;
        *slot = Some(t);
        Ok(id)
    })
    .await?;
    match (c, made) {
        (Created::New(_), Some(t)) => Ok((t, true)),
        (c, _) => Ok((read(c.id().to_string()).await?, false)),
    }
}
