//! The graduated enforcement ladder and its DSA statement-of-reasons mapping.
//!
//! Content actions are ordered from least to most severe; account actions are
//! separate. This module owns the vocabulary and what each rung means for a
//! platform (effects) and for the EU Transparency Database (DSA keys, from
//! policy-frameworks.md §3.5 and §3.8). It must never decide *when* an action
//! applies: that is the policy's job.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One rung of the content ladder, in increasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentAction {
    /// No action.
    Allow,
    /// A label under the content.
    Label,
    /// A context or fact-check note with a correction and a link.
    ContextNote,
    /// A click-through warning screen naming the rule.
    WarningInterstitial,
    /// Stays up behind a notice naming the rule; replies, likes and reposts off; quotes on; not recommended.
    PublicInterestNotice,
    /// Replies, likes, reposts and quotes off.
    RestrictInteractions,
    /// Not recommended and left out of discovery surfaces.
    ReduceDistribution,
    /// Shown only to adults.
    AgeRestrict,
    /// Blocked in some regions.
    GeoRestrict,
    /// Hidden until a person reviews it.
    HoldForReview,
    /// Taken down.
    Remove,
}

/// A measure against the account rather than the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// A strike recorded in the ledger.
    Strike,
    /// Reduced features (cannot post, reply or go live) for a while.
    LimitAccount,
    /// Account suspended for a while.
    SuspendAccount,
    /// Account terminated permanently.
    TerminateAccount,
}

/// Any action in the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Action {
    /// An action on the content.
    Content(ContentAction),
    /// An action on the account.
    Account(AccountAction),
}

/// Every content action, least severe first.
pub const CONTENT_ACTIONS: [ContentAction; 11] = [
    ContentAction::Allow,
    ContentAction::Label,
    ContentAction::ContextNote,
    ContentAction::WarningInterstitial,
    ContentAction::PublicInterestNotice,
    ContentAction::RestrictInteractions,
    ContentAction::ReduceDistribution,
    ContentAction::AgeRestrict,
    ContentAction::GeoRestrict,
    ContentAction::HoldForReview,
    ContentAction::Remove,
];

/// The rungs a reviewer can choose with `change`, least severe first.
pub const CONTENT_ACTIONS_FOR_REVIEW: [ContentAction; 10] = [
    ContentAction::Label,
    ContentAction::ContextNote,
    ContentAction::WarningInterstitial,
    ContentAction::PublicInterestNotice,
    ContentAction::RestrictInteractions,
    ContentAction::ReduceDistribution,
    ContentAction::AgeRestrict,
    ContentAction::GeoRestrict,
    ContentAction::HoldForReview,
    ContentAction::Remove,
];

/// Every account action, least severe first.
pub const ACCOUNT_ACTIONS: [AccountAction; 4] = [
    AccountAction::Strike,
    AccountAction::LimitAccount,
    AccountAction::SuspendAccount,
    AccountAction::TerminateAccount,
];

