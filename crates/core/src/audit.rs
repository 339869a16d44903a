//! The tamper-evident history: every event carries the hash of the event before it, so a
//! changed, removed or inserted event breaks the chain at that point; a closed period's reports
//! are sealed by a digest kept in its (chained) closing event. The rules of what is hashed live
//! here; the store computes them on append and `tuijin audit verify` recomputes them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that stands before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link<'a> {
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub kind: &'a str,
    pub entity: &'a str,
    pub entity_code: &'a str,
    pub plan_id: Option<i64>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// An instant as the database keeps it: to the microsecond (PostgreSQL's precision), so the
/// hash of an event read back equals the hash computed when it was written.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    let micros = at.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(at)
}

/// The hash of an event following `prev`: SHA-256 over the previous hash and the event's
/// fields in a fixed, unambiguous encoding (a JSON array), hex-encoded.
pub fn link_hash(prev: &str, e: &Link<'_>) -> String {
    #[derive(Serialize)]
    struct Canon<'a>(
        &'a str,
        String,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<i64>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let canon = Canon(
        prev,
        stored_instant(e.at).to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor,
        e.kind,
        e.entity,
        e.entity_code,
        e.plan_id,
        e.before,
        e.after,
    );
    let bytes = serde_json::to_vec(&canon).expect("an array of strings and numbers serialises");
    hex(&Sha256::digest(&bytes))
}

/// A digest of a sealed set of records (a closed period's reports): SHA-256 over their
/// canonical lines, in the given order.
pub fn seal<I, S>(lines: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_ref().as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// Where a chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The first event whose stored hashes do not follow from what came before.
    pub event_id: i64,
    pub reason: BreakReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// Its `prev_hash` is not the hash of the event before it (one was removed, inserted or
    /// reordered).
    PreviousMismatch,
    /// Its own content does not give its stored hash (it was changed).
    ContentMismatch,
    /// It has no hash at all.
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_changed_field_changes_the_hash_and_instants_hash_as_stored() {
        let at = Utc.with_ymd_and_hms(2020, 6, 30, 4, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let e = Link {
            at,
            actor: "office",
            kind: "report.accepted",
            entity: "report",
            entity_code: "7",
            plan_id: Some(1),
            before: None,
            after: Some("{\"percent\":40}"),
        };
        let h = link_hash(GENESIS, &e);
        assert_eq!(h.len(), 64);
        // The same event read back from a database that keeps microseconds hashes the same.
        let back = Link {
            at: stored_instant(at),
            ..e.clone()
        };
        assert_eq!(link_hash(GENESIS, &back), h);
        assert_ne!(link_hash(&h, &e), h, "the previous hash is covered");
        let changed = Link {
            after: Some("{\"percent\":95}"),
            ..e.clone()
        };
        assert_ne!(link_hash(GENESIS, &changed), h);
        // No ambiguity between fields: moving text from one field to the next changes it.
        let shifted = Link {
            actor: "officereport.accepted",
            kind: "",
            ..e
        };
        assert_ne!(link_hash(GENESIS, &shifted), h);
        assert_ne!(seal(["a", "b"]), seal(["ab"]));
    }
}
