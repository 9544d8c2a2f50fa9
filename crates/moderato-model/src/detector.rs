//! The model as a detector: calibrated scores for `model.hate`,
//! `model.offensive` and `model.violence`, each with the n-grams that pushed
//! it up the most as evidence, with spans in the original text.
//!
//! This module must never choose an action or read anything at check time:
//! the policy decides what a score means, and the weights are already in memory.

use std::sync::Arc;

use moderato_core::decision::{Evidence, Signal};
use moderato_core::policy::BuiltinSignal;
use moderato_detect::{Detector, Normalized};

use crate::features::{UnitKind, extract};
use crate::model::TextModel;

/// Source recorded on every signal of the built-in model.
pub const MODEL_SOURCE: &str = "builtin:model-v1";

/// The signals the built-in model produces, offered to policy validation.
pub const MODEL_SIGNALS: &[BuiltinSignal] = &[
    BuiltinSignal {
        name: "model.hate",
        description: "learned model: hateful content about protected groups (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.offensive",
        description: "learned model: offensive or abusive language, profanity (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.violence",
        description: "learned model: threats or calls for violence (calibrated probability; few training examples)",
    },
];

/// Source recorded on every signal of the rule-category model.
pub const SUITE_MODEL_SOURCE: &str = "builtin:model-rules-v1";

/// The signals of the rule-category model (trained on Moderato's own labelled
/// suites, one label per rule; see `suites`), offered to policy validation.
pub const SUITE_MODEL_SIGNALS: &[BuiltinSignal] = &[
    BuiltinSignal {
        name: "model.threat",
        description: "learned rule model: the speaker threatens violence (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.incitement",
        description: "learned rule model: a call on others to commit violence (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.glorification",
        description: "learned rule model: praise or endorsement of violence that happened (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.dehumanization",
        description: "learned rule model: a protected group described as less than human (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.derogation",
        description: "learned rule model: hostile generalisation or slur about a protected group (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.exclusion",
        description: "learned rule model: denial of rights or access to a protected group (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.harassment",
        description: "learned rule model: abuse aimed at an individual (calibrated probability)",
    },
    BuiltinSignal {
        name: "model.civic",
        description: "learned rule model: a false claim about voting procedures or the count (calibrated probability)",
    },
];

/// Below this probability a signal carries no evidence (its n-grams explain nothing a
/// reader needs, and explaining every label of every text is the models' largest cost).
pub const EVIDENCE_MIN_SCORE: f32 = 0.1;

/// How many units of the text are given as evidence per signal.
pub const EVIDENCE_UNITS: usize = 3;

/// One model and the signals it produces.
struct Head {
    model: Arc<TextModel>,
    /// `(signal name, label index in the model)`.
    outputs: Vec<(&'static str, usize)>,
    /// Recorded on every signal of this model.
    source: &'static str,
}

/// The built-in text models as one [`Detector`]: models with the same feature
/// configuration share one feature extraction per text.
pub struct ModelDetector {
    heads: Vec<Head>,
}

impl ModelDetector {
    /// Wraps a model; signals are produced for the labels `hate`, `offensive` and `violence` it has.
    pub fn new(model: Arc<TextModel>) -> ModelDetector {
        ModelDetector::with_signals(model, MODEL_SIGNALS, MODEL_SOURCE)
    }

    /// Wraps a model that produces `signals` (`model.<label>` for each label it has)
    /// under `source`.
    pub fn with_signals(
        model: Arc<TextModel>,
        signals: &'static [BuiltinSignal],
        source: &'static str,
    ) -> ModelDetector {
        ModelDetector {
            heads: vec![Head::new(model, signals, source)],
        }
    }

    /// Adds another model, run on the same text (sharing its features when its
    /// configuration is the same).
    pub fn and(
        mut self,
        model: Arc<TextModel>,
        signals: &'static [BuiltinSignal],
        source: &'static str,
    ) -> ModelDetector {
        self.heads.push(Head::new(model, signals, source));
        self
    }

    /// The first model.
    pub fn model(&self) -> &TextModel {
        &self.heads[0].model
    }
}

impl Head {
    fn new(model: Arc<TextModel>, signals: &'static [BuiltinSignal], source: &'static str) -> Head {
        let outputs = signals
            .iter()
            .filter_map(|signal| {
                let label = signal.name.trim_start_matches("model.");
                model.label_index(label).map(|index| (signal.name, index))
            })
            .collect();
        Head {
            model,
            outputs,
            source,
        }
    }

    fn signals(
        &self,
        extracted: &crate::features::Extracted,
        chars: &[char],
        normalized: &Normalized,
    ) -> Vec<Signal> {
        let probabilities = self.model.calibrated(extracted);
        self.outputs
            .iter()
            .map(|(name, index)| {
                // Explaining costs a sort of the text's units per label: only scores
                // a reader would look at get evidence.
                if probabilities[*index] < EVIDENCE_MIN_SCORE {
                    return Signal {
                        name: name.to_string(),
                        score: round2(f64::from(probabilities[*index])),
                        source: self.source.to_string(),
                        evidence: Vec::new(),
                    };
                }
                let contributions = self.model.explain(extracted, *index, usize::MAX);
                let positive: f32 = contributions.iter().map(|unit| unit.value).sum();
                let evidence = contributions
                    .iter()
                    .take(EVIDENCE_UNITS)
                    .map(|unit| {
                        let span = normalized.original_span(unit.range.0, unit.range.1);
                        let excerpt: String = chars
                            .get(span[0]..span[1])
                            .map(|slice| slice.iter().collect())
                            .unwrap_or_default();
                        let what = match unit.kind {
                            UnitKind::Word => format!("word `{}`", unit.text),
                            UnitKind::Bigram => format!("word pair `{}`", unit.text),
                            UnitKind::Characters => format!(
                                "character 3–5-grams inside `{}` (the span is the whole word)",
                                unit.text
                            ),
                        };
                        Evidence {
                            signal: name.to_string(),
                            score: round2(f64::from(unit.value / positive.max(f32::EPSILON))),
                            span: Some(span),
                            excerpt: Some(excerpt),
                            note: Some(format!(
                                "model n-gram: {what} adds {:+.2} to the logit",
                                unit.value
                            )),
                            correction: None,
                        }
                    })
                    .collect();
                Signal {
                    name: name.to_string(),
                    score: round2(f64::from(probabilities[*index])),
                    source: self.source.to_string(),
                    evidence,
                }
            })
            .collect()
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

impl Detector for ModelDetector {
    fn name(&self) -> &str {
        self.heads[0].source
    }

    fn detect(&self, original: &str, normalized: &Normalized) -> Vec<Signal> {
        let chars: Vec<char> = original.chars().collect();
        let mut signals = Vec::new();
        let mut features: Option<(crate::features::FeatureConfig, crate::features::Extracted)> =
            None;
        for head in &self.heads {
            let reuse = features
                .as_ref()
                .is_some_and(|(config, _)| *config == head.model.config);
            if !reuse {
                features = Some((
                    head.model.config,
                    extract(&normalized.text, &head.model.config),
                ));
            }
            if let Some((_, extracted)) = &features {
                signals.extend(head.signals(extracted, &chars, normalized));
            }
        }
        signals
    }
}
