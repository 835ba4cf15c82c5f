//! Phone-system events: a call offered with caller ID pops the matching
//! account; answered, transferred, conferenced and ended follow the call.
//! Each event is applied once, by its event id.

use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::customers::CustomerService;
use crate::customers::lookup::MatchKind;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::interactions::state::InteractionState;
use crate::interactions::*;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CallEvent {
    /// Unique per event; a repeated id is answered with the first result.
    pub event_id: String,
    /// The phone system's call identifier.
    pub call_id: String,
    /// offered, answered, transferred, conferenced, ended
    pub kind: String,
    /// Caller ID (offered).
    pub caller_id: Option<String>,
    /// The number the customer dialled (offered).
    pub dialled: Option<String>,
    /// The staff user's e-mail (answered, transferred, conferenced).
    pub agent_email: Option<String>,
}

/// The account to show the receiving agent before they answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScreenPop {
    pub account_id: AccountId,
    pub account_number: String,
    pub account_name: String,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CallEventResult {
    pub interaction_id: InteractionId,
    /// True when this event id was seen before; nothing was applied again.
    pub duplicate: bool,
    pub screen_pop: Option<ScreenPop>,
}

#[derive(Clone)]
pub struct TelephonyService {
    notifier: crate::live::SharedNotifier,
    store: Arc<dyn Store>,
    customers: CustomerService,
    interactions: InteractionService,
    /// One event at a time per call on this node: a phone system that
    /// sends an event twice at once gets one effect and one `duplicate`.
    calls: Arc<
        std::sync::Mutex<
            std::collections::HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>,
        >,
    >,
}

fn pbx(user: &Actor) -> Actor {
    // Call events change interactions on the phone system's word, with an
    // agent's rights; the audit trail names the integration.
    Actor {
        id: None,
        name: format!("Phone system ({})", user.name),
        role: crate::admin::StaffRole::Agent,
    }
}

impl TelephonyService {
    pub fn new(
        store: Arc<dyn Store>,
        customers: CustomerService,
        notifier: crate::live::SharedNotifier,
    ) -> Self {
        Self {
            interactions: InteractionService::new(store.clone()).with_notifier(notifier.clone()),
            store,
            customers,
            notifier,
            calls: Arc::default(),
        }
    }

