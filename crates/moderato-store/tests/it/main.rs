//! Integration tests for moderato-store, run against SQLite always and
//! against PostgreSQL when `MODERATO_TEST_DATABASE_URL` is set.
//!
//! Tests must never share a database: each gets a temporary SQLite file or a
//! fresh PostgreSQL schema, so they can run in parallel and be re-run.

#![allow(clippy::unwrap_used)]

mod accounts;
mod appeals;
mod audit;
mod connect;
mod decisions;
mod deep;
mod fingerprints;
mod policies;
mod reviews;
mod support;
mod tokens;
