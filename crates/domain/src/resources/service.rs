//! Numbers and equipment by hand: search and reserve, administration,
//! port out, returns and stock; imports; what an account holds.

use super::model::*;
use super::rules;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::Store;
use crate::time::Clock;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// Most numbers one search answers.
pub const SEARCH_LIMIT: u32 = 50;
/// Most numbers one import row (a range) may hold, and one file.
pub const RANGE_MAX: u64 = 100_000;
pub const IMPORT_MAX: u64 = 2_000_000;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NumberStep {
    /// reserved, available, administrative, ported_out
    pub to: String,
    pub version: i64,
    /// Reserving: for whom.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Reserving: how long (1–720 hours, 72 when left out).
    #[serde(default)]
    pub hours: Option<i64>,
    /// Administration and port out: why (port out: the new provider).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EquipmentStep {
    /// returned, in_stock, retired
    pub to: String,
    pub version: i64,
    /// Returned: good or faulty.
    #[serde(default)]
    pub condition: Option<String>,
    /// Returned to / in stock at this office…
    #[serde(default)]
    pub office_id: Option<OfficeId>,
    /// …or in stock in this technician's van.
    #[serde(default)]
    pub van_staff_id: Option<StaffId>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One row of a numbers file: a range (or one number), by its line.
#[derive(Clone, Debug)]
pub struct ImportNumberRow {
    pub line: u64,
    pub first: u64,
    pub last: u64,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ImportEquipmentRow {
    pub line: u64,
    pub serial: String,
    pub model: String,
    pub office_id: Option<OfficeId>,
    pub van_staff_id: Option<StaffId>,
}

/// A number or a piece of equipment with its history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NumberView {
    pub number: PhoneNumber,
    /// What it is now (a reservation or aging that ended is available).
    pub effective_state: NumberState,
    pub history: Vec<ResourceEvent>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EquipmentView {
    pub equipment: Equipment,
    pub history: Vec<ResourceEvent>,
}

/// What an account holds: its numbers (assigned, reserved, aging for it,
/// porting in) and equipment (assigned, pending return).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Holdings {
    pub numbers: Vec<PhoneNumber>,
    pub equipment: Vec<Equipment>,
}

#[derive(Clone)]
pub struct ResourceService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Clock,
}

pub(super) fn event(
    actor: &Actor,
    subject: &str,
    at: Timestamp,
    kind: &str,
    words: String,
    account: Option<AccountId>,
) -> ResourceEvent {
    ResourceEvent {
        subject: subject.to_string(),
        at,
        kind: kind.into(),
        description: words,
        account_id: account,
        actor_name: actor.name.clone(),
    }
}

