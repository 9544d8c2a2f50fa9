//! The validated policy pack: rules, public-interest test, strike ladder, claims.
//!
//! Values of these types can only be built by [`crate::policy::load_policy`],
//! which validates everything first, so evaluation never meets a malformed
//! rule. This module must never read files: packs arrive as in-memory text.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::action::{AccountAction, Action, ContentAction};
use crate::content::{ContentItem, PublicRole};

/// A policy pack that passed validation. Only `load_policy` builds one.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Stable id of the pack, e.g. `moderato-default`.
    pub id: String,
    /// Human version, e.g. `2026.11.25`.
    pub version: String,
    /// `sha256:<hex>` over the canonical pack (see [`crate::policy::digest_files`]).
    pub digest: String,
    /// Title shown in notices and reports.
    pub title: String,
    /// Where authors appeal.
    pub appeal_url: String,
    /// Where the published policy lives.
    pub policy_url: Option<String>,
    /// How long an appeal stays open, in days.
    pub appeal_window_days: u32,
    /// The public-interest balancing test.
    pub public_interest: PublicInterestConfig,
    /// Strike expiry and escalation.
    pub strikes: StrikeConfig,
    /// External signals the pack may use, besides the built-in ones.
    pub declared_signals: Vec<SignalDeclaration>,
    /// Every signal name a condition may reference.
    pub known_signals: Vec<String>,
    /// External classifiers the pack calls (their signals are `external.<name>.<category>`).
    pub external: Vec<ExternalClassifier>,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
    /// Known false claims, for the claims detector.
    pub claims: Vec<Claim>,
    /// Word classes for the detectors' language layer (`lexicons/*.toml`).
    pub lexicons: super::lexicon::Lexicons,
    /// The source files of the pack, by name.
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
    #[serde(skip)]
    pub(crate) cel_env: CelEnv,
}

/// The CEL environment shared by a pack's conditions.
#[derive(Clone)]
pub(crate) struct CelEnv(pub(crate) Arc<cel::Env>);

impl std::fmt::Debug for CelEnv {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("CelEnv")
    }
}

/// The protocol of an external classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalKind {
    /// An OpenAI-compatible `/v1/moderations` endpoint.
    OpenaiModeration,
    /// A Llama Guard-style model behind an Ollama or OpenAI-compatible chat endpoint.
    LlamaGuard,
    /// A generic JSON webhook: `{id, text, lang}` in, `{"scores": {category: score}}` out.
    Webhook,
}

/// An external classifier declared by a pack. Secrets are never in the pack: only the
/// name of the environment variable that holds the key.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExternalClassifier {
    /// Name; its signals are `external.<name>.<category>`.
    pub name: String,
    /// Protocol.
    pub kind: ExternalKind,
    /// Endpoint URL.
    pub url: String,
    /// Model name, for OpenAI-compatible and chat endpoints.
    pub model: Option<String>,
    /// Environment variable holding the API key, if any.
    pub api_key_env: Option<String>,
    /// Per-call timeout.
    pub timeout_ms: u64,
    /// Categories that become signals.
    pub categories: Vec<String>,
}

impl ExternalClassifier {
    /// The signal name for one category.
    pub fn signal_name(&self, category: &str) -> String {
        format!("external.{}.{}", self.name, category)
    }
}

/// A signal a pack declares because an external system supplies it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SignalDeclaration {
    /// Signal name.
    pub name: String,
    /// What it measures.
    pub description: String,
}

/// The public-interest balancing test of a pack.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PublicInterestConfig {
    /// Roles that can make an author eligible.
    pub eligible_roles: Vec<PublicRole>,
    /// Followers needed, strictly more than this.
    pub min_followers: u64,
    /// Whether the account must be verified.
    pub require_verified: bool,
    /// At or above this `violence.imminence` score, harm is imminent and the exception is defeated.
    pub imminence_threshold: f64,
    /// Rules above this severity never get the exception.
    pub max_severity: u8,
    /// Harm weight per severity point; the public-interest value must reach `severity * harm_weight`.
    pub harm_weight_per_severity: f64,
}

