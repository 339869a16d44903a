//! Backups in one portable format for both databases, so a backup of the embedded SQLite
//! restores into PostgreSQL and back (moving to a server is a real user's path).
//!
//! A backup is a gzip-compressed file of JSON lines: a header (format, version, the source,
//! the migrations applied, the tables), then for each table a line naming its columns and their
//! types, one line per row (a JSON array), and a line with the row count; last, a line with
//! the SHA-256 of everything before it. It is written from one consistent snapshot (a read
//! transaction; REPEATABLE READ on PostgreSQL) while the server runs, and read back and checked
//! before it is reported written. Restoring goes into an empty database only, checks the file
//! whole before writing, loads every table in one transaction, then checks the result: row
//! counts, the event chain and every rollup.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, QueryResult, StreamTrait, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use tuijin_core::problem::{Problem, Rule};

use crate::db::{Backend, Create, Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::migrations::Migrator;
use crate::rows::{get, hex, insert_rows};
use crate::url::DatabaseUrl;

/// Every table, in an order that satisfies foreign keys. A test checks it against the schema,
/// so a table added by a migration cannot be left out of backups.
pub const TABLES: &[&str] = &[
    "units",
    "people",
    "plans",
    "plan_units",
    "plan_people",
    "stages",
    "levels",
    "indicators",
    "indicator_targets",
    "items",
    "item_co_units",
    "item_supports",
    "item_trajectory",
    "item_shares",
    "item_progress",
    "progress_history",
    "reports",
    "warnings",
    "indicator_actuals",
    "closed_periods",
    "notices",
    "notice_items",
    "notice_units",
    "notice_counters",
    "notice_dismissals",
    "evidence_blobs",
    "evidence",
    "assessment_schemes",
    "assessments",
    "assessment_objections",
    "baselines",
    "baseline_items",
    "item_notes",
    "change_requests",
    "users",
    "user_units",
    "api_tokens",
    "sessions",
    "login_failures",
    "events",
    "event_chain",
    "settings",
    "job_claims",
];

/// Tables whose rows point at rows of the same table: loaded parents first.
const SELF_REFERENCES: &[(&str, &str)] = &[
    ("units", "parent_id"),
    ("items", "parent_id"),
    ("reports", "supersedes_id"),
    ("assessments", "supersedes_id"),
];

const FORMAT: &str = "tuijin-backup";
const VERSION: u32 = 1;

/// How a column's values are written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Int32,
    Int64,
    Float,
    Bool,
    Date,
    Instant,
    Text,
    /// Bytes (an evidence file's content), written as base64.
    Bytes,
}

impl ColumnType {
    /// The type of a column from what the database's catalogue declares (both dialects).
    fn of_declared(t: &str) -> ColumnType {
        let t = t.to_ascii_lowercase();
        if t.contains("bigint") || t == "int8" {
            ColumnType::Int64
        } else if t.contains("int") {
            ColumnType::Int32
        } else if t.contains("double") || t.contains("real") || t.contains("float") {
            ColumnType::Float
        } else if t.contains("bool") {
            ColumnType::Bool
        } else if t.contains("bytea") || t.contains("blob") {
            ColumnType::Bytes
        } else if t.contains("timestamp") {
            ColumnType::Instant
        } else if t.contains("date") {
            ColumnType::Date
        } else {
            ColumnType::Text
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    source: String,
    migrations: Vec<String>,
    tables: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct TableStart {
    table: String,
    columns: Vec<(String, ColumnType)>,
}

#[derive(Serialize, Deserialize)]
struct TableEnd {
    end: String,
    rows: u64,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    end: String,
    rows: u64,
    sha256: String,
}

/// What a backup holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    pub created_at: DateTime<Utc>,
    pub source: String,
    pub migrations: Vec<String>,
    /// Rows per table, in load order.
    pub tables: Vec<(String, u64)>,
    pub sha256: String,
}

impl BackupSummary {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("{}: {e}", path.display()))
}

fn bad_file(path: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(
        Problem::new("file", Rule::NotABackup)
            .with("file", path.display())
            .with("why", why),
    )
}

/// Writes lines to the file and hashes them as they go.
struct Lines<W: Write> {
    out: W,
    hash: Sha256,
}

impl<W: Write> Lines<W> {
    fn line<T: Serialize>(&mut self, v: &T) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec(v).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        self.hash.update(&bytes);
        self.out.write_all(&bytes)
    }
}

