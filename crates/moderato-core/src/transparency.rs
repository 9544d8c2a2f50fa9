//! Transparency reports (DSA Art. 15 and 24, Santa Clara "Numbers"): pure aggregation of
//! decisions, reviews and appeals, rendered as JSON (via `Serialize`), Markdown or a small
//! HTML page.
//!
//! The caller maps store records into the input structs and chooses the period; this
//! module never filters by time, reads the clock, the store or the environment. It must
//! never put personal data in a report: it counts, and names only rules, actions and
//! detection sources (reviewer ids are read but never reported). Every string in the HTML
//! output is escaped.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::action::{AccountAction, ContentAction};
use crate::decision::Decision;

/// A decision as the store recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// The decision.
    pub decision: Decision,
    /// When the item was submitted, in milliseconds since the Unix epoch.
    pub submitted_at_ms: i64,
    /// When the decision was made, in milliseconds since the Unix epoch.
    pub decided_at_ms: i64,
    /// `system` for the engine, otherwise the reviewer id.
    pub decided_by: String,
}

/// A human review of an earlier decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRecordInput {
    /// Reviewer id (read, never reported).
    pub reviewer: String,
    /// `uphold`, `overturn` or `change`.
    pub outcome: String,
    /// Rules of the reviewed decision.
    pub rule_ids: Vec<String>,
    /// Whether the reviewed decision was made by the engine without a person.
    pub reviewed_automated: bool,
    /// When the review task was created, in milliseconds since the Unix epoch.
    pub task_created_at_ms: i64,
    /// When the review was recorded, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// An appeal (Art. 20 complaint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealRecordInput {
    /// `uphold`, `overturn` or `change`; `None` while pending.
    pub outcome: Option<String>,
    /// When the appeal was filed, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When it was decided, in milliseconds since the Unix epoch.
    pub decided_at_ms: Option<i64>,
}

/// Everything a report is built from. The caller selects the records of the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Start of the period, as the caller wants it printed.
    pub from: String,
    /// End of the period, as the caller wants it printed.
    pub to: String,
    /// Decisions made in the period.
    pub decisions: Vec<DecisionRecord>,
    /// Reviews recorded in the period.
    pub reviews: Vec<ReviewRecordInput>,
    /// Appeals filed in the period.
    pub appeals: Vec<AppealRecordInput>,
}

/// Headline counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Decisions made.
    pub decisions: u64,
    /// Decisions that restricted the content or the account.
    pub actioned: u64,
    /// Decisions that left the content up with no account measure.
    pub no_action: u64,
    /// Decisions with a content action other than allow.
    pub content_actioned: u64,
    /// Decisions with an account measure (limit, suspension or termination).
    pub account_measures: u64,
    /// Strikes added.
    pub strikes_added: u64,
    /// Human reviews recorded.
    pub reviews: u64,
    /// Appeals filed.
    pub appeals: u64,
}

/// Decisions in which one rule matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// Rule title (as first seen).
    pub title: String,
    /// Decisions in which it matched.
    pub decisions: u64,
}

/// Who made the decisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    /// Decisions made by the engine without a person.
    pub automated: u64,
    /// Decisions made or changed by a person.
    pub human: u64,
    /// `automated / decisions`, 0 when there are none; four decimals.
    pub share_automated: f64,
}

/// A median duration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationSummary {
    /// How many durations were measured.
    pub count: u64,
    /// Median in milliseconds (the mean of the two middle values for even counts).
    pub median_ms: Option<i64>,
    /// The median for people, e.g. `2 min 5 s`.
    pub median: Option<String>,
}

/// Appeal outcomes. "Upheld" means the original decision stood (the appeal was denied).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppealSummary {
    /// Appeals filed.
    pub total: u64,
    /// Original decision upheld.
    pub upheld: u64,
    /// Original decision reversed (content restored).
    pub reversed: u64,
    /// Original decision changed to another rung.
    pub changed: u64,
    /// Not decided yet.
    pub pending: u64,
    /// Decided with an outcome this report does not know.
    pub other: u64,
    /// `(reversed + changed) / decided`, 0 when none is decided; four decimals.
    pub reversal_rate: f64,
    /// Time from appeal to outcome.
    pub time_to_outcome: DurationSummary,
}

