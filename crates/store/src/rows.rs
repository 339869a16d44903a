//! Reading rows back into domain types, and writing many rows at once. One place decodes every
//! column: a value that does not decode as what it must be (an unknown kind, a bad code, a
//! percent of 140) is corrupt stored data, reported as such, never silently defaulted.

use std::str::FromStr;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use tuijin_core::{Code, Percent, Text, TrajectoryPoint, Weight};

use crate::error::{Result, StoreError};

/// Reads a column; a value of the wrong type is corrupt data.
pub(crate) fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> Result<T> {
    row.try_get::<T>("", col)
        .map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

/// Reads a text column holding one of an enum's stored names (a kind, a state, a rule).
pub(crate) fn named<T: FromStr>(row: &QueryResult, col: &str) -> Result<T> {
    let s: String = get(row, col)?;
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {col}: unknown value `{s}`")))
}

/// Like `named`, for a column that may be NULL.
pub(crate) fn named_opt<T: FromStr>(row: &QueryResult, col: &str) -> Result<Option<T>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| {
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("column {col}: unknown value `{s}`")))
    })
    .transpose()
}

pub(crate) fn code(row: &QueryResult, col: &str) -> Result<Code> {
    let s: String = get(row, col)?;
    Code::parse(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: code `{s}`: {e}")))
}

pub(crate) fn code_opt(row: &QueryResult, col: &str) -> Result<Option<Code>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| {
        Code::parse(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: code `{s}`: {e}")))
    })
    .transpose()
}

pub(crate) fn percent_opt(row: &QueryResult, col: &str) -> Result<Option<Percent>> {
    let v: Option<f64> = get(row, col)?;
    v.map(|v| Percent::new(v).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}"))))
        .transpose()
}

/// A bilingual text stored as `{base}_zh` and `{base}_en`.
pub(crate) fn text(row: &QueryResult, base: &str) -> Result<Text> {
    Ok(Text::new(
        get::<String>(row, &format!("{base}_zh"))?,
        get::<String>(row, &format!("{base}_en"))?,
    ))
}

pub(crate) fn weight(v: f64) -> Result<Weight> {
    Weight::new(v).map_err(|e| StoreError::Corrupt(format!("weight: {e}")))
}

pub(crate) fn point(date: NaiveDate, percent: f64) -> Result<TrajectoryPoint> {
    Ok(TrajectoryPoint {
        date,
        percent: Percent::new(percent)
            .map_err(|e| StoreError::Corrupt(format!("trajectory point: {e}")))?,
    })
}

/// A JSON column decoded as `T`.
pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &QueryResult, col: &str) -> Result<T> {
    let s: String = get(row, col)?;
    serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

/// `T` as JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(format!("to JSON: {e}")))
}

/// Multi-row inserts in batches that stay under both backends' limit on bound parameters.
/// The statement's text is written here rather than by sea-query: for a million rows its
/// builder (every value wrapped in an expression, cloned and rendered) cost more than the
/// database's own work, and every full batch has the same text, so the driver prepares it
/// once and reuses it.
pub(crate) async fn insert_rows<C: ConnectionTrait>(
    c: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = c.get_database_backend();
    let width = columns.len();
    let per = (30_000 / width).max(1);
    let mut full: Option<String> = None;
    let mut rows = rows.into_iter().peekable();
    let mut values: Vec<Value> = Vec::new();
    while rows.peek().is_some() {
        values.reserve(per * width);
        let mut n = 0;
        for row in rows.by_ref().take(per) {
            debug_assert_eq!(row.len(), width, "a row of {table} has the wrong width");
            values.extend(row);
            n += 1;
        }
        let sql = if n == per {
            full.get_or_insert_with(|| insert_sql(backend, table, columns, per))
                .clone()
        } else {
            insert_sql(backend, table, columns, n)
        };
        let values = std::mem::take(&mut values);
        c.execute(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
    }
    Ok(())
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)` for `rows` rows; SQLite's placeholders
/// are `?`, bound in order (its driver looks each `$n` up by name: quadratic in a statement of
/// 30,000 of them).
fn insert_sql(backend: sea_orm::DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut k = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for i in 0..columns.len() {
            k += 1;
            sql.push_str(if i == 0 { "" } else { ", " });
            match backend {
                sea_orm::DbBackend::Postgres => {
                    let _ = write!(sql, "${k}");
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// Integer ids the store read itself, as a SQL list (`1,2,3`): safe to write inline.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a part of a cursor is 1 to `most` ASCII digits: the one shape check of every
/// cursor this store gives out (each then parses into a number that cannot overflow).
pub(crate) fn cursor_digits(t: &str, most: usize) -> bool {
    !t.is_empty() && t.len() <= most && t.bytes().all(|c| c.is_ascii_digit())
}

/// An expected path as stored (`items.expected_path`): JSON, `[["2020-01-01", 0.0], …]`.
pub(crate) fn encode_path(p: &tuijin_core::path::Path) -> Result<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Internal(format!("path: {e}")))
}

/// A stored expected path, read back only if it is one (`Path`'s own checks).
pub(crate) fn decode_path(text: &str) -> Result<tuijin_core::path::Path> {
    serde_json::from_str(text).map_err(|e| StoreError::Internal(format!("stored path: {e}")))
}

/// Bytes as lowercase hexadecimal (a SHA-256 as it is written and compared).
pub(crate) fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}
