//! The console's transparency page: the core's transparency report for a
//! period, with server-side SVG charts (content actions by rule over time,
//! automated share, appeal outcomes) and a data table under every chart.
//!
//! Figures come from the store through the same report builder as
//! `moderato report`; this module only buckets stored decisions by time. It
//! must never write, and never render a label without escaping it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use moderato_core::{ContentAction, Decision};
use serde::Deserialize;

use super::charts::{self, RuleBuckets};
use super::pages::{render, session, to_login, user_label};
use crate::AppState;
use crate::error::ApiError;

const DAY_MS: i64 = 86_400_000;
/// Periods offered in the form, in days.
const PERIODS: [u32; 4] = [7, 28, 91, 364];

/// One row of a chart's data table.
struct TableRow {
    label: String,
    cells: Vec<u64>,
}

#[derive(Template)]
#[template(path = "transparency.html")]
struct TransparencyPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
    days: u32,
    periods: Vec<u32>,
    from: String,
    to: String,
    bucket_name: &'static str,
    rules_svg: String,
    rule_columns: Vec<String>,
    rule_rows: Vec<TableRow>,
    automation_svg: String,
    automation_rows: Vec<(String, u64)>,
    share_automated: String,
    appeals_svg: String,
    appeal_rows: Vec<(String, u64)>,
    reversal_rate: String,
    report_html: String,
}

/// The period to show.
#[derive(Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    days: Option<u32>,
}

/// The part of the core's HTML report between `<body>` and `</body>`, without its `<h1>`.
fn report_body(html: &str) -> String {
    let start = html
        .find("<body>")
        .map_or(0, |index| index + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len()).max(start);
    html.get(start..end)
        .unwrap_or_default()
        .replace("<h1>Transparency report</h1>", "")
}

/// `(time, rule ids)` of the stored decisions that restricted content.
fn actioned_entries(stored: &[moderato_store::StoredDecision]) -> Vec<(i64, Vec<String>)> {
    stored
        .iter()
        .filter_map(|record| {
            let decision: Decision = serde_json::from_value(record.decision.clone()).ok()?;
            (decision.action != ContentAction::Allow).then(|| {
                (
                    record.created_at,
                    decision.rules.iter().map(|rule| rule.id.clone()).collect(),
                )
            })
        })
        .collect()
}

/// `GET /ui/transparency?days=N`: the report for the last N days, with charts.
pub async fn transparency(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    let days = query.days.unwrap_or(28).clamp(1, 366);
    let now = crate::now_ms();
    // Buckets end with today (UTC): days up to a month are shown per day, longer periods per week.
    let end = now - now.rem_euclid(DAY_MS) + DAY_MS;
    let (bucket_ms, bucket_count, bucket_name) = if days <= 31 {
        (DAY_MS, days, "day")
    } else {
        (7 * DAY_MS, days.div_ceil(7), "week starting")
    };
    let start = end - bucket_ms * i64::from(bucket_count);
    let report = match moderato_service::accountability::transparency_report(
        &state.service.store,
        start,
        now + 1,
    )
    .await
    {
        Ok(report) => report,
        Err(error) => return ApiError::internal("transparency report", error).into_response(),
    };
    let stored = match state.service.store.decisions_between(start, now + 1).await {
        Ok(stored) => stored,
        Err(error) => return ApiError::internal("transparency decisions", error).into_response(),
    };
    let buckets: RuleBuckets = charts::bucket_rules(
        &actioned_entries(&stored),
        start,
        bucket_ms,
        usize::try_from(bucket_count).unwrap_or(0),
    );
    let rule_rows = buckets
        .buckets
        .iter()
        .enumerate()
        .map(|(index, bucket)| TableRow {
            label: bucket.clone(),
            cells: buckets
                .series
                .iter()
                .map(|series| series.values.get(index).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    let automation_rows = vec![
        ("automated".to_string(), report.automation.automated),
        ("human".to_string(), report.automation.human),
    ];
    let appeals = &report.appeals;
    let appeal_rows = vec![
        ("upheld".to_string(), appeals.upheld),
        ("reversed".to_string(), appeals.reversed),
        ("changed".to_string(), appeals.changed),
        ("pending".to_string(), appeals.pending),
    ];
    let period = format!("{} to {}", report.from, report.to);
    render(&TransparencyPage {
        user: Some(user_label(&session)),
        csrf: session.csrf.clone(),
        flash: None,
        days,
        periods: PERIODS.to_vec(),
        rules_svg: charts::stacked_bars(
            "chart-rules",
            &format!("Content actions by rule per {bucket_name}, {period}"),
            &buckets,
        ),
        rule_columns: buckets
            .series
            .iter()
            .map(|series| series.label.clone())
            .collect(),
        rule_rows,
        automation_svg: charts::share_bars(
            "chart-automation",
            &format!("Automated and human decisions, {period}"),
            &automation_rows,
        ),
        automation_rows,
        share_automated: format!("{:.1}%", report.automation.share_automated * 100.0),
        appeals_svg: charts::share_bars(
            "chart-appeals",
            &format!("Appeal outcomes, {period}"),
            &appeal_rows,
        ),
        appeal_rows,
        reversal_rate: format!("{:.1}%", appeals.reversal_rate * 100.0),
        report_html: report_body(&moderato_core::transparency::render_html(&report)),
        from: report.from,
        to: report.to,
        bucket_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_body_drops_the_document_around_it() {
        let html = "<!DOCTYPE html>\n<html><head><title>x</title></head>\n<body>\n<h1>Transparency report</h1>\n<p>Period</p>\n</body>\n</html>\n";
        assert_eq!(report_body(html), "\n\n<p>Period</p>\n");
        assert_eq!(report_body("no body"), "no body");
    }
}
