//! Human review and appeal outcomes applied to a decision.
//!
//! A reviewer upholds, overturns or changes an automated decision, with a
//! reason and optionally a dissent; the public-interest exception may be
//! applied or refused, but only within the same test every speaker faces.
//! The result is a new decision (automated = false) with effects, notices and
//! DSA fields rebuilt under the same policy. This module must never check who
//! the reviewer is allowed to be: the store and server enforce that.

use serde::{Deserialize, Serialize};

use crate::action::{AccountAction, Action, ContentAction};
use crate::content::ContentItem;
use crate::decision::{Decision, Notice, Review};
use crate::evaluate::{Matched, account_outcome, build_dsa, build_effects, build_notice};
use crate::policy::{Policy, content_action_of};

/// What the reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The decision stands (a hold for review must then be resolved with `change`).
    Uphold,
    /// No violation: the content is restored and strikes are withdrawn.
    Overturn,
    /// A different rung of the ladder.
    Change,
}

/// The reviewer's public-interest balancing, when the exception was considered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicInterestReview {
    /// Apply the exception (keep up behind a notice) or refuse it.
    pub applied: bool,
    /// The reviewer's balancing, in words.
    pub reason: String,
}

/// A human decision on an earlier decision.
#[derive(Debug, Clone)]
pub struct HumanReview<'a> {
    /// Who decided (reviewer id).
    pub reviewer: &'a str,
    /// The outcome.
    pub outcome: ReviewOutcome,
    /// Actions for `change`.
    pub actions: &'a [Action],
    /// Why.
    pub reason: &'a str,
    /// Public-interest balancing, if any.
    pub public_interest: Option<&'a PublicInterestReview>,
    /// Id of the new decision.
    pub decision_id: &'a str,
    /// Time of the new decision.
    pub decided_at: &'a str,
}

/// A review that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// `change` without actions, or actions with another outcome.
    #[error("field `actions`: {0}")]
    Actions(String),
    /// Upholding a hold for review leaves nothing decided.
    #[error(
        "field `outcome`: the decision only held the content for review; choose `change` with the actions to apply, or `overturn`"
    )]
    UpholdOfHold,
    /// The exception cannot be applied here.
    #[error("field `public_interest`: {0}")]
    PublicInterest(String),
    /// A reason is required.
    #[error("field `reason`: a reason is required")]
    MissingReason,
}

