//! Reports for supervisors and admins.

use super::*;
use crate::access::{Action, authorize};
use crate::audit::Actor;
use crate::error::{DomainError, Result};
use crate::store::Store;
use crate::time::Clock;
use std::sync::Arc;

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

#[derive(Clone)]
pub struct ReportService {
    store: Arc<dyn Store>,
    clock: Clock,
    zone: jiff::tz::TimeZone,
}

impl ReportService {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    pub fn with_zone(mut self, zone: jiff::tz::TimeZone) -> Self {
        self.zone = zone;
        self
    }

    /// The days asked for (last week by default), checked; and whether
    /// they are last week.
    pub fn range(&self, q: &ReportQuery) -> Result<(Date, Date, bool)> {
        let today = (self.clock)().to_zoned(self.zone.clone()).date();
        let (lw_from, lw_to) = last_week(today);
        let from = q.from.unwrap_or(lw_from);
        let to = q.to.unwrap_or(if q.from.is_some() { today } else { lw_to });
        if to < from {
            return Err(DomainError::invalid(
                "to",
                "must be on or after the first day",
            ));
        }
        if from.until(to).map(|s| s.get_days() as i64).unwrap_or(0) >= MAX_DAYS {
            return Err(DomainError::invalid(
                "to",
                format!("a report covers at most {MAX_DAYS} days"),
            ));
        }
        Ok((from, to, (from, to) == (lw_from, lw_to)))
    }

    fn micros(&self, from: Date, to: Date) -> (i64, i64) {
        let start = |d: Date| {
            d.to_zoned(self.zone.clone())
                .map(|z| z.timestamp().as_microsecond())
                .unwrap_or(0)
        };
        (start(from), start(to.tomorrow().unwrap_or(to)))
    }

    /// The link to a figure's records for this query.
    pub fn records_link(q: &ReportQuery, from: Date, to: Date, figure: &str) -> String {
        let mut l = format!("/reports/records?figure={figure}&from={from}&to={to}");
        if let Some(t) = q.team {
            l.push_str(&format!("&team={t}"));
        }
        if let Some(x) = q.queue {
            l.push_str(&format!("&queue={x}"));
        }
        if let Some(c) = &q.channel {
            l.push_str(&format!("&channel={c}"));
        }
        if let Some(s) = q.staff {
            l.push_str(&format!("&staff={s}"));
        }
        l
    }

    pub async fn report(&self, actor: &Actor, q: &ReportQuery) -> Result<Report> {
        authorize(actor.role, Action::ViewReports)?;
        if let Some(c) = &q.channel {
            crate::interactions::Channel::parse("channel", c)?;
        }
        let (from, to, is_last_week) = self.range(q)?;
        let (a, b) = self.micros(from, to);
        let facts = self.store.report_facts(q, a, b).await?;
        let extra = extra_mile(&facts, &self.zone);
        let policies = self.store.policies().await?;
        let limit = |role: &str, kind: &str| {
            let action = match kind {
                "credit" => crate::authority::MoneyActionKind::GoodwillCredit,
                "charge_waiver" => crate::authority::MoneyActionKind::ChargeWaiver,
                "fee_reversal" => crate::authority::MoneyActionKind::FeeReversal,
                "refund" => crate::authority::MoneyActionKind::Refund,
                "free_item" => crate::authority::MoneyActionKind::FreeItem,
                _ => return None,
            };
            policies
                .iter()
                .find(|p| {
                    p.staff_id.is_none()
                        && p.role.map(|r| r.as_str()) == Some(role)
                        && p.action == action
                })
                .map(|p| p.per_entry_limit_minor)
        };
        let money_rows = money(&facts, limit);
        let mut filters = Vec::new();
        let mut named = |filter: &str, value: String| {
            filters.push(ReportFilter {
                filter: filter.into(),
                value,
            })
        };
        if let Some(t) = q.team {
            let name = self
                .store
                .teams()
                .await?
                .into_iter()
                .find(|x| x.id == t)
                .map(|x| x.name);
            named("team", name.unwrap_or_else(|| t.to_string()));
        }
        if let Some(x) = q.queue {
            let name = self.store.queue(x).await?.map(|x| x.name);
            named("queue", name.unwrap_or_else(|| x.to_string()));
        }
        if let Some(c) = &q.channel {
            named("channel", c.replace('_', " "));
        }
        if let Some(s) = q.staff {
            let name = self.store.staff(s).await?.map(|x| x.name);
            named("person", name.unwrap_or_else(|| s.to_string()));
        }
        let calls: i64 = extra.iter().map(|r| r.extra_mile_calls).sum();
        Ok(Report {
            from,
            to,
            time_zone: self.zone.iana_name().unwrap_or("UTC").to_string(),
            headline: headline(calls, is_last_week, from, to),
            figures: figures(&facts, &extra, |k| Self::records_link(q, from, to, k)),
            charts: charts(&facts, &self.zone, from, to),
            filters,
            extra_mile: extra,
            money: money_rows,
        })
    }

    pub async fn records(
        &self,
        actor: &Actor,
        figure: &str,
        q: &ReportQuery,
    ) -> Result<Vec<RecordRow>> {
        authorize(actor.role, Action::ViewReports)?;
        let (from, to, _) = self.range(q)?;
        let (a, b) = self.micros(from, to);
        self.store.report_records(figure, q, a, b).await
    }
}
