//! The decision record: everything a platform must render and an auditor must see.
//!
//! These types are the public JSON contract of Moderato. This module must
//! never compute anything beyond simple accessors: evaluation lives in
//! `evaluate`.

use serde::{Deserialize, Serialize};

use crate::action::{AccountAction, Action, ContentAction};

/// A score from a detector or an external system, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Signal name, e.g. `violence.threat`.
    pub name: String,
    /// Score between 0 and 1.
    pub score: f64,
    /// Who produced it: `builtin:<detector>` or the caller's source.
    pub source: String,
    /// Where in the text the signal was found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// One piece of evidence for a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Signal the evidence supports.
    pub signal: String,
    /// Score this piece contributed.
    pub score: f64,
    /// `[start, end)` in characters of the original text, when text matched.
    pub span: Option<[usize; 2]>,
    /// The matched text.
    pub excerpt: Option<String>,
    /// Why it counted (or was discounted): "negated", "quoted", "time reference"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For known false claims: the correction and its authoritative link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
}

/// A correction for a known false claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// Claim id from the pack.
    pub claim: String,
    /// The correction text.
    pub text: String,
    /// Authoritative link.
    pub link: String,
}

/// Which policy made the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// `sha256:<hex>` of the canonical pack.
    pub digest: String,
}

/// A rule that matched, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMatch {
    /// Rule id.
    pub id: String,
    /// Rule title.
    pub title: String,
    /// Severity 1 to 5.
    pub severity: u8,
    /// Actions this rule asked for (after the public-interest exception).
    pub actions: Vec<Action>,
    /// Evidence from the signals the rule cites.
    pub evidence: Vec<Evidence>,
}

/// One scored factor of the public-interest balancing test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Factor name: speaker, reach, newsworthiness.
    pub name: String,
    /// Score between 0 and 1.
    pub score: f64,
    /// What the score is based on.
    pub basis: String,
}

/// The harm side of the balancing test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Harm {
    /// Severity of the most severe rule considered, 1 to 5.
    pub severity: u8,
    /// Weight the public-interest value must reach.
    pub weight: f64,
    /// Imminence score assessed from the text.
    pub imminence: f64,
    /// Whether the harm is imminent (score at or above the pack's threshold).
    pub imminent: bool,
    /// Indicators found: target, time, place, call to act, means.
    pub indicators: Vec<String>,
}

/// The recorded public-interest balancing test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicInterestAssessment {
    /// Rules the exception was considered for.
    pub rules: Vec<String>,
    /// Whether the author and the rules are eligible.
    pub eligible: bool,
    /// Whether the exception was applied.
    pub applied: bool,
    /// Eligibility checks, each stated.
    pub eligibility: Vec<String>,
    /// Scored factors.
    pub factors: Vec<Factor>,
    /// Mean of the factors.
    pub value: f64,
    /// Harm severity and imminence.
    pub harm: Harm,
    /// Why the exception was or was not applied.
    pub reason: String,
}

/// A label shown with the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Label text.
    pub text: String,
    /// Optional link for more information.
    pub link: Option<String>,
}

/// Which interactions remain available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interactions {
    /// Replies allowed.
    pub reply: bool,
    /// Likes allowed.
    pub like: bool,
    /// Reposts allowed.
    pub repost: bool,
    /// Quote posts allowed.
    pub quote: bool,
}

/// What a platform must render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effects {
    /// Reachable at all (by direct link at least).
    pub visible: bool,
    /// Click-through screen text, naming the rule.
    pub interstitial: Option<String>,
    /// Label under the content.
    pub label: Option<Label>,
    /// Interactions allowed.
    pub interactions: Interactions,
    /// May be recommended or shown in discovery surfaces.
    pub recommendable: bool,
    /// Shown to adults only.
    pub age_restricted: bool,
    /// ISO 3166-1 alpha-2 codes where the content is blocked.
    pub blocked_regions: Vec<String>,
}

