//! Policy diff and replay: evaluate a corpus under two packs and report what changes.
//!
//! This is how a rule change is made visible before it ships. This module must
//! never write decisions anywhere; it only compares.

use std::collections::BTreeMap;

use moderato_core::{ContentAction, ContentItem, Decision};
use serde::Serialize;

use crate::Engine;

/// One item whose outcome changed.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedItem {
    /// Content id.
    pub content_id: String,
    /// Line of the corpus.
    pub line: usize,
    /// Action under the old pack.
    pub old_action: ContentAction,
    /// Action under the new pack.
    pub new_action: ContentAction,
    /// Rules under the old pack.
    pub old_rules: Vec<String>,
    /// Rules under the new pack.
    pub new_rules: Vec<String>,
}

/// Counts before and after.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Old count.
    pub old: u64,
    /// New count.
    pub new: u64,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// Old pack `id@version (digest)`.
    pub old_policy: String,
    /// New pack `id@version (digest)`.
    pub new_policy: String,
    /// Items evaluated.
    pub items: u64,
    /// Items whose action or rules changed.
    pub changed: u64,
    /// Counts by action.
    pub by_action: BTreeMap<String, Counts>,
    /// Counts by matched rule.
    pub by_rule: BTreeMap<String, Counts>,
    /// Transitions `old → new` with counts.
    pub transitions: BTreeMap<String, u64>,
    /// The first changed items.
    pub first_changes: Vec<ChangedItem>,
}

fn describe(engine: &Engine) -> String {
    let policy = engine.policy();
    format!("{}@{} ({})", policy.id, policy.version, policy.digest)
}

fn rule_ids(decision: &Decision) -> Vec<String> {
    decision.rules.iter().map(|rule| rule.id.clone()).collect()
}

/// Evaluates `(line, item)` pairs under both engines.
pub fn diff(
    old: &Engine,
    new: &Engine,
    corpus: &[(usize, ContentItem)],
    show: usize,
) -> DiffReport {
    let mut report = DiffReport {
        old_policy: describe(old),
        new_policy: describe(new),
        items: 0,
        changed: 0,
        by_action: BTreeMap::new(),
        by_rule: BTreeMap::new(),
        transitions: BTreeMap::new(),
        first_changes: Vec::new(),
    };
    for (line, item) in corpus {
        let before = old.decide_with(item, "diff", "2026-01-01T00:00:00Z");
        let after = new.decide_with(item, "diff", "2026-01-01T00:00:00Z");
        report.items += 1;
        report
            .by_action
            .entry(before.action.to_string())
            .or_default()
            .old += 1;
        report
            .by_action
            .entry(after.action.to_string())
            .or_default()
            .new += 1;
        let (old_rules, new_rules) = (rule_ids(&before), rule_ids(&after));
        for rule in &old_rules {
            report.by_rule.entry(rule.clone()).or_default().old += 1;
        }
        for rule in &new_rules {
            report.by_rule.entry(rule.clone()).or_default().new += 1;
        }
        if before.action != after.action || old_rules != new_rules {
            report.changed += 1;
            *report
                .transitions
                .entry(format!("{} → {}", before.action, after.action))
                .or_default() += 1;
            if report.first_changes.len() < show {
                report.first_changes.push(ChangedItem {
                    content_id: item.id.clone(),
                    line: *line,
                    old_action: before.action,
                    new_action: after.action,
                    old_rules,
                    new_rules,
                });
            }
        }
    }
    report
}
