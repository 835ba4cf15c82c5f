//! C15 reports: the figures a supervisor trusts, each with the one line
//! that says how it is computed and a link to the records behind it.
//!
//! A report covers whole days `from..=to` in the provider's time zone,
//! optionally for one team, queue, channel or person. The store reads each
//! table's date range from an index on its time and returns raw facts
//! (bounded by the range); the sums, rates and percentiles are computed
//! here, where they are unit-tested.

pub mod service;
pub use service::ReportService;

use crate::ids::*;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a report is for.
#[derive(Clone, Debug, Default)]
pub struct ReportQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub team: Option<TeamId>,
    pub queue: Option<QueueId>,
    /// inbound_call, outbound_call, … (contacts only)
    pub channel: Option<String>,
    pub staff: Option<StaffId>,
}

/// The raw facts of a range, read by the store.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Follow-ups done in the range: (done by, name, outcome, due on, done at).
    pub follow_ups_done: Vec<(StaffId, String, String, Date, jiff::Timestamp)>,
    /// Follow-ups closed as missed in the range, by owner.
    pub follow_ups_missed: Vec<(StaffId, String)>,
    /// Outbound and follow-up calls started in the range: (owner, name,
    /// channel, how many).
    pub outbound: Vec<(StaffId, String, String, i64)>,
    /// Queued contacts in the range: seconds from queued to answered, or
    /// None when the contact ended unanswered (abandoned), or still waits.
    pub queued: Vec<QueuedContact>,
    /// Contacts started in the range and their transfers.
    pub contacts: i64,
    pub transfers: i64,
    /// Cases resolved in the range.
    pub cases: Vec<ResolvedCase>,
    /// Consults asked in the range.
    pub consults: i64,
    /// Verifications in the range.
    pub verifications: i64,
    /// People verified again on another contact about the same case
    /// within a day (the second verification in the range).
    pub reverified: i64,
    /// Money actions by staff in the range: (staff, name, role, kind, amount).
    pub money: Vec<(StaffId, String, String, String, i64)>,
    /// Approval requests made in the range: (status, seconds to decision).
    pub approvals: Vec<(String, Option<i64>)>,
    /// Satisfaction surveys answered in the range: (rating 1–5, how many),
    /// each survey once.
    pub ratings: Vec<(i64, i64)>,
    /// The same per person who took part: (staff, name, rating, how many).
    pub ratings_by_staff: Vec<(StaffId, String, i64, i64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueuedContact {
    pub answered_after_secs: Option<i64>,
    pub ended: bool,
    /// How many queued contacts had these values (the store groups them).
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedCase {
    pub handovers: i64,
    /// Contacts linked to the case.
    pub contacts: i64,
    /// Another contact from the account (about this case or one of the
    /// same category) within 7 days of the first.
    pub later_contact: bool,
    /// 7 days have passed since its first contact.
    pub window_closed: bool,
}

/// One figure: its value in words, how it is computed, where its records are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    pub key: String,
    pub label: String,
    pub value: String,
    /// How it is computed, in one line.
    pub rule: String,
    /// The records behind it (a console page).
    pub records: String,
}

/// Extra-mile calls by one person.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExtraMileRow {
    pub staff_id: Option<StaffId>,
    pub name: String,
    /// Follow-ups done (reached or declined) by this person.
    pub follow_ups_done: i64,
    pub reached_resolved: i64,
    pub reached_more: i64,
    pub declined: i64,
    /// Done on or before their due day.
    pub on_time: i64,
    pub late: i64,
    /// Follow-ups of theirs closed as missed.
    pub missed: i64,
    /// Outbound calls they started that were not follow-ups.
    pub proactive_calls: i64,
    /// Follow-ups done plus proactive calls.
    pub extra_mile_calls: i64,
    /// Satisfaction surveys answered about contacts and cases they took part in.
    #[serde(default)]
    pub satisfaction_answers: i64,
    /// Their average rating in tenths (44 = 4.4 of 5).
    #[serde(default)]
    pub satisfaction_tenths: Option<i64>,
}

