//! The customer service: authorize, validate, build the change and its
//! audit event, hand both to the store.

use super::inputs::*;
use super::lookup;
use super::model::*;
use super::rules;
use super::values::*;
use crate::access::{Action, authorize};
use crate::audit::{Actor, AuditEvent, change};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct CustomerService {
    store: Arc<dyn Store>,
    /// Region for phone numbers written without a country code.
    region: String,
}

fn not_found(what: &str) -> DomainError {
    DomainError::NotFound(what.into())
}

fn next_version(stored: i64, sent: i64, what: &str) -> Result<i64> {
    crate::error::expect_version(what, stored, sent)?;
    Ok(stored + 1)
}

/// Contact points given with a new person at once.
pub const MAX_CONTACT_POINTS: usize = 20;

impl CustomerService {
    pub fn new(store: Arc<dyn Store>, region: impl Into<String>) -> Self {
        Self {
            store,
            region: region.into(),
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn contact_point_from(
        &self,
        person_id: PersonId,
        input: &NewContactPoint,
    ) -> Result<ContactPoint> {
        let kind = ContactKind::parse("kind", input.kind.trim())?;
        let (value, normalized) = match kind {
            ContactKind::Phone => {
                let p = PhoneNumber::parse(&input.value, &self.region)?;
                (input.value.trim().to_string(), p.as_str().to_string())
            }
            ContactKind::Email => {
                let e = Email::parse(&input.value)?;
                (e.as_str().to_string(), e.as_str().to_string())
            }
            ContactKind::Postal => {
                let v = required_text("value", &input.value, 300)?;
                let n = lookup::normalize_terms(&v).join(" ");
                (v, n)
            }
        };
        Ok(ContactPoint {
            id: ContactPointId::new(),
            person_id,
            kind,
            value,
            normalized,
            label: optional_text("label", input.label.as_deref(), 40)?,
            is_primary: input.is_primary,
            version: 1,
        })
    }

    pub async fn create_person(
        &self,
        actor: &Actor,
        input: NewPerson,
    ) -> Result<(Person, Vec<ContactPoint>)> {
        authorize(actor.role, Action::EditCustomer)?;
        let person = Person {
            id: PersonId::new(),
            given_name: required_text("given_name", &input.given_name, 100)?,
            family_name: required_text("family_name", &input.family_name, 100)?,
            preferred_language: optional_text(
                "preferred_language",
                input.preferred_language.as_deref(),
                20,
            )?,
            created_at: crate::time::now(),
            version: 1,
        };
        if input.contact_points.len() > MAX_CONTACT_POINTS {
            return Err(DomainError::invalid(
                "contact_points",
                format!("a person is created with at most {MAX_CONTACT_POINTS} contact points"),
            ));
        }
        let mut cps = Vec::with_capacity(input.contact_points.len());
        for (i, cp) in input.contact_points.iter().enumerate() {
            cps.push(
                self.contact_point_from(person.id, cp)
                    .map_err(|e| e.within(&format!("contact_points[{i}]")))?,
            );
        }
        let mut audit = vec![
            change(actor, "create", "person", person.id.0)
                .summary(format!("Created person {}", person.full_name()))
                .after(&person)
                .build(),
        ];
        for cp in &cps {
            audit.push(cp_event(actor, "create", cp, None, None));
        }
        self.store.insert_person(&person, &cps, &audit).await?;
        Ok((person, cps))
    }

    pub async fn person(
        &self,
        actor: &Actor,
        id: PersonId,
    ) -> Result<(Person, Vec<ContactPoint>, Vec<(AccountRole, Account)>)> {
        authorize(actor.role, Action::ViewCustomer)?;
        let p = self
            .store
            .person(id)
            .await?
            .ok_or_else(|| not_found("person"))?;
        let cps = self.store.person_contact_points(id).await?;
        let accounts = self.store.person_accounts(id).await?;
        Ok((p, cps, accounts))
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: PersonId,
        input: PersonUpdate,
    ) -> Result<Person> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .person(id)
            .await?
            .ok_or_else(|| not_found("person"))?;
        let mut after = before.clone();
        after.version = next_version(before.version, input.version, "person")?;
        if let Some(v) = &input.given_name {
            after.given_name = required_text("given_name", v, 100)?;
        }
        if let Some(v) = &input.family_name {
            after.family_name = required_text("family_name", v, 100)?;
        }
        if input.preferred_language.is_some() {
            after.preferred_language = optional_text(
                "preferred_language",
                input.preferred_language.as_deref(),
                20,
            )?;
        }
        let ev = change(actor, "update", "person", id.0)
            .summary(format!("Updated person {}", after.full_name()))
            .before(&before)
            .after(&after)
            .build();
        self.store.update_person(&after, &ev).await?;
        Ok(after)
    }

    pub async fn create_account(&self, actor: &Actor, input: NewAccount) -> Result<Account> {
        authorize(actor.role, Action::EditCustomer)?;
        let holder = self
            .store
            .person(input.holder_id)
            .await?
            .ok_or_else(|| DomainError::invalid("holder_id", "no person with this id"))?;
        let number = match input.number.as_deref() {
            Some(n) => AccountNumber::parse(n)?.as_str().to_string(),
            None => generated_account_number(),
        };
        let account = Account {
            id: AccountId::new(),
            number,
            name: optional_text("name", input.name.as_deref(), 200)?
                .unwrap_or_else(|| holder.full_name()),
            account_type: match input.account_type.as_deref() {
                Some(t) => AccountType::parse("account_type", t)?,
                None => AccountType::Residential,
            },
            status: AccountStatus::Active,
            created_at: crate::time::now(),
            version: 1,
        };
        let role = AccountRole {
            id: AccountRoleId::new(),
            account_id: account.id,
            person_id: holder.id,
            kind: RoleKind::Holder,
            consent: None,
            ended_reason: None,
            ended_on: None,
            created_at: account.created_at,
            version: 1,
        };
        let audit = vec![
            change(actor, "create", "account", account.id.0)
                .account(Some(account.id))
                .summary(format!(
                    "Opened account {} for {}",
                    account.number,
                    holder.full_name()
                ))
                .after(&account)
                .build(),
            change(actor, "create", "account_role", role.id.0)
                .account(Some(account.id))
                .summary(format!("{} is the holder", holder.full_name()))
                .after(&role)
                .build(),
        ];
        self.store.insert_account(&account, &role, &audit).await?;
        Ok(account)
    }

    pub async fn update_account(
        &self,
        actor: &Actor,
        id: AccountId,
        input: AccountUpdate,
    ) -> Result<Account> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self
            .store
            .account(id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let mut after = before.clone();
        after.version = next_version(before.version, input.version, "account")?;
        if let Some(n) = &input.name {
            after.name = required_text("name", n, 200)?;
        }
        if let Some(t) = &input.account_type {
            after.account_type = AccountType::parse("account_type", t)?;
        }
        if let Some(s) = &input.status {
            after.status = AccountStatus::parse("status", s)?;
            rules::check_status_change(before.status, after.status, input.reason.as_deref())?;
            // Cancelling what a completion report says is installed is
            // refused here; a supervisor overrides through the account's
            // cancel (which keeps everything restorable).
            if after.status != before.status
                && matches!(
                    after.status,
                    AccountStatus::PendingCancellation | AccountStatus::Closed
                )
            {
                let found =
                    crate::fieldwork::account::installed_on_account(self.store.as_ref(), id)
                        .await?;
                if !found.is_empty() {
                    return Err(crate::fieldwork::account::refused(&found));
                }
            }
        }
        let ev = change(actor, "update", "account", id.0)
            .account(Some(id))
            .summary(format!("Updated account {}", after.number))
            .reason(optional_text("reason", input.reason.as_deref(), 500)?)
            .before(&before)
            .after(&after)
            .build();
        self.store.update_account(&after, &ev).await?;
        Ok(after)
    }

    pub async fn customer_360(&self, actor: &Actor, id: AccountId) -> Result<Customer360> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .customer_360(id, 100)
            .await?
            .ok_or_else(|| not_found("account"))
    }

