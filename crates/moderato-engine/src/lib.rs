//! The moderation pipeline, written once: parse → normalise → detect → evaluate.
//!
//! The CLI, the HTTP server and stream workers all call [`Engine`]; persistence
//! is the caller's choice so a batch run over a file needs no database. This
//! crate reads the clock and makes ids (the core must not), and reads pack
//! files; it must never hold rule logic of its own.
#![warn(missing_docs)]

pub mod diff;
pub mod error;
pub mod examples;
pub mod pack;
pub mod suite;
pub mod synthetic;

use std::sync::{Arc, OnceLock};

use moderato_core::content::{ContentItem, ContentLimits, parse_content};
use moderato_core::{ContentError, Decision, EvaluationInput, Policy, evaluate};
use moderato_detect::{Detector, RuleDetector, normalize};
use moderato_model::{ModelDetector, TextModel};

pub use error::EngineError;
pub use pack::{default_pack_files, load_pack, load_pack_from, read_pack_files};

/// A policy with its detectors, ready to decide.
pub struct Engine {
    policy: Arc<Policy>,
    detectors: Vec<Box<dyn Detector>>,
    limits: ContentLimits,
}

impl Engine {
    /// Builds the detectors for a validated policy.
    pub fn new(policy: Policy) -> Result<Engine, EngineError> {
        // A pack without lexicons reads text with the default pack's word classes.
        let lexicons = if policy.lexicons.is_empty() {
            default_lexicons()
        } else {
            &policy.lexicons
        };
        let rules = RuleDetector::new(&policy.claims)?.with_lexicons(lexicons);
        // Both built-in models read the same features: one extraction per text.
        let models = ModelDetector::new(builtin_model()?).and(
            builtin_rules_model()?,
            moderato_model::SUITE_MODEL_SIGNALS,
            moderato_model::SUITE_MODEL_SOURCE,
        );
        Ok(Engine {
            policy: Arc::new(policy),
            detectors: vec![Box::new(rules), Box::new(models)],
            limits: ContentLimits::default(),
        })
    }

    /// Adds the near-duplicate detector over an index of actioned content (shared by every
    /// engine of a server, so a policy change keeps the memory).
    pub fn with_actioned_index(
        mut self,
        index: std::sync::Arc<std::sync::RwLock<moderato_detect::neardup::ActionedIndex>>,
    ) -> Engine {
        self.detectors.push(Box::new(
            moderato_detect::neardup::ActionedMatchDetector::new(index),
        ));
        self
    }

    /// The engine with the embedded default pack.
    pub fn with_default_policy() -> Result<Engine, EngineError> {
        Engine::new(load_pack_from(None)?)
    }

    /// Sets the content limits (e.g. maximum text size).
    pub fn with_limits(mut self, limits: ContentLimits) -> Engine {
        self.limits = limits;
        self
    }

    /// The policy in use.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The content limits in use.
    pub fn limits(&self) -> ContentLimits {
        self.limits
    }

    /// Parses a JSON item with the engine's limits.
    /// Signals in the item must be ones the pack declares for callers (see
    /// [`moderato_core::content::check_caller_signals`]).
    pub fn parse(&self, json: &str) -> Result<ContentItem, ContentError> {
        let item = parse_content(json, self.limits)?;
        moderato_core::content::check_caller_signals(&item, &self.policy)?;
        Ok(item)
    }

    /// Runs every detector on the item's text.
    pub fn detect(&self, item: &ContentItem) -> Vec<moderato_core::Signal> {
        let normalized = normalize(&item.text);
        self.detectors
            .iter()
            .flat_map(|detector| detector.detect(&item.text, &normalized))
            .collect()
    }

    /// Decides with a given id and time (deterministic; for tests and replays).
    pub fn decide_with(&self, item: &ContentItem, decision_id: &str, decided_at: &str) -> Decision {
        let signals = self.detect(item);
        evaluate(
            &self.policy,
            EvaluationInput {
                item,
                signals: &signals,
                decision_id,
                decided_at,
            },
        )
    }

