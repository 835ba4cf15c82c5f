//! The customer 360 records.

use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(AccountType { Residential => "residential", Business => "business" });
crate::str_enum!(AccountStatus {
    Active => "active",
    Suspended => "suspended",
    PendingCancellation => "pending_cancellation",
    Closed => "closed",
});
crate::str_enum!(RoleKind {
    Holder => "holder",
    FormerHolder => "former_holder",
    AuthorizedRepresentative => "authorized_representative",
});
crate::str_enum!(ConsentMethod {
    VerbalOnCall => "verbal_on_call",
    Written => "written",
    Portal => "portal",
    PowerOfAttorney => "power_of_attorney",
});
crate::str_enum!(ContactKind { Phone => "phone", Email => "email", Postal => "postal" });
crate::str_enum!(ProductKind {
    Internet => "internet",
    Tv => "tv",
    Phone => "phone",
    Water => "water",
    Energy => "energy",
    Equipment => "equipment",
    Accessory => "accessory",
});

impl ProductKind {
    /// Bought once (ordered), never subscribed to.
    pub fn is_goods(self) -> bool {
        matches!(self, Self::Equipment | Self::Accessory)
    }
}
crate::str_enum!(SubscriptionStatus {
    PendingInstall => "pending_install",
    Active => "active",
    Suspended => "suspended",
    PendingCancellation => "pending_cancellation",
    Cancelled => "cancelled",
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: Option<String>,
    pub created_at: Timestamp,
    /// Incremented on every change; updates must send the version they read.
    pub version: i64,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub number: String,
    pub name: String,
    pub account_type: AccountType,
    pub status: AccountStatus,
    pub created_at: Timestamp,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Consent {
    /// The holder who gave consent.
    pub given_by: PersonId,
    pub given_at: Timestamp,
    pub method: ConsentMethod,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountRole {
    pub id: AccountRoleId,
    pub account_id: AccountId,
    pub person_id: PersonId,
    pub kind: RoleKind,
    /// Present for authorized representatives.
    pub consent: Option<Consent>,
    /// For former holders: why the role ended (e.g. "deceased") and when.
    pub ended_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<jiff::civil::Date>,
    pub created_at: Timestamp,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactPoint {
    pub id: ContactPointId,
    pub person_id: PersonId,
    pub kind: ContactKind,
    /// As entered, tidied (postal addresses keep their lines).
    pub value: String,
    /// E.164 for phones, lower case for e-mail: what lookup matches on.
    pub normalized: String,
    pub label: Option<String>,
    pub is_primary: bool,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceLocation {
    pub id: LocationId,
    pub account_id: AccountId,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: String,
    pub country: String,
    pub version: i64,
    /// IANA zone of the address, when known: the customer's local time.
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl ServiceLocation {
    pub fn one_line(&self) -> String {
        let mut s = self.line1.clone();
        if let Some(l2) = &self.line2 {
            s.push_str(", ");
            s.push_str(l2);
        }
        s.push_str(&format!(", {} {}", self.city, self.postcode));
        s
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: ProductId,
    pub code: String,
    pub name: String,
    pub kind: ProductKind,
    /// Monthly price in minor units of `currency`.
    pub monthly_price_minor: i64,
    pub currency: String,
    /// The one-off price of equipment and accessories (what an order line
    /// charges and what giving one free is worth).
    #[serde(default)]
    pub retail_price_minor: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub account_id: AccountId,
    pub location_id: LocationId,
    pub product_id: ProductId,
    pub status: SubscriptionStatus,
    #[schema(value_type = String, format = Date)]
    pub start_date: jiff::civil::Date,
    pub version: i64,
}

/// One change in a subscription's life: started, product changed (a speed
/// upgrade), status changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionEvent {
    pub id: SubscriptionEventId,
    pub subscription_id: SubscriptionId,
    pub at: Timestamp,
    pub kind: String,
    pub description: String,
    pub actor_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Note {
    pub id: NoteId,
    pub account_id: AccountId,
    pub author_id: Option<StaffId>,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// A person with their relation to the account and how to reach them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Party {
    pub role: AccountRole,
    pub person: Person,
    pub contact_points: Vec<ContactPoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionView {
    pub subscription: Subscription,
    pub product: Product,
    pub history: Vec<SubscriptionEvent>,
}

/// Everything about an account on one screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Customer360 {
    pub account: Account,
    pub parties: Vec<Party>,
    pub locations: Vec<ServiceLocation>,
    pub subscriptions: Vec<SubscriptionView>,
    pub notes: Vec<Note>,
    /// Newest first: every recorded change to the account and its records.
    pub timeline: Vec<crate::audit::AuditEvent>,
}

impl Customer360 {
    pub fn holders(&self) -> impl Iterator<Item = &Party> {
        self.parties
            .iter()
            .filter(|p| p.role.kind == RoleKind::Holder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_stored_names() {
        fn check<T: serde::Serialize + Copy + std::fmt::Display>(all: &[T]) {
            for v in all {
                assert_eq!(
                    serde_json::to_value(v).unwrap(),
                    serde_json::Value::String(v.to_string())
                );
            }
        }
        check(AccountType::ALL);
        check(AccountStatus::ALL);
        check(RoleKind::ALL);
        check(ConsentMethod::ALL);
        check(ContactKind::ALL);
        check(ProductKind::ALL);
        check(SubscriptionStatus::ALL);
        check(crate::admin::StaffRole::ALL);
        check(crate::customers::lookup::MatchKind::ALL);
    }
}
