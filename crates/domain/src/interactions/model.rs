use super::state::InteractionState;
use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(Channel {
    InboundCall => "inbound_call",
    OutboundCall => "outbound_call",
    Email => "email",
    Chat => "chat",
    Sms => "sms",
    Social => "social",
    InPerson => "in_person",
    FollowUpCall => "follow_up_call",
});

crate::str_enum!(ParticipantRole {
    Customer => "customer",
    Representative => "representative",
    Agent => "agent",
    Specialist => "specialist",
    Supervisor => "supervisor",
});

crate::str_enum!(VerificationMethod {
    AccountPin => "account_pin",
    SecurityQuestions => "security_questions",
    OneTimeCode => "one_time_code",
    KnownNumberCallback => "known_number_callback",
    PhotoId => "photo_id",
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Interaction {
    pub id: InteractionId,
    pub channel: Channel,
    pub state: InteractionState,
    pub account_id: Option<AccountId>,
    /// The staff user who answered and owns it.
    pub owner_id: Option<StaffId>,
    pub subject: Option<String>,
    pub started_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub outcome: Option<String>,
    pub disposition: Option<String>,
    pub wrap_notes: Option<String>,
    /// How many times it was handed to someone else.
    pub transfers: i64,
    /// A warm transfer waiting for the receiver to accept, and its note.
    pub pending_transfer_to: Option<StaffId>,
    pub pending_transfer_note: Option<String>,
    pub version: i64,
}

/// A customer-side participant has a person; a staff participant a staff user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub id: ParticipantId,
    pub interaction_id: InteractionId,
    pub person_id: Option<PersonId>,
    pub staff_id: Option<StaffId>,
    pub role: ParticipantRole,
    pub display_name: String,
    pub joined_at: Timestamp,
    pub left_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InteractionEvent {
    pub id: InteractionEventId,
    pub interaction_id: InteractionId,
    pub at: Timestamp,
    /// offered, queued, answered, held, resumed, participant_joined,
    /// participant_left, verified, wrapped_up, ended, note
    pub kind: String,
    pub actor_name: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub id: VerificationId,
    pub interaction_id: InteractionId,
    pub person_id: PersonId,
    pub method: VerificationMethod,
    pub verified_by: Option<StaffId>,
    pub verified_by_name: String,
    pub at: Timestamp,
}

/// An interaction with everything a person joining it needs to see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InteractionView {
    pub interaction: Interaction,
    pub participants: Vec<Participant>,
    pub verifications: Vec<Verification>,
    /// Oldest first.
    pub events: Vec<InteractionEvent>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewInteraction {
    /// inbound_call, outbound_call, email, chat, sms, social, in_person, follow_up_call
    pub channel: String,
    pub account_id: Option<AccountId>,
    /// The customer on the contact, when known.
    pub person_id: Option<PersonId>,
    pub subject: Option<String>,
    /// The staff member recording it is already talking with the customer
    /// (a call taken at the desk): it starts connected, owned by them.
    /// Outbound, follow-up and in-person contacts always do.
    #[serde(default)]
    pub in_progress: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewParticipant {
    /// A customer-side person (holder, representative) ...
    pub person_id: Option<PersonId>,
    /// ... or a staff user (specialist, supervisor).
    pub staff_id: Option<StaffId>,
    /// customer, representative, agent, specialist, supervisor
    pub role: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct VerifyInput {
    pub person_id: PersonId,
    /// account_pin, security_questions, one_time_code, known_number_callback, photo_id
    pub method: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct StateChange {
    pub version: i64,
    /// queued, connected (answer or resume), on_hold, wrap_up
    pub state: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct WrapUpInput {
    pub version: i64,
    /// e.g. resolved, follow_up_scheduled, escalated, abandoned
    pub outcome: String,
    /// The reason category, e.g. billing_dispute, outage, move
    pub disposition: String,
    pub notes: Option<String>,
    /// Required when the contact is a follow-up's call: reached_resolved,
    /// reached_more, no_answer, declined.
    #[serde(default)]
    pub follow_up_outcome: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct TransferInput {
    pub version: i64,
    pub to_staff_id: StaffId,
    /// cold: ownership moves now; warm: the receiver reads the note, talks
    /// to the caller and accepts.
    pub mode: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AcceptTransfer {
    pub version: i64,
}

/// A contact on someone's work list, with the account it is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InteractionSummary {
    pub interaction: Interaction,
    pub account_number: Option<String>,
    pub account_name: Option<String>,
    /// Routing offered it to this person and it is not answered yet.
    pub offered_to_me: bool,
}
