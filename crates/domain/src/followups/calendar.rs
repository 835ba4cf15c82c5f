//! The provider's calendar: public holidays per region.

use super::model::*;
use super::rules;
use super::service::FollowUpService;
use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::required_text;
use crate::error::{DomainError, Result};
use jiff::civil::Date;

impl FollowUpService {
    pub async fn holidays(&self, actor: &Actor, from: Date, to: Date) -> Result<Vec<Holiday>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.holidays(&self.region, from, to).await
    }

    /// The first working day on or after `d` in the provider's calendar.
    pub async fn next_working_day(&self, d: Date) -> Result<Date> {
        let until = d.saturating_add(jiff::Span::new().days(31));
        let hs = self.store.holidays(&self.region, d, until).await?;
        let days: Vec<Date> = hs
            .iter()
            .filter(|h| h.region == self.region)
            .map(|h| h.on)
            .collect();
        Ok(rules::next_working_day(d, &days))
    }

    pub async fn put_holiday(&self, actor: &Actor, input: HolidayInput) -> Result<Holiday> {
        authorize(actor.role, Action::RunOperations)?;
        let region = input.region.trim().to_ascii_uppercase();
        let ok = region.len() <= 10
            && !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(DomainError::invalid(
                "region",
                "must be a country or region code like US or US-TX",
            ));
        }
        let h = Holiday {
            region,
            on: crate::customers::values::parse_date("on", &input.on)?,
            name: required_text("name", &input.name, 120)?,
        };
        let a = change(actor, "put", "holiday", uuid::Uuid::nil())
            .summary(format!("Holiday {} on {} ({})", h.name, h.on, h.region))
            .after(&h)
            .build();
        self.store.put_holiday(&h, &a).await?;
        Ok(h)
    }

    pub async fn delete_holiday(&self, actor: &Actor, region: &str, on: &str) -> Result<()> {
        authorize(actor.role, Action::RunOperations)?;
        let on = crate::customers::values::parse_date("on", on)?;
        let region = region.trim().to_ascii_uppercase();
        let a = change(actor, "delete", "holiday", uuid::Uuid::nil())
            .summary(format!("Holiday on {on} ({region}) removed"))
            .build();
        if self.store.delete_holiday(&region, on, &a).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(format!(
                "holiday on {on} in {region}"
            )))
        }
    }
}
