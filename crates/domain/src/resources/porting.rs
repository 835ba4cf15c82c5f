//! Port-in orders: a customer's numbers brought from another provider,
//! tied to a case; the number-porting specialists' queue.

use super::model::*;
use super::rules;
use super::service::{ResourceService, event};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::{optional_text, parse_date, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewPortingOrder {
    pub case_id: CaseId,
    pub donor: String,
    pub numbers: Vec<String>,
    #[serde(default)]
    pub loa_received: bool,
    pub donor_account: String,
    #[serde(default)]
    pub donor_pin: Option<String>,
    /// YYYY-MM-DD, today or later.
    pub requested_date: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PortStep {
    /// submitted, pending, scheduled, completed, rejected, cancelled
    pub to: String,
    pub version: i64,
    /// Scheduled: the donor's firm order commitment date.
    #[serde(default)]
    pub foc_date: Option<String>,
    /// Rejected, cancelled: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The letter of authorization arrived (needed to submit).
    #[serde(default)]
    pub loa_received: Option<bool>,
    /// Completed: the phone service the numbers go on.
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
}

impl ResourceService {
    fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    pub async fn porting_order(&self, actor: &Actor, id: PortingOrderId) -> Result<PortingOrder> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store
            .porting_order(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("port order".into()))
    }

    /// The specialists' queue: open port orders by their next date (FOC,
    /// else requested); or an account's, newest first.
    pub async fn porting_orders(
        &self,
        actor: &Actor,
        account: Option<AccountId>,
    ) -> Result<Vec<PortingOrder>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.porting_orders(account, 200).await
    }

    pub async fn create_porting(
        &self,
        actor: &Actor,
        input: NewPortingOrder,
    ) -> Result<PortingOrder> {
        authorize(actor.role, Action::EditCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("port orders are made by staff".into()))?;
        let (case, _) = self
            .store
            .case(input.case_id)
            .await?
            .ok_or_else(|| DomainError::invalid("case_id", "no such case"))?;
        let acc = self
            .store
            .account(case.account_id)
            .await?
            .ok_or_else(|| DomainError::invalid("case_id", "the case has no account"))?;
        let donor = required_text("donor", &input.donor, 100)?;
        let donor_account = required_text("donor_account", &input.donor_account, 60)?;
        let pin = optional_text("donor_pin", input.donor_pin.as_deref(), 20)?;
        if pin
            .as_ref()
            .is_some_and(|p| !p.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(DomainError::invalid("donor_pin", "letters and digits only"));
        }
        let requested = parse_date("requested_date", &input.requested_date)?;
        if requested < self.today() {
            return Err(DomainError::invalid("requested_date", "is before today"));
        }
        if input.numbers.is_empty() || input.numbers.len() > 50 {
            return Err(DomainError::invalid("numbers", "between 1 and 50 numbers"));
        }
        let now = self.now();
        let mut numbers = Vec::new();
        let mut writes = Vec::new();
        for (i, raw) in input.numbers.iter().enumerate() {
            let field = format!("numbers[{i}]");
            let n = rules::nanp(&field, raw)?;
            if numbers.contains(&n) {
                return Err(DomainError::invalid(&field, "named twice"));
            }
            let shown = rules::display(&n);
            let after = match self.store.phone_number(&n).await? {
                None => PhoneNumber {
                    number: n.clone(),
                    state: NumberState::PortingIn,
                    account_id: Some(acc.id),
                    subscription_id: None,
                    since: None,
                    until: None,
                    note: Some(format!("porting in from {donor}")),
                    version: 1,
                    updated_at: now,
                },
                Some(x) if x.state == NumberState::PortedOut => {
                    let mut y = x.clone();
                    y.state = NumberState::PortingIn;
                    y.account_id = Some(acc.id);
                    y.subscription_id = None;
                    y.until = None;
                    y.note = Some(format!("porting in from {donor}"));
                    y.version += 1;
                    y.updated_at = now;
                    y
                }
                Some(x) => {
                    return Err(DomainError::invalid(
                        &field,
                        format!(
                            "{shown} is already ours ({}): nothing to port",
                            x.state.as_str().replace('_', " ")
                        ),
                    ));
                }
            };
            writes.push(NumberWrite {
                event: event(
                    actor,
                    &n,
                    now,
                    "porting_in",
                    format!("Porting in from {donor} for {}", acc.number),
                    Some(acc.id),
                ),
                number: after,
            });
            numbers.push(n);
        }
        let p = PortingOrder {
            id: PortingOrderId::new(),
            account_id: acc.id,
            case_id: case.id,
            donor,
            numbers,
            loa_received: input.loa_received,
            donor_account,
            pin_hint: pin.as_ref().map(|p| hint(p)),
            donor_pin: pin,
            requested_date: requested,
            foc_date: None,
            state: PortState::Unconfirmed,
            reject_reason: None,
            created_by: me,
            created_at: now,
            version: 1,
            account_number: acc.number.clone(),
            account_name: acc.name.clone(),
        };
        let ev = change(actor, "create", "porting_order", p.id.0)
            .account(Some(acc.id))
            .summary(format!(
                "Port-in order from {} for {}",
                p.donor,
                p.numbers
                    .iter()
                    .map(|n| rules::display(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .build();
        let res = ResourceWrites {
            numbers: writes,
            equipment: Vec::new(),
        };
        self.store.write_porting_order(&p, true, &res, &ev).await?;
        Ok(p)
    }

    pub async fn porting_step(
        &self,
        actor: &Actor,
        id: PortingOrderId,
        input: PortStep,
    ) -> Result<PortingOrder> {
        authorize(actor.role, Action::EditCustomer)?;
        if !matches!(
            actor.role,
            crate::admin::StaffRole::Specialist
                | crate::admin::StaffRole::Supervisor
                | crate::admin::StaffRole::Admin
        ) {
            return Err(DomainError::Forbidden(
                "port orders are worked by the number-porting specialists".into(),
            ));
        }
        let before = self.porting_order(actor, id).await?;
        let to = PortState::parse("to", input.to.trim())?;
        if before.state == to && input.version == before.version - 1 && to != PortState::Scheduled {
            return Ok(before);
        }
        crate::error::expect_version("port order", before.version, input.version)?;
        rules::check_port(before.state, to)?;
        let now = self.now();
        let reason = optional_text("reason", input.reason.as_deref(), 300)?;
        let mut after = before.clone();
        after.state = to;
        after.version += 1;
        if let Some(l) = input.loa_received {
            after.loa_received = l;
        }
        let mut writes = Vec::new();
        let mut words = format!("Port order {}", to.as_str().replace('_', " "));
        match to {
            PortState::Submitted => {
                if !after.loa_received {
                    return Err(DomainError::invalid(
                        "loa_received",
                        "the donor needs the signed letter of authorization: tick it once it is in hand",
                    ));
                }
                after.reject_reason = None;
            }
            PortState::Scheduled => {
                let foc = parse_date(
                    "foc_date",
                    input.foc_date.as_deref().ok_or_else(|| {
                        DomainError::invalid("foc_date", "the date the donor committed to")
                    })?,
                )?;
                if foc < self.today() {
                    return Err(DomainError::invalid("foc_date", "is before today"));
                }
                after.foc_date = Some(foc);
                words = format!("Port scheduled for {foc} (FOC)");
            }
            PortState::Rejected => {
                let r = reason.clone().ok_or_else(|| {
                    DomainError::invalid("reason", "the donor's reason for rejecting")
                })?;
                after.reject_reason = Some(r.clone());
                words = format!("Port rejected by {}: {r}", before.donor);
            }
            PortState::Cancelled | PortState::Completed => {
                if to == PortState::Cancelled && reason.is_none() {
                    return Err(DomainError::invalid("reason", "say why it is cancelled"));
                }
                if let Some(s) = input.subscription_id {
                    if to == PortState::Cancelled {
                        return Err(DomainError::invalid(
                            "subscription_id",
                            "only when completed",
                        ));
                    }
                    let sub = self
                        .store
                        .subscription(s)
                        .await?
                        .filter(|x| x.account_id == before.account_id)
                        .ok_or_else(|| {
                            DomainError::invalid("subscription_id", "not a service of this account")
                        })?;
                    let kind = self.store.product(sub.product_id).await?.map(|p| p.kind);
                    if kind != Some(crate::customers::model::ProductKind::Phone) {
                        return Err(DomainError::invalid(
                            "subscription_id",
                            "numbers go on a phone service",
                        ));
                    }
                }
                if to == PortState::Completed
                    && let Some(foc) = before.foc_date
                    && self.today() < foc
                {
                    return Err(DomainError::Conflict(format!(
                        "the donor committed to {}: the numbers are ported on that day, not before",
                        foc.strftime("%a %-d %b %Y")
                    )));
                }
                for n in &before.numbers {
                    let Some(x) = self.store.phone_number(n).await? else {
                        continue;
                    };
                    if x.state != NumberState::PortingIn || x.account_id != Some(before.account_id)
                    {
                        continue;
                    }
                    let mut y = x.clone();
                    y.version += 1;
                    y.updated_at = now;
                    let w = if to == PortState::Completed {
                        y.state = NumberState::Assigned;
                        y.subscription_id = input.subscription_id;
                        y.note = None;
                        format!(
                            "Ported in from {}: assigned to {}",
                            before.donor, before.account_number
                        )
                    } else {
                        // Still with the other provider: as a number ported out.
                        y.state = NumberState::PortedOut;
                        y.account_id = None;
                        y.note = Some("port-in cancelled: still with the donor".into());
                        "Port-in cancelled: the number stays with its provider".to_string()
                    };
                    writes.push(NumberWrite {
                        event: event(actor, n, now, to.as_str(), w, Some(before.account_id)),
                        number: y,
                    });
                }
            }
            _ => {}
        }
        let ev = change(actor, to.as_str(), "porting_order", id.0)
            .account(Some(before.account_id))
            .summary(words)
            .reason(reason)
            .build();
        let res = ResourceWrites {
            numbers: writes,
            equipment: Vec::new(),
        };
        self.store
            .write_porting_order(&after, false, &res, &ev)
            .await?;
        Ok(after)
    }
}

/// A PIN is kept for the donor and never shown, not even in part.
pub fn hint(_pin: &str) -> String {
    "on file".into()
}
