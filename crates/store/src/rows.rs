//! Row shapes as the databases return them, and their conversion into
//! domain records. Stored enum text that no longer parses is reported as a
//! storage error rather than guessed at.

use extramile_domain::DomainError;
use extramile_domain::admin::{StaffRole, StaffUser};
use extramile_domain::audit::AuditEvent;
use extramile_domain::customers::model::*;
use extramile_domain::time::micros_to_ts;
use uuid::Uuid;

type R<T> = Result<T, DomainError>;

fn corrupt(e: DomainError) -> DomainError {
    DomainError::Store(format!("stored value does not parse: {e}"))
}

fn date(s: &str) -> R<jiff::civil::Date> {
    s.parse()
        .map_err(|_| DomainError::Store(format!("stored date does not parse: {s}")))
}

#[derive(sqlx::FromRow)]
pub struct PersonRow {
    pub id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: Option<String>,
    pub created_at: i64,
    pub version: i64,
}
macro_rules! person_cols {
    () => {
        "id, given_name, family_name, preferred_language, created_at, version"
    };
}
pub(crate) use person_cols;

impl PersonRow {
    pub fn into_domain(self) -> Person {
        Person {
            id: self.id.into(),
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_language: self.preferred_language,
            created_at: micros_to_ts(self.created_at),
            version: self.version,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub account_type: String,
    pub status: String,
    pub created_at: i64,
    pub version: i64,
}
macro_rules! account_cols {
    () => {
        "id, number, name, account_type, status, created_at, version"
    };
}
pub(crate) use account_cols;

impl AccountRow {
    pub fn into_domain(self) -> R<Account> {
        Ok(Account {
            id: self.id.into(),
            number: self.number,
            name: self.name,
            account_type: AccountType::parse("account_type", &self.account_type)
                .map_err(corrupt)?,
            status: AccountStatus::parse("status", &self.status).map_err(corrupt)?,
            created_at: micros_to_ts(self.created_at),
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct RoleRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub consent_given_by: Option<Uuid>,
    pub consent_given_at: Option<i64>,
    pub consent_method: Option<String>,
    pub consent_note: Option<String>,
    pub ended_reason: Option<String>,
    pub ended_on: Option<String>,
    pub created_at: i64,
    pub version: i64,
}
macro_rules! role_cols {
    () => {
        "id, account_id, person_id, kind, consent_given_by, consent_given_at, consent_method, consent_note, ended_reason, ended_on, created_at, version"
    };
}
pub(crate) use role_cols;

impl RoleRow {
    pub fn into_domain(self) -> R<AccountRole> {
        let consent = match (
            self.consent_given_by,
            self.consent_given_at,
            self.consent_method,
        ) {
            (Some(by), Some(at), Some(m)) => Some(Consent {
                given_by: by.into(),
                given_at: micros_to_ts(at),
                method: ConsentMethod::parse("consent_method", &m).map_err(corrupt)?,
                note: self.consent_note,
            }),
            _ => None,
        };
        Ok(AccountRole {
            id: self.id.into(),
            account_id: self.account_id.into(),
            person_id: self.person_id.into(),
            kind: RoleKind::parse("kind", &self.kind).map_err(corrupt)?,
            consent,
            ended_reason: self.ended_reason,
            ended_on: self.ended_on.as_deref().map(date).transpose()?,
            created_at: micros_to_ts(self.created_at),
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ContactRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub value: String,
    pub normalized: String,
    pub label: Option<String>,
    pub is_primary: bool,
    pub version: i64,
}
macro_rules! contact_cols {
    () => {
        "id, person_id, kind, value, normalized, label, is_primary, version"
    };
}
pub(crate) use contact_cols;

impl ContactRow {
    pub fn into_domain(self) -> R<ContactPoint> {
        Ok(ContactPoint {
            id: self.id.into(),
            person_id: self.person_id.into(),
            kind: ContactKind::parse("kind", &self.kind).map_err(corrupt)?,
            value: self.value,
            normalized: self.normalized,
            label: self.label,
            is_primary: self.is_primary,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct LocationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: String,
    pub country: String,
    pub version: i64,
    pub time_zone: Option<String>,
}
macro_rules! location_cols {
    () => {
        "id, account_id, line1, line2, city, region, postcode, country, version, time_zone"
    };
}
pub(crate) use location_cols;

impl LocationRow {
    pub fn into_domain(self) -> ServiceLocation {
        ServiceLocation {
            id: self.id.into(),
            account_id: self.account_id.into(),
            line1: self.line1,
            line2: self.line2,
            city: self.city,
            region: self.region,
            postcode: self.postcode,
            country: self.country,
            version: self.version,
            time_zone: self.time_zone,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ProductRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub monthly_price_minor: i64,
    pub currency: String,
    pub retail_price_minor: Option<i64>,
}
macro_rules! product_cols {
    () => {
        "id, code, name, kind, monthly_price_minor, currency, retail_price_minor"
    };
}
pub(crate) use product_cols;

impl ProductRow {
    pub fn into_domain(self) -> R<Product> {
        Ok(Product {
            id: self.id.into(),
            code: self.code,
            name: self.name,
            kind: ProductKind::parse("kind", &self.kind).map_err(corrupt)?,
            monthly_price_minor: self.monthly_price_minor,
            currency: self.currency,
            retail_price_minor: self.retail_price_minor,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub status: String,
    pub start_date: String,
    pub version: i64,
}
macro_rules! subscription_cols {
    () => {
        "id, account_id, location_id, product_id, status, start_date, version"
    };
}
pub(crate) use subscription_cols;

impl SubscriptionRow {
    pub fn into_domain(self) -> R<Subscription> {
        Ok(Subscription {
            id: self.id.into(),
            account_id: self.account_id.into(),
            location_id: self.location_id.into(),
            product_id: self.product_id.into(),
            status: SubscriptionStatus::parse("status", &self.status).map_err(corrupt)?,
            start_date: date(&self.start_date)?,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SubEventRow {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub at: i64,
    pub kind: String,
    pub description: String,
    pub actor_name: String,
}

impl SubEventRow {
    pub fn into_domain(self) -> SubscriptionEvent {
        SubscriptionEvent {
            id: self.id.into(),
            subscription_id: self.subscription_id.into(),
            at: micros_to_ts(self.at),
            kind: self.kind,
            description: self.description,
            actor_name: self.actor_name,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct NoteRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

impl NoteRow {
    pub fn into_domain(self) -> Note {
        Note {
            id: self.id.into(),
            account_id: self.account_id.into(),
            author_id: self.author_id.map(Into::into),
            author_name: self.author_name,
            body: self.body,
            created_at: micros_to_ts(self.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub account_id: Option<Uuid>,
    pub summary: String,
    pub reason: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}
macro_rules! audit_cols {
    () => {
        "id, at, actor_id, actor_name, action, entity_type, entity_id, account_id, summary, reason, before_json, after_json"
    };
}
pub(crate) use audit_cols;

impl AuditRow {
    pub fn into_domain(self) -> AuditEvent {
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEvent {
            id: self.id.into(),
            at: micros_to_ts(self.at),
            actor_id: self.actor_id.map(Into::into),
            actor_name: self.actor_name,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            account_id: self.account_id.map(Into::into),
            summary: self.summary,
            reason: self.reason,
            before: json(self.before_json),
            after: json(self.after_json),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct StaffRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub team_id: Option<Uuid>,
    pub active: bool,
    pub created_at: i64,
    pub password_hash: String,
    pub failed_signins: i64,
    pub locked_until: Option<i64>,
    pub time_zone: Option<String>,
}
macro_rules! staff_cols {
    () => {
        "id, email, name, role, team_id, active, created_at, password_hash, failed_signins, locked_until, time_zone"
    };
}
pub(crate) use staff_cols;

impl StaffRow {
    pub fn into_domain(self) -> R<StaffUser> {
        Ok(StaffUser {
            id: self.id.into(),
            email: self.email,
            name: self.name,
            role: StaffRole::parse("role", &self.role).map_err(corrupt)?,
            team_id: self.team_id.map(Into::into),
            active: self.active,
            created_at: micros_to_ts(self.created_at),
            password_hash: self.password_hash,
            failed_signins: self.failed_signins,
            locked_until: self.locked_until.map(micros_to_ts),
            time_zone: self.time_zone,
        })
    }
}
