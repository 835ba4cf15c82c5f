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
            password_hash: {
                check_password(&input.password, email.as_str())?;
                hash_password_bounded(&input.password).await?
            },
            failed_signins: 0,
            locked_until: None,
            time_zone: None,
        };
        let ev = change(actor, "create", "staff_user", user.id.0)
            .summary(format!("Added {} ({})", user.name, user.role))
            .after(&user)
            .build();
        self.store.insert_staff(&user, &ev).await?;
        Ok(user)
    }

    /// Check a password from a client address (see `signin` for the
    /// throttling). Known and unknown e-mails get the same answers, counted
    /// and timed alike.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        address: &str,
    ) -> Result<StaffUser> {
        let email = email.trim().to_lowercase();
        let now = crate::time::now();
        let since = signin::window_start(&self.policy, now);
        // Every attempt is counted before the password is checked, so
        // parallel guesses each use one up.
        let addr = signin::address_subject(address);
        let a = self.store.signin_attempt(&addr, now, since).await?;
        if let Some(until) = a.paused_until.filter(|u| *u > now) {
            return Err(paused(until, now, "from your address"));
        }
        if a.attempts > self.policy.address_attempts {
            let until = now.checked_add(self.policy.lock_for).unwrap_or(now);
            self.store.signin_pause(&addr, until).await?;
            return Err(paused(until, now, "from your address"));
        }
        let pair = signin::pair_subject(&email, address);
        let p = self.store.signin_attempt(&pair, now, since).await?;
        if let Some(until) = p.paused_until.filter(|u| *u > now) {
            return Err(paused(until, now, "for this e-mail"));
        }
        if p.attempts > self.policy.max_failures {
            return Err(paused(
                now.checked_add(self.policy.pause(p.pauses)).unwrap_or(now),
                now,
                "for this e-mail",
            ));
        }
        let user = self.store.staff_by_email(&email).await?;
        // An unknown e-mail costs the same hash as a known one.
        let hash = user
            .as_ref()
            .map_or_else(|| dummy_hash().to_string(), |u| u.password_hash.clone());
        let right = verify_password_bounded(password, &hash).await;
        // A deactivated user is answered like a wrong password: saying
        // "deactivated" would confirm the password to whoever guessed it.
        if let (true, Some(user)) = (right, user.filter(|u| u.active)) {
            self.store.signin_clear(&pair).await?;
            self.store.signin_release(&addr).await?;
            return Ok(user);
        }
        pause(self.policy.delay(p.attempts)).await;
        if p.attempts >= self.policy.max_failures {
            let until = now.checked_add(self.policy.pause(p.pauses)).unwrap_or(now);
            self.store.signin_pause(&pair, until).await?;
            return Err(paused(until, now, "for this e-mail"));
        }
        let left = self.policy.max_failures - p.attempts;
        Err(DomainError::Unauthenticated(format!(
            "the e-mail or password is not right ({left} attempt(s) left before a pause)"
        )))
    }

    /// Forget sign-in counters idle for a day (the table does not grow with
    /// every address that ever tried); how many.
    pub async fn purge_signin_attempts(&self) -> Result<u64> {
        let day_ago = crate::time::now()
            .checked_sub(SignedDuration::from_hours(24))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        self.store.signin_purge(day_ago).await
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

    /// A new API token for `email`, valid for `days` when given; only its
    /// digest is stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        email: &str,
        label: &str,
        days: Option<i64>,
    ) -> Result<String> {
        self.issue_token(actor, email, label, days, None).await
    }

    /// As `create_token`, from a form with a key: the same form sent again
    /// (a reload) issues nothing and says so.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        email: &str,
        label: &str,
        days: Option<i64>,
        issue_key: Option<&str>,
    ) -> Result<String> {
        authorize(actor.role, Action::ManageStaff)?;
        let user = self
            .store
            .staff_by_email(&email.trim().to_lowercase())
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("staff user {email}")))?;
        if !user.active {
            return Err(DomainError::Conflict(format!(
                "{} is deactivated; activate them first",
                user.name
            )));
        }
        let now = crate::time::now();
        let expires_at = match days {
            None => None,
            Some(d) if (1..=3650).contains(&d) => {
                now.checked_add(SignedDuration::from_hours(24 * d)).ok()
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "days",
                    "must be between 1 and 3650 days",
                ));
            }
        };
        let secret = new_secret("emt_")?;
        let token = ApiToken {
            id: crate::ids::TokenId::new(),
            digest: secret_digest(&secret),
            staff_id: user.id,
            label: required_text("label", label, 100)?,
            created_at: now,
            expires_at,
            revoked_at: None,
            issue_key: issue_key.map(str::to_string),
        };
        let ev = change(actor, "create", "api_token", token.id.0)
            .summary(format!(
                "Issued API token \"{}\" to {}{}",
                token.label,
                user.name,
                expires_at
                    .map(|e| format!(", valid until {}", e.strftime("%Y-%m-%d")))
                    .unwrap_or_default()
            ))
            .build();
        match self.store.insert_token(&token, &ev).await {
            Err(DomainError::Conflict(_)) if issue_key.is_some() => Err(DomainError::Conflict(
                "this form was already sent: the token was issued and its secret shown once; revoke it below if the secret was lost".into(),
            )),
            other => other.map(|()| secret),
        }
    }

    /// The staff user a token belongs to, while it is neither revoked nor
    /// expired and its owner is active.
    pub async fn token_user(&self, secret: &str) -> Result<Option<StaffUser>> {
        let Some(t) = self.store.token(&secret_digest(secret)).await? else {
            return Ok(None);
        };
        if !t.usable_at(crate::time::now()) {
            return Ok(None);
        }
        Ok(self.store.staff(t.staff_id).await?.filter(|u| u.active))
    }

    /// API tokens (never their secrets), of one person or everyone.
    pub async fn tokens(&self, actor: &Actor, staff: Option<StaffId>) -> Result<Vec<TokenInfo>> {
        authorize(actor.role, Action::ManageStaff)?;
        Ok(self
            .store
            .tokens(staff)
            .await?
            .iter()
            .map(TokenInfo::from)
            .collect())
    }

    /// Revoke a token: refused from now on. Revoking it again is a no-op
    /// answer of the same token.
    pub async fn revoke_token(&self, actor: &Actor, id: crate::ids::TokenId) -> Result<TokenInfo> {
        authorize(actor.role, Action::ManageStaff)?;
        let t = self
            .store
            .token_by_id(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("API token".into()))?;
        let now = crate::time::now();
        let ev = change(actor, "revoke", "api_token", id.0)
            .summary(format!("Revoked API token \"{}\"", t.label))
            .build();
        self.store.revoke_token(id, now, &ev).await?;
        let mut info = TokenInfo::from(&t);
        info.revoked_at = info.revoked_at.or(Some(now));
        Ok(info)
    }

    /// The time zone a person reads the console's times in (their own
    /// choice; None: the provider's).
    pub async fn set_time_zone(&self, actor: &Actor, zone: Option<&str>) -> Result<StaffUser> {
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a time zone belongs to a staff user".into()))?;
        let zone = match zone.map(str::trim) {
            None | Some("") => None,
            Some(z) => {
                jiff::tz::TimeZone::get(z).map_err(|_| {
                    DomainError::invalid("time_zone", "an IANA time zone such as America/Denver")
                })?;
                Some(z.to_string())
            }
        };
        let mut user = self
            .store
            .staff(me)
            .await?
            .ok_or_else(|| DomainError::NotFound("staff user".into()))?;
        let before = user.clone();
        user.time_zone = zone;
        let ev = change(actor, "update", "staff_user", me.0)
            .summary(format!(
                "{} reads times in {}",
                user.name,
                user.time_zone.as_deref().unwrap_or("the provider's zone")
            ))
            .before(&before)
            .after(&user)
            .build();
        self.store
            .set_staff_time_zone(me, user.time_zone.as_deref(), &ev)
            .await?;
        Ok(user)
    }

    /// Deactivate (ending their sessions and tokens at once) or activate
    /// a staff user. Nobody deactivates themselves.
    pub async fn set_active(
        &self,
        actor: &Actor,
        id: StaffId,
        active: bool,
        reason: &str,
    ) -> Result<StaffUser> {
        authorize(actor.role, Action::ManageStaff)?;
        let reason = required_text("reason", reason, 300)?;
        if actor.id == Some(id) && !active {
            return Err(DomainError::Conflict(
                "you cannot deactivate yourself; ask another admin".into(),
            ));
        }
        let mut user = self
            .store
            .staff(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("staff user".into()))?;
        let before = user.clone();
        user.active = active;
        let ev = change(
            actor,
            if active { "activate" } else { "deactivate" },
            "staff_user",
            id.0,
        )
        .summary(format!(
            "{} {}",
            if active { "Activated" } else { "Deactivated" },
            user.name
        ))
        .reason(Some(reason))
        .before(&before)
        .after(&user)
        .build();
        self.store
            .set_staff_active(id, active, crate::time::now(), &ev)
            .await?;
        Ok(user)
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

/// A hash to check unknown e-mails' passwords against, so that they take
/// as long as known ones.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no one signs in with this").unwrap_or_default())
}

fn paused(until: jiff::Timestamp, now: jiff::Timestamp, whom: &str) -> DomainError {
    let secs = (until - now).get_seconds().max(1) as u64;
    DomainError::Throttled {
        message: format!(
            "too many failed sign-ins {whom}: try again in {} minute(s)",
            secs.div_ceil(60)
        ),
        retry_after_secs: secs,
    }
}

async fn pause(d: std::time::Duration) {
    tokio::time::sleep(d).await;
}
