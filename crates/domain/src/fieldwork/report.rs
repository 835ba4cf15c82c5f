//! The completion report: the structured part decides the state, the
//! services, the numbers and the equipment; the remark is kept beside it.
//! And the numbers and equipment an override or a restore moves.

use super::model::*;
use super::rules;
use super::service::{FieldService, WorkOrderView};
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::model::SubscriptionStatus;
use crate::customers::values::optional_text;
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::resources::{EquipmentState, EquipmentWrite, NumberState, NumberWrite, ResourceWrites};
use crate::store::SubscriptionWrite;

impl FieldService {
    /// The technician's completion report: the structured part decides the
    /// state and the services; the remark is kept beside it and never acted on.
    pub async fn complete(
        &self,
        actor: &Actor,
        id: WorkOrderId,
        input: CompletionInput,
    ) -> Result<WorkOrderView> {
        authorize(actor.role, Action::ViewCustomer)?;
        let me = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("a report is filed by a technician".into()))?;
        let before = self.load(id).await?;
        if rules::is_final(before.state)
            && input.version == before.version - 1
            && let Some(first) = self.store.completion_report(id).await?
        {
            // The same report sent twice: the first stands. Another one
            // is refused: a visit has one report.
            let same = first.lines.len() == input.lines.len()
                && input.lines.iter().all(|l| {
                    first.lines.iter().any(|f| {
                        f.subscription_id == l.subscription_id && f.installed == l.installed
                    })
                });
            if same {
                return self.view(before).await;
            }
            return Err(DomainError::Conflict(format!(
                "a report was already filed for this visit by {} (it stands); tell the dispatcher what differs",
                first.filed_by_name
            )));
        }
        crate::error::expect_version("work order", before.version, input.version)?;
        if !before.technicians.contains(&me)
            && !crate::access::allowed(actor.role, Action::DecideApprovals)
        {
            return Err(DomainError::Forbidden(
                "the report is filed by a technician on this work order".into(),
            ));
        }
        let to = rules::outcome_of(&input)?;
        rules::check(before.state, to)?;
        // One line for each service of the work order, each once.
        for (i, l) in input.lines.iter().enumerate() {
            if input.lines[..i]
                .iter()
                .any(|x| x.subscription_id == l.subscription_id)
            {
                return Err(DomainError::invalid(
                    format!("lines[{i}].subscription_id"),
                    "this service has a line already",
                ));
            }
            if l.measurements.len() > 20 {
                return Err(DomainError::invalid(
                    format!("lines[{i}].measurements"),
                    "at most 20 measured values a service",
                ));
            }
        }
        if input.equipment_serials.len() > 20 || input.numbers.len() > 20 {
            return Err(DomainError::invalid(
                if input.numbers.len() > 20 {
                    "numbers"
                } else {
                    "equipment_serials"
                },
                "at most 20",
            ));
        }
        let mut lines = Vec::new();
        let mut changed = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            if !before.subscriptions.contains(&l.subscription_id) {
                return Err(DomainError::invalid(
                    format!("lines[{i}].subscription_id"),
                    "not a service of this work order",
                ));
            }
            let sub = self
                .store
                .subscription(l.subscription_id)
                .await?
                .ok_or_else(|| {
                    DomainError::invalid(format!("lines[{i}].subscription_id"), "no such service")
                })?;
            let name = self
                .store
                .product(sub.product_id)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            for (j, m) in l.measurements.iter().enumerate() {
                if m.name.trim().is_empty() || m.value.trim().is_empty() {
                    return Err(DomainError::invalid(
                        format!("lines[{i}].measurements[{j}]"),
                        "give a name and a value",
                    ));
                }
                for (what, v, max) in [
                    ("name", &m.name, 60),
                    ("value", &m.value, 40),
                    ("unit", &m.unit, 20),
                ] {
                    if v.chars().count() > max {
                        return Err(DomainError::invalid(
                            format!("lines[{i}].measurements[{j}].{what}"),
                            format!("at most {max} characters"),
                        ));
                    }
                    crate::customers::values::check_chars(
                        &format!("lines[{i}].measurements[{j}].{what}"),
                        v,
                    )?;
                }
            }
            if let Some(r) = &l.reason {
                optional_text(&format!("lines[{i}].reason"), Some(r), 300)?;
            }
            if l.installed && sub.status == SubscriptionStatus::PendingInstall {
                let mut s = sub.clone();
                s.status = SubscriptionStatus::Active;
                s.version += 1;
                changed.push((s, name.clone()));
            }
            lines.push(ReportLine {
                subscription_id: l.subscription_id,
                product_name: name,
                installed: l.installed,
                reason: l.reason.clone().filter(|r| !r.trim().is_empty()),
                measurements: l.measurements.clone(),
            });
        }
        if let Some(missing) = before
            .subscriptions
            .iter()
            .find(|s| !input.lines.iter().any(|l| l.subscription_id == **s))
        {
            let name = match self.store.subscription(*missing).await? {
                Some(sub) => self
                    .store
                    .product(sub.product_id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            return Err(DomainError::invalid(
                "lines",
                format!("say whether {name} was installed (every service of the work order)"),
            ));
        }
        let res = self
            .report_resources(actor, &before, &lines, &input)
            .await?;
        let report = CompletionReport {
            work_order_id: id,
            lines,
            equipment_serials: res
                .equipment
                .iter()
                .map(|e| e.equipment.serial.clone())
                .collect(),
            numbers: res
                .numbers
                .iter()
                .map(|n| n.number.number.clone())
                .collect(),
            signed_by: optional_text("signed_by", input.signed_by.as_deref(), 100)?,
            remark: optional_text("remark", input.remark.as_deref(), 2000)?,
            filed_by: me,
            filed_by_name: actor.name.clone(),
            filed_at: self.now(),
        };
        let mut after = before.clone();
        after.state = to;
        after.not_completed_reason = input
            .not_completed_reason
            .filter(|_| to == WorkOrderState::NotCompleted);
        after.version += 1;
        let subs: Vec<SubscriptionWrite> = changed
            .iter()
            .map(|(s, name)| SubscriptionWrite {
                sub: s,
                insert: false,
                event: self.event(
                    actor,
                    s.id,
                    "installed",
                    format!("{name} installed (completion report)"),
                ),
            })
            .collect();
        let ev = change(actor, to.as_str(), "work_order", id.0)
            .account(Some(before.account_id))
            .summary(format!(
                "Completion report: {}{}",
                to.as_str().replace('_', " "),
                if report.installed_words().is_empty() {
                    String::new()
                } else {
                    format!("; installed {}", report.installed_words())
                }
            ))
            .before(&before)
            .after(&after)
            .build();
        self.commit(after, &subs, Some(&report), &res, &[], &ev)
            .await
    }

    /// The numbers and equipment a report names, checked and moved to the
    /// account: a number must be free for it (an aging one only for its
    /// previous account), a serial in stock. Errors name the entry.
    pub(super) async fn report_resources(
        &self,
        actor: &Actor,
        w: &WorkOrder,
        lines: &[ReportLine],
        input: &CompletionInput,
    ) -> Result<ResourceWrites> {
        use crate::resources::rules as r;
        let now = self.now();
        let mut out = ResourceWrites::default();
        let installed: Vec<&ReportLine> = lines.iter().filter(|l| l.installed).collect();
        let mut phone = None;
        for l in &installed {
            if let Some(sub) = self.store.subscription(l.subscription_id).await?
                && let Some(p) = self.store.product(sub.product_id).await?
                && p.kind == crate::customers::model::ProductKind::Phone
            {
                phone = Some(sub.id);
                break;
            }
        }
        let numbers: Vec<(usize, &String)> = input
            .numbers
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.trim().is_empty())
            .collect();
        for (i, raw) in numbers.iter().copied() {
            let field = format!("numbers[{i}]");
            let e164 = r::nanp(&field, raw)?;
            if out.numbers.iter().any(|n| n.number.number == e164) {
                return Err(DomainError::invalid(&field, "named twice"));
            }
            let Some(sub) = phone else {
                return Err(DomainError::invalid(
                    &field,
                    "no phone service is installed in this report to activate it on",
                ));
            };
            let n = self.store.phone_number(&e164).await?.ok_or_else(|| {
                DomainError::invalid(
                    &field,
                    format!("{} is not in the number inventory", r::display(&e164)),
                )
            })?;
            r::may_take(&n, w.account_id, now).map_err(|e| match e {
                DomainError::Conflict(m) => DomainError::invalid(&field, m),
                e => e,
            })?;
            let mut after = n.clone();
            after.state = NumberState::Assigned;
            after.account_id = Some(w.account_id);
            after.subscription_id = Some(sub);
            after.since = None;
            after.until = None;
            after.note = None;
            after.version += 1;
            after.updated_at = now;
            out.numbers.push(NumberWrite {
                event: crate::resources::ResourceEvent {
                    subject: e164.clone(),
                    at: now,
                    kind: "assigned".into(),
                    description: format!("Activated for {} (completion report)", w.account_number),
                    account_id: Some(w.account_id),
                    actor_name: actor.name.clone(),
                },
                number: after,
            });
        }
        let serials: Vec<(usize, &String)> = input
            .equipment_serials
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.trim().is_empty())
            .collect();
        for (i, raw) in serials.iter().copied() {
            let field = format!("equipment_serials[{i}]");
            let serial = crate::resources::normal_serial(raw);
            crate::resources::check_serial(&field, &serial)?;
            if out.equipment.iter().any(|e| e.equipment.serial == serial) {
                return Err(DomainError::invalid(&field, "named twice"));
            }
            if installed.is_empty() {
                return Err(DomainError::invalid(
                    &field,
                    "nothing was installed to leave it with",
                ));
            }
            let e = self
                .store
                .equipment_by_serial(&serial)
                .await?
                .ok_or_else(|| {
                    DomainError::invalid(&field, format!("serial {serial} is not in the inventory"))
                })?;
            if e.state != EquipmentState::InStock {
                return Err(DomainError::invalid(
                    &field,
                    format!(
                        "{} {serial} is not in stock ({}{})",
                        e.model,
                        e.state.as_str().replace('_', " "),
                        if e.account_id.is_some_and(|a| a != w.account_id) {
                            ", with another account"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let mut after = e.clone();
            after.state = EquipmentState::Assigned;
            after.account_id = Some(w.account_id);
            after.location_id = Some(w.location_id);
            after.subscription_id = installed.first().map(|l| l.subscription_id);
            after.office_id = None;
            after.van_staff_id = None;
            after.condition = None;
            after.version += 1;
            after.updated_at = now;
            out.equipment.push(EquipmentWrite {
                event: crate::resources::ResourceEvent {
                    subject: serial.clone(),
                    at: now,
                    kind: "assigned".into(),
                    description: format!(
                        "Left with {} at {} (completion report)",
                        w.account_number, w.address
                    ),
                    account_id: Some(w.account_id),
                    actor_name: actor.name.clone(),
                },
                equipment: after,
            });
        }
        Ok(out)
    }

    /// Numbers and equipment of a work order moved between states (aging
    /// on an override, back on a restore), with their history lines.
    pub(super) async fn resources_moved(
        &self,
        actor: &Actor,
        w: &WorkOrder,
        report: Option<&CompletionReport>,
        back: bool,
        words: &str,
    ) -> Result<ResourceWrites> {
        let now = self.now();
        let mut out = ResourceWrites::default();
        let business = self
            .store
            .account(w.account_id)
            .await?
            .is_some_and(|a| a.account_type == crate::customers::model::AccountType::Business);
        for n in self.store.subscription_numbers(&w.subscriptions).await? {
            if n.account_id != Some(w.account_id) {
                continue;
            }
            let mut after = n.clone();
            match (back, n.state) {
                (false, NumberState::Assigned) => {
                    // At least as long as the grace: a restore brings the
                    // number back.
                    let aging = jiff::SignedDuration::from_hours(24 * self.aging.days(business))
                        .max(self.grace);
                    after.state = NumberState::Aging;
                    after.since = Some(now);
                    after.until = Some(now.checked_add(aging).unwrap_or(now));
                }
                (true, NumberState::Aging) if n.until.is_none_or(|u| u > now) => {
                    after.state = NumberState::Assigned;
                    after.since = None;
                    after.until = None;
                }
                _ => continue,
            }
            after.version += 1;
            after.updated_at = now;
            let say = if back {
                format!("{words}: assigned again")
            } else {
                format!(
                    "{words}: aging, quarantined to {} until {}",
                    w.account_number,
                    after
                        .until
                        .map(|u| u
                            .to_zoned(jiff::tz::TimeZone::UTC)
                            .strftime("%-d %b %Y")
                            .to_string())
                        .unwrap_or_default()
                )
            };
            out.numbers.push(NumberWrite {
                event: crate::resources::ResourceEvent {
                    subject: n.number.clone(),
                    at: now,
                    kind: after.state.as_str().into(),
                    description: say,
                    account_id: Some(w.account_id),
                    actor_name: actor.name.clone(),
                },
                number: after,
            });
        }
        for serial in report
            .map(|r| r.equipment_serials.as_slice())
            .unwrap_or_default()
        {
            let Some(e) = self.store.equipment_by_serial(serial).await? else {
                continue;
            };
            if e.account_id != Some(w.account_id) {
                continue;
            }
            let mut after = e.clone();
            match (back, e.state) {
                (false, EquipmentState::Assigned) => after.state = EquipmentState::PendingReturn,
                (true, EquipmentState::PendingReturn) => after.state = EquipmentState::Assigned,
                _ => continue,
            }
            after.version += 1;
            after.updated_at = now;
            out.equipment.push(EquipmentWrite {
                event: crate::resources::ResourceEvent {
                    subject: e.serial.clone(),
                    at: now,
                    kind: after.state.as_str().into(),
                    description: if back {
                        format!("{words}: with the customer again")
                    } else {
                        format!("{words}: to be collected")
                    },
                    account_id: Some(w.account_id),
                    actor_name: actor.name.clone(),
                },
                equipment: after,
            });
        }
        Ok(out)
    }
}
