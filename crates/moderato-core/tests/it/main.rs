//! Integration tests of the core: policy validation diagnostics and loader robustness.
#![allow(clippy::unwrap_used)]

mod policy_validation;