    /// The lock of one call (created on first use; forgotten when unused).
    fn call_lock(&self, call_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(l) = map.get(call_id).and_then(std::sync::Weak::upgrade) {
            return l;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let l = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(call_id.to_string(), Arc::downgrade(&l));
        l
    }

    /// The staff user who holds the call; `unanswered` says why there is none.
    async fn owner(&self, v: &InteractionView, unanswered: &str) -> Result<Actor> {
        let Some(o) = v.interaction.owner_id else {
            return Err(DomainError::Conflict(unanswered.into()));
        };
        let u = self
            .store
            .staff(o)
            .await?
            .ok_or_else(|| DomainError::NotFound("owner".into()))?;
        Ok(crate::admin::StaffService::actor(&u))
    }

    async fn agent(&self, email: Option<&str>) -> Result<Actor> {
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or_else(|| DomainError::invalid("agent_email", "this event names the agent"))?;
        let u = self
            .store
            .staff_by_email(&email.to_lowercase())
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                DomainError::invalid("agent_email", format!("no active staff user {email}"))
            })?;
        Ok(crate::admin::StaffService::actor(&u))
    }

    pub async fn handle(&self, user: &Actor, e: CallEvent) -> Result<CallEventResult> {
        authorize(user.role, Action::TelephonyEvents)?;
        let event_id = crate::customers::values::required_text("event_id", &e.event_id, 200)?;
        let call_id = crate::customers::values::required_text("call_id", &e.call_id, 200)?;
        let lock = self.call_lock(&call_id);
        let _one_at_a_time = lock.lock().await;
        if let Some(previous) = self.store.call_event(&event_id).await? {
            return Ok(CallEventResult {
                interaction_id: previous,
                duplicate: true,
                screen_pop: None,
            });
        }
        const KINDS: [&str; 5] = ["offered", "answered", "transferred", "conferenced", "ended"];
        if !KINDS.contains(&e.kind.trim()) {
            return Err(DomainError::invalid(
                "kind",
                format!(
                    "unknown event kind \"{}\"; use offered, answered, transferred, conferenced, ended",
                    e.kind.trim()
                ),
            ));
        }
        let linked = self.store.call_interaction(&call_id).await?;
        let (interaction, pop) = match (e.kind.trim(), linked) {
            ("offered", Some(_)) => {
                return Err(DomainError::Conflict(format!(
                    "call {call_id} was already offered"
                )));
            }
            ("offered", None) => self.offered(user, &call_id, &e).await?,
            (_, None) => {
                return Err(DomainError::Conflict(format!(
                    "call {call_id} has no offered event yet; send events in order"
                )));
            }
            ("answered", Some(i)) => {
                let agent = self.agent(e.agent_email.as_deref()).await?;
                let v = self.interactions.view(&agent, i).await?;
                self.interactions
                    .change_state(
                        &agent,
                        i,
                        StateChange {
                            version: v.interaction.version,
                            state: "connected".into(),
                        },
                    )
                    .await?;
                (i, None)
            }
            ("transferred", Some(i)) => {
                let to = self.agent(e.agent_email.as_deref()).await?;
                let v = self.interactions.view(&pbx(user), i).await?;
                let owner = self
                    .owner(&v, "an unanswered call is routed, not transferred")
                    .await?;
                let to_id = to
                    .id
                    .ok_or_else(|| DomainError::invalid("agent_email", "not a staff user"))?;
                self.interactions
                    .transfer(
                        &owner,
                        i,
                        TransferInput {
                            version: v.interaction.version,
                            to_staff_id: to_id,
                            mode: "cold".into(),
                            note: Some("transferred on the phone system".into()),
                        },
                    )
                    .await?;
                (i, None)
            }
            ("conferenced", Some(i)) => {
                let joiner = self.agent(e.agent_email.as_deref()).await?;
                let v = self.interactions.view(&pbx(user), i).await?;
                let owner = self
                    .owner(&v, "an unanswered call has no conference")
                    .await?;
                self.interactions
                    .add_participant(
                        &owner,
                        i,
                        NewParticipant {
                            person_id: None,
                            staff_id: joiner.id,
                            role: "specialist".into(),
                        },
                    )
                    .await?;
                (i, None)
            }
            ("ended", Some(i)) => {
                let v = self.interactions.view(&pbx(user), i).await?;
                let to = match v.interaction.state {
                    InteractionState::Offered | InteractionState::Queued => "ended",
                    InteractionState::Connected | InteractionState::OnHold => "wrap_up",
                    _ => return Err(DomainError::Conflict("the call has already ended".into())),
                };
                // The PBX speaks for whoever holds the call.
                let sup = Actor {
                    role: crate::admin::StaffRole::Supervisor,
                    ..pbx(user)
                };
                self.interactions
                    .change_state(
                        &sup,
                        i,
                        StateChange {
                            version: v.interaction.version,
                            state: to.into(),
                        },
                    )
                    .await?;
                (i, None)
            }
            (other, _) => {
                return Err(DomainError::invalid(
                    "kind",
                    format!(
                        "unknown event kind \"{other}\"; use offered, answered, transferred, conferenced, ended"
                    ),
                ));
            }
        };
        // Recorded after applying: a failed event can be sent again.
        self.store
            .record_call_event(&event_id, &call_id, interaction)
            .await?;
        Ok(CallEventResult {
            interaction_id: interaction,
            duplicate: false,
            screen_pop: pop,
        })
    }

    async fn offered(
        &self,
        user: &Actor,
        call_id: &str,
        e: &CallEvent,
    ) -> Result<(InteractionId, Option<ScreenPop>)> {
        let caller = e.caller_id.as_deref().unwrap_or_default();
        let hits = if caller.trim().is_empty() {
            Vec::new()
        } else {
            self.customers.lookup(user, caller).await?
        };
        let hit = hits
            .into_iter()
            .find(|h| h.matched == MatchKind::Phone && h.account_id.is_some());
        let pop = hit.as_ref().and_then(|h| {
            Some(ScreenPop {
                account_id: h.account_id?,
                account_number: h.account_number.clone()?,
                account_name: h.account_name.clone()?,
                person_id: h.person_id,
                person_name: h.person_name.clone(),
            })
        });
        let subject = match (caller.trim(), e.dialled.as_deref()) {
            ("", _) => "Call with caller ID withheld".to_string(),
            (c, Some(d)) => format!("Call from {c} to {d}"),
            (c, None) => format!("Call from {c}"),
        };
        let v = self
            .interactions
            .create(
                &pbx(user),
                NewInteraction {
                    channel: "inbound_call".into(),
                    account_id: pop.as_ref().map(|p| p.account_id),
                    person_id: pop.as_ref().and_then(|p| p.person_id),
                    subject: Some(subject),
                    in_progress: None,
                },
            )
            .await?;
        self.store.link_call(call_id, v.interaction.id).await?;
        // The phone is ringing at this agent: show them who is calling.
        if let Some(agent) = match e.agent_email.as_deref().filter(|a| !a.trim().is_empty()) {
            Some(ringing) => self.agent(Some(ringing)).await.ok().and_then(|a| a.id),
            None => None,
        } {
            self.notifier.publish(crate::live::LiveEvent::for_staff(
                agent,
                "screen_pop",
                serde_json::json!({
                    "interaction_id": v.interaction.id, "caller_id": caller, "screen_pop": pop,
                }),
            ));
        }
        Ok((v.interaction.id, pop))
    }
}