/// Money by one person against their authority.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MoneyRow {
    pub staff_id: Option<StaffId>,
    pub name: String,
    pub credits: i64,
    pub credits_minor: i64,
    pub waivers: i64,
    pub waivers_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    /// Order items given free of charge (goodwill).
    #[serde(default)]
    pub free_items: i64,
    #[serde(default)]
    pub free_items_minor: i64,
    /// The average share of their per-entry limit one action used (0–100+).
    pub share_of_limit_pct: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub time_zone: String,
    /// "Last week your staff made 14 extra-mile calls."
    pub headline: String,
    pub figures: Vec<Figure>,
    pub extra_mile: Vec<ExtraMileRow>,
    pub money: Vec<MoneyRow>,
    /// The data of the page's charts.
    #[serde(default)]
    pub charts: Vec<Chart>,
    /// The filters it was made with, by name: ("team", "Customer care"),
    /// ("queue", …), ("channel", …), ("person", …).
    #[serde(default)]
    pub filters: Vec<ReportFilter>,
}

/// A filter by name and what it was set to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportFilter {
    pub filter: String,
    pub value: String,
}

/// One record behind a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordRow {
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// The staff member it is credited to or done by.
    pub who: String,
    pub what: String,
    /// The record's console page.
    pub link: String,
}

/// The figures whose records can be listed.
pub const RECORD_FIGURES: &[&str] = &[
    "extra_mile_calls",
    "follow_ups_on_time",
    "speed_of_answer",
    "abandoned",
    "fcr",
    "transfers_per_contact",
    "consults_per_case",
    "handovers_per_case",
    "repeat_identification",
    "satisfaction",
    "approvals",
    "money",
];

/// The most records a list shows.
pub const RECORDS_LIMIT: i64 = 500;

/// The `q`-quantile (0–1) of sorted values, nearest rank.
pub fn quantile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The `q`-quantile of values given with their counts, sorted by value;
/// nearest rank.
pub fn weighted_quantile(sorted: &[(i64, i64)], q: f64) -> Option<i64> {
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
    let mut seen = 0;
    for (v, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(*v);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

/// "1 min 05 s", "42 s".
pub fn secs_words(s: i64) -> String {
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

fn per(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.2}", n as f64 / d as f64)
    }
}

/// Extra-mile calls per person: follow-ups done (by whoever called) and
/// proactive outbound calls; on time means done on or before the due day
/// in `zone`.
pub fn extra_mile(f: &Facts, zone: &jiff::tz::TimeZone) -> Vec<ExtraMileRow> {
    let mut rows: Vec<ExtraMileRow> = Vec::new();
    fn at<'a>(rows: &'a mut Vec<ExtraMileRow>, id: StaffId, name: &str) -> &'a mut ExtraMileRow {
        let i = match rows.iter().position(|r| r.staff_id == Some(id)) {
            Some(i) => i,
            None => {
                rows.push(ExtraMileRow {
                    staff_id: Some(id),
                    name: name.to_string(),
                    ..Default::default()
                });
                rows.len() - 1
            }
        };
        &mut rows[i]
    }
    for (id, name, outcome, due, done_at) in &f.follow_ups_done {
        let r = at(&mut rows, *id, name);
        r.follow_ups_done += 1;
        match outcome.as_str() {
            "reached_resolved" => r.reached_resolved += 1,
            "reached_more" => r.reached_more += 1,
            "declined" => r.declined += 1,
            _ => {}
        }
        if done_at.to_zoned(zone.clone()).date() <= *due {
            r.on_time += 1;
        } else {
            r.late += 1;
        }
    }
    for (id, name) in &f.follow_ups_missed {
        at(&mut rows, *id, name).missed += 1;
    }
    for (id, name, channel, n) in &f.outbound {
        if channel == "outbound_call" {
            at(&mut rows, *id, name).proactive_calls += n;
        }
    }
    let mut sums: Vec<(StaffId, i64)> = Vec::new();
    for (id, name, rating, n) in &f.ratings_by_staff {
        at(&mut rows, *id, name).satisfaction_answers += n;
        match sums.iter_mut().find(|(s, _)| s == id) {
            Some((_, sum)) => *sum += rating * n,
            None => sums.push((*id, rating * n)),
        }
    }
    for r in &mut rows {
        r.extra_mile_calls = r.follow_ups_done + r.proactive_calls;
        if r.satisfaction_answers > 0 {
            let sum = sums
                .iter()
                .find(|(s, _)| Some(*s) == r.staff_id)
                .map_or(0, |(_, s)| *s);
            r.satisfaction_tenths = Some(tenths(sum, r.satisfaction_answers));
        }
    }
    rows.sort_by(|a, b| {
        b.extra_mile_calls
            .cmp(&a.extra_mile_calls)
            .then(a.name.cmp(&b.name))
    });
    rows
}