impl ResourceService {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self { store, clock }
    }

    pub(super) fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Numbers to offer: available (or freed by a reservation or aging that
    /// ended) in an area code, matching a pattern.
    pub async fn search(
        &self,
        actor: &Actor,
        area_code: Option<&str>,
        pattern: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<PhoneNumber>> {
        authorize(actor.role, Action::EditCustomer)?;
        let plan = rules::number_search(area_code, pattern)?;
        if plan.lo >= plan.hi {
            return Ok(Vec::new());
        }
        self.store
            .search_numbers(
                &plan,
                self.now(),
                limit.unwrap_or(20).clamp(1, SEARCH_LIMIT),
            )
            .await
    }

    async fn load_number(&self, number: &str) -> Result<PhoneNumber> {
        let n = rules::nanp("number", number)?;
        self.store
            .phone_number(&n)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("number {}", rules::display(&n))))
    }

    pub async fn number(&self, actor: &Actor, number: &str) -> Result<NumberView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let n = self.load_number(number).await?;
        let history = self.store.resource_history(&n.number, 100).await?;
        Ok(NumberView {
            effective_state: rules::effective(&n, self.now()),
            number: n,
            history,
        })
    }

    /// Reserve, release, administration, port out.
    pub async fn number_step(
        &self,
        actor: &Actor,
        number: &str,
        input: NumberStep,
    ) -> Result<NumberView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self.load_number(number).await?;
        let now = self.now();
        let to = NumberState::parse("to", input.to.trim())?;
        crate::error::expect_version("number", before.version, input.version)?;
        let from = rules::effective(&before, now);
        let shown = rules::display(&before.number);
        if from == NumberState::Reserved
            && before
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("held for install order"))
        {
            return Err(DomainError::Conflict(format!(
                "{shown} is {}: cancel that order to release it",
                before.note.clone().unwrap_or_default()
            )));
        }
        if !rules::number_step_allowed(from, to) {
            return Err(DomainError::Conflict(match (from, to) {
                (NumberState::Aging, _) => format!(
                    "{shown} is aging, quarantined to its previous account: it goes back to that account only"
                ),
                _ => format!(
                    "{shown} is {}: it cannot be made {} by hand",
                    from.as_str().replace('_', " "),
                    to.as_str().replace('_', " ")
                ),
            }));
        }
        let reason = optional_text("reason", input.reason.as_deref(), 300)?;
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        after.updated_at = now;
        let words;
        match to {
            NumberState::Reserved => {
                let acc = input.account_id.ok_or_else(|| {
                    DomainError::invalid("account_id", "reserve it for an account")
                })?;
                let a = self
                    .store
                    .account(acc)
                    .await?
                    .ok_or_else(|| DomainError::invalid("account_id", "no such account"))?;
                if from == NumberState::Reserved && before.account_id != Some(acc) {
                    return Err(DomainError::Conflict(format!(
                        "{shown} is reserved for another account"
                    )));
                }
                let hours = input.hours.unwrap_or(72);
                if !(1..=720).contains(&hours) {
                    return Err(DomainError::invalid("hours", "between 1 and 720"));
                }
                let until = now
                    .checked_add(jiff::SignedDuration::from_hours(hours))
                    .unwrap_or(now);
                after.account_id = Some(acc);
                after.subscription_id = None;
                after.since = None;
                after.until = Some(until);
                words = format!("Reserved for {} {} for {hours} hours", a.number, a.name);
            }
            NumberState::Available => {
                if from == NumberState::Administrative {
                    authorize(actor.role, Action::ManageCatalog)?;
                }
                after.account_id = None;
                after.subscription_id = None;
                after.since = None;
                after.until = None;
                after.note = None;
                words = "Released: available".into();
            }
            NumberState::Administrative => {
                authorize(actor.role, Action::ManageCatalog)?;
                let r = reason
                    .clone()
                    .ok_or_else(|| DomainError::invalid("reason", "say why it is held"))?;
                after.account_id = None;
                after.until = None;
                after.note = Some(r.clone());
                words = format!("Held for administration: {r}");
            }
            NumberState::PortedOut => {
                if !matches!(
                    actor.role,
                    crate::admin::StaffRole::Specialist
                        | crate::admin::StaffRole::Supervisor
                        | crate::admin::StaffRole::Admin
                ) {
                    return Err(DomainError::Forbidden(
                        "numbers are ported out by the number-porting specialists".into(),
                    ));
                }
                let r = reason.clone().ok_or_else(|| {
                    DomainError::invalid("reason", "name the provider it goes to")
                })?;
                after.subscription_id = None;
                after.until = None;
                after.note = Some(r.clone());
                words = format!("Ported out to {r}");
            }
            _ => unreachable!("refused above"),
        }
        let ev = change(actor, to.as_str(), "phone_number", uuid::Uuid::nil())
            .account(before.account_id.or(after.account_id))
            .summary(format!("Number {shown}: {words}"))
            .reason(reason)
            .build();
        let w = ResourceWrites {
            numbers: vec![NumberWrite {
                event: event(
                    actor,
                    &after.number,
                    now,
                    to.as_str(),
                    words,
                    after.account_id.or(before.account_id),
                ),
                number: after,
            }],
            equipment: Vec::new(),
        };
        self.store.write_resources(&w, &ev).await?;
        self.number(actor, number).await
    }

    pub async fn holdings(&self, actor: &Actor, account: AccountId) -> Result<Holdings> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .account(account)
            .await?
            .ok_or_else(|| DomainError::NotFound("account".into()))?;
        let now = self.now();
        Ok(Holdings {
            numbers: self
                .store
                .account_numbers(account)
                .await?
                .into_iter()
                .filter(|n| rules::effective(n, now) != NumberState::Available)
                .collect(),
            equipment: self.store.account_equipment(account).await?,
        })
    }

    async fn load_equipment(&self, serial: &str) -> Result<Equipment> {
        self.store
            .equipment_by_serial(&normal_serial(serial))
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!("equipment with serial {}", serial.trim()))
            })
    }

    pub async fn equipment(&self, actor: &Actor, serial: &str) -> Result<EquipmentView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let e = self.load_equipment(serial).await?;
        let history = self.store.resource_history(&e.serial, 100).await?;
        Ok(EquipmentView {
            equipment: e,
            history,
        })
    }

    /// Returned (good or faulty, at an office), back in stock, retired.
    pub async fn equipment_step(
        &self,
        actor: &Actor,
        serial: &str,
        input: EquipmentStep,
    ) -> Result<EquipmentView> {
        authorize(actor.role, Action::EditCustomer)?;
        let before = self.load_equipment(serial).await?;
        crate::error::expect_version("equipment", before.version, input.version)?;
        let to = EquipmentState::parse("to", input.to.trim())?;
        if !matches!(
            to,
            EquipmentState::Returned | EquipmentState::InStock | EquipmentState::Retired
        ) || !rules::equipment_allowed(before.state, to)
        {
            return Err(DomainError::Conflict(format!(
                "{} {} is {}: it cannot be made {} by hand (a completion report assigns equipment)",
                before.model,
                before.serial,
                before.state.as_str().replace('_', " "),
                to.as_str().replace('_', " ")
            )));
        }
        let now = self.now();
        let reason = optional_text("reason", input.reason.as_deref(), 300)?;
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        after.updated_at = now;
        let words = match to {
            EquipmentState::Returned => {
                let c = Condition::parse(
                    "condition",
                    input
                        .condition
                        .as_deref()
                        .ok_or_else(|| DomainError::invalid("condition", "good or faulty"))?,
                )?;
                let office = self
                    .office(input.office_id, "office_id")
                    .await?
                    .ok_or_else(|| {
                        DomainError::invalid("office_id", "the office it was returned to")
                    })?;
                after.condition = Some(c);
                after.office_id = Some(office.0);
                after.van_staff_id = None;
                after.account_id = None;
                after.location_id = None;
                after.subscription_id = None;
                format!("Returned ({c}) at {}", office.1)
            }
            EquipmentState::InStock => {
                if before.condition == Some(Condition::Faulty)
                    && before.state == EquipmentState::Returned
                {
                    return Err(DomainError::invalid(
                        "to",
                        "it came back faulty: retire it (or repair it before stocking it)",
                    ));
                }
                let place = self.place(input.office_id, input.van_staff_id).await?;
                after.office_id = input.office_id;
                after.van_staff_id = input.van_staff_id;
                after.condition = None;
                format!("In stock: {place}")
            }
            _ => {
                let r = reason
                    .clone()
                    .ok_or_else(|| DomainError::invalid("reason", "say why it is retired"))?;
                after.office_id = None;
                after.van_staff_id = None;
                format!("Retired: {r}")
            }
        };
        let ev = change(actor, to.as_str(), "equipment", before.id.0)
            .account(before.account_id)
            .summary(format!("{} {}: {words}", before.model, before.serial))
            .reason(reason)
            .build();
        let w = ResourceWrites {
            numbers: Vec::new(),
            equipment: vec![EquipmentWrite {
                event: event(
                    actor,
                    &after.serial,
                    now,
                    to.as_str(),
                    words,
                    before.account_id,
                ),
                equipment: after,
            }],
        };
        self.store.write_resources(&w, &ev).await?;
        self.equipment(actor, serial).await
    }

    async fn office(
        &self,
        id: Option<OfficeId>,
        field: &str,
    ) -> Result<Option<(OfficeId, String)>> {
        let Some(id) = id else { return Ok(None) };
        let o = self
            .store
            .office(id)
            .await?
            .ok_or_else(|| DomainError::invalid(field, "no such office"))?;
        Ok(Some((o.id, o.name)))
    }

    /// "Springfield main office" or "tess's van": exactly one of the two.
    async fn place(&self, office: Option<OfficeId>, van: Option<StaffId>) -> Result<String> {
        match (office, van) {
            (Some(o), None) => Ok(self
                .office(Some(o), "office_id")
                .await?
                .map(|o| o.1)
                .unwrap_or_default()),
            (None, Some(t)) => {
                let u = self
                    .store
                    .staff(t)
                    .await?
                    .filter(|u| u.role == crate::admin::StaffRole::Technician)
                    .ok_or_else(|| DomainError::invalid("van_staff_id", "not a technician"))?;
                Ok(format!("{}'s van", u.name))
            }
            _ => Err(DomainError::invalid(
                "office_id",
                "name an office or a technician's van (one of them)",
            )),
        }
    }

    /// Number ranges from a file: all or nothing.
    pub async fn import_numbers(&self, actor: &Actor, rows: &[ImportNumberRow]) -> Result<u64> {
        authorize(actor.role, Action::ManageCatalog)?;
        let mut total = 0u64;
        let mut sorted: Vec<&ImportNumberRow> = rows.iter().collect();
        for r in rows {
            if r.last < r.first {
                return Err(DomainError::invalid(
                    format!("line {}, column last", r.line),
                    "comes before the first number of the range",
                ));
            }
            let n = r.last - r.first + 1;
            if n > RANGE_MAX {
                return Err(DomainError::invalid(
                    format!("line {}, column last", r.line),
                    format!("a range holds at most {RANGE_MAX} numbers; this one {n}"),
                ));
            }
            // The range may not run past its exchange's 10,000 numbers.
            if r.first / 10_000 != r.last / 10_000 {
                return Err(DomainError::invalid(
                    format!("line {}, column last", r.line),
                    "a range stays within one area code and exchange",
                ));
            }
            total += n;
        }
        if total > IMPORT_MAX {
            return Err(DomainError::invalid(
                "file",
                format!("at most {IMPORT_MAX} numbers a file; this one holds {total}"),
            ));
        }
        sorted.sort_by_key(|r| r.first);
        for w in sorted.windows(2) {
            if w[1].first <= w[0].last {
                return Err(DomainError::invalid(
                    format!("line {}, column first", w[1].line.max(w[0].line)),
                    format!("overlaps the range on line {}", w[1].line.min(w[0].line)),
                ));
            }
        }
        let n = self
            .store
            .import_numbers(rows, self.now(), &actor.name)
            .await?;
        Ok(n)
    }

    pub async fn import_equipment(
        &self,
        actor: &Actor,
        rows: &[ImportEquipmentRow],
    ) -> Result<u64> {
        authorize(actor.role, Action::ManageCatalog)?;
        let mut seen: std::collections::HashMap<&str, u64> = Default::default();
        for r in rows {
            if let Some(first) = seen.insert(r.serial.as_str(), r.line) {
                return Err(DomainError::invalid(
                    format!("line {}, column serial", r.line),
                    format!("{} is on line {first} too", r.serial),
                ));
            }
        }
        self.store
            .import_equipment(rows, self.now(), &actor.name)
            .await
    }
}

/// Serials are kept trimmed and upper-case (as printed on the label).
pub fn normal_serial(s: &str) -> String {
    s.trim().to_uppercase()
}

/// A serial as printed on a label: 1 to 40 letters, digits, '-', '.' or
/// '_' (it goes into addresses and is read out on the phone).
pub fn check_serial(field: &str, serial: &str) -> crate::error::Result<()> {
    if serial.is_empty()
        || serial.len() > 40
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err(DomainError::invalid(
            field,
            "1 to 40 letters, digits, '-', '.' or '_' as on the label",
        ));
    }
    Ok(())
}

/// "+15125550000" as a number, for ranges.
pub fn number_value(e164: &str) -> u64 {
    e164.trim_start_matches('+').parse().unwrap_or(0)
}
