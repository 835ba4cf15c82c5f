//! Reports (C15) over the API: JSON, or CSV with `Accept: text/csv`.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use extramile_domain::DomainError;
use extramile_domain::reports::{RecordRow, Report, ReportQuery};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day (YYYY-MM-DD, in the provider's time zone); last week's
    /// Monday when unset.
    pub from: Option<String>,
    /// Last day, inclusive; today when only `from` is set, else last week's Sunday.
    pub to: Option<String>,
    #[param(format = Uuid)]
    pub team: Option<String>,
    #[param(format = Uuid)]
    pub queue: Option<String>,
    /// inbound_call, outbound_call, email, chat, sms, social, in_person, follow_up_call
    pub channel: Option<String>,
    /// One staff member.
    #[param(format = Uuid)]
    pub staff: Option<String>,
}

fn id<T: std::str::FromStr>(field: &str, v: &Option<String>) -> Result<Option<T>, DomainError> {
    match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| DomainError::invalid(field, "must be an id")),
    }
}

impl ReportParams {
    /// The API takes no empty values (the console's filters send "" for
    /// "all", the API leaves the parameter out).
    pub fn strict(&self) -> Result<(), DomainError> {
        for (field, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("team", &self.team),
            ("queue", &self.queue),
            ("channel", &self.channel),
            ("staff", &self.staff),
        ] {
            if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(DomainError::invalid(
                    field,
                    "must not be empty; leave it out for all",
                ));
            }
        }
        Ok(())
    }

    pub fn query(&self) -> Result<ReportQuery, DomainError> {
        let date = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| extramile_domain::customers::values::parse_date(field, v))
                .transpose()
        };
        Ok(ReportQuery {
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            team: id("team", &self.team)?,
            queue: id("queue", &self.queue)?,
            channel: self.channel.clone().filter(|c| !c.trim().is_empty()),
            staff: id("staff", &self.staff)?,
        })
    }
}