/// Applies a human review to `original`, under `policy` (the policy of the original decision).
pub fn apply_review(
    policy: &Policy,
    original: &Decision,
    item: &ContentItem,
    review: &HumanReview<'_>,
) -> Result<Decision, ReviewError> {
    if review.reason.trim().is_empty() {
        return Err(ReviewError::MissingReason);
    }
    let rules: Vec<&crate::policy::Rule> = original
        .rules
        .iter()
        .filter_map(|matched| policy.rules.iter().find(|rule| rule.id == matched.id))
        .collect();
    let mut public_interest = original.public_interest.clone();
    let mut actions: Vec<Action> = match review.outcome {
        ReviewOutcome::Uphold => {
            if !review.actions.is_empty() {
                return Err(ReviewError::Actions("only `change` takes actions".into()));
            }
            if original.action == ContentAction::HoldForReview {
                return Err(ReviewError::UpholdOfHold);
            }
            original.actions.clone()
        }
        ReviewOutcome::Overturn => {
            if !review.actions.is_empty() {
                return Err(ReviewError::Actions("only `change` takes actions".into()));
            }
            Vec::new()
        }
        ReviewOutcome::Change => {
            if review.actions.is_empty() {
                return Err(ReviewError::Actions(
                    "`change` needs at least one action".into(),
                ));
            }
            if review.actions.iter().any(|action| matches!(action, Action::Account(account) if *account != AccountAction::Strike)) {
                return Err(ReviewError::Actions(
                    "account measures follow from the strike ladder; give `strike` and the content action".into(),
                ));
            }
            review.actions.to_vec()
        }
    };
    if let Some(balancing) = review.public_interest {
        let Some(assessment) = public_interest.as_mut() else {
            return Err(ReviewError::PublicInterest(
                "the exception was not considered for this decision".into(),
            ));
        };
        if balancing.applied {
            if !assessment.eligible {
                return Err(ReviewError::PublicInterest(
                    "the author or the rule is not eligible; the same test applies to every speaker".into(),
                ));
            }
            if assessment.harm.imminent {
                return Err(ReviewError::PublicInterest(
                    "imminent harm always overrides the exception".into(),
                ));
            }
            actions.retain(|action| matches!(action, Action::Content(content) if *content < ContentAction::PublicInterestNotice));
            actions.push(Action::Content(ContentAction::PublicInterestNotice));
        } else if assessment.applied && review.outcome == ReviewOutcome::Uphold {
            // Refusing an applied exception restores the rule's own actions.
            actions = rules
                .first()
                .map(|rule| rule.actions.clone())
                .unwrap_or_default();
        }
        assessment.applied = balancing.applied;
        assessment.reason = format!("reviewer {}: {}", review.reviewer, balancing.reason.trim());
    }
    actions.sort();
    actions.dedup();
    let action = content_action_of(&actions);

    let primary = rules.first().copied();
    let matched: Vec<Matched<'_>> = match (review.outcome, primary) {
        (ReviewOutcome::Overturn, _) | (_, None) => Vec::new(),
        (_, Some(rule)) => vec![Matched {
            rule,
            actions: actions.clone(),
        }],
    };
    // A strike in the review's actions goes through the same ladder as an engine decision:
    // the original's outcome where it had one, else a new one with the rule's weight.
    let keeps_strike = actions.contains(&Action::Account(AccountAction::Strike));
    let account = if !keeps_strike {
        None
    } else if original.account.is_some() {
        original.account.clone()
    } else {
        let weight = primary.map_or(1, |rule| rule.strike_weight.max(1));
        account_outcome(policy, item.author.prior_strikes, weight)
    };
    // The exception's record follows what the reviewer decided: a post no longer kept up
    // behind a notice was not kept up by the exception.
    if let Some(assessment) = public_interest.as_mut()
        && assessment.applied
        && action != ContentAction::PublicInterestNotice
    {
        assessment.applied = false;
        assessment.reason = format!(
            "reviewer {}: not applied; the review decided {}",
            review.reviewer,
            action.as_str()
        );
    }
    let reason = sentence(review.reason);
    if let Some(measure) = account
        .as_ref()
        .and_then(|outcome| outcome.measure.as_ref())
    {
        actions.push(Action::Account(measure.action));
        actions.sort();
        actions.dedup();
    }
    let mut rule_matches = original.rules.clone();
    if review.outcome == ReviewOutcome::Overturn {
        rule_matches.clear();
    } else if let Some(first) = rule_matches.first_mut() {
        first.actions = actions.clone();
    }
    let effects = build_effects(
        policy,
        &matched,
        &actions,
        primary.filter(|_| !matched.is_empty()),
        &rule_matches,
        public_interest.as_ref(),
    );
    let notice = primary
        .filter(|_| !matched.is_empty() && (action != ContentAction::Allow || account.is_some()))
        .map(|rule| {
            let mut notice = build_notice(
                policy,
                item,
                review.decision_id,
                rule,
                action,
                account.as_ref(),
                public_interest.as_ref(),
            );
            notice.author = notice.author.replace(
                "This was detected and decided automatically.",
                &format!("A moderator reviewed this decision: {reason}"),
            );
            notice
        })
        .or_else(|| {
            // A reversal is news for the author too: say what changed and why.
            let restricted = original.action != ContentAction::Allow || original.account.is_some();
            restricted.then(|| Notice {
                viewer: String::new(),
                author: format!(
                    "A moderator reviewed the decision {} on your {} `{}` and reversed it: {reason} The {} is no longer restricted{}. This is decision {}.",
                    original.decision_id,
                    item.kind.as_str(),
                    item.id,
                    item.kind.as_str(),
                    if original.account.is_some() {
                        ", and the strike it gave your account is withdrawn"
                    } else {
                        ""
                    },
                    review.decision_id
                ),
            })
        });
    let dsa = primary
        .filter(|_| !matched.is_empty() && action != ContentAction::Allow)
        .map(|rule| {
            let mut fields = build_dsa(rule, &actions, account.as_ref(), &effects);
            fields.automated_decision = "AUTOMATED_DECISION_PARTIALLY".into();
            fields
        });
    if actions.is_empty() {
        actions.push(Action::Content(ContentAction::Allow));
    }
    Ok(Decision {
        decision_id: review.decision_id.to_string(),
        content_id: original.content_id.clone(),
        decided_at: review.decided_at.to_string(),
        policy: original.policy.clone(),
        action,
        actions,
        rules: rule_matches,
        public_interest,
        effects,
        notice,
        review: Review {
            required: false,
            priority: original.review.priority,
            reasons: vec![format!("reviewed by {}", review.reviewer)],
        },
        account,
        signals: original.signals.clone(),
        automated: false,
        dsa,
        errors: Vec::new(),
        missing_signals: original.missing_signals.clone(),
    })
}

/// A reviewer's reason as a sentence: trimmed, ending in a full stop (or its own `!`/`?`).
fn sentence(reason: &str) -> String {
    let trimmed = reason.trim();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}
