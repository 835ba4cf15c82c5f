//! Staff users, teams (departments), sign-in rules, sessions and API tokens.

pub mod secrets;
mod service;
mod signin;

pub use secrets::{
    hash_password, hash_password_bounded, new_secret, secret_digest, verify_password,
    verify_password_bounded,
};
pub use service::{NewStaff, SESSION_COOKIE, StaffService};
pub use signin::{SigninPolicy, check_password};

use crate::ids::{StaffId, TeamId, TokenId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::str_enum!(StaffRole {
    Agent => "agent",
    Specialist => "specialist",
    Supervisor => "supervisor",
    Dispatcher => "dispatcher",
    Technician => "technician",
    Admin => "admin",
    Integration => "integration",
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffUser {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    pub team_id: Option<TeamId>,
    pub active: bool,
    pub created_at: Timestamp,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(skip)]
    pub failed_signins: i64,
    #[serde(skip)]
    pub locked_until: Option<Timestamp>,
    /// IANA zone the console shows their times in; the provider's when unset.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
}

/// A signed-in browser session. The cookie holds the secret; the store
/// keeps only its digest.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub digest: String,
    pub staff_id: StaffId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub digest: String,
    pub staff_id: StaffId,
    pub label: String,
    pub created_at: Timestamp,
    /// Refused from this time on, when set.
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The key of the form that issued it: sent again, it issues nothing.
    pub issue_key: Option<String>,
}

impl ApiToken {
    pub fn usable_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A token as listed to admins: never its secret or digest.
#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub staff_id: StaffId,
    pub label: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<&ApiToken> for TokenInfo {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id,
            staff_id: t.staff_id,
            label: t.label.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}
