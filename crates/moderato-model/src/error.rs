//! Errors of the learned model: reading weights and reading labelled data.
//!
//! This module must never format messages for a particular front end.

use std::path::PathBuf;

/// The weights could not be decoded or the labelled data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The weights do not start with the expected magic bytes.
    #[error("not a moderato text model (bad magic bytes)")]
    BadMagic,
    /// The weights were written by a format version this build cannot read.
    #[error("unsupported model format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The weights end before the header says they should.
    #[error("model weights are truncated at byte {offset}")]
    Truncated {
        /// Where the data ran out.
        offset: usize,
    },
    /// The SHA-256 checksum at the end of the weights does not match their content.
    #[error("model checksum mismatch (expected {expected}, computed {computed})")]
    Checksum {
        /// Checksum stored in the file.
        expected: String,
        /// Checksum of the content.
        computed: String,
    },
    /// A header field holds a value that cannot be right.
    #[error("invalid model header field `{field}`: {reason}")]
    InvalidHeader {
        /// The field.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A data file is missing or unreadable.
    #[error("failed to read data file `{path}`")]
    ReadData {
        /// The path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A data file does not have the expected columns.
    #[error("unexpected format in `{path}` at record {record}: {reason}")]
    DataFormat {
        /// The path.
        path: PathBuf,
        /// Record number (1-based, header is record 1).
        record: usize,
        /// What was wrong.
        reason: String,
    },
    /// Training was asked to learn from nothing.
    #[error("no training examples for label `{label}`")]
    NoExamples {
        /// The label.
        label: String,
    },
}