    pub async fn add_role(
        &self,
        actor: &Actor,
        account_id: AccountId,
        input: NewRole,
    ) -> Result<AccountRole> {
        authorize(actor.role, Action::ChangeAccountRoles)?;
        let account = self
            .store
            .account(account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let person = self
            .store
            .person(input.person_id)
            .await?
            .ok_or_else(|| DomainError::invalid("person_id", "no person with this id"))?;
        let kind = RoleKind::parse("kind", &input.kind)?;
        let roles = self.store.account_roles(account_id).await?;
        let consent = match (&input.consent, kind) {
            (Some(c), RoleKind::AuthorizedRepresentative) => Some(Consent {
                given_by: c.given_by,
                given_at: crate::time::now(),
                method: ConsentMethod::parse("consent.method", &c.method)?,
                note: optional_text("consent.note", c.note.as_deref(), 500)?,
            }),
            _ => None,
        };
        rules::check_new_role(
            &roles,
            person.id,
            kind,
            consent.as_ref().map(|c| c.given_by),
        )?;
        let role = AccountRole {
            id: AccountRoleId::new(),
            account_id,
            person_id: person.id,
            kind,
            consent,
            ended_reason: None,
            ended_on: None,
            created_at: crate::time::now(),
            version: 1,
        };
        let what = match kind {
            RoleKind::Holder => "as a holder".to_string(),
            _ => "as an authorized representative, with the holder's consent".to_string(),
        };
        let ev = change(actor, "create", "account_role", role.id.0)
            .account(Some(account.id))
            .summary(format!("Added {} {what}", person.full_name()))
            .after(&role)
            .build();
        self.store.insert_role(&role, &ev).await?;
        Ok(role)
    }

    pub async fn end_role(
        &self,
        actor: &Actor,
        role_id: AccountRoleId,
        input: EndRole,
    ) -> Result<AccountRole> {
        authorize(actor.role, Action::ChangeAccountRoles)?;
        let before = self
            .store
            .role(role_id)
            .await?
            .ok_or_else(|| not_found("account role"))?;
        let roles = self.store.account_roles(before.account_id).await?;
        let mut after = before.clone();
        after.version = next_version(before.version, input.version, "role")?;
        after.kind = rules::end_role(&roles, &before)?;
        let reason = required_text("reason", &input.reason, 200)?;
        let today = jiff::Zoned::now().date();
        let ended_on = match input.ended_on.as_deref() {
            Some(d) => parse_date("ended_on", d)?,
            None => today,
        };
        if ended_on > today {
            return Err(DomainError::invalid("ended_on", "cannot be in the future"));
        }
        after.ended_reason = Some(reason.clone());
        after.ended_on = Some(ended_on);
        let person = self
            .store
            .person(before.person_id)
            .await?
            .ok_or_else(|| not_found("person"))?;
        let ev = change(actor, "end_role", "account_role", role_id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "{} is no longer {} ({reason})",
                person.full_name(),
                before.kind.as_str().replace('_', " ")
            ))
            .reason(Some(reason))
            .before(&before)
            .after(&after)
            .build();
        self.store.update_role(&after, &ev).await?;
        Ok(after)
    }
}

/// The account a person's change shows on: their first account, if any.
async fn account_of(store: &dyn Store, person: PersonId) -> Result<Option<AccountId>> {
    Ok(store
        .person_accounts(person)
        .await?
        .first()
        .map(|(r, _)| r.account_id))
}

fn cp_event(
    actor: &Actor,
    action: &str,
    cp: &ContactPoint,
    before: Option<&ContactPoint>,
    account: Option<AccountId>,
) -> AuditEvent {
    let mut c = change(actor, action, "contact_point", cp.id.0)
        .account(account)
        .summary(format!(
            "{} {} {}",
            if before.is_some() { "Changed" } else { "Added" },
            cp.kind,
            cp.value
        ))
        .after(cp);
    if let Some(b) = before {
        c = c.before(b);
    }
    c.build()
}

fn generated_account_number() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000_000;
    format!("EM{n:010}")
}

mod records;
