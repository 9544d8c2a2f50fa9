//! Transparency reports from hand-made records: golden Markdown and JSON, and HTML escaping.

use moderato_core::transparency::{
    AppealRecordInput, DecisionRecord, ReportInput, ReviewRecordInput, build_report, render_html,
    render_markdown,
};
use moderato_core::{Action, ContentAction, Decision};

const MINUTE: i64 = 60_000;
const START: i64 = 1_795_000_000_000;

fn decision(name: &str) -> Decision {
    let path = format!("{}/tests/data/sor/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn record(name: &str, took_ms: i64) -> DecisionRecord {
    DecisionRecord {
        decision: decision(name),
        submitted_at_ms: START,
        decided_at_ms: START + took_ms,
        decided_by: "system".into(),
    }
}

fn review(outcome: &str, rule: &str, took_ms: i64) -> ReviewRecordInput {
    ReviewRecordInput {
        reviewer: "reviewer-7".into(),
        outcome: outcome.into(),
        rule_ids: vec![rule.into()],
        reviewed_automated: true,
        task_created_at_ms: START,
        created_at_ms: START + took_ms,
    }
}

fn appeal(outcome: Option<&str>, took_ms: Option<i64>) -> AppealRecordInput {
    AppealRecordInput {
        outcome: outcome.map(str::to_string),
        created_at_ms: START,
        decided_at_ms: took_ms.map(|took| START + took),
    }
}

fn input() -> ReportInput {
    let mut human = record("hold_for_review", 3 * 60 * MINUTE);
    human.decision.automated = false;
    human.decision.action = ContentAction::Remove;
    human.decision.actions = vec![Action::Content(ContentAction::Remove)];
    human.decided_by = "reviewer-7".into();
    ReportInput {
        from: "2026-10-01".into(),
        to: "2026-12-31".into(),
        decisions: vec![
            record("removal_suspension", 850),
            record("removal_termination", 1_200),
            record("public_interest_notice", 2_000),
            record("geo_restrict", 400),
            record("context_note", 30_000),
            record("limit_account", 700),
            record("hold_for_review", 300),
            record("allow", 90),
            record("strike_only", 120),
            human,
        ],
        reviews: vec![
            review("uphold", "violence.glorification", 20 * MINUTE),
            review("overturn", "violence.glorification", 40 * MINUTE),
            review("change", "violence.threat", 10 * MINUTE),
            review("uphold", "spam.links", 5 * MINUTE),
        ],
        appeals: vec![
            appeal(Some("uphold"), Some(2 * 24 * 60 * MINUTE)),
            appeal(Some("overturn"), Some(26 * 60 * MINUTE)),
            appeal(Some("change"), Some(90 * MINUTE)),
            appeal(None, None),
        ],
    }
}

#[test]
fn report_matches_golden_markdown_and_json() {
    let report = build_report(&input());
    assert_eq!(report.totals.decisions, 10);
    assert_eq!(report.totals.actioned, 8);
    assert_eq!(report.automation.share_automated, 0.9);
    assert_eq!(report.appeals.pending, 1);
    assert_eq!(report.public_interest_exceptions_applied, 1);
    insta::assert_snapshot!("report_markdown", render_markdown(&report));
    insta::assert_json_snapshot!("report_json", report);
}

#[test]
fn html_escapes_rule_titles() {
    let mut input = input();
    input.decisions[0].decision.rules[0].title =
        "<script>alert('owned')</script> & \"more\"".into();
    input.from = "<b>2026</b>".into();
    let html = render_html(&build_report(&input));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>"));
    assert!(
        html.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
    );
}
