use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(Availability { Available => "available", Busy => "busy", Away => "away", Offline => "offline" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Queue {
    pub id: QueueId,
    /// The department the queue belongs to.
    pub team_id: Option<TeamId>,
    pub name: String,
    /// The skill an agent needs to take work from this queue.
    pub skill: String,
    /// IANA name, e.g. America/Chicago.
    pub time_zone: String,
    /// `24/7`, or e.g. `mon-fri 08:00-18:00; sat 09:00-13:00`.
    pub hours: String,
    pub created_at: Timestamp,
    /// After-call work: how long an agent stays busy after a voice
    /// contact from this queue is wrapped up (0: available at once).
    #[serde(default)]
    pub after_call_secs: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueSummary {
    pub queue: Queue,
    pub open_now: bool,
    /// Local date and time of the next opening, when closed.
    pub next_opening: Option<String>,
    pub waiting: i64,
    /// When the longest-waiting contact still unrouted was queued.
    pub oldest_waiting_since: Option<Timestamp>,
    pub available_agents: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueEntry {
    pub interaction_id: InteractionId,
    pub queue_id: QueueId,
    pub queued_at: Timestamp,
    /// The agent the contact was routed to.
    pub offered_to: Option<StaffId>,
    pub offered_at: Option<Timestamp>,
}

/// Where a contact stands in its queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueuePosition {
    pub queue_id: QueueId,
    pub queue_name: String,
    /// 1 = next; 0 once routed to an agent.
    pub position: i64,
    pub expected_wait_secs: i64,
    pub offered_to: Option<StaffId>,
}

/// An agent who could take work, and since when they have been idle.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub staff_id: StaffId,
    pub idle_since: Timestamp,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewQueue {
    pub name: String,
    pub team_id: Option<TeamId>,
    pub skill: String,
    pub time_zone: String,
    pub hours: String,
    /// Seconds of after-call work (0 to 3600; 0 when absent).
    #[serde(default)]
    pub after_call_secs: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SkillsInput {
    pub skills: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AvailabilityInput {
    /// available, busy, away, offline
    pub state: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EnqueueInput {
    pub queue_id: QueueId,
}

/// Waiting contacts of one queue.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitingCount {
    pub queue_id: QueueId,
    pub waiting: i64,
    pub oldest: Timestamp,
}

/// A staff member's availability for the queue wall.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentPresence {
    pub staff_id: StaffId,
    pub name: String,
    pub role: crate::admin::StaffRole,
    pub team_id: Option<TeamId>,
    /// offline when the person never said otherwise.
    pub state: Availability,
    pub since: Option<Timestamp>,
    pub skills: Vec<String>,
}

/// What a supervisor watches: every queue and every agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueWall {
    pub queues: Vec<QueueSummary>,
    pub agents: Vec<AgentPresence>,
}
