//! Staff accounts, sign-in with throttling and lockout, sessions, tokens.

use super::*;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::{Email, required_text};
use crate::error::{DomainError, Result};
use crate::store::Store;
use jiff::SignedDuration;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "extramile_session";
const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

#[derive(Clone)]
pub struct StaffService {
    store: Arc<dyn Store>,
    policy: SigninPolicy,
}

/// What a new staff user needs.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub role: String,
    pub team_id: Option<TeamId>,
    pub password: String,
}

impl StaffService {
    pub fn new(store: Arc<dyn Store>, policy: SigninPolicy) -> Self {
        Self { store, policy }
    }

    pub fn actor(u: &StaffUser) -> Actor {
        Actor {
            id: Some(u.id),
            name: u.name.clone(),
            role: u.role,
        }
    }

    pub async fn create_staff(&self, actor: &Actor, input: NewStaff) -> Result<StaffUser> {
        authorize(actor.role, Action::ManageStaff)?;
        let email = Email::parse(&input.email).map_err(|e| match e {
            DomainError::Invalid { message, .. } => DomainError::invalid("email", message),
            other => other,
        })?;
        if self.store.staff_by_email(email.as_str()).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "a staff user with e-mail {} exists",
                email.as_str()
            )));
        }
        let user = StaffUser {
            id: StaffId::new(),
            email: email.as_str().to_string(),
            name: required_text("name", &input.name, 100)?,
            role: StaffRole::parse("role", &input.role)?,
            team_id: input.team_id,
            active: true,
            created_at: crate::time::now(),
            password_hash: hash_password(&input.password)?,
            failed_signins: 0,
            locked_until: None,
        };
        let ev = change(actor, "create", "staff_user", user.id.0)
            .summary(format!("Added {} ({})", user.name, user.role))
            .after(&user)
            .build();
        self.store.insert_staff(&user, &ev).await?;
        Ok(user)
    }

    /// Check a password. Failures are counted per user; each one slows the
    /// answer, and the fifth in a row locks the user for fifteen minutes.
    pub async fn authenticate(&self, email: &str, password: &str) -> Result<StaffUser> {
        let wrong = || DomainError::Unauthenticated("the e-mail or password is not right".into());
        let email = email.trim().to_lowercase();
        let Some(user) = self.store.staff_by_email(&email).await? else {
            pause(self.policy.delay(1)).await;
            return Err(wrong());
        };
        let now = crate::time::now();
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            let secs = (until - now).get_seconds().max(1) as u64;
            return Err(DomainError::Throttled {
                message: format!(
                    "too many failed sign-ins: this user is locked for {} more minute(s)",
                    secs.div_ceil(60)
                ),
                retry_after_secs: secs,
            });
        }
        if !user.active {
            return Err(DomainError::Forbidden(
                "this staff user is deactivated".into(),
            ));
        }
        if verify_password(password, &user.password_hash) {
            if user.failed_signins > 0 || user.locked_until.is_some() {
                self.store.set_signin_failures(user.id, 0, None).await?;
            }
            return Ok(user);
        }
        let (failures, lock) = lockout_after_failure(&self.policy, user.failed_signins, now);
        self.store
            .set_signin_failures(user.id, failures, lock)
            .await?;
        pause(self.policy.delay(user.failed_signins + 1)).await;
        if lock.is_some() {
            return Err(DomainError::Throttled {
                message: "too many failed sign-ins: this user is locked for 15 minutes".into(),
                retry_after_secs: self.policy.lock_for.as_secs() as u64,
            });
        }
        let left = self.policy.max_failures - failures;
        Err(DomainError::Unauthenticated(format!(
            "the e-mail or password is not right ({left} attempt(s) left before a 15-minute lock)"
        )))
    }

    /// A new session; the returned secret goes in the cookie.
    pub async fn start_session(&self, user: &StaffUser) -> Result<(String, Session)> {
        let secret = new_secret("ems_")?;
        let now = crate::time::now();
        let session = Session {
            digest: secret_digest(&secret),
            staff_id: user.id,
            csrf_token: new_secret("")?,
            created_at: now,
            expires_at: now.checked_add(SESSION_LIFETIME).unwrap_or(now),
        };
        self.store.insert_session(&session).await?;
        Ok((secret, session))
    }

    pub async fn session_user(&self, secret: &str) -> Result<Option<(StaffUser, Session)>> {
        let Some(s) = self.store.session(&secret_digest(secret)).await? else {
            return Ok(None);
        };
        if s.expires_at <= crate::time::now() {
            self.store.delete_session(&s.digest).await?;
            return Ok(None);
        }
        Ok(self
            .store
            .staff(s.staff_id)
            .await?
            .filter(|u| u.active)
            .map(|u| (u, s)))
    }

    pub async fn end_session(&self, secret: &str) -> Result<()> {
        self.store.delete_session(&secret_digest(secret)).await
    }

    /// A new API token for `email`; only its digest is stored.
    pub async fn create_token(&self, actor: &Actor, email: &str, label: &str) -> Result<String> {
        authorize(actor.role, Action::ManageStaff)?;
        let user = self
            .store
            .staff_by_email(&email.trim().to_lowercase())
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("staff user {email}")))?;
        let secret = new_secret("emt_")?;
        let token = ApiToken {
            digest: secret_digest(&secret),
            staff_id: user.id,
            label: required_text("label", label, 100)?,
            created_at: crate::time::now(),
        };
        let ev = change(actor, "create", "api_token", user.id.0)
            .summary(format!(
                "Issued API token \"{}\" to {}",
                token.label, user.name
            ))
            .build();
        self.store.insert_token(&token, &ev).await?;
        Ok(secret)
    }

    pub async fn token_user(&self, secret: &str) -> Result<Option<StaffUser>> {
        let Some(t) = self.store.token(&secret_digest(secret)).await? else {
            return Ok(None);
        };
        Ok(self.store.staff(t.staff_id).await?.filter(|u| u.active))
    }

    pub async fn list_staff(&self, actor: &Actor) -> Result<Vec<StaffUser>> {
        authorize(actor.role, Action::ManageStaff)?;
        self.store.list_staff().await
    }

    /// Colleagues one can bring into a contact or hand a case to: active
    /// people, not integrations.
    pub async fn directory(&self, actor: &Actor) -> Result<Vec<StaffUser>> {
        authorize(actor.role, Action::ViewCustomer)?;
        Ok(self
            .store
            .list_staff()
            .await?
            .into_iter()
            .filter(|u| u.active && u.role != super::StaffRole::Integration)
            .collect())
    }

    pub async fn teams(&self) -> Result<Vec<Team>> {
        self.store.teams().await
    }

    /// The team with this name, created when missing (demo data, CLI).
    pub async fn ensure_team(&self, name: &str) -> Result<Team> {
        if let Some(t) = self
            .store
            .teams()
            .await?
            .into_iter()
            .find(|t| t.name == name)
        {
            return Ok(t);
        }
        let t = Team {
            id: TeamId::new(),
            name: required_text("name", name, 100)?,
        };
        self.store.insert_team(&t).await?;
        Ok(t)
    }
}

async fn pause(d: std::time::Duration) {
    tokio::time::sleep(d).await;
}