pub fn wants_csv(h: &HeaderMap) -> bool {
    h.get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// The report in long form, one number per row, for a spreadsheet:
/// section, person, measure, value, how it is computed.
pub fn report_csv(r: &Report) -> Result<String, DomainError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| DomainError::Store(format!("csv: {e}"));
    w.write_record(["section", "person", "measure", "value", "rule"])
        .map_err(err)?;
    w.write_record(["range", "", "from", &r.from.to_string(), ""])
        .map_err(err)?;
    w.write_record(["range", "", "to", &r.to.to_string(), &r.time_zone])
        .map_err(err)?;
    for f in &r.filters {
        w.write_record(["filter", "", &f.filter, &f.value, ""])
            .map_err(err)?;
    }
    w.write_record(["headline", "", "sentence", &r.headline, ""])
        .map_err(err)?;
    for f in &r.figures {
        w.write_record(["figure", "", &f.label, &f.value, &f.rule])
            .map_err(err)?;
    }
    for p in &r.extra_mile {
        for (m, v) in [
            ("extra-mile calls", p.extra_mile_calls),
            ("follow-ups done", p.follow_ups_done),
            ("reached, resolved", p.reached_resolved),
            ("reached, more to do", p.reached_more),
            ("declined", p.declined),
            ("on time", p.on_time),
            ("late", p.late),
            ("missed", p.missed),
            ("proactive outbound calls", p.proactive_calls),
        ] {
            w.write_record(["extra mile", &p.name, m, &v.to_string(), ""])
                .map_err(err)?;
        }
    }
    for c in &r.charts {
        for b in &c.bars {
            w.write_record([
                &format!("chart: {}", c.title),
                "",
                &b.label,
                &b.value.to_string(),
                &c.unit,
            ])
            .map_err(err)?;
        }
    }
    for p in &r
        .extra_mile
        .iter()
        .filter(|p| p.satisfaction_answers > 0)
        .collect::<Vec<_>>()
    {
        w.write_record([
            "satisfaction",
            &p.name,
            "answers",
            &p.satisfaction_answers.to_string(),
            "",
        ])
        .map_err(err)?;
        if let Some(t) = p.satisfaction_tenths {
            w.write_record([
                "satisfaction",
                &p.name,
                "average rating (of 5)",
                &extramile_domain::reports::tenths_words(t),
                "",
            ])
            .map_err(err)?;
        }
    }
    for p in &r.money {
        for (m, v) in [
            ("credits", p.credits.to_string()),
            ("credits (minor units)", p.credits_minor.to_string()),
            ("waivers", p.waivers.to_string()),
            ("waivers (minor units)", p.waivers_minor.to_string()),
            ("refunds", p.refunds.to_string()),
            ("refunds (minor units)", p.refunds_minor.to_string()),
            ("free items", p.free_items.to_string()),
            ("free items (minor units)", p.free_items_minor.to_string()),
            (
                "share of per-entry limit used (%)",
                p.share_of_limit_pct
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
            ),
        ] {
            w.write_record(["money", &p.name, m, &v, ""]).map_err(err)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| DomainError::Store(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| DomainError::Store(e.to_string()))
}

pub fn records_csv(rows: &[RecordRow]) -> Result<String, DomainError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| DomainError::Store(format!("csv: {e}"));
    w.write_record(["at", "who", "what", "link"]).map_err(err)?;
    for r in rows {
        w.write_record([r.at.to_string().as_str(), &r.who, &r.what, &r.link])
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| DomainError::Store(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| DomainError::Store(e.to_string()))
}

pub fn csv_response(body: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/reports", params(ReportParams), tag = "reports",
    description = "The reports page's figures for whole days in the provider's time zone (last week by default), by team, queue, channel or person. Each figure says how it is computed and links to its records. With `Accept: text/csv`, the same numbers one per row.",
    responses((status = 200, description = "The report; as CSV with `Accept: text/csv`", content((Report = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn report(
    State(s): State<AppState>,
    u: CurrentUser,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    p.strict()?;
    let r = s.reports.report(&u.actor(), &p.query()?).await?;
    if wants_csv(&headers) {
        return Ok(csv_response(
            report_csv(&r)?,
            &format!("extramile-report-{}-{}.csv", r.from, r.to),
        ));
    }
    Ok(Json(r).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordParams {
    /// extra_mile_calls, follow_ups_on_time, speed_of_answer, abandoned, fcr,
    /// transfers_per_contact, consults_per_case, handovers_per_case,
    /// repeat_identification, approvals, satisfaction, money (credits,
    /// waivers, refunds and free items staff gave)
    pub figure: String,
    pub from: Option<String>,
    pub to: Option<String>,
    #[param(format = Uuid)]
    pub team: Option<String>,
    #[param(format = Uuid)]
    pub queue: Option<String>,
    pub channel: Option<String>,
    #[param(format = Uuid)]
    pub staff: Option<String>,
}

impl RecordParams {
    pub fn report_params(&self) -> ReportParams {
        ReportParams {
            from: self.from.clone(),
            to: self.to.clone(),
            team: self.team.clone(),
            queue: self.queue.clone(),
            channel: self.channel.clone(),
            staff: self.staff.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reports/records", params(RecordParams), tag = "reports",
    description = "The records behind one figure, newest first (at most 500). CSV with `Accept: text/csv`.",
    responses((status = 200, description = "The records; as CSV with `Accept: text/csv`", content((Vec<RecordRow> = "application/json"), (String = "text/csv"))), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[tracing::instrument(skip_all)]
pub async fn records(
    State(s): State<AppState>,
    u: CurrentUser,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<RecordParams>,
) -> Result<Response, ApiError> {
    p.report_params().strict()?;
    let rows = s
        .reports
        .records(&u.actor(), p.figure.trim(), &p.report_params().query()?)
        .await?;
    if wants_csv(&headers) {
        return Ok(csv_response(
            records_csv(&rows)?,
            &format!("extramile-{}.csv", p.figure.trim()),
        ));
    }
    Ok(Json(rows).into_response())
}
