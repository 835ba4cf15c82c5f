//! Typed ids: UUID v7 (time-ordered), one newtype per entity so a person id
//! can never be passed where an account id is expected.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self { Self(Uuid::now_v7()) }
        }
        impl Default for $name {
            fn default() -> Self { Self::new() }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Uuid::parse_str(s).map(Self) }
        }
        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self { Self(u) }
        }
    )*};
}

id_type!(
    PersonId,
    AccountId,
    AccountRoleId,
    ContactPointId,
    LocationId,
    ProductId,
    SubscriptionId,
    SubscriptionEventId,
    NoteId,
    StaffId,
    TokenId,
    TeamId,
    AuditId,
    InteractionId,
    ParticipantId,
    InteractionEventId,
    VerificationId,
    CaseId,
    QueueId,
    ConsultId,
    LedgerEntryId,
    PolicyId,
    ApprovalId,
    FollowUpId,
    FollowUpEventId,
    SurveyId,
    KudosId,
    OfficeId,
    OrderId,
    OrderLineId,
    WorkOrderId,
    EquipmentId,
    PortingOrderId,
    MoveId,
);
