//! Reading rows back into domain types, and writing many rows at once. One place decodes every
//! column: a value that does not decode as what it must be (an unknown kind, a bad code, a
//! percent of 140) is corrupt stored data, reported as such, never silently defaulted.

use std::str::FromStr;

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
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
pub(crate) async fn insert_rows<C: ConnectionTrait>(
    c: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per = (30_000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for row in rows.by_ref().take(per) {
            q.values_panic(row.into_iter().map(SimpleExpr::Value));
        }
        exec_built(c, &q).await?;
    }
    Ok(())
}

/// Integer ids the store read itself, as a SQL list (`1,2,3`): safe to write inline.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs a sea-query statement built for whichever backend `c` is.
pub(crate) async fn exec_built<C, S>(c: &C, s: &S) -> Result<u64>
where
    C: ConnectionTrait,
    S: sea_orm::StatementBuilder,
{
    let backend = c.get_database_backend();
    Ok(c.execute(backend.build(s)).await?.rows_affected())
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
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
