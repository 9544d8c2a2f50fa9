//! Errors of the engine: reading packs from disk and building detectors.
//!
//! This module must never format messages for a particular front end.

use std::path::PathBuf;

/// The engine could not be built or a pack could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A pack folder or file could not be read.
    #[error("failed to read policy pack `{path}`")]
    ReadPack {
        /// The path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The pack failed validation.
    #[error(transparent)]
    InvalidPolicy(#[from] moderato_core::PolicyError),
    /// Detectors could not be built.
    #[error(transparent)]
    Detect(#[from] moderato_detect::DetectError),
    /// The built-in model's weights could not be read.
    #[error("built-in model weights are invalid")]
    Model(#[from] moderato_model::ModelError),
}