/// Plain-language notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// For people who see the content.
    pub viewer: String,
    /// For the author, with how to appeal.
    pub author: String,
}

/// Whether a person must look at the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// A person must review.
    pub required: bool,
    /// Queue priority: severity times reach.
    pub priority: f64,
    /// Why review is required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A measure against the account, with its duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountMeasure {
    /// The measure.
    pub action: AccountAction,
    /// Duration in days; `None` only when permanent.
    pub duration_days: Option<u32>,
    /// Explicitly permanent.
    pub permanent: bool,
}

/// What happened to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOutcome {
    /// Strikes added by this decision.
    pub strikes_added: u32,
    /// Active strikes after this decision.
    pub strikes_total: u32,
    /// Days until these strikes expire.
    pub strike_expiry_days: u32,
    /// Measure from the escalation table, if any.
    pub measure: Option<AccountMeasure>,
}

/// A signal score used in the decision, with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalScore {
    /// Signal name.
    pub name: String,
    /// Score.
    pub score: f64,
    /// Source.
    pub source: String,
    /// Evidence of a signal that scored but is not cited by a matched rule (e.g. a model's
    /// top n-grams), so a moderator sees why it scored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// DSA statement-of-reasons fields for the decision (policy-frameworks.md §3.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DsaFields {
    /// `DECISION_VISIBILITY_*` keys, sorted and de-duplicated.
    pub decision_visibility: Vec<String>,
    /// Text for `DECISION_VISIBILITY_OTHER`.
    pub decision_visibility_other: Option<String>,
    /// `DECISION_ACCOUNT_*` key.
    pub decision_account: Option<String>,
    /// `DECISION_PROVISION_*` key.
    pub decision_provision: Option<String>,
    /// `STATEMENT_CATEGORY_*` key.
    pub category: String,
    /// `KEYWORD_*` keys.
    pub category_specification: Vec<String>,
    /// `DECISION_GROUND_*` key.
    pub decision_ground: String,
    /// Blocked countries for geo restrictions.
    pub territorial_scope: Vec<String>,
    /// `Yes` or `No`.
    pub automated_detection: String,
    /// `AUTOMATED_DECISION_*` key.
    pub automated_decision: String,
    /// `SOURCE_*` key.
    pub source_type: String,
}

/// A signal that could not be obtained (an external classifier timed out, failed or is switched off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingSignal {
    /// Signal name.
    pub name: String,
    /// The classifier that should have produced it.
    pub source: String,
    /// Why it is missing.
    pub reason: String,
}

/// A rule whose condition failed at run time; the item goes to review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleError {
    /// Rule id.
    pub rule: String,
    /// The evaluation error.
    pub message: String,
}

/// The outcome of evaluating one item under one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// ULID of the decision.
    pub decision_id: String,
    /// The item's id.
    pub content_id: String,
    /// When the decision was made (RFC 3339), given by the caller.
    pub decided_at: String,
    /// The exact policy.
    pub policy: PolicyRef,
    /// Most severe content action.
    pub action: ContentAction,
    /// All actions, content and account, in ladder order.
    pub actions: Vec<Action>,
    /// Matched rules with evidence.
    pub rules: Vec<RuleMatch>,
    /// The public-interest test, when it was considered.
    pub public_interest: Option<PublicInterestAssessment>,
    /// What to render.
    pub effects: Effects,
    /// Notices for viewers and author; null when nothing was done.
    pub notice: Option<Notice>,
    /// Human review.
    pub review: Review,
    /// Strikes and account measures, when any.
    pub account: Option<AccountOutcome>,
    /// Every score used, with its source.
    pub signals: Vec<SignalScore>,
    /// Made by the engine without a person.
    pub automated: bool,
    /// DSA statement-of-reasons fields; null when nothing was restricted.
    pub dsa: Option<DsaFields>,
    /// Rules that failed to evaluate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RuleError>,
    /// Signals that could not be obtained, and why; conditions saw 0 for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_signals: Vec<MissingSignal>,
}
