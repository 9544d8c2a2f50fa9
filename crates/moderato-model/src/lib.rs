//! The built-in learned text model: a multi-label logistic regression over
//! hashed word and character n-grams of normalised text, its trainer, its
//! evaluation on held-out data and its [`ModelDetector`].
//!
//! Scoring reads nothing but the weights given to it as bytes; only [`data`]
//! reads files (the labelled data sets, for `moderato train` and `moderato eval`).
//! This crate must never choose an action, never read the data sets during a
//! check, and never train or evaluate on a test row.
#![warn(missing_docs)]

pub mod data;
pub mod detector;
pub mod error;
pub mod eval;
pub mod features;
pub mod model;
pub mod suites;
pub mod train;

pub use detector::{
    MODEL_SIGNALS, MODEL_SOURCE, ModelDetector, SUITE_MODEL_SIGNALS, SUITE_MODEL_SOURCE,
};
pub use error::ModelError;
pub use features::FeatureConfig;
pub use model::TextModel;
pub use train::TrainConfig;