/// Reviewer outcomes for one rule: an estimate of its detector's precision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulePrecision {
    /// Rule id.
    pub rule: String,
    /// Reviews of decisions in which the rule matched.
    pub reviewed: u64,
    /// Of those, reviews of automated decisions.
    pub reviewed_automated: u64,
    /// Decision upheld.
    pub upheld: u64,
    /// Violation confirmed, action changed.
    pub changed: u64,
    /// No violation: the detector was wrong.
    pub overturned: u64,
    /// Outcomes this report does not know.
    pub other: u64,
    /// `overturned / reviewed`; four decimals.
    pub overturn_rate: f64,
}

/// The report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransparencyReport {
    /// Start of the period.
    pub from: String,
    /// End of the period.
    pub to: String,
    /// Headline counts.
    pub totals: Totals,
    /// Decisions by matched rule, by rule id.
    pub by_rule: Vec<RuleCount>,
    /// Decisions by action (each action counted once per decision).
    pub by_action: BTreeMap<String, u64>,
    /// Actioned decisions by detection source (signal sources of the matched rules' evidence).
    pub by_detection_source: BTreeMap<String, u64>,
    /// Automated versus human decisions.
    pub automation: Automation,
    /// Time from submission to action, for actioned decisions.
    pub time_to_action: DurationSummary,
    /// Time from review task to review.
    pub time_to_review: DurationSummary,
    /// Appeals and their outcomes.
    pub appeals: AppealSummary,
    /// Reviewer outcomes per rule, by rule id.
    pub reviewer_precision: Vec<RulePrecision>,
    /// Decisions in which the public-interest exception was applied.
    pub public_interest_exceptions_applied: u64,
}

/// Source name for actioned decisions whose evidence names no known signal.
pub const UNATTRIBUTED_SOURCE: &str = "unattributed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Upheld,
    Changed,
    Reversed,
    Other,
}

fn classify(outcome: &str) -> Outcome {
    match outcome.trim().to_ascii_lowercase().as_str() {
        "uphold" | "upheld" => Outcome::Upheld,
        "change" | "changed" => Outcome::Changed,
        "overturn" | "overturned" | "reverse" | "reversed" => Outcome::Reversed,
        _ => Outcome::Other,
    }
}

fn account_measure(decision: &Decision) -> bool {
    decision
        .account
        .as_ref()
        .and_then(|outcome| outcome.measure.as_ref())
        .is_some_and(|measure| measure.action != AccountAction::Strike)
}