/// An average in tenths, rounded half up: 131 of 30 → 44 (4.4).
pub fn tenths(sum: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    (sum * 20 + n) / (2 * n)
}

/// "4.4"
pub fn tenths_words(t: i64) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// One bar of a chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// A chart's data: the page draws it, the API gives it as is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Chart {
    pub key: String,
    pub title: String,
    /// What the bars count.
    pub unit: String,
    pub bars: Vec<Bar>,
}

/// Follow-ups done per day of the range (in `zone`), how long answered
/// contacts waited, and how customers rated us.
pub fn charts(f: &Facts, zone: &jiff::tz::TimeZone, from: Date, to: Date) -> Vec<Chart> {
    let days = (to - from).get_days().clamp(0, 366) as usize + 1;
    let mut per_day = vec![0i64; days];
    for (_, _, _, _, done_at) in &f.follow_ups_done {
        let d = done_at.to_zoned(zone.clone()).date();
        if let Ok(i) = usize::try_from((d - from).get_days())
            && i < days
        {
            per_day[i] += 1;
        }
    }
    let label = |i: usize| {
        from.saturating_add(jiff::Span::new().days(i as i64))
            .strftime(if days <= 14 { "%a %-d" } else { "%-d %b" })
            .to_string()
    };
    let by_day = Chart {
        key: "follow_ups_by_day".into(),
        title: "Follow-ups done, by day".into(),
        unit: "follow-ups".into(),
        bars: per_day
            .iter()
            .enumerate()
            .map(|(i, v)| Bar {
                label: label(i),
                value: *v,
            })
            .collect(),
    };
    let buckets: [(&str, i64); 6] = [
        ("<10 s", 10),
        ("10–30 s", 30),
        ("30–60 s", 60),
        ("1–2 min", 120),
        ("2–5 min", 300),
        ("5+ min", i64::MAX),
    ];
    let mut waits = vec![0i64; buckets.len() + 1];
    for q in &f.queued {
        match q.answered_after_secs {
            Some(w) => {
                let i = buckets
                    .iter()
                    .position(|(_, up)| w < *up)
                    .unwrap_or(buckets.len() - 1);
                waits[i] += q.count;
            }
            None if q.ended => waits[buckets.len()] += q.count,
            None => {}
        }
    }
    let wait = Chart {
        key: "speed_of_answer".into(),
        title: "How long queued contacts waited".into(),
        unit: "contacts".into(),
        bars: buckets
            .iter()
            .map(|(l, _)| *l)
            .chain(["hung up"])
            .zip(waits)
            .map(|(l, v)| Bar {
                label: l.into(),
                value: v,
            })
            .collect(),
    };
    let ratings = Chart {
        key: "satisfaction".into(),
        title: "Satisfaction ratings".into(),
        unit: "answers".into(),
        bars: (1..=5)
            .map(|r| Bar {
                label: format!("{r} of 5"),
                value: f
                    .ratings
                    .iter()
                    .filter(|(x, _)| *x == r)
                    .map(|(_, n)| n)
                    .sum(),
            })
            .collect(),
    };
    vec![by_day, wait, ratings]
}

