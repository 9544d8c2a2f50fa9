//! External classifiers a policy pack may call: an OpenAI-compatible
//! `/v1/moderations` endpoint, a Llama Guard-style model behind an Ollama or
//! OpenAI-compatible chat endpoint, and a generic JSON webhook.
//!
//! Each call has a timeout and each classifier a circuit breaker. A failure
//! never stops a decision: the classifier's signals are reported missing with
//! the reason, and the core sends the item to review when a rule needed them.
//! This crate must never decide an action, and never log an API key or a text.
#![warn(missing_docs)]

mod adapters;
mod breaker;

use std::sync::Arc;
use std::time::Duration;

use moderato_core::policy::ExternalClassifier;
use moderato_core::{ContentItem, MissingSignal, Policy, Signal};

pub use breaker::{Breaker, BreakerSettings};

/// Why a classifier gave no scores.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The call took longer than the timeout.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// The endpoint could not be reached.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The endpoint answered with an error status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The answer could not be understood.
    #[error("unexpected answer: {0}")]
    Parse(String),
    /// The breaker is open after repeated failures.
    #[error("circuit open after repeated failures")]
    CircuitOpen,
    /// The API key variable is not set.
    #[error("environment variable `{0}` is not set")]
    MissingKey(String),
}

/// One configured classifier with its breaker.
pub struct Classifier {
    config: ExternalClassifier,
    breaker: Breaker,
    client: reqwest::Client,
}

impl Classifier {
    /// The source recorded on its signals.
    pub fn source(&self) -> String {
        format!("external:{}", self.config.name)
    }

    /// Calls the classifier: scores by category, or why there are none.
    pub async fn scores(&self, item: &ContentItem) -> Result<Vec<(String, f64)>, CallError> {
        if !self.breaker.allow() {
            return Err(CallError::CircuitOpen);
        }
        let timeout = Duration::from_millis(self.config.timeout_ms);
        let call = adapters::call(&self.client, &self.config, item);
        let result = match tokio::time::timeout(timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(CallError::Timeout(self.config.timeout_ms)),
        };
        match &result {
            Ok(_) => self.breaker.record_success(),
            Err(_) => self.breaker.record_failure(),
        }
        result
    }
}

/// Every external classifier of a pack.
pub struct ExternalClassifiers {
    classifiers: Vec<Arc<Classifier>>,
}

impl ExternalClassifiers {
    /// Builds the classifiers a pack declares.
    pub fn from_policy(policy: &Policy, settings: BreakerSettings) -> ExternalClassifiers {
        let client = reqwest::Client::builder().build().unwrap_or_default();
        ExternalClassifiers {
            classifiers: policy
                .external
                .iter()
                .map(|config| {
                    Arc::new(Classifier {
                        config: config.clone(),
                        breaker: Breaker::new(settings),
                        client: client.clone(),
                    })
                })
                .collect(),
        }
    }

    /// No classifiers.
    pub fn none() -> ExternalClassifiers {
        ExternalClassifiers {
            classifiers: Vec::new(),
        }
    }

    /// Whether there is nothing to call.
    pub fn is_empty(&self) -> bool {
        self.classifiers.is_empty()
    }

    /// Calls every classifier concurrently; returns their signals and the signals that are missing.
    pub async fn classify(&self, item: &ContentItem) -> (Vec<Signal>, Vec<MissingSignal>) {
        let calls = self
            .classifiers
            .iter()
            .map(|classifier| async move { (classifier, classifier.scores(item).await) });
        let results = futures_util::future::join_all(calls).await;
        let mut signals = Vec::new();
        let mut missing = Vec::new();
        for (classifier, result) in results {
            let config = &classifier.config;
            match result {
                Ok(scores) => {
                    for category in &config.categories {
                        let score = scores
                            .iter()
                            .find(|(name, _)| name == category)
                            .map(|(_, score)| *score)
                            .unwrap_or(0.0);
                        signals.push(Signal {
                            name: config.signal_name(category),
                            score: score.clamp(0.0, 1.0),
                            source: classifier.source(),
                            evidence: Vec::new(),
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(classifier = %config.name, %error, "external classifier failed");
                    for category in &config.categories {
                        missing.push(MissingSignal {
                            name: config.signal_name(category),
                            source: classifier.source(),
                            reason: error.to_string(),
                        });
                    }
                }
            }
        }
        (signals, missing)
    }
}

/// Normalises a category name from an endpoint (`harassment/threatening`) into a signal word (`harassment_threatening`).
pub fn category_word(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}
