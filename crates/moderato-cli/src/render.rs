//! Human-readable rendering of a decision for `check --format text`.
//!
//! This module must never change a decision; it only explains it.

use std::fmt::Write;

use moderato_core::{ContentItem, Decision};

/// Explains a decision in plain text.
pub fn decision_text(decision: &Decision, item: &ContentItem) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "content  {}", decision.content_id);
    let _ = writeln!(
        out,
        "policy   {}@{} ({})",
        decision.policy.id, decision.policy.version, decision.policy.digest
    );
    let actions: Vec<&str> = decision
        .actions
        .iter()
        .map(|action| action.as_str())
        .collect();
    let _ = writeln!(
        out,
        "action   {}   (all: {})",
        decision.action,
        actions.join(", ")
    );
    if decision.rules.is_empty() {
        let _ = writeln!(out, "rules    none matched");
    }
    let chars: Vec<char> = item.text.chars().collect();
    for rule in &decision.rules {
        let _ = writeln!(
            out,
            "rule     {} “{}” (severity {})",
            rule.id, rule.title, rule.severity
        );
        for evidence in &rule.evidence {
            let place = evidence
                .span
                .map(|[start, end]| {
                    let context: String = chars[start.saturating_sub(20)..start].iter().collect();
                    let after: String = chars[end..(end + 20).min(chars.len())].iter().collect();
                    format!(
                        "…{context}[{}]{after}…",
                        chars[start..end].iter().collect::<String>()
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "           {} {:.2} {} {}",
                evidence.signal,
                evidence.score,
                evidence.note.clone().unwrap_or_default(),
                place
            );
        }
    }
    if let Some(assessment) = &decision.public_interest {
        let _ = writeln!(
            out,
            "public interest: eligible={} applied={} value={:.2} harm(severity={}, weight={:.2}, imminence={:.2}, imminent={})",
            assessment.eligible,
            assessment.applied,
            assessment.value,
            assessment.harm.severity,
            assessment.harm.weight,
            assessment.harm.imminence,
            assessment.harm.imminent
        );
        for factor in &assessment.factors {
            let _ = writeln!(
                out,
                "           {} {:.2} ({})",
                factor.name, factor.score, factor.basis
            );
        }
        for check in &assessment.eligibility {
            let _ = writeln!(out, "           - {check}");
        }
        let _ = writeln!(out, "           reason: {}", assessment.reason);
    }
    let notable: Vec<_> = decision
        .signals
        .iter()
        .filter(|signal| signal.score >= 0.3)
        .collect();
    if !notable.is_empty() {
        let _ = writeln!(out, "signals");
        for signal in notable {
            let _ = writeln!(
                out,
                "           {} {:.2} ({})",
                signal.name, signal.score, signal.source
            );
            for evidence in &signal.evidence {
                let _ = writeln!(
                    out,
                    "             · {} {}",
                    evidence
                        .excerpt
                        .clone()
                        .map(|excerpt| format!("“{excerpt}”"))
                        .unwrap_or_default(),
                    evidence.note.clone().unwrap_or_default()
                );
            }
        }
    }
    let effects = &decision.effects;
    let _ = writeln!(
        out,
        "effects  visible={} recommendable={} reply={} like={} repost={} quote={} age_restricted={}{}",
        effects.visible,
        effects.recommendable,
        effects.interactions.reply,
        effects.interactions.like,
        effects.interactions.repost,
        effects.interactions.quote,
        effects.age_restricted,
        if effects.blocked_regions.is_empty() {
            String::new()
        } else {
            format!(" blocked={}", effects.blocked_regions.join(","))
        }
    );
    if let Some(interstitial) = &effects.interstitial {
        let _ = writeln!(out, "screen   {interstitial}");
    }
    if let Some(label) = &effects.label {
        let _ = writeln!(
            out,
            "label    {}{}",
            label.text,
            label
                .link
                .as_ref()
                .map(|link| format!(" <{link}>"))
                .unwrap_or_default()
        );
    }
    if let Some(account) = &decision.account {
        let _ = writeln!(
            out,
            "account  +{} strike(s), {} active",
            account.strikes_added, account.strikes_total
        );
        if let Some(measure) = &account.measure {
            let _ = writeln!(
                out,
                "         {} {}",
                measure.action.as_str(),
                measure
                    .duration_days
                    .map(|days| format!("for {days} days"))
                    .unwrap_or_else(|| "permanently".into())
            );
        }
    }
    if let Some(notice) = &decision.notice {
        let _ = writeln!(out, "viewer   {}", notice.viewer);
        let _ = writeln!(out, "author   {}", notice.author);
    }
    let _ = writeln!(
        out,
        "review   required={} priority={}{}",
        decision.review.required,
        decision.review.priority,
        if decision.review.reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", decision.review.reasons.join("; "))
        }
    );
    out
}