impl ContentAction {
    /// The name used in JSON and policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentAction::Allow => "allow",
            ContentAction::Label => "label",
            ContentAction::ContextNote => "context_note",
            ContentAction::WarningInterstitial => "warning_interstitial",
            ContentAction::PublicInterestNotice => "public_interest_notice",
            ContentAction::RestrictInteractions => "restrict_interactions",
            ContentAction::ReduceDistribution => "reduce_distribution",
            ContentAction::AgeRestrict => "age_restrict",
            ContentAction::GeoRestrict => "geo_restrict",
            ContentAction::HoldForReview => "hold_for_review",
            ContentAction::Remove => "remove",
        }
    }

    /// A phrase for notices: "was removed", "was labelled".
    pub fn describe(self) -> &'static str {
        match self {
            ContentAction::Allow => "was left up without any action",
            ContentAction::Label => "was labelled",
            ContentAction::ContextNote => "was given a context note with a correction",
            ContentAction::WarningInterstitial => "was placed behind a warning screen",
            ContentAction::PublicInterestNotice => {
                "was kept up behind a public-interest notice, with replies, likes and reposts turned off and no recommendation"
            }
            ContentAction::RestrictInteractions => {
                "had replies, likes, reposts and quotes turned off"
            }
            ContentAction::ReduceDistribution => "was excluded from recommendations and discovery",
            ContentAction::AgeRestrict => "was restricted to adult viewers",
            ContentAction::GeoRestrict => "was blocked in some regions",
            ContentAction::HoldForReview => "was hidden until a moderator reviews it",
            ContentAction::Remove => "was removed",
        }
    }

    /// DSA `decision_visibility` keys for this action (policy-frameworks.md §3.8).
    pub fn dsa_visibility(self) -> &'static [&'static str] {
        match self {
            ContentAction::Allow => &[],
            ContentAction::Label | ContentAction::ContextNote => {
                &["DECISION_VISIBILITY_CONTENT_LABELLED"]
            }
            ContentAction::WarningInterstitial => &[
                "DECISION_VISIBILITY_CONTENT_LABELLED",
                "DECISION_VISIBILITY_OTHER",
            ],
            ContentAction::PublicInterestNotice => &[
                "DECISION_VISIBILITY_CONTENT_LABELLED",
                "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
                "DECISION_VISIBILITY_CONTENT_DEMOTED",
                "DECISION_VISIBILITY_OTHER",
            ],
            ContentAction::RestrictInteractions => {
                &["DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"]
            }
            ContentAction::ReduceDistribution => &["DECISION_VISIBILITY_CONTENT_DEMOTED"],
            ContentAction::AgeRestrict => &["DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"],
            ContentAction::GeoRestrict | ContentAction::HoldForReview => {
                &["DECISION_VISIBILITY_CONTENT_DISABLED"]
            }
            ContentAction::Remove => &["DECISION_VISIBILITY_CONTENT_REMOVED"],
        }
    }
}

/// The text sent as `decision_visibility_other` when an interstitial is used.
pub const DSA_INTERSTITIAL_OTHER: &str = "Placed behind a warning interstitial naming the rule";

impl AccountAction {
    /// The name used in JSON and policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountAction::Strike => "strike",
            AccountAction::LimitAccount => "limit_account",
            AccountAction::SuspendAccount => "suspend_account",
            AccountAction::TerminateAccount => "terminate_account",
        }
    }
}

impl Action {
    /// The name used in JSON and policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Content(action) => action.as_str(),
            Action::Account(action) => action.as_str(),
        }
    }
}

impl fmt::Display for ContentAction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The name given is not in the action vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`; expected one of {list}", list = all_action_names().join(", "))]
pub struct UnknownActionError(pub String);

/// Every action name, content first, in ladder order.
pub fn all_action_names() -> Vec<&'static str> {
    CONTENT_ACTIONS
        .iter()
        .map(|action| action.as_str())
        .chain(ACCOUNT_ACTIONS.iter().map(|action| action.as_str()))
        .collect()
}

impl FromStr for ContentAction {
    type Err = UnknownActionError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        CONTENT_ACTIONS
            .iter()
            .copied()
            .find(|action| action.as_str() == name)
            .ok_or_else(|| UnknownActionError(name.to_string()))
    }
}

impl FromStr for Action {
    type Err = UnknownActionError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Ok(action) = name.parse::<ContentAction>() {
            return Ok(Action::Content(action));
        }
        ACCOUNT_ACTIONS
            .iter()
            .copied()
            .find(|action| action.as_str() == name)
            .map(Action::Account)
            .ok_or_else(|| UnknownActionError(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_is_ordered_by_severity() {
        for pair in CONTENT_ACTIONS.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        assert!(ContentAction::PublicInterestNotice < ContentAction::Remove);
    }

    #[test]
    fn names_round_trip() {
        for name in all_action_names() {
            let action: Action = name.parse().expect("known");
            assert_eq!(action.as_str(), name);
            let json = serde_json::to_string(&action).expect("serialise");
            assert_eq!(json, format!("\"{name}\""));
        }
        assert!("delete".parse::<Action>().is_err());
    }
}
