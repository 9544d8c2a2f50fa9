//! Integration tests for moderato-detect.
//!
//! Tests here use only the crate's public API and must never open a database
//! or network connection, as the detectors themselves must not.

#![allow(clippy::unwrap_used)]

mod neardup;
