//! Moderato's pure core: the content contract, policy packs, the action
//! ladder, the public-interest exception and evaluation.
//!
//! Everything here is deterministic and free of IO: no files, network,
//! database, clock, environment or randomness, and no async. Time and ids are
//! passed in, so the same input always gives the same decision.
#![warn(missing_docs)]

pub mod action;
pub mod content;
pub mod decision;
pub mod dsa;
pub mod error;
pub mod evaluate;
pub mod policy;
pub mod review;
pub mod sor;
pub mod transparency;

pub use action::{AccountAction, Action, CONTENT_ACTIONS_FOR_REVIEW, ContentAction};
pub use content::{ContentItem, ContentLimits, parse_content};
pub use decision::{Decision, Evidence, MissingSignal, Signal};
pub use error::{ContentError, PolicyDiagnostic, PolicyError};
pub use evaluate::{EvaluationInput, evaluate, evaluate_with_missing};
pub use policy::{BuiltinSignal, Policy, load_policy};