/// Aggregates the input into a report. Never fails; empty input gives zeros.
pub fn build_report(input: &ReportInput) -> TransparencyReport {
    let mut totals = Totals {
        decisions: input.decisions.len() as u64,
        reviews: input.reviews.len() as u64,
        appeals: input.appeals.len() as u64,
        ..Totals::default()
    };
    let mut by_rule: BTreeMap<String, RuleCount> = BTreeMap::new();
    let mut by_action: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_detection_source: BTreeMap<String, u64> = BTreeMap::new();
    let mut automation = Automation::default();
    let mut action_times = Vec::new();
    let mut public_interest_exceptions_applied = 0;

    for record in &input.decisions {
        let decision = &record.decision;
        let content_actioned = decision.action != ContentAction::Allow;
        let measured = account_measure(decision);
        let actioned = content_actioned || measured;
        totals.actioned += u64::from(actioned);
        totals.no_action += u64::from(!actioned);
        totals.content_actioned += u64::from(content_actioned);
        totals.account_measures += u64::from(measured);
        totals.strikes_added += decision
            .account
            .as_ref()
            .map_or(0, |outcome| u64::from(outcome.strikes_added));
        if decision.automated {
            automation.automated += 1;
        } else {
            automation.human += 1;
        }
        if actioned {
            action_times.push(
                record
                    .decided_at_ms
                    .saturating_sub(record.submitted_at_ms)
                    .max(0),
            );
        }
        if decision
            .public_interest
            .as_ref()
            .is_some_and(|assessment| assessment.applied)
        {
            public_interest_exceptions_applied += 1;
        }

        let mut actions: BTreeSet<&str> = decision
            .actions
            .iter()
            .map(|action| action.as_str())
            .collect();
        if actions.is_empty() {
            actions.insert(decision.action.as_str());
        }
        for action in actions {
            *by_action.entry(action.to_string()).or_default() += 1;
        }

        let mut rules_seen = BTreeSet::new();
        for rule in &decision.rules {
            if !rules_seen.insert(rule.id.as_str()) {
                continue;
            }
            by_rule
                .entry(rule.id.clone())
                .or_insert_with(|| RuleCount {
                    rule: rule.id.clone(),
                    title: rule.title.clone(),
                    decisions: 0,
                })
                .decisions += 1;
        }

        if actioned && !decision.rules.is_empty() {
            let mut sources: BTreeSet<&str> = decision
                .rules
                .iter()
                .flat_map(|rule| rule.evidence.iter())
                .filter_map(|evidence| {
                    decision
                        .signals
                        .iter()
                        .find(|signal| signal.name == evidence.signal)
                        .map(|signal| signal.source.as_str())
                })
                .collect();
            if sources.is_empty() {
                sources.insert(UNATTRIBUTED_SOURCE);
            }
            for source in sources {
                *by_detection_source.entry(source.to_string()).or_default() += 1;
            }
        }
    }
    automation.share_automated = ratio(automation.automated, totals.decisions);

    let mut precision: BTreeMap<String, RulePrecision> = BTreeMap::new();
    let mut review_times = Vec::new();
    for review in &input.reviews {
        review_times.push(
            review
                .created_at_ms
                .saturating_sub(review.task_created_at_ms)
                .max(0),
        );
        let outcome = classify(&review.outcome);
        let rules: BTreeSet<&String> = review.rule_ids.iter().collect();
        for rule in rules {
            let entry = precision
                .entry(rule.clone())
                .or_insert_with(|| RulePrecision {
                    rule: rule.clone(),
                    ..RulePrecision::default()
                });
            entry.reviewed += 1;
            entry.reviewed_automated += u64::from(review.reviewed_automated);
            match outcome {
                Outcome::Upheld => entry.upheld += 1,
                Outcome::Changed => entry.changed += 1,
                Outcome::Reversed => entry.overturned += 1,
                Outcome::Other => entry.other += 1,
            }
        }
    }
    for entry in precision.values_mut() {
        entry.overturn_rate = ratio(entry.overturned, entry.reviewed);
    }

    let mut appeals = AppealSummary {
        total: input.appeals.len() as u64,
        ..AppealSummary::default()
    };
    let mut appeal_times = Vec::new();
    for appeal in &input.appeals {
        match appeal.outcome.as_deref() {
            None => appeals.pending += 1,
            Some(outcome) => match classify(outcome) {
                Outcome::Upheld => appeals.upheld += 1,
                Outcome::Changed => appeals.changed += 1,
                Outcome::Reversed => appeals.reversed += 1,
                Outcome::Other => appeals.other += 1,
            },
        }
        if let (Some(_), Some(decided_at)) = (&appeal.outcome, appeal.decided_at_ms) {
            appeal_times.push(decided_at.saturating_sub(appeal.created_at_ms).max(0));
        }
    }
    let decided = appeals.upheld + appeals.changed + appeals.reversed + appeals.other;
    appeals.reversal_rate = ratio(appeals.reversed + appeals.changed, decided);
    appeals.time_to_outcome = summarize(appeal_times);

    TransparencyReport {
        from: input.from.clone(),
        to: input.to.clone(),
        totals,
        by_rule: by_rule.into_values().collect(),
        by_action,
        by_detection_source,
        automation,
        time_to_action: summarize(action_times),
        time_to_review: summarize(review_times),
        appeals,
        reviewer_precision: precision.into_values().collect(),
        public_interest_exceptions_applied,
    }
}

