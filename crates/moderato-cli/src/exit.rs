//! Named exit codes of `moderato`, and the mapping from errors to them.
//!
//! This module must never print; `main` prints the error once.

use std::process::ExitCode;

/// Everything went well.
#[allow(dead_code)]
pub const SUCCESS: u8 = 0;
/// The command ran, but found problems: rejected lines, failing policy examples, an invalid audit chain.
pub const PROBLEMS_FOUND: u8 = 1;
/// Bad usage or unreadable input (clap also uses 2 for usage errors).
pub const INPUT_ERROR: u8 = 2;
/// The policy pack is invalid.
pub const INVALID_POLICY: u8 = 3;
/// Anything else: IO failures and internal faults.
pub const FAILURE: u8 = 4;

/// An input item or file could not be accepted.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Chooses the exit code for an error.
pub fn code_for(error: &anyhow::Error) -> ExitCode {
    for cause in error.chain() {
        if cause.downcast_ref::<InputError>().is_some() {
            return ExitCode::from(INPUT_ERROR);
        }
        if cause.downcast_ref::<moderato_core::PolicyError>().is_some() {
            return ExitCode::from(INVALID_POLICY);
        }
        if let Some(moderato_engine::EngineError::InvalidPolicy(_)) =
            cause.downcast_ref::<moderato_engine::EngineError>()
        {
            return ExitCode::from(INVALID_POLICY);
        }
        if let Some(moderato_engine::EngineError::ReadPack { .. }) =
            cause.downcast_ref::<moderato_engine::EngineError>()
        {
            return ExitCode::from(INPUT_ERROR);
        }
    }
    ExitCode::from(FAILURE)
}