/// The strike ledger settings of a pack.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StrikeConfig {
    /// Days after which a strike expires.
    pub expiry_days: u32,
    /// Escalation steps, by ascending strike count.
    pub ladder: Vec<StrikeStep>,
}

/// One step of the escalation table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StrikeStep {
    /// Strike count (active strikes, including the new ones) at which this step applies.
    pub at: u32,
    /// The account measure.
    pub action: AccountAction,
    /// Duration in days, or `None` when permanent.
    pub duration_days: Option<u32>,
}

/// DSA statement-of-reasons fields for a rule (policy-frameworks.md §3.5, §3.8).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DsaMapping {
    /// `STATEMENT_CATEGORY_*` key.
    pub category: String,
    /// `KEYWORD_*` keys.
    pub category_specification: Vec<String>,
    /// `DECISION_GROUND_*` key.
    pub decision_ground: String,
}

/// A conditional set of actions, chosen before the rule's default actions.
#[derive(Debug, Clone, Serialize)]
pub struct ActionCase {
    /// CEL source of the condition.
    pub when: String,
    /// Actions when it holds.
    pub actions: Vec<Action>,
    #[serde(skip)]
    pub(crate) program: Arc<cel::Program>,
}

/// One rule of the pack.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Rule id, e.g. `violence.glorification`.
    pub id: String,
    /// Short title shown to people.
    pub title: String,
    /// The definition of the harm, shown in notices.
    pub definition: String,
    /// Severity 1 (lowest) to 5.
    pub severity: u8,
    /// CEL source of the condition.
    pub when: String,
    /// Signals whose evidence this rule cites.
    pub evidence: Vec<String>,
    /// Default actions when the rule matches and no case applies.
    pub actions: Vec<Action>,
    /// Conditional actions, first match wins.
    pub cases: Vec<ActionCase>,
    /// Whether the public-interest exception may apply.
    pub public_interest_eligible: bool,
    /// Strikes added when the rule is enforced.
    pub strike_weight: u32,
    /// Whether a person must review every match.
    pub review: bool,
    /// Label text for `label`; claims supply their own correction.
    pub label: Option<String>,
    /// Regions blocked by `geo_restrict`.
    pub regions: Vec<String>,
    /// DSA mapping.
    pub dsa: DsaMapping,
    /// Posts with the action they must get.
    pub examples: Vec<Example>,
    /// File the rule came from.
    pub file: String,
    /// The signals its condition and its cases read, found in their syntax trees when the
    /// pack was loaded (what a missing signal puts at risk).
    #[serde(skip)]
    pub signals_used: std::collections::BTreeSet<String>,
    #[serde(skip)]
    pub(crate) program: Arc<cel::Program>,
}

impl Rule {
    /// The most severe content action among the default actions.
    pub fn default_content_action(&self) -> ContentAction {
        content_action_of(&self.actions)
    }
}

/// The most severe content action in a list (allow when none).
pub fn content_action_of(actions: &[Action]) -> ContentAction {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Content(content) => Some(*content),
            Action::Account(_) => None,
        })
        .max()
        .unwrap_or(ContentAction::Allow)
}

/// A worked example: an item and the content action it must get.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// Short name.
    pub name: String,
    /// The item.
    pub item: ContentItem,
    /// Expected content action.
    pub expect: ContentAction,
    /// Expected `public_interest.applied`, when stated.
    pub expect_public_interest: Option<bool>,
    /// Line of the example in its file.
    pub line: usize,
}

/// A known false claim with its correction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Claim {
    /// Claim id.
    pub id: String,
    /// Signal the claim raises: `misinfo.civic` or `misinfo.health`.
    pub signal: String,
    /// What the false claim says.
    pub summary: String,
    /// Groups of phrases; one phrase of every group must occur within `window` words.
    pub all: Vec<Vec<String>>,
    /// Words within which all groups must occur.
    pub window: usize,
    /// The correction shown in the label.
    pub correction: String,
    /// Authoritative link.
    pub link: String,
}
