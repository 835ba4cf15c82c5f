//! The reports page: one sentence first ("Last week your staff made N
//! extra-mile calls"), then every figure with how it is computed and a
//! link to its records; the same as CSV.

use super::{Shell, UiError, render, when};
use crate::api::reports::{RecordParams, ReportParams, csv_response, report_csv};
use crate::auth::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use extramile_domain::ledger::format_money;
use extramile_domain::reports::Report;

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    shell: Shell,
    from_value: String,
    to_value: String,
    /// Errors at the filters.
    typed: super::Typed,
    report: Option<Report>,
    error: Option<String>,
    p: ReportParams,
    teams: Vec<(String, String)>,
    queues: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    channels: Vec<&'static str>,
    /// The query string of this report (for the CSV and record links).
    qs: String,
    /// The most extra-mile calls of one person (bar lengths).
    most: i64,
    currency: String,
    /// (title, inline SVG) of each chart.
    charts: Vec<(String, String)>,
}

impl ReportsPage {
    fn money(&self, minor: &i64) -> String {
        format_money(*minor, &self.currency)
    }
}

/// The filters as the domain names them and as the form labels them.
const REPORT_FIELDS: super::FieldMap = &[
    ("from", "from", "From"),
    ("to", "to", "To"),
    ("team", "team", "Team"),
    ("queue", "queue", "Queue"),
    ("channel", "channel", "Channel"),
    ("staff", "staff", "Person"),
];

fn qs(p: &ReportParams) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("from", &p.from),
        ("to", &p.to),
        ("team", &p.team),
        ("queue", &p.queue),
        ("channel", &p.channel),
        ("staff", &p.staff),
    ] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", v.replace(['&', '=', '#', ' '], "")));
        }
    }
    parts.join("&")
}

async fn page(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(p): Query<ReportParams>,
) -> Result<Response, UiError> {
    let actor = u.actor();
    // A refusal is said at the filter in its label's words.
    let mut typed = super::Typed::default();
    let mut refuse =
        |e: &extramile_domain::DomainError| super::refusal_at(e, REPORT_FIELDS, &mut typed);
    let (report, error, status) = match p.query() {
        Ok(q) => match s.reports.report(&actor, &q).await {
            Ok(r) => (Some(r), None, StatusCode::OK),
            Err(extramile_domain::DomainError::Forbidden(m)) => {
                return Err(UiError(extramile_domain::DomainError::Forbidden(m)));
            }
            Err(e) => {
                let (st, t) = refuse(&e);
                (None, Some(t), st)
            }
        },
        Err(e) => {
            let (st, t) = refuse(&e);
            (None, Some(t), st)
        }
    };
    let teams = s
        .staff
        .teams()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect();
    let queues = s
        .store
        .queues()
        .await?
        .into_iter()
        .map(|q| (q.id.to_string(), q.name))
        .collect();
    let staff = s
        .staff
        .directory(&actor)
        .await?
        .into_iter()
        .filter(|x| x.active)
        .map(|x| (x.id.to_string(), x.name))
        .collect();
    let most = report
        .as_ref()
        .and_then(|r| r.extra_mile.iter().map(|x| x.extra_mile_calls).max())
        .unwrap_or(0);
    let charts = report
        .as_ref()
        .map(|r| {
            r.charts
                .iter()
                .map(|c| {
                    if c.bars.iter().all(|b| b.value == 0) {
                        (
                            c.title.clone(),
                            String::from("<p class=\"muted\">Nothing to draw in these days.</p>"),
                        )
                    } else {
                        (c.title.clone(), super::charts::svg(c))
                    }
                })
                .filter(|(_, svg)| !svg.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let currency = s.ledger.currency().to_string();
    // The days shown are in the boxes (last week's when none were given).
    let (from_value, to_value) = match &report {
        Some(r) => (r.from.to_string(), r.to.to_string()),
        None => (
            p.from.clone().unwrap_or_default(),
            p.to.clone().unwrap_or_default(),
        ),
    };
    let page = ReportsPage {
        from_value,
        to_value,
        typed,
        shell: Shell::of(&u),
        qs: qs(&p),
        report,
        error,
        p,
        teams,
        queues,
        staff,
        channels: extramile_domain::interactions::Channel::ALL
            .iter()
            .map(|c| c.as_str())
            .collect(),
        most,
        charts,
        currency,
    };
    Ok((status, render(&page)).into_response())
}

async fn export(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(p): Query<ReportParams>,
) -> Result<Response, UiError> {
    let r = s.reports.report(&u.actor(), &p.query()?).await?;
    Ok(csv_response(
        report_csv(&r)?,
        &format!("extramile-report-{}-{}.csv", r.from, r.to),
    ))
}

#[derive(Template)]
#[template(path = "report_records.html")]
struct RecordsPage {
    shell: Shell,
    label: String,
    rows: Vec<(String, String, String, String)>,
    back: String,
    csv: String,
}

async fn records(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(p): Query<RecordParams>,
) -> Result<Response, UiError> {
    let rp = p.report_params();
    let rows = s
        .reports
        .records(&u.actor(), p.figure.trim(), &rp.query()?)
        .await?;
    let q = qs(&rp);
    let page = RecordsPage {
        shell: Shell::of(&u),
        label: p.figure.replace('_', " "),
        rows: rows
            .iter()
            .map(|r| (when(r.at), r.who.clone(), r.what.clone(), r.link.clone()))
            .collect(),
        back: format!("/reports?{q}"),
        csv: format!("/api/v1/reports/records?figure={}&{q}", p.figure.trim()),
    };
    Ok(render(&page))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(page))
        .route("/reports/export.csv", get(export))
        .route("/reports/records", get(records))
}
