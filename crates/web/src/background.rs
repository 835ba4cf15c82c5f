//! What the job runner does on this node: the handlers for each kind of
//! job, and the periodic sweeps (once per period across all nodes).

use crate::state::AppState;
use extramile_domain::jobs::{Job, kinds};
use extramile_jobs::{FnHandler, Next, Options, Runner};
use jiff::SignedDuration;
use std::sync::Arc;

/// Finished jobs are kept this long for the admin page, then forgotten.
const KEEP_DONE: SignedDuration = SignedDuration::from_hours(24 * 7);

pub fn runner(st: &AppState, opts: Options) -> Runner {
    let follow_ups = st.follow_ups.clone();
    let field = st.field.clone();
    let feedback = st.feedback.clone();
    let authority = st.authority.clone();
    let routing = st.routing.clone();
    let staff = st.staff.clone();
    let store = st.store.clone();
    let job_store: Arc<dyn extramile_domain::store::JobStore> = st.store.clone();
    Runner::new(job_store, opts)
        .handle(
            kinds::FINALISE_CANCELLATION,
            Arc::new(FnHandler(move |job: Job| {
                let field = field.clone();
                async move {
                    let id = job.uuid("work_order_id").map_err(|e| e.to_string())?;
                    // Overridden again after a restore: the end moved.
                    match field.finalise(id.into()).await.map_err(|e| e.to_string())? {
                        Some(at) => Ok(Next::Again(at)),
                        None => Ok(Next::Done),
                    }
                }
            })),
        )
        .handle(
            kinds::FOLLOW_UP_DUE,
            Arc::new(FnHandler(move |job: Job| {
                let follow_ups = follow_ups.clone();
                async move {
                    let id = job.uuid("follow_up_id").map_err(|e| e.to_string())?;
                    // Not its day yet where the owner is now: look again then.
                    match follow_ups
                        .fall_due(id.into())
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        Some(at) => Ok(Next::Again(at)),
                        None => Ok(Next::Done),
                    }
                }
            })),
        )
        .every(
            kinds::APPROVAL_ESCALATE,
            SignedDuration::from_secs(15),
            move || {
                let authority = authority.clone();
                async move {
                    let n = authority.escalate_due().await.map_err(|e| e.to_string())?;
                    if n > 0 {
                        tracing::info!(escalated = n, "approval requests escalated");
                    }
                    Ok(())
                }
            },
        )
        .every(
            kinds::SURVEY_SEND,
            SignedDuration::from_mins(1),
            move || {
                let feedback = feedback.clone();
                async move {
                    let n = feedback.sweep().await.map_err(|e| e.to_string())?;
                    if n > 0 {
                        tracing::info!(surveys = n, "satisfaction surveys made");
                    }
                    Ok(())
                }
            },
        )
        .every(
            kinds::AFTER_CALL,
            SignedDuration::from_secs(15),
            move || {
                let routing = routing.clone();
                async move {
                    routing
                        .end_after_call()
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            },
        )
        .every(
            kinds::HOUSEKEEPING,
            SignedDuration::from_mins(1),
            move || {
                let (staff, store) = (staff.clone(), store.clone());
                async move {
                    staff
                        .purge_signin_attempts()
                        .await
                        .map_err(|e| format!("sign-in counters: {e}"))?;
                    let now = jiff::Timestamp::now();
                    // Create keys older than a week: no retry comes that late.
                    let week_ago = now
                        .checked_sub(SignedDuration::from_hours(24 * 7))
                        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
                    store
                        .purge_create_keys(week_ago)
                        .await
                        .map_err(|e| format!("create keys: {e}"))?;
                    store
                        .purge_jobs(now.checked_sub(KEEP_DONE).unwrap_or(now))
                        .await
                        .map_err(|e| format!("finished jobs: {e}"))?;
                    Ok(())
                }
            },
        )
}
