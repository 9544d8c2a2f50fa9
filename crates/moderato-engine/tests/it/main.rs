//! Integration tests of the engine: the acceptance list of issue 3 with the
//! default pack, decision and notice snapshots, and pack examples.
#![allow(clippy::unwrap_used)]

mod acceptance;
mod properties;
mod tidy;
