//! What callers send to create or change customer records. Everything is
//! plain text here; the service parses it into valid values.

use crate::ids::*;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewContactPoint {
    /// `phone`, `email` or `postal`.
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewPerson {
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub contact_points: Vec<NewContactPoint>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PersonUpdate {
    /// The version you read; a different stored version answers 409.
    pub version: i64,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub preferred_language: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewAccount {
    /// Leave out to have one assigned.
    pub number: Option<String>,
    /// Defaults to the holder's name.
    pub name: Option<String>,
    /// `residential` (default) or `business`.
    pub account_type: Option<String>,
    /// The first holder.
    pub holder_id: PersonId,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AccountUpdate {
    pub version: i64,
    pub name: Option<String>,
    pub account_type: Option<String>,
    pub status: Option<String>,
    /// Required when closing or cancelling.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ConsentInput {
    /// The current holder who consents.
    pub given_by: PersonId,
    /// `verbal_on_call`, `written`, `portal` or `power_of_attorney`.
    pub method: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewRole {
    pub person_id: PersonId,
    /// `holder` or `authorized_representative`.
    pub kind: String,
    /// Required for an authorized representative.
    pub consent: Option<ConsentInput>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EndRole {
    pub version: i64,
    /// Why the role ends, e.g. "deceased" or "consent withdrawn".
    pub reason: String,
    /// YYYY-MM-DD; today when left out.
    pub ended_on: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ContactPointUpdate {
    pub version: i64,
    pub value: Option<String>,
    pub label: Option<String>,
    pub is_primary: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewLocation {
    /// IANA zone (e.g. America/Denver), when known: staff see the
    /// customer's local time.
    #[serde(default)]
    pub time_zone: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: String,
    /// ISO 3166 alpha-2; defaults to the provider's region.
    pub country: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct LocationUpdate {
    pub version: i64,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub monthly_price_minor: i64,
    pub currency: String,
    /// Equipment and accessories: the one-off price (required for them).
    #[serde(default)]
    pub retail_price_minor: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewSubscription {
    pub location_id: LocationId,
    pub product_id: ProductId,
    /// YYYY-MM-DD; today when left out.
    pub start_date: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SubscriptionChange {
    pub version: i64,
    /// Another product of the same kind (an upgrade or downgrade).
    pub product_id: Option<ProductId>,
    pub status: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewNote {
    pub body: String,
}
