//! Errors of the core: bad content items and invalid policy packs.
//!
//! Every variant carries structured fields so callers (CLI, HTTP) can render a
//! precise message. This module must never print or log anything itself.

use std::fmt;

/// A content item could not be accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContentError {
    /// The JSON was malformed or did not match the schema.
    #[error("{}{message} (line {line}, column {column})", path.as_ref().map(|p| format!("field `{p}`: ")).unwrap_or_default())]
    Json {
        /// Path of the offending field, e.g. `author.followers`.
        path: Option<String>,
        /// What was wrong.
        message: String,
        /// Line in the input, 1-based.
        line: usize,
        /// Column in the input, 1-based.
        column: usize,
    },
    /// `text` is larger than the configured limit.
    #[error("field `text`: text is {bytes} bytes, above the limit of {limit} bytes")]
    TextTooLong {
        /// Size of the text.
        bytes: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A field has a value outside its allowed range or format.
    #[error("field `{field}`: {message}")]
    Invalid {
        /// Path of the field.
        field: String,
        /// What was wrong.
        message: String,
    },
}

impl ContentError {
    /// The path of the offending field, when known.
    pub fn field(&self) -> Option<&str> {
        match self {
            ContentError::Json { path, .. } => path.as_deref(),
            ContentError::TextTooLong { .. } => Some("text"),
            ContentError::Invalid { field, .. } => Some(field),
        }
    }
}

/// One problem found in a policy pack, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDiagnostic {
    /// File name inside the pack, e.g. `violence.toml`.
    pub file: String,
    /// Line, 1-based, when known.
    pub line: Option<usize>,
    /// Column, 1-based, when known.
    pub column: Option<usize>,
    /// The field path, e.g. `rule[2].when`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PolicyDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
            if let Some(column) = self.column {
                write!(formatter, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(formatter, ": `{field}`")?;
        }
        write!(formatter, ": {}", self.message)
    }
}

/// A policy pack failed validation; it holds every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy pack is invalid ({} problem{}):\n{}", diagnostics.len(), if diagnostics.len() == 1 { "" } else { "s" }, diagnostics.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
pub struct PolicyError {
    /// Every problem, in file order.
    pub diagnostics: Vec<PolicyDiagnostic>,
}
