//! What every console page shows about the person at the desk, beside the
//! page itself: their presence (changeable from the header), the call
//! they are on (the call bar, on every page while it lasts) and how many
//! approval requests wait for them. Read once per page load.

use crate::state::AppState;
use extramile_domain::DomainError;
use extramile_domain::access::{Action, allowed};
use extramile_domain::admin::StaffUser;
use extramile_domain::interactions::Interaction;
use extramile_domain::interactions::state::InteractionState;
use extramile_domain::routing::Availability;

#[derive(Clone, Debug)]
pub struct Desk {
    pub presence: Availability,
    pub call: Option<CallBar>,
    /// Approval requests in the person's inbox (approvers only).
    pub approvals_waiting: Option<usize>,
}

/// The live contact the person is on.
#[derive(Clone, Debug)]
pub struct CallBar {
    pub id: String,
    pub version: i64,
    pub channel: String,
    pub state: String,
    /// Who: the account's name, or the customer's.
    pub who: String,
    pub account_id: Option<String>,
    pub account_number: String,
    /// The people verified on it ("Rosa Álvarez (date of birth)").
    pub verified: Vec<String>,
    /// Since when, in seconds since the epoch, for the ticking timer.
    pub since_epoch: i64,
    /// Contacts beyond this one the person is on.
    pub more: usize,
    /// They own it: transfer and wrap-up are theirs to do.
    pub owner: bool,
    /// The customer's local time where the account's zone is known:
    /// (IANA zone, "6:42 am MST").
    pub local: Option<(String, String)>,
}

fn live(i: &Interaction) -> bool {
    matches!(
        i.state,
        InteractionState::Connected | InteractionState::OnHold | InteractionState::WrapUp
    )
}

pub async fn load(s: &AppState, user: &StaffUser) -> Result<Desk, DomainError> {
    let presence = s
        .store
        .presence(user.id)
        .await?
        .map_or(Availability::Offline, |(p, _)| p);
    let mine: Vec<_> = s
        .store
        .staff_interactions(user.id)
        .await?
        .into_iter()
        .filter(|x| live(&x.interaction))
        .collect();
    // The one they own first, the newest of those.
    let pick = mine
        .iter()
        .filter(|x| x.interaction.owner_id == Some(user.id))
        .max_by_key(|x| x.interaction.started_at)
        .or_else(|| mine.iter().max_by_key(|x| x.interaction.started_at));
    let call = match pick {
        None => None,
        Some(x) => {
            let v = s.store.interaction_view(x.interaction.id).await?;
            let verified = v
                .as_ref()
                .map(|v| {
                    v.verifications
                        .iter()
                        .map(|ver| {
                            let name = v
                                .participants
                                .iter()
                                .find(|p| p.person_id == Some(ver.person_id))
                                .map_or("someone", |p| p.display_name.as_str());
                            format!("{name} ({})", ver.method.as_str().replace('_', " "))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let customer = v.as_ref().and_then(|v| {
                v.participants
                    .iter()
                    .find(|p| p.person_id.is_some() && p.left_at.is_none())
                    .map(|p| p.display_name.clone())
            });
            let i = &x.interaction;
            let local = match i.account_id {
                Some(a) => s
                    .store
                    .account_time_zone(a)
                    .await?
                    .and_then(|z| crate::ui::local_time(&z)),
                None => None,
            };
            Some(CallBar {
                owner: i.owner_id == Some(user.id),
                local,
                id: i.id.to_string(),
                version: i.version,
                channel: i.channel.as_str().replace('_', " "),
                state: i.state.as_str().replace('_', " "),
                who: customer
                    .or_else(|| x.account_name.clone())
                    .unwrap_or_else(|| "Unknown caller".into()),
                account_id: i.account_id.map(|a| a.to_string()),
                account_number: x.account_number.clone().unwrap_or_default(),
                verified,
                since_epoch: i.answered_at.unwrap_or(i.started_at).as_second(),
                more: mine.len() - 1,
            })
        }
    };
    let approvals_waiting = if allowed(user.role, Action::DecideApprovals) {
        let actor = extramile_domain::admin::StaffService::actor(user);
        Some(s.authority.inbox(&actor).await?.len())
    } else {
        None
    };
    Ok(Desk {
        presence,
        call,
        approvals_waiting,
    })
}