/// Money per person; `limits` is each role's per-entry limit per kind
/// ("credit" → goodwill, "charge_waiver", "refund").
pub fn money(f: &Facts, limit: impl Fn(&str, &str) -> Option<i64>) -> Vec<MoneyRow> {
    let mut rows: Vec<MoneyRow> = Vec::new();
    let mut shares: Vec<(usize, f64)> = Vec::new();
    for (id, name, role, kind, amount) in &f.money {
        let i = match rows.iter().position(|r| r.staff_id == Some(*id)) {
            Some(i) => i,
            None => {
                rows.push(MoneyRow {
                    staff_id: Some(*id),
                    name: name.clone(),
                    ..Default::default()
                });
                rows.len() - 1
            }
        };
        let a = amount.abs();
        let r = &mut rows[i];
        match kind.as_str() {
            "credit" => {
                r.credits += 1;
                r.credits_minor += a;
            }
            "charge_waiver" | "fee_reversal" => {
                r.waivers += 1;
                r.waivers_minor += a;
            }
            "refund" => {
                r.refunds += 1;
                r.refunds_minor += a;
            }
            "free_item" => {
                r.free_items += 1;
                r.free_items_minor += a;
            }
            _ => continue,
        }
        if let Some(l) = limit(role, kind).filter(|l| *l > 0) {
            shares.push((i, a as f64 / l as f64));
        }
    }
    for (i, r) in rows.iter_mut().enumerate() {
        let mine: Vec<f64> = shares
            .iter()
            .filter(|(j, _)| *j == i)
            .map(|(_, s)| *s)
            .collect();
        if !mine.is_empty() {
            r.share_of_limit_pct =
                Some((mine.iter().sum::<f64>() / mine.len() as f64 * 100.0).round() as i64);
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// Every figure of the report, in order. `link` makes a records link for
/// a figure key.
pub fn figures(f: &Facts, extra: &[ExtraMileRow], link: impl Fn(&str) -> String) -> Vec<Figure> {
    let fig = |key: &str, label: &str, value: String, rule: &str| Figure {
        key: key.into(),
        label: label.into(),
        value,
        rule: rule.into(),
        records: link(key),
    };
    let calls: i64 = extra.iter().map(|r| r.extra_mile_calls).sum();
    let done: i64 = extra.iter().map(|r| r.follow_ups_done).sum();
    let on_time: i64 = extra.iter().map(|r| r.on_time).sum();
    // Waits in seconds with how many waited that long, shortest first.
    let mut waits: Vec<(i64, i64)> = f
        .queued
        .iter()
        .filter_map(|q| q.answered_after_secs.map(|w| (w, q.count)))
        .collect();
    waits.sort_unstable();
    let answered: i64 = waits.iter().map(|(_, n)| n).sum();
    let abandoned: i64 = f
        .queued
        .iter()
        .filter(|q| q.answered_after_secs.is_none() && q.ended)
        .map(|q| q.count)
        .sum();
    let offered = answered + abandoned;
    let avg = (answered > 0).then(|| waits.iter().map(|(w, n)| w * n).sum::<i64>() / answered);
    let p90 = weighted_quantile(&waits, 0.9);
    let resolved = f.cases.len() as i64;
    let fcr_yes = f
        .cases
        .iter()
        .filter(|c| c.contacts <= 1 && !c.later_contact && c.window_closed)
        .count() as i64;
    let fcr_no = f
        .cases
        .iter()
        .filter(|c| c.contacts > 1 || c.later_contact)
        .count() as i64;
    let fcr_pending = resolved - fcr_yes - fcr_no;
    let handovers: i64 = f.cases.iter().map(|c| c.handovers).sum();
    let mut decided: Vec<i64> = f.approvals.iter().filter_map(|(_, s)| *s).collect();
    decided.sort_unstable();
    let denied = f.approvals.iter().filter(|(s, _)| s == "denied").count() as i64;
    let answers: i64 = f.ratings.iter().map(|(_, n)| n).sum();
    let rating_sum: i64 = f.ratings.iter().map(|(r, n)| r * n).sum();
    let happy: i64 = f
        .ratings
        .iter()
        .filter(|(r, _)| *r >= 4)
        .map(|(_, n)| n)
        .sum();
    vec![
        fig(
            "extra_mile_calls",
            "Extra-mile calls",
            calls.to_string(),
            "Follow-ups done (reached or declined) credited to whoever made the call, plus outbound calls staff started that were not follow-ups.",
        ),
        fig(
            "follow_ups_on_time",
            "Follow-ups done on time",
            format!("{on_time} of {done} ({})", pct(on_time, done)),
            "Done on or before their due day, in the provider's time zone.",
        ),
        fig(
            "speed_of_answer",
            "Speed of answer",
            match (avg, p90) {
                (Some(a), Some(p)) => {
                    format!("average {}, 90% within {}", secs_words(a), secs_words(p))
                }
                _ => "no queued contact answered".into(),
            },
            "From joining a queue to being answered, for queued contacts that joined in the range; the 90th percentile by nearest rank.",
        ),
        fig(
            "abandoned",
            "Abandoned before answer",
            format!("{abandoned} of {offered} ({})", pct(abandoned, offered)),
            "Queued contacts that ended without being answered, of those answered or abandoned.",
        ),
        fig(
            "fcr",
            "First-contact resolution",
            format!(
                "{fcr_yes} of {} settled cases ({}); {fcr_pending} of {resolved} resolved still pending",
                resolved - fcr_pending,
                pct(fcr_yes, resolved - fcr_pending)
            ),
            "Resolved in one contact with no further contact from the account about it or its category within 7 days; pending until the 7 days pass. The rate is of cases no longer pending.",
        ),
        fig(
            "transfers_per_contact",
            "Transfers per contact",
            format!(
                "{} ({} transfers, {} contacts)",
                per(f.transfers, f.contacts),
                f.transfers,
                f.contacts
            ),
            "Transfers of contacts started in the range, divided by those contacts.",
        ),
        fig(
            "consults_per_case",
            "Consults per resolved case",
            format!("{} ({} consults)", per(f.consults, resolved), f.consults),
            "Consults asked in the range, divided by cases resolved in the range.",
        ),
        fig(
            "handovers_per_case",
            "Handovers per resolved case",
            format!("{} ({} handovers)", per(handovers, resolved), handovers),
            "Handovers of the cases resolved in the range, divided by those cases.",
        ),
        fig(
            "repeat_identification",
            "Asked to verify again",
            format!("{} of {} verifications", f.reverified, f.verifications),
            "A person verified once per contact by design; counted: people verified again on another contact about the same case within a day.",
        ),
        fig(
            "approvals",
            "Approval requests",
            format!(
                "{} asked, {denied} denied; decided in {} (median), {} (90%)",
                f.approvals.len(),
                quantile(&decided, 0.5).map_or("—".into(), secs_words),
                quantile(&decided, 0.9).map_or("—".into(), secs_words)
            ),
            "Requests made in the range; time from the request to its decision.",
        ),
        fig(
            "satisfaction",
            "Satisfaction",
            if answers == 0 {
                "no survey answered".into()
            } else {
                format!(
                    "{} of 5 from {answers} answer{}; {} rated 4 or 5",
                    tenths_words(tenths(rating_sum, answers)),
                    if answers == 1 { "" } else { "s" },
                    pct(happy, answers)
                )
            },
            "Surveys answered in the range (1–5), each once; for a person or team, the surveys about contacts and cases they took part in.",
        ),
    ]
}

/// "Last week your staff made 14 extra-mile calls."
pub fn headline(calls: i64, last_week: bool, from: Date, to: Date) -> String {
    let when = if last_week {
        "Last week".to_string()
    } else {
        format!(
            "From {} to {}",
            from.strftime("%a %-d %b"),
            to.strftime("%a %-d %b %Y")
        )
    };
    let noun = if calls == 1 { "call" } else { "calls" };
    format!("{when} your staff made {calls} extra-mile {noun}.")
}

/// The week before the one `today` is in (Monday to Sunday).
pub fn last_week(today: Date) -> (Date, Date) {
    let back = i64::from(today.weekday().to_monday_zero_offset()) + 7;
    let monday = today.saturating_sub(jiff::Span::new().days(back));
    (monday, monday.saturating_add(jiff::Span::new().days(6)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn satisfaction_is_counted_once_overall_and_per_person() {
        let (maya, tom) = (StaffId::new(), StaffId::new());
        let f = Facts {
            // Four answers: 5, 5, 4, 2 — one survey shared by Maya and Tom.
            ratings: vec![(5, 2), (4, 1), (2, 1)],
            ratings_by_staff: vec![
                (maya, "Maya".into(), 5, 2),
                (maya, "Maya".into(), 4, 1),
                (tom, "Tom".into(), 5, 1),
                (tom, "Tom".into(), 2, 1),
            ],
            ..Default::default()
        };
        let fig = figures(&f, &[], |_| String::new());
        let s = fig.iter().find(|x| x.key == "satisfaction").unwrap();
        assert_eq!(s.value, "4.0 of 5 from 4 answers; 75.0% rated 4 or 5");
        let rows = extra_mile(&f, &jiff::tz::TimeZone::UTC);
        let m = rows.iter().find(|r| r.name == "Maya").unwrap();
        assert_eq!(
            (m.satisfaction_answers, m.satisfaction_tenths),
            (3, Some(47))
        );
        let t = rows.iter().find(|r| r.name == "Tom").unwrap();
        assert_eq!(
            (t.satisfaction_answers, t.satisfaction_tenths),
            (2, Some(35))
        );
        assert_eq!(tenths(131, 30), 44);
        assert_eq!(tenths(0, 0), 0);
        let none = figures(&Facts::default(), &[], |_| String::new());
        assert_eq!(
            none.iter().find(|x| x.key == "satisfaction").unwrap().value,
            "no survey answered"
        );
    }

    #[test]
    fn charts_count_days_waits_and_ratings() {
        let zone = jiff::tz::TimeZone::get("America/Chicago").unwrap();
        let (from, to) = (date(2026, 11, 23), date(2026, 11, 29));
        let done = |at: &str| {
            (
                StaffId::new(),
                "x".to_string(),
                "reached_resolved".to_string(),
                from,
                at.parse().unwrap(),
            )
        };
        let f = Facts {
            // Monday 23:30 in Chicago is Tuesday in UTC: counted on Monday.
            follow_ups_done: vec![
                done("2026-11-24T05:30:00Z"),
                done("2026-11-27T15:00:00Z"),
                done("2026-11-27T16:00:00Z"),
            ],
            queued: vec![
                QueuedContact {
                    answered_after_secs: Some(4),
                    ended: true,
                    count: 3,
                },
                QueuedContact {
                    answered_after_secs: Some(10),
                    ended: true,
                    count: 1,
                },
                QueuedContact {
                    answered_after_secs: Some(400),
                    ended: true,
                    count: 2,
                },
                QueuedContact {
                    answered_after_secs: None,
                    ended: true,
                    count: 5,
                },
                QueuedContact {
                    answered_after_secs: None,
                    ended: false,
                    count: 9,
                },
            ],
            ratings: vec![(5, 2), (1, 1)],
            ..Default::default()
        };
        let c = charts(&f, &zone, from, to);
        let by_day: Vec<i64> = c[0].bars.iter().map(|b| b.value).collect();
        assert_eq!(by_day, [1, 0, 0, 0, 2, 0, 0]);
        assert_eq!(c[0].bars[0].label, "Mon 23");
        let waits: Vec<i64> = c[1].bars.iter().map(|b| b.value).collect();
        assert_eq!(waits, [3, 1, 0, 0, 0, 2, 5], "still waiting is not counted");
        let ratings: Vec<i64> = c[2].bars.iter().map(|b| b.value).collect();
        assert_eq!(ratings, [1, 0, 0, 0, 2]);
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(quantile(&v, 0.9), Some(9));
        assert_eq!(quantile(&v, 0.5), Some(5));
        assert_eq!(quantile(&[7], 0.9), Some(7));
        assert_eq!(quantile(&[], 0.9), None);
    }

    #[test]
    fn weighted_quantiles_match_the_expanded_list() {
        let grouped = [(5, 3), (20, 5), (90, 2)];
        let mut flat = Vec::new();
        for (v, n) in grouped {
            flat.extend(std::iter::repeat_n(v, n as usize));
        }
        for q in [0.1, 0.5, 0.8, 0.9, 1.0] {
            assert_eq!(weighted_quantile(&grouped, q), quantile(&flat, q), "q {q}");
        }
        assert_eq!(weighted_quantile(&[], 0.9), None);
    }

    #[test]
    fn last_week_is_monday_to_sunday_before_this_one() {
        assert_eq!(
            last_week(date(2026, 11, 29)),
            (date(2026, 11, 16), date(2026, 11, 22))
        );
        assert_eq!(
            last_week(date(2026, 11, 30)),
            (date(2026, 11, 23), date(2026, 11, 29))
        );
        assert_eq!(
            headline(1, true, date(2026, 11, 23), date(2026, 11, 29)),
            "Last week your staff made 1 extra-mile call."
        );
    }

    #[test]
    fn extra_mile_calls_credit_the_caller_and_know_late_from_on_time() {
        let zone = jiff::tz::TimeZone::get("America/Chicago").unwrap_or(jiff::tz::TimeZone::UTC);
        let (maya, tom) = (StaffId::new(), StaffId::new());
        let at = |s: &str| {
            s.parse::<jiff::Timestamp>()
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        };
        let f = Facts {
            follow_ups_done: vec![
                // 23:30 in Chicago on the due day is on time (05:30 UTC next day).
                (
                    maya,
                    "Maya".into(),
                    "reached_resolved".into(),
                    date(2026, 11, 27),
                    at("2026-11-28T05:30:00Z"),
                ),
                (
                    maya,
                    "Maya".into(),
                    "declined".into(),
                    date(2026, 11, 26),
                    at("2026-11-27T15:00:00Z"),
                ),
                (
                    tom,
                    "Tom".into(),
                    "reached_more".into(),
                    date(2026, 11, 27),
                    at("2026-11-27T15:00:00Z"),
                ),
            ],
            follow_ups_missed: vec![(tom, "Tom".into())],
            outbound: vec![
                (tom, "Tom".into(), "outbound_call".into(), 1),
                (tom, "Tom".into(), "follow_up_call".into(), 1),
            ],
            ..Default::default()
        };
        let rows = extra_mile(&f, &zone);
        let m = rows
            .iter()
            .find(|r| r.name == "Maya")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (m.follow_ups_done, m.on_time, m.late, m.extra_mile_calls),
            (2, 1, 1, 2)
        );
        assert_eq!((m.reached_resolved, m.declined), (1, 1));
        let t = rows
            .iter()
            .find(|r| r.name == "Tom")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (
                t.follow_ups_done,
                t.proactive_calls,
                t.missed,
                t.extra_mile_calls
            ),
            (1, 1, 1, 2),
            "a follow-up's own call is not counted twice"
        );
    }

    #[test]
    fn figures_say_what_they_count() {
        let f = Facts {
            queued: vec![
                QueuedContact {
                    answered_after_secs: Some(10),
                    ended: true,
                    count: 1,
                },
                QueuedContact {
                    answered_after_secs: Some(30),
                    ended: true,
                    count: 1,
                },
                QueuedContact {
                    answered_after_secs: None,
                    ended: true,
                    count: 1,
                },
                QueuedContact {
                    answered_after_secs: None,
                    ended: false,
                    count: 1,
                },
            ],
            contacts: 4,
            transfers: 1,
            cases: vec![
                ResolvedCase {
                    handovers: 0,
                    contacts: 1,
                    later_contact: false,
                    window_closed: true,
                },
                ResolvedCase {
                    handovers: 2,
                    contacts: 2,
                    later_contact: false,
                    window_closed: true,
                },
                ResolvedCase {
                    handovers: 0,
                    contacts: 1,
                    later_contact: false,
                    window_closed: false,
                },
            ],
            approvals: vec![
                ("approved".into(), Some(60)),
                ("denied".into(), Some(600)),
                ("pending".into(), None),
            ],
            ..Default::default()
        };
        let figs = figures(&f, &[], |k| format!("/reports/records?figure={k}"));
        let v = |k: &str| {
            figs.iter()
                .find(|x| x.key == k)
                .map(|x| x.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(v("speed_of_answer"), "average 20 s, 90% within 30 s");
        assert_eq!(
            v("abandoned"),
            "1 of 3 (33.3%)",
            "one still waiting is neither"
        );
        assert_eq!(
            v("fcr"),
            "1 of 2 settled cases (50.0%); 1 of 3 resolved still pending"
        );
        assert_eq!(v("transfers_per_contact"), "0.25 (1 transfers, 4 contacts)");
        assert_eq!(v("handovers_per_case"), "0.67 (2 handovers)");
        assert!(
            v("approvals").starts_with("3 asked, 1 denied"),
            "{}",
            v("approvals")
        );
        assert!(
            figs.iter()
                .all(|x| !x.rule.is_empty() && x.records.starts_with("/reports/records"))
        );
    }

    #[test]
    fn money_counts_against_each_persons_limit() {
        let maya = StaffId::new();
        let f = Facts {
            money: vec![
                (maya, "Maya".into(), "agent".into(), "credit".into(), -2500),
                (maya, "Maya".into(), "agent".into(), "credit".into(), -5000),
                (maya, "Maya".into(), "agent".into(), "refund".into(), 7001),
            ],
            ..Default::default()
        };
        let rows = money(&f, |role, kind| {
            (role == "agent" && kind == "credit").then_some(5000)
        });
        assert_eq!(
            (rows[0].credits, rows[0].credits_minor, rows[0].refunds),
            (2, 7500, 1)
        );
        assert_eq!(rows[0].share_of_limit_pct, Some(75), "25% and 100% of $50");
    }
}