/// `part / whole` rounded to four decimals; 0 when `whole` is 0.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

/// The median: the middle value, or the mean of the two middle values (rounded down).
fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let count = values.len();
    if count == 0 {
        return None;
    }
    if count % 2 == 1 {
        return Some(values[count / 2]);
    }
    let sum = i128::from(values[count / 2 - 1]) + i128::from(values[count / 2]);
    i64::try_from(sum.div_euclid(2)).ok()
}

fn summarize(values: Vec<i64>) -> DurationSummary {
    let count = values.len() as u64;
    let median_ms = median(values);
    DurationSummary {
        count,
        median_ms,
        median: median_ms.map(human_duration),
    }
}

/// `850 ms`, `12.5 s`, `4 min 5 s`, `3 h 20 min`, `2 d 4 h`.
pub fn human_duration(milliseconds: i64) -> String {
    let milliseconds = milliseconds.max(0);
    if milliseconds < 1_000 {
        return format!("{milliseconds} ms");
    }
    let seconds = milliseconds / 1_000;
    if seconds < 60 {
        return format!("{seconds}.{} s", (milliseconds % 1_000) / 100);
    }
    let minutes = seconds / 60;
    if minutes < 60 {
        return format!("{minutes} min {} s", seconds % 60);
    }
    let hours = minutes / 60;
    if hours < 24 {
        return format!("{hours} h {} min", minutes % 60);
    }
    format!("{} d {} h", hours / 24, hours % 24)
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn or_none(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "n/a".to_string())
}