    /// Decides now with signals from external classifiers, and the signals they failed to give.
    pub fn decide_with_external(
        &self,
        item: &ContentItem,
        external: Vec<moderato_core::Signal>,
        missing: &[moderato_core::MissingSignal],
    ) -> Decision {
        let mut signals = self.detect(item);
        signals.extend(external);
        let now = chrono::Utc::now();
        let id = new_decision_id();
        let decided_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        moderato_core::evaluate_with_missing(
            &self.policy,
            EvaluationInput {
                item,
                signals: &signals,
                decision_id: &id,
                decided_at: &decided_at,
            },
            missing,
        )
    }

    /// Decides now, with a fresh ULID.
    pub fn decide(&self, item: &ContentItem) -> Decision {
        let now = chrono::Utc::now();
        let id = new_decision_id();
        self.decide_with(
            item,
            &id,
            &now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )
    }
}

/// The built-in text model's weights, embedded so the binary works with no files around
/// (trained by `moderato train`; see `models/README.md`).
pub const BUILTIN_MODEL_WEIGHTS: &[u8] = include_bytes!("../../../models/moderato-text-v1.bin");

/// The built-in text model, decoded once per process and shared by every engine.
pub fn builtin_model() -> Result<Arc<TextModel>, EngineError> {
    static MODEL: OnceLock<Arc<TextModel>> = OnceLock::new();
    if let Some(model) = MODEL.get() {
        return Ok(Arc::clone(model));
    }
    let model = Arc::new(TextModel::from_bytes(BUILTIN_MODEL_WEIGHTS)?);
    Ok(Arc::clone(MODEL.get_or_init(|| model)))
}

/// The rule-category model's weights (`model.threat`, `model.incitement`, …), trained by
/// `moderato train --suite` on Moderato's own labelled suites; see `models/README.md`.
pub const BUILTIN_RULES_MODEL_WEIGHTS: &[u8] =
    include_bytes!("../../../models/moderato-suite-v1.bin");

/// The rule-category model, decoded once per process and shared by every engine.
pub fn builtin_rules_model() -> Result<Arc<TextModel>, EngineError> {
    static MODEL: OnceLock<Arc<TextModel>> = OnceLock::new();
    if let Some(model) = MODEL.get() {
        return Ok(Arc::clone(model));
    }
    let model = Arc::new(TextModel::from_bytes(BUILTIN_RULES_MODEL_WEIGHTS)?);
    Ok(Arc::clone(MODEL.get_or_init(|| model)))
}

/// The word classes of the embedded default pack, used by packs that bring no `lexicons/`.
pub fn default_lexicons() -> &'static moderato_core::policy::Lexicons {
    static LEXICONS: OnceLock<moderato_core::policy::Lexicons> = OnceLock::new();
    LEXICONS.get_or_init(|| {
        let files: std::collections::BTreeMap<String, String> = pack::DEFAULT_PACK
            .iter()
            .filter(|(name, _)| name.starts_with(moderato_core::policy::LEXICON_DIR))
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        // The embedded lexicons are validated by the engine's tests; a problem leaves them empty.
        let mut diagnostics = Vec::new();
        moderato_core::policy::load_lexicons(&files, &mut diagnostics)
    })
}

/// The signals policies may use: the rule detectors', the built-in model's and
/// `match.actioned` (0 unless an engine has an index of actioned content).
pub fn builtin_signals() -> Vec<moderato_core::BuiltinSignal> {
    moderato_detect::BUILTIN_SIGNALS
        .iter()
        .chain(moderato_model::MODEL_SIGNALS)
        .chain(moderato_model::SUITE_MODEL_SIGNALS)
        .chain(std::iter::once(&moderato_detect::neardup::ACTIONED_SIGNAL))
        .cloned()
        .collect()
}

/// A fresh decision id (a ULID: sortable by time, unique).
pub fn new_decision_id() -> String {
    ulid::Ulid::new().to_string()
}