impl Store {
    /// The columns of a table with their types, in their order.
    async fn columns<C: ConnectionTrait>(
        &self,
        c: &C,
        table: &str,
    ) -> Result<Vec<(String, ColumnType)>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name, type AS declared FROM pragma_table_info($1) ORDER BY cid"
            }
            Backend::Postgres => {
                "SELECT column_name AS name, data_type AS declared FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
        };
        all(c, sql, vec![table.into()])
            .await?
            .iter()
            .map(|r| {
                Ok((
                    get::<String>(r, "name")?.to_lowercase(),
                    ColumnType::of_declared(&get::<String>(r, "declared")?),
                ))
            })
            .collect()
    }

    /// Writes a backup of the whole database to `path`, from one consistent snapshot, then
    /// reads it back and checks it. A half-written file never takes the name: the backup is
    /// written beside it and renamed when complete, and removed when anything fails (a full
    /// disk must not be left fuller by a useless partial file).
    pub async fn backup(&self, path: &Path, now: DateTime<Utc>) -> Result<BackupSummary> {
        let tmp = path.with_extension("partial");
        let made = self.write_backup(path, &tmp, now).await;
        if made.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        made
    }

    async fn write_backup(
        &self,
        path: &Path,
        tmp: &Path,
        now: DateTime<Utc>,
    ) -> Result<BackupSummary> {
        let tmp = tmp.to_path_buf();
        let file = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let mut w = Lines {
            out: BufWriter::new(GzEncoder::new(file, Compression::default())),
            hash: Sha256::new(),
        };
        let txn = self.snapshot().await?;
        // The snapshot starts with the first read: the migrations as of that moment.
        let migrations: Vec<String> = all(
            &txn,
            "SELECT version FROM seaql_migrations ORDER BY version",
            vec![],
        )
        .await?
        .iter()
        .map(|r| get(r, "version"))
        .collect::<Result<_>>()?;
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            created_at: now,
            source: match self.backend() {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            }
            .into(),
            migrations: migrations.clone(),
            tables: TABLES.iter().map(|t| t.to_string()).collect(),
        };
        w.line(&header).map_err(|e| io(&tmp, e))?;
        let mut counts = Vec::new();
        let mut total = 0u64;
        for &table in TABLES {
            let columns = self.columns(&txn, table).await?;
            w.line(&TableStart {
                table: table.into(),
                columns: columns.clone(),
            })
            .map_err(|e| io(&tmp, e))?;
            let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
            let order = if names.contains(&"id") {
                "id".to_string()
            } else {
                names.join(", ")
            };
            let sql = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
            let stmt = crate::db::stmt(&txn, &sql, vec![]);
            let mut rows = txn.inner().stream(stmt).await?;
            let mut n = 0u64;
            while let Some(row) = rows.next().await {
                let row = row?;
                let values = columns
                    .iter()
                    .map(|(name, t)| read_value(&row, name, *t))
                    .collect::<Result<Vec<Json>>>()?;
                w.line(&values).map_err(|e| io(&tmp, e))?;
                n += 1;
            }
            drop(rows);
            w.line(&TableEnd {
                end: table.into(),
                rows: n,
            })
            .map_err(|e| io(&tmp, e))?;
            counts.push((table.to_string(), n));
            total += n;
        }
        drop(txn);
        let sha = hex(&w.hash.clone().finalize());
        let trailer = Trailer {
            end: FORMAT.into(),
            rows: total,
            sha256: sha.clone(),
        };
        let mut bytes = serde_json::to_vec(&trailer).map_err(|e| io(&tmp, e))?;
        bytes.push(b'\n');
        w.out.write_all(&bytes).map_err(|e| io(&tmp, e))?;
        let gz = w.out.into_inner().map_err(|e| io(&tmp, e.error()))?;
        let file = gz.finish().map_err(|e| io(&tmp, e))?;
        file.sync_all().map_err(|e| io(&tmp, e))?;
        let written = BackupSummary {
            created_at: now,
            source: header.source,
            migrations,
            tables: counts,
            sha256: sha,
        };
        // Read back whole before it counts as written.
        let read = verify_backup(&tmp)?;
        if read != written {
            return Err(StoreError::Internal(format!(
                "{}: the backup read back differs from what was written",
                tmp.display()
            )));
        }
        std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
        Ok(written)
    }
}

