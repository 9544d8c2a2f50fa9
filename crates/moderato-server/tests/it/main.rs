//! Integration tests of the HTTP API, in process (`app(state).oneshot(request)`), on SQLite
//! always and on PostgreSQL when `MODERATO_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used)]

mod api;
mod support;
mod ui;
