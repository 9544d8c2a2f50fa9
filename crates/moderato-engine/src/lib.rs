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
pub mod synthetic;

use std::sync::Arc;

use moderato_core::content::{ContentItem, ContentLimits, parse_content};
use moderato_core::{ContentError, Decision, EvaluationInput, Policy, evaluate};
use moderato_detect::{Detector, RuleDetector, normalize};

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
        let rules = RuleDetector::new(&policy.claims)?;
        Ok(Engine {
            policy: Arc::new(policy),
            detectors: vec![Box::new(rules)],
            limits: ContentLimits::default(),
        })
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
    pub fn parse(&self, json: &str) -> Result<ContentItem, ContentError> {
        parse_content(json, self.limits)
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

/// A fresh decision id (a ULID: sortable by time, unique).
pub fn new_decision_id() -> String {
    ulid::Ulid::new().to_string()
}