/// A value of a row as JSON, by the column's type.
fn read_value(row: &QueryResult, col: &str, t: ColumnType) -> Result<Json> {
    Ok(match t {
        ColumnType::Int32 | ColumnType::Int64 => {
            // SQLite keeps every integer as i64; PostgreSQL's `integer` is i32.
            match row.try_get::<Option<i64>>("", col) {
                Ok(v) => v.map(Json::from).unwrap_or(Json::Null),
                Err(_) => get::<Option<i32>>(row, col)?
                    .map(Json::from)
                    .unwrap_or(Json::Null),
            }
        }
        ColumnType::Float => match get::<Option<f64>>(row, col)? {
            Some(v) => serde_json::Number::from_f64(v)
                .map(Json::Number)
                .ok_or_else(|| StoreError::Corrupt(format!("column {col}: {v} is not finite")))?,
            None => Json::Null,
        },
        ColumnType::Bool => get::<Option<bool>>(row, col)?
            .map(Json::from)
            .unwrap_or(Json::Null),
        ColumnType::Date => get::<Option<NaiveDate>>(row, col)?
            .map(|d| Json::from(d.to_string()))
            .unwrap_or(Json::Null),
        ColumnType::Instant => get::<Option<DateTime<Utc>>>(row, col)?
            .map(|d| Json::from(d.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
            .unwrap_or(Json::Null),
        ColumnType::Text => get::<Option<String>>(row, col)?
            .map(Json::from)
            .unwrap_or(Json::Null),
        ColumnType::Bytes => get::<Option<Vec<u8>>>(row, col)?
            .map(|b| Json::from(BASE64.encode(b)))
            .unwrap_or(Json::Null),
    })
}

/// A JSON value of the file as a database value of the column's type.
fn write_value(v: &Json, t: ColumnType, col: &str) -> std::result::Result<Value, String> {
    let bad = || format!("column {col}: {v} is not a {t:?}");
    Ok(match (t, v) {
        (ColumnType::Int32, Json::Null) => Value::Int(None),
        (ColumnType::Int64, Json::Null) => Value::BigInt(None),
        (ColumnType::Float, Json::Null) => Value::Double(None),
        (ColumnType::Bool, Json::Null) => Value::Bool(None),
        (ColumnType::Date, Json::Null) => Value::ChronoDate(None),
        (ColumnType::Instant, Json::Null) => Value::ChronoDateTimeUtc(None),
        (ColumnType::Text, Json::Null) => Value::String(None),
        (ColumnType::Bytes, Json::Null) => Value::Bytes(None),
        (ColumnType::Bytes, v) => Value::Bytes(Some(Box::new(
            v.as_str()
                .and_then(|s| BASE64.decode(s).ok())
                .ok_or_else(bad)?,
        ))),
        (ColumnType::Int32, v) => {
            let n = v.as_i64().ok_or_else(bad)?;
            Value::Int(Some(i32::try_from(n).map_err(|_| bad())?))
        }
        (ColumnType::Int64, v) => Value::BigInt(Some(v.as_i64().ok_or_else(bad)?)),
        (ColumnType::Float, v) => Value::Double(Some(v.as_f64().ok_or_else(bad)?)),
        // SQLite may have kept a boolean as 0/1.
        (ColumnType::Bool, Json::Number(n)) => Value::Bool(Some(n.as_i64() != Some(0))),
        (ColumnType::Bool, v) => Value::Bool(Some(v.as_bool().ok_or_else(bad)?)),
        (ColumnType::Date, v) => Value::ChronoDate(Some(Box::new(
            v.as_str()
                .and_then(|s| s.parse::<NaiveDate>().ok())
                .ok_or_else(bad)?,
        ))),
        (ColumnType::Instant, v) => Value::ChronoDateTimeUtc(Some(Box::new(
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(bad)?,
        ))),
        (ColumnType::Text, v) => {
            Value::String(Some(Box::new(v.as_str().ok_or_else(bad)?.to_string())))
        }
    })
}

/// One table of a backup as read.
struct TableData {
    name: String,
    columns: Vec<(String, ColumnType)>,
    rows: Vec<Vec<Json>>,
}

/// Reads a backup whole, checking its format, every count and its hash. Returns its summary
/// and, when `keep` is set, its rows.
fn read_backup(path: &Path, keep: bool) -> Result<(BackupSummary, Vec<TableData>)> {
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut lines = BufReader::new(GzDecoder::new(file)).lines();
    let mut hash = Sha256::new();
    let mut next = |what: &str| -> Result<String> {
        match lines.next() {
            Some(Ok(l)) => Ok(l),
            Some(Err(e)) => Err(bad_file(path, e)),
            None => Err(bad_file(path, format!("it ends before {what}"))),
        }
    };
    let first = next("its header")?;
    hash.update(first.as_bytes());
    hash.update(b"\n");
    let header: Header =
        serde_json::from_str(&first).map_err(|e| bad_file(path, format!("header: {e}")))?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(bad_file(
            path,
            format!("format {} version {}", header.format, header.version),
        ));
    }
    let mut tables = Vec::new();
    let mut counts = Vec::new();
    let mut total = 0u64;
    for name in &header.tables {
        let l = next("a table")?;
        hash.update(l.as_bytes());
        hash.update(b"\n");
        let start: TableStart =
            serde_json::from_str(&l).map_err(|e| bad_file(path, format!("table {name}: {e}")))?;
        if &start.table != name {
            return Err(bad_file(
                path,
                format!("table {} out of place", start.table),
            ));
        }
        let mut rows = Vec::new();
        let mut n = 0u64;
        loop {
            let l = next("the end of a table")?;
            hash.update(l.as_bytes());
            hash.update(b"\n");
            if l.starts_with('{') {
                let end: TableEnd = serde_json::from_str(&l)
                    .map_err(|e| bad_file(path, format!("table {name}: {e}")))?;
                if end.end != *name || end.rows != n {
                    return Err(bad_file(
                        path,
                        format!("table {name}: {n} rows where {} were written", end.rows),
                    ));
                }
                break;
            }
            let row: Vec<Json> = serde_json::from_str(&l)
                .map_err(|e| bad_file(path, format!("table {name} row {}: {e}", n + 1)))?;
            if row.len() != start.columns.len() {
                return Err(bad_file(path, format!("table {name} row {}", n + 1)));
            }
            if keep {
                rows.push(row);
            }
            n += 1;
        }
        counts.push((name.clone(), n));
        total += n;
        tables.push(TableData {
            name: name.clone(),
            columns: start.columns,
            rows,
        });
    }
    let sha = hex(&hash.finalize());
    let l = next("its trailer")?;
    let trailer: Trailer =
        serde_json::from_str(&l).map_err(|e| bad_file(path, format!("trailer: {e}")))?;
    if trailer.sha256 != sha || trailer.rows != total || trailer.end != FORMAT {
        return Err(bad_file(path, "its checksum does not match its content"));
    }
    Ok((
        BackupSummary {
            created_at: header.created_at,
            source: header.source,
            migrations: header.migrations,
            tables: counts,
            sha256: sha,
        },
        tables,
    ))
}

/// Reads a backup whole and checks it: format, counts, checksum.
pub fn verify_backup(path: &Path) -> Result<BackupSummary> {
    read_backup(path, false).map(|(s, _)| s)
}

/// Parents before children, for a table whose rows point at its own rows.
fn parents_first(columns: &[(String, ColumnType)], col: &str, rows: &mut Vec<Vec<Json>>) {
    let Some(id) = columns.iter().position(|c| c.0 == "id") else {
        return;
    };
    let Some(parent) = columns.iter().position(|c| c.0 == col) else {
        return;
    };
    let index: std::collections::HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r[id].as_i64().map(|x| (x, i)))
        .collect();
    let mut depth = vec![usize::MAX; rows.len()];
    for start in 0..rows.len() {
        let mut chain = vec![start];
        let mut base = 0;
        while let Some(&p) = rows[*chain.last().expect("non-empty")][parent]
            .as_i64()
            .and_then(|p| index.get(&p))
        {
            if depth[p] != usize::MAX {
                base = depth[p] + 1;
                break;
            }
            if chain.contains(&p) {
                break;
            }
            chain.push(p);
        }
        for (k, &c) in chain.iter().rev().enumerate() {
            if depth[c] == usize::MAX {
                depth[c] = base + k;
            }
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (depth[i], i));
    let mut taken: Vec<Option<Vec<Json>>> = std::mem::take(rows).into_iter().map(Some).collect();
    *rows = order
        .into_iter()
        .map(|i| taken[i].take().expect("each once"))
        .collect();
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreSummary {
    pub backup: BackupSummary,
    /// Migrations applied after loading (the backup was made by an older Tuijin).
    pub upgraded: Vec<String>,
}

/// Restores a backup into the empty database at `url` (created if absent): refused, with
/// nothing written, when the database holds data or the backup is damaged or newer than this
/// program. After loading, the counts, the event chain and every rollup are checked.
pub async fn restore(url: &DatabaseUrl, path: &Path) -> Result<RestoreSummary> {
    let (summary, mut tables) = read_backup(path, true)?;
    let known: Vec<String> = {
        use sea_orm_migration::MigratorTrait;
        Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    };
    if summary.migrations.len() > known.len()
        || summary.migrations[..] != known[..summary.migrations.len()]
    {
        return Err(bad_file(
            path,
            "it was made by another version of Tuijin whose schema this one does not know",
        ));
    }
    let store = Store::connect(url, Create::IfMissing).await?;
    // Only into an empty database, or one holding Tuijin's own (empty) tables from an
    // interrupted restore: never beside another program's tables.
    if let Some(t) = store
        .table_names()
        .await?
        .into_iter()
        .find(|t| t != "seaql_migrations" && !TABLES.contains(&t.as_str()))
    {
        return Err(StoreError::Conflict(
            Problem::new("", Rule::RestoreIntoEmpty).with("table", t),
        ));
    }
    // The schema as the backup knew it; the rest after loading, so data migrations run on it.
    store.migrate_to(summary.migrations.len() as u32).await?;
    for t in ["plans", "users", "reports"] {
        let n: i64 = get(
            &one(
                &store.db(),
                &format!("SELECT COUNT(*) AS n FROM {t}"),
                vec![],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("COUNT gave no row".into()))?,
            "n",
        )?;
        if n > 0 {
            return Err(StoreError::Conflict(
                Problem::new("", Rule::RestoreIntoEmpty).with("table", t),
            ));
        }
    }
    let txn = store.write().await?;
    if summary.migrations.iter().any(|m| m == "m0011_soundness") {
        // The migration started an empty chain; the backup brings its own head.
        exec(&txn, "DELETE FROM event_chain", vec![]).await?;
    }
    for t in &mut tables {
        if let Some((_, col)) = SELF_REFERENCES.iter().find(|(name, _)| *name == t.name) {
            parents_first(&t.columns, col, &mut t.rows);
        }
        let names: Vec<&str> = t.columns.iter().map(|c| c.0.as_str()).collect();
        let rows = std::mem::take(&mut t.rows)
            .into_iter()
            .map(|r| {
                r.iter()
                    .zip(&t.columns)
                    .map(|(v, (name, ty))| write_value(v, *ty, name))
                    .collect::<std::result::Result<Vec<Value>, String>>()
            })
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| bad_file(path, format!("table {}: {e}", t.name)))?;
        insert_rows(&txn, &t.name, &names, rows).await?;
        if store.backend() == Backend::Postgres && names.contains(&"id") {
            // Ids were given: the sequence must continue after the largest.
            let name = &t.name;
            one(
                &txn,
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) AS v FROM {name}"
                ),
                vec![],
            )
            .await?;
        }
    }
    txn.commit().await?;
    let before = store.applied_migrations().await?;
    store.upgrade().await?;
    store.mark_ours_pub().await?;
    let upgraded: Vec<String> = store
        .applied_migrations()
        .await?
        .into_iter()
        .filter(|m| !before.contains(m))
        .collect();
    // Check what was loaded: every count, the chain, every rollup.
    for (t, n) in &summary.tables {
        let got: i64 = get(
            &one(
                &store.db(),
                &format!("SELECT COUNT(*) AS n FROM {t}"),
                vec![],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("COUNT gave no row".into()))?,
            "n",
        )?;
        if got as u64 != *n && upgraded.is_empty() {
            return Err(StoreError::Internal(format!(
                "restored table {t} has {got} rows, the backup {n}"
            )));
        }
    }
    use crate::check::CheckStore;
    let report = store.check_integrity().await?;
    if !report.ok() {
        return Err(StoreError::Corrupt(format!(
            "the restored database fails its integrity check: {report:?}"
        )));
    }
    store.close().await?;
    Ok(RestoreSummary {
        backup: summary,
        upgraded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_instants_survive_the_file_exactly() {
        for x in [
            0.1 + 0.2,
            1.0 / 3.0,
            15.413861157745005,
            0.9160258205322173,
            f64::MIN_POSITIVE,
            123_456_789.987_654_3,
        ] {
            let text = serde_json::to_string(&serde_json::Number::from_f64(x).unwrap()).unwrap();
            let back: Json = serde_json::from_str(&text).unwrap();
            match write_value(&back, ColumnType::Float, "x").unwrap() {
                Value::Double(Some(y)) => assert_eq!(x.to_bits(), y.to_bits(), "{x}"),
                other => panic!("{other:?}"),
            }
        }
        let at = DateTime::parse_from_rfc3339("2020-06-30T04:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = Json::from(at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        match write_value(&text, ColumnType::Instant, "at").unwrap() {
            Value::ChronoDateTimeUtc(Some(t)) => assert_eq!(*t, at),
            other => panic!("{other:?}"),
        }
    }
}
