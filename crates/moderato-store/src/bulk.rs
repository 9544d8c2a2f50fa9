//! Multi-row statements for batched writes: `INSERT ... VALUES (...), (...)`
//! and `... IN (...)` lookups, built with numbered `$n` placeholders only.
//!
//! The SQL is portable (SQLite and PostgreSQL both take `$n` and multi-row
//! `VALUES`), and every value is bound, never interpolated. Statements are
//! split so that none binds more than SQLite's parameter limit.

use std::fmt::Write as _;

use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::error::StoreError;

/// Most parameters bound by one statement: SQLite's default
/// `SQLITE_MAX_VARIABLE_NUMBER` (PostgreSQL allows 65535).
const MAX_PARAMS: usize = 32_766;

/// Most rows written or looked up by one statement, to keep statements of a
/// reasonable size.
const MAX_ROWS: usize = 1_000;

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    /// TEXT, possibly NULL.
    Text(Option<String>),
    /// BIGINT, possibly NULL.
    Int(Option<i64>),
    /// DOUBLE PRECISION.
    Real(f64),
}

impl From<&str> for Param {
    fn from(value: &str) -> Param {
        Param::Text(Some(value.to_owned()))
    }
}

impl From<String> for Param {
    fn from(value: String) -> Param {
        Param::Text(Some(value))
    }
}

impl From<Option<&str>> for Param {
    fn from(value: Option<&str>) -> Param {
        Param::Text(value.map(str::to_owned))
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Param {
        Param::Int(Some(value))
    }
}

impl From<Option<i64>> for Param {
    fn from(value: Option<i64>) -> Param {
        Param::Int(value)
    }
}

impl From<f64> for Param {
    fn from(value: f64) -> Param {
        Param::Real(value)
    }
}

/// Rows per statement for `columns` parameters per row.
fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, MAX_ROWS)
}

async fn run(
    transaction: &mut Transaction<'_, Any>,
    sql: String,
    params: impl Iterator<Item = Param>,
    operation: &'static str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for param in params {
        query = match param {
            Param::Text(value) => query.bind(value),
            Param::Int(value) => query.bind(value),
            Param::Real(value) => query.bind(value),
        };
    }
    query
        .fetch_all(&mut **transaction)
        .await
        .map_err(StoreError::database(operation))
}

/// Runs `{head} VALUES ($1, ...), (...) {tail}` for `rows` (each with
/// exactly `columns` values), in as few statements as the parameter limit
/// allows, in row order. Returns the rows the statements returned (for a
/// `RETURNING` tail), in statement order.
pub(crate) async fn insert_rows(
    transaction: &mut Transaction<'_, Any>,
    head: &str,
    tail: &str,
    columns: usize,
    rows: Vec<Vec<Param>>,
    operation: &'static str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut returned = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Param>> = rows.by_ref().take(rows_per_statement(columns)).collect();
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * columns * 6);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut number = 0;
        for (row_index, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns, "{operation}: wrong number of values");
            if row_index > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for column in 0..row.len() {
                number += 1;
                if column > 0 {
                    sql.push_str(", ");
                }
                let _ = write!(sql, "${number}");
            }
            sql.push(')');
        }
        sql.push_str(tail);
        returned.extend(run(transaction, sql, chunk.into_iter().flatten(), operation).await?);
    }
    Ok(returned)
}

/// Runs `{head} IN ($1, ...) {tail}` for `values`, in as few statements as
/// the parameter limit allows, and returns all rows.
pub(crate) async fn select_in(
    transaction: &mut Transaction<'_, Any>,
    head: &str,
    tail: &str,
    values: &[&str],
    operation: &'static str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut returned = Vec::new();
    for chunk in values.chunks(rows_per_statement(1)) {
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * 6);
        sql.push_str(head);
        sql.push_str(" IN (");
        for number in 1..=chunk.len() {
            if number > 1 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "${number}");
        }
        sql.push(')');
        sql.push_str(tail);
        let params = chunk.iter().map(|value| Param::from(*value));
        returned.extend(run(transaction, sql, params, operation).await?);
    }
    Ok(returned)
}
