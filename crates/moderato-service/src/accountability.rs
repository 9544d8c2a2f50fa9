//! Accountability outputs built from stored records: DSA statements of reasons
//! and transparency reports.
//!
//! The formats and rules live in the core (`sor`, `transparency`); this module
//! only reads the store and maps its records onto them. It must never write.

use std::collections::HashMap;

use moderato_core::sor::{
    BatchSubmission, SorContext, SorSource, SorViolation, batch_submissions, statement_for,
    validate,
};
use moderato_core::transparency::{
    AppealRecordInput, DecisionRecord, ReportInput, ReviewRecordInput, TransparencyReport,
    build_report,
};
use moderato_core::{ContentItem, Decision};
use moderato_engine::load_pack;
use moderato_store::{Store, StoreError};

use crate::files_from_json;

/// Exporting or reporting failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountabilityError {
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
    /// A stored record could not be read.
    #[error("stored {what} could not be read: {message}")]
    Corrupt {
        /// What.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// A statement broke the database's rules; nothing was written.
    #[error("statement for decision `{decision_id}` is invalid: {}", violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidStatement {
        /// The decision.
        decision_id: String,
        /// Every rule broken.
        violations: Vec<SorViolation>,
    },
}

fn date_of_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "2020-01-01".to_string())
}

/// Statements of reasons for every restricting decision stored in `[from_ms, to_ms)`,
/// validated against the database's rules and grouped in batches of at most 100.
pub async fn export_statements(
    store: &Store,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<BatchSubmission>, AccountabilityError> {
    let decisions = store.decisions_between(from_ms, to_ms).await?;
    let reviews = store.reviews_between(from_ms, to_ms).await?;
    let from_report: HashMap<String, bool> = reviews
        .iter()
        .filter_map(|review| {
            review
                .new_decision_id
                .clone()
                .map(|id| (id, review.kind == "report"))
        })
        .collect();
    // Policies by digest, for rule definitions and the published policy link.
    let mut policies = HashMap::new();
    for version in store.list_policies().await? {
        if let Ok(policy) = load_pack(&files_from_json(&version.files)) {
            policies.insert(version.digest.clone(), policy);
        }
    }
    let mut statements = Vec::new();
    for stored in decisions {
        let decision: Decision = serde_json::from_value(stored.decision).map_err(|error| {
            AccountabilityError::Corrupt {
                what: "decision",
                message: error.to_string(),
            }
        })?;
        let item: Option<ContentItem> = store
            .content_item(&decision.content_id)
            .await?
            .and_then(|value| serde_json::from_value(value).ok());
        let application_date = date_of_ms(stored.created_at);
        let content_date = item
            .as_ref()
            .and_then(|item| item.created_at.as_deref())
            .and_then(|created| chrono::DateTime::parse_from_rfc3339(created).ok())
            .map(|time| time.format("%Y-%m-%d").to_string())
            .filter(|date| {
                date.as_str() <= application_date.as_str() && date.as_str() >= "2000-01-01"
            })
            .unwrap_or_else(|| application_date.clone());
        let policy = policies.get(&decision.policy.digest);
        let primary = decision.rules.first().map(|rule| rule.id.clone());
        let definition = policy
            .zip(primary.as_ref())
            .and_then(|(policy, id)| policy.rules.iter().find(|rule| &rule.id == id))
            .map(|rule| rule.definition.clone());
        let additions: Vec<String> = policy
            .map(|policy| {
                decision
                    .rules
                    .iter()
                    .skip(1)
                    .filter_map(|matched| policy.rules.iter().find(|rule| rule.id == matched.id))
                    .map(|rule| rule.dsa.category.clone())
                    .collect()
            })
            .unwrap_or_default();
        let addition_refs: Vec<&str> = additions.iter().map(String::as_str).collect();
        let source = if from_report
            .get(&decision.decision_id)
            .copied()
            .unwrap_or(false)
        {
            SorSource::Notice
        } else {
            SorSource::Voluntary
        };
        let context = SorContext {
            content_date: &content_date,
            application_date: &application_date,
            content_language: item.as_ref().and_then(|item| item.lang.as_deref()),
            policy_url: policy.and_then(|policy| policy.policy_url.as_deref()),
            source,
            human_reviewed: stored.decided_by != moderato_store::SYSTEM_DECIDER,
            rule_definition: definition.as_deref(),
            category_addition: &addition_refs,
            ..SorContext::default()
        };
        if let Some(statement) = statement_for(&decision, &context) {
            let violations = validate(&statement);
            if !violations.is_empty() {
                return Err(AccountabilityError::InvalidStatement {
                    decision_id: decision.decision_id,
                    violations,
                });
            }
            statements.push(statement);
        }
    }
    Ok(batch_submissions(statements))
}

/// The transparency report for `[from_ms, to_ms)`.
pub async fn transparency_report(
    store: &Store,
    from_ms: i64,
    to_ms: i64,
) -> Result<TransparencyReport, AccountabilityError> {
    let stored = store.decisions_between(from_ms, to_ms).await?;
    let mut created_by_id: HashMap<String, (i64, Option<String>)> = HashMap::new();
    for decision in &stored {
        created_by_id.insert(
            decision.decision_id.clone(),
            (decision.created_at, decision.previous_decision_id.clone()),
        );
    }
    let mut decisions = Vec::new();
    for record in &stored {
        let decision: Decision =
            serde_json::from_value(record.decision.clone()).map_err(|error| {
                AccountabilityError::Corrupt {
                    what: "decision",
                    message: error.to_string(),
                }
            })?;
        // A reviewer's decision counts from when the content was first submitted.
        let mut submitted_at = record.created_at;
        if record.decided_by != moderato_store::SYSTEM_DECIDER {
            let mut previous = record.previous_decision_id.clone();
            let mut hops = 0;
            while let Some(id) = previous.take() {
                hops += 1;
                if hops > 100 {
                    break;
                }
                if let Some((created, before)) = created_by_id.get(&id) {
                    submitted_at = *created;
                    previous = before.clone();
                } else if let Some(found) = store.find_decision(&id).await? {
                    submitted_at = found.created_at;
                    previous = found.previous_decision_id;
                }
            }
        }
        decisions.push(DecisionRecord {
            decision,
            submitted_at_ms: submitted_at,
            decided_at_ms: record.created_at,
            decided_by: record.decided_by.clone(),
        });
    }
    let mut reviews = Vec::new();
    for review in store.reviews_between(from_ms, to_ms).await? {
        let reviewed = store.find_decision(&review.reviewed_decision_id).await?;
        let (rule_ids, reviewed_automated) = match reviewed {
            Some(found) => (
                found.decision["rules"]
                    .as_array()
                    .map(|rules| {
                        rules
                            .iter()
                            .filter_map(|rule| rule["id"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                found.decided_by == moderato_store::SYSTEM_DECIDER,
            ),
            None => (Vec::new(), true),
        };
        reviews.push(ReviewRecordInput {
            reviewer: review.reviewer,
            outcome: review.outcome,
            rule_ids,
            reviewed_automated,
            task_created_at_ms: review.task_created_at,
            created_at_ms: review.created_at,
        });
    }
    let appeals = store
        .appeals_between(from_ms, to_ms)
        .await?
        .into_iter()
        .map(|appeal| AppealRecordInput {
            outcome: appeal.outcome,
            created_at_ms: appeal.created_at,
            decided_at_ms: appeal.decided_at,
        })
        .collect();
    Ok(build_report(&ReportInput {
        from: date_of_ms(from_ms),
        to: date_of_ms(to_ms),
        decisions,
        reviews,
        appeals,
    }))
}
