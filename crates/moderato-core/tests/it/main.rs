//! Integration tests of the core: policy validation diagnostics, loader robustness, DSA
//! statements of reasons and transparency reports.
#![allow(clippy::unwrap_used)]

mod policy_validation;
mod sor;
mod transparency;