/// One table of the rendered report; both renderers print the same tables.
struct Section {
    title: &'static str,
    note: Option<&'static str>,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

fn sections(report: &TransparencyReport) -> Vec<Section> {
    let totals = &report.totals;
    let count_rows = |map: &BTreeMap<String, u64>| -> Vec<Vec<String>> {
        map.iter()
            .map(|(key, count)| vec![key.clone(), count.to_string()])
            .collect()
    };
    let duration_row = |name: &str, summary: &DurationSummary| {
        vec![
            name.to_string(),
            summary.count.to_string(),
            or_none(&summary.median),
        ]
    };
    let appeals = &report.appeals;
    vec![
        Section {
            title: "Totals",
            note: None,
            headers: &["Measure", "Count"],
            rows: vec![
                vec!["Decisions".into(), totals.decisions.to_string()],
                vec![
                    "Actioned (content or account restricted)".into(),
                    totals.actioned.to_string(),
                ],
                vec!["No action".into(), totals.no_action.to_string()],
                vec![
                    "Content actions".into(),
                    totals.content_actioned.to_string(),
                ],
                vec![
                    "Account measures".into(),
                    totals.account_measures.to_string(),
                ],
                vec!["Strikes added".into(), totals.strikes_added.to_string()],
                vec!["Human reviews".into(), totals.reviews.to_string()],
                vec!["Appeals filed".into(), totals.appeals.to_string()],
                vec![
                    "Public-interest exceptions applied".into(),
                    report.public_interest_exceptions_applied.to_string(),
                ],
            ],
        },
        Section {
            title: "Decisions by rule",
            note: None,
            headers: &["Rule", "Title", "Decisions"],
            rows: report
                .by_rule
                .iter()
                .map(|rule| {
                    vec![
                        rule.rule.clone(),
                        rule.title.clone(),
                        rule.decisions.to_string(),
                    ]
                })
                .collect(),
        },
        Section {
            title: "Decisions by action",
            note: Some("Each action is counted once per decision."),
            headers: &["Action", "Decisions"],
            rows: count_rows(&report.by_action),
        },
        Section {
            title: "Actioned decisions by detection source",
            note: Some("A decision whose evidence came from several sources counts once for each."),
            headers: &["Source", "Decisions"],
            rows: count_rows(&report.by_detection_source),
        },
        Section {
            title: "Automation",
            note: None,
            headers: &["Decided by", "Decisions"],
            rows: vec![
                vec![
                    "Automated (no person)".into(),
                    report.automation.automated.to_string(),
                ],
                vec!["A person".into(), report.automation.human.to_string()],
                vec![
                    "Share automated".into(),
                    percent(report.automation.share_automated),
                ],
            ],
        },
        Section {
            title: "Median times",
            note: None,
            headers: &["Interval", "Count", "Median"],
            rows: vec![
                duration_row("Submission to action", &report.time_to_action),
                duration_row("Review task to review", &report.time_to_review),
                duration_row("Appeal to outcome", &appeals.time_to_outcome),
            ],
        },
        Section {
            title: "Appeals",
            note: Some(
                "Upheld: the original decision stood. Reversed: the content was restored. Changed: another action was applied.",
            ),
            headers: &["Outcome", "Appeals"],
            rows: vec![
                vec!["Filed".into(), appeals.total.to_string()],
                vec!["Upheld".into(), appeals.upheld.to_string()],
                vec!["Reversed".into(), appeals.reversed.to_string()],
                vec!["Changed".into(), appeals.changed.to_string()],
                vec!["Pending".into(), appeals.pending.to_string()],
                vec!["Other".into(), appeals.other.to_string()],
                vec![
                    "Reversal rate (reversed or changed, of decided)".into(),
                    percent(appeals.reversal_rate),
                ],
            ],
        },
        Section {
            title: "Reviewer outcomes by rule",
            note: Some(
                "The overturn rate (overturned / reviewed) estimates each detector's error rate.",
            ),
            headers: &[
                "Rule",
                "Reviewed",
                "Of automated",
                "Upheld",
                "Changed",
                "Overturned",
                "Overturn rate",
            ],
            rows: report
                .reviewer_precision
                .iter()
                .map(|rule| {
                    vec![
                        rule.rule.clone(),
                        rule.reviewed.to_string(),
                        rule.reviewed_automated.to_string(),
                        rule.upheld.to_string(),
                        rule.changed.to_string(),
                        rule.overturned.to_string(),
                        percent(rule.overturn_rate),
                    ]
                })
                .collect(),
        },
    ]
}

fn markdown_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The report as Markdown tables.
pub fn render_markdown(report: &TransparencyReport) -> String {
    let mut output = format!(
        "# Transparency report\n\nPeriod: {} to {}\n",
        markdown_cell(&report.from),
        markdown_cell(&report.to)
    );
    for section in sections(report) {
        output.push_str(&format!("\n## {}\n\n", section.title));
        if let Some(note) = section.note {
            output.push_str(note);
            output.push_str("\n\n");
        }
        if section.rows.is_empty() {
            output.push_str("None.\n");
            continue;
        }
        output.push_str(&format!("| {} |\n", section.headers.join(" | ")));
        let rule: Vec<&str> = section
            .headers
            .iter()
            .enumerate()
            .map(|(index, _)| if index == 0 { "---" } else { "---:" })
            .collect();
        // The title column of the rule table is text, so it is left-aligned too.
        let rule: Vec<&str> = rule
            .iter()
            .zip(section.headers)
            .map(|(alignment, header)| if *header == "Title" { "---" } else { alignment })
            .collect();
        output.push_str(&format!("|{}|\n", rule.join("|")));
        for row in section.rows {
            let cells: Vec<String> = row.iter().map(|cell| markdown_cell(cell)).collect();
            output.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    output
}

/// Escapes `& < > " '` for HTML text and attribute values.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The report as a complete, self-contained HTML page. Every string is escaped.
pub fn render_html(report: &TransparencyReport) -> String {
    let period = format!(
        "{} to {}",
        escape_html(&report.from),
        escape_html(&report.to)
    );
    let mut output = String::new();
    output.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    output.push_str(&format!("<title>Transparency report, {period}</title>\n"));
    output.push_str(
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin-bottom:1rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.n{text-align:right}</style>\n",
    );
    output.push_str("</head>\n<body>\n<h1>Transparency report</h1>\n");
    output.push_str(&format!("<p>Period: {period}</p>\n"));
    for section in sections(report) {
        output.push_str(&format!("<h2>{}</h2>\n", escape_html(section.title)));
        if let Some(note) = section.note {
            output.push_str(&format!("<p>{}</p>\n", escape_html(note)));
        }
        if section.rows.is_empty() {
            output.push_str("<p>None.</p>\n");
            continue;
        }
        output.push_str("<table>\n<thead><tr>");
        for header in section.headers {
            output.push_str(&format!("<th scope=\"col\">{}</th>", escape_html(header)));
        }
        output.push_str("</tr></thead>\n<tbody>\n");
        for row in section.rows {
            output.push_str("<tr>");
            for (index, cell) in row.iter().enumerate() {
                let numeric = index > 0 && section.headers.get(index) != Some(&"Title");
                let class = if numeric { " class=\"n\"" } else { "" };
                output.push_str(&format!("<td{class}>{}</td>", escape_html(cell)));
            }
            output.push_str("</tr>\n");
        }
        output.push_str("</tbody>\n</table>\n");
    }
    output.push_str("</body>\n</html>\n");
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(median(vec![10, 20]), Some(15));
        assert_eq!(median(vec![i64::MAX, i64::MAX]), Some(i64::MAX));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(850), "850 ms");
        assert_eq!(human_duration(12_500), "12.5 s");
        assert_eq!(human_duration(245_000), "4 min 5 s");
        assert_eq!(human_duration(12_000_000), "3 h 20 min");
        assert_eq!(human_duration(187_200_000), "2 d 4 h");
        assert_eq!(human_duration(-5), "0 ms");
    }

    #[test]
    fn empty_input_gives_zeros_without_dividing_by_zero() {
        let report = build_report(&ReportInput::default());
        assert_eq!(report.totals, Totals::default());
        assert_eq!(report.automation.share_automated, 0.0);
        assert_eq!(report.appeals.reversal_rate, 0.0);
        assert_eq!(report.time_to_action, DurationSummary::default());
        assert!(report.by_rule.is_empty() && report.reviewer_precision.is_empty());
        let markdown = render_markdown(&report);
        assert!(
            markdown.contains("| Share automated | 0.0% |"),
            "{markdown}"
        );
        assert!(!markdown.contains("NaN"));
        assert!(!render_html(&report).contains("NaN"));
    }

    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn review_outcomes_give_overturn_rates_per_rule() {
        let review = |outcome: &str, rules: &[&str]| ReviewRecordInput {
            reviewer: "mod-1".into(),
            outcome: outcome.into(),
            rule_ids: rules.iter().map(|rule| rule.to_string()).collect(),
            reviewed_automated: true,
            task_created_at_ms: 0,
            created_at_ms: 60_000,
        };
        let input = ReportInput {
            reviews: vec![
                review("uphold", &["spam.links"]),
                review("overturn", &["spam.links", "spam.links"]),
                review("change", &["spam.links", "hate.slur"]),
            ],
            ..ReportInput::default()
        };
        let report = build_report(&input);
        let spam = &report.reviewer_precision[1];
        assert_eq!(
            (spam.rule.as_str(), spam.reviewed, spam.overturned),
            ("spam.links", 3, 1)
        );
        assert_eq!(spam.overturn_rate, 0.3333);
        assert_eq!(report.reviewer_precision[0].overturn_rate, 0.0);
        assert_eq!(report.time_to_review.median.as_deref(), Some("1 min 0 s"));
    }
}
