//! Running a pack's worked examples: each post must get the action its rule states.
//!
//! This module must never change an expectation to make a test pass.

use moderato_core::ContentAction;

use crate::Engine;

/// The outcome of one example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    /// Rule the example belongs to.
    pub rule: String,
    /// Example name.
    pub name: String,
    /// File and line of the example.
    pub location: String,
    /// Expected action.
    pub expected: ContentAction,
    /// Action obtained.
    pub actual: ContentAction,
    /// Expected public-interest outcome, if stated.
    pub expected_public_interest: Option<bool>,
    /// Public-interest outcome obtained.
    pub actual_public_interest: bool,
    /// Rules that matched.
    pub matched_rules: Vec<String>,
    /// Highest signal scores, for the diff.
    pub top_signals: Vec<(String, f64)>,
}

impl ExampleResult {
    /// Whether the example passed.
    pub fn passed(&self) -> bool {
        self.expected == self.actual
            && self
                .expected_public_interest
                .is_none_or(|expected| expected == self.actual_public_interest)
    }
}

/// Runs every example of every rule.
pub fn run_examples(engine: &Engine) -> Vec<ExampleResult> {
    let policy = engine.policy().clone();
    let mut results = Vec::new();
    for rule in &policy.rules {
        for example in &rule.examples {
            let decision = engine.decide_with(&example.item, "example", "2026-01-01T00:00:00Z");
            let mut top_signals: Vec<(String, f64)> = decision
                .signals
                .iter()
                .filter(|signal| signal.score > 0.0)
                .map(|signal| (signal.name.clone(), signal.score))
                .collect();
            top_signals.sort_by(|a, b| b.1.total_cmp(&a.1));
            top_signals.truncate(4);
            results.push(ExampleResult {
                rule: rule.id.clone(),
                name: example.name.clone(),
                location: format!("{}:{}", rule.file, example.line),
                expected: example.expect,
                actual: decision.action,
                expected_public_interest: example.expect_public_interest,
                actual_public_interest: decision
                    .public_interest
                    .as_ref()
                    .is_some_and(|assessment| assessment.applied),
                matched_rules: decision
                    .rules
                    .iter()
                    .map(|matched| matched.id.clone())
                    .collect(),
                top_signals,
            });
        }
    }
    results
}
