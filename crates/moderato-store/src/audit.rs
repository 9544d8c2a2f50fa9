//! The tamper-evident audit chain: appending entries inside a transaction,
//! verifying the chain stored in the database, exporting it as JSON lines and
//! re-verifying an export without a database.
//!
//! Entry hash: lowercase hex SHA-256 of the UTF-8 bytes of
//! `{"seq":S,"created_at":T,"kind":K,"subject":U,"payload":P,"prev_hash":H}`
//! with the keys in exactly that order, no whitespace, strings escaped as
//! serde_json escapes them, and `P` the payload in canonical form (object keys
//! sorted by their UTF-8 bytes, no whitespace, numbers as serde_json prints
//! them). The first entry has seq 1 and `prev_hash` is 64 zeros.
//!
//! This module must never update or delete an audit entry: the log is
//! append-only, and the only write besides the insert is moving the head.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::bulk::{Param, insert_rows};
use crate::error::StoreError;
use crate::store::Store;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit chain, as stored and as exported (one JSON object
/// per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, starting at 1, without gaps.
    pub seq: i64,
    /// When the entry was written, in milliseconds since the Unix epoch.
    pub created_at: i64,
    /// What happened, e.g. `decision.recorded`.
    pub kind: String,
    /// What it happened to, e.g. a content id or a policy version.
    pub subject: String,
    /// Details of the change.
    pub payload: serde_json::Value,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

impl AuditEntry {
    /// Recomputes the hash of this entry from its fields (ignoring `hash`).
    pub fn compute_hash(&self) -> String {
        entry_hash(
            self.seq,
            self.created_at,
            &self.kind,
            &self.subject,
            &self.payload,
            &self.prev_hash,
        )
    }
}

/// What kind of damage the verifier found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum AuditProblemKind {
    /// The entry's contents no longer match its hash.
    Altered,
    /// Entries are missing: the chain jumps from `seq - 1` to `next_seq`, or
    /// the head names entries beyond the last one.
    Removed {
        /// First seq present after the gap, or `None` when the tail is gone.
        next_seq: Option<i64>,
    },
    /// The entry is intact but sits at a position it was not written for.
    Reordered,
    /// The entry is intact but does not point at the hash of its predecessor.
    BrokenLink,
}

/// The first problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProblem {
    /// The first seq that is wrong or missing.
    pub seq: i64,
    /// What is wrong.
    pub kind: AuditProblemKind,
    /// A sentence for people.
    pub message: String,
}

/// The result of verifying a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// No problem found.
    pub ok: bool,
    /// The first problem, when there is one.
    pub first_problem: Option<AuditProblem>,
    /// Seq of the last entry read, 0 when there are none.
    pub last_seq: i64,
    /// Hash of the last entry read (genesis hash when there are none). Compare
    /// it with a published head to detect a truncated export.
    pub last_hash: String,
}

/// Writes `value` in canonical form: object keys sorted, no whitespace.
///
/// Sorting here, instead of relying on serde_json's map ordering, keeps the
/// hash stable even if another crate turns on serde_json's `preserve_order`.
fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write_canonical(inner, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The canonical JSON text of `value`: object keys sorted, no whitespace.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Computes an entry hash as described in the module documentation.
pub fn entry_hash(
    seq: i64,
    created_at: i64,
    kind: &str,
    subject: &str,
    payload: &serde_json::Value,
    prev_hash: &str,
) -> String {
    let mut text = String::new();
    text.push_str("{\"seq\":");
    text.push_str(&seq.to_string());
    text.push_str(",\"created_at\":");
    text.push_str(&created_at.to_string());
    text.push_str(",\"kind\":");
    text.push_str(&serde_json::Value::String(kind.to_owned()).to_string());
    text.push_str(",\"subject\":");
    text.push_str(&serde_json::Value::String(subject.to_owned()).to_string());
    text.push_str(",\"payload\":");
    write_canonical(payload, &mut text);
    text.push_str(",\"prev_hash\":");
    text.push_str(&serde_json::Value::String(prev_hash.to_owned()).to_string());
    text.push('}');
    sha256_hex(text.as_bytes())
}

/// Appends an entry to the chain inside `transaction`, so that the entry is
/// committed if and only if the change it describes is.
///
/// The first statement moves the one-row head; on PostgreSQL its row lock
/// makes concurrent appenders wait for each other until commit.
pub async fn append_audit(
    transaction: &mut Transaction<'_, Any>,
    kind: &str,
    subject: &str,
    payload: &serde_json::Value,
    now_ms: i64,
) -> Result<AuditEntry, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **transaction)
        .await
        .map_err(StoreError::database("advance audit head"))?;
    let seq: i64 = head
        .try_get("seq")
        .map_err(StoreError::database("read audit head"))?;
    let prev_hash: String = head
        .try_get("hash")
        .map_err(StoreError::database("read audit head"))?;
    let payload_json = canonical_json(payload);
    let hash = entry_hash(seq, now_ms, kind, subject, payload, &prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, created_at, kind, subject, payload_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(now_ms)
    .bind(kind)
    .bind(subject)
    .bind(&payload_json)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **transaction)
    .await
    .map_err(StoreError::database("insert audit entry"))?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("move audit head"))?;
    Ok(AuditEntry {
        seq,
        created_at: now_ms,
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        payload: payload.clone(),
        prev_hash,
        hash,
    })
}

/// Appends several entries, in order, inside `transaction`: the same entries,
/// byte for byte, as calling [`append_audit`] for each in turn, written with
/// one head move, multi-row inserts and one final head update.
///
/// As in [`append_audit`], the first statement moves the head, so its row
/// lock makes concurrent appenders wait on PostgreSQL.
pub(crate) async fn append_audit_batch(
    transaction: &mut Transaction<'_, Any>,
    entries: Vec<(&str, &str, serde_json::Value)>,
    now_ms: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(entries.len()).map_err(|_| {
        StoreError::database("advance audit head")(sqlx::Error::Protocol(
            "too many audit entries".into(),
        ))
    })?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(count)
        .fetch_one(&mut **transaction)
        .await
        .map_err(StoreError::database("advance audit head"))?;
    let last_seq: i64 = head
        .try_get("seq")
        .map_err(StoreError::database("read audit head"))?;
    let mut prev_hash: String = head
        .try_get("hash")
        .map_err(StoreError::database("read audit head"))?;
    let mut written = Vec::with_capacity(entries.len());
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, (kind, subject, payload)) in (last_seq - count + 1..).zip(entries) {
        let hash = entry_hash(seq, now_ms, kind, subject, &payload, &prev_hash);
        rows.push(vec![
            Param::from(seq),
            Param::from(now_ms),
            Param::from(kind),
            Param::from(subject),
            Param::from(canonical_json(&payload)),
            Param::from(prev_hash.as_str()),
            Param::from(hash.as_str()),
        ]);
        let entry = AuditEntry {
            seq,
            created_at: now_ms,
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            payload,
            prev_hash,
            hash,
        };
        prev_hash = entry.hash.clone();
        written.push(entry);
    }
    insert_rows(
        transaction,
        "INSERT INTO audit_log (seq, created_at, kind, subject, payload_json, prev_hash, hash)",
        "",
        7,
        rows,
        "insert audit entry",
    )
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("move audit head"))?;
    Ok(written)
}

/// Walks entries in the order given and reports the first problem.
///
/// `head` is the stored chain head `(seq, hash)`, when known; without it a
/// removed tail cannot be detected.
pub(crate) fn verify_entries(entries: &[AuditEntry], head: Option<(i64, &str)>) -> VerifyReport {
    verify_entries_from(entries, 1, GENESIS_HASH, head)
}

/// [`verify_entries`] for the part of a chain after an entry already
/// verified: `entries` must start at `first_seq` and link to `prev_hash`.
pub(crate) fn verify_entries_from(
    entries: &[AuditEntry],
    first_seq: i64,
    start_hash: &str,
    head: Option<(i64, &str)>,
) -> VerifyReport {
    let mut expected_seq = first_seq;
    let mut prev_hash = start_hash.to_owned();
    let mut first_problem = None;
    for entry in entries {
        if let Some(problem) = check_entry(entry, expected_seq, &prev_hash, entries) {
            first_problem = Some(problem);
            break;
        }
        expected_seq = entry.seq + 1;
        prev_hash.clone_from(&entry.hash);
    }
    if first_problem.is_none()
        && let Some((head_seq, head_hash)) = head
    {
        let last_seq = expected_seq - 1;
        if head_seq > last_seq {
            first_problem = Some(AuditProblem {
                seq: last_seq + 1,
                kind: AuditProblemKind::Removed { next_seq: None },
                message: format!(
                    "the audit head is at seq {head_seq} but the last entry is seq {last_seq}: entries {} to {head_seq} were removed",
                    last_seq + 1
                ),
            });
        } else if head_seq < last_seq || head_hash != prev_hash {
            first_problem = Some(AuditProblem {
                seq: last_seq,
                kind: AuditProblemKind::BrokenLink,
                message: format!(
                    "the audit head (seq {head_seq}, hash {head_hash}) does not match the last entry (seq {last_seq}, hash {prev_hash})"
                ),
            });
        }
    }
    let (last_seq, last_hash) = entries
        .last()
        .map(|entry| (entry.seq, entry.hash.clone()))
        .unwrap_or_else(|| (first_seq - 1, start_hash.to_owned()));
    VerifyReport {
        entries: entries.len() as u64,
        ok: first_problem.is_none(),
        first_problem,
        last_seq,
        last_hash,
    }
}

fn check_entry(
    entry: &AuditEntry,
    expected_seq: i64,
    prev_hash: &str,
    all_entries: &[AuditEntry],
) -> Option<AuditProblem> {
    if entry.seq > expected_seq {
        return Some(AuditProblem {
            seq: expected_seq,
            kind: AuditProblemKind::Removed {
                next_seq: Some(entry.seq),
            },
            message: format!(
                "entries {expected_seq} to {} are missing: the chain jumps to seq {}",
                entry.seq - 1,
                entry.seq
            ),
        });
    }
    if entry.seq < expected_seq {
        return Some(AuditProblem {
            seq: entry.seq,
            kind: AuditProblemKind::Reordered,
            message: format!(
                "entry seq {} appears where seq {expected_seq} was expected",
                entry.seq
            ),
        });
    }
    if entry.compute_hash() != entry.hash {
        // An intact entry moved to another position still hashes correctly
        // under the seq it was written with; look for that seq to tell a
        // reordering from an edit.
        let written_as = all_entries
            .iter()
            .map(|other| other.seq)
            .find(|&candidate| {
                candidate != entry.seq
                    && entry_hash(
                        candidate,
                        entry.created_at,
                        &entry.kind,
                        &entry.subject,
                        &entry.payload,
                        &entry.prev_hash,
                    ) == entry.hash
            });
        return Some(match written_as {
            Some(original_seq) => AuditProblem {
                seq: entry.seq,
                kind: AuditProblemKind::Reordered,
                message: format!(
                    "entry at seq {} was written as seq {original_seq}",
                    entry.seq
                ),
            },
            None => AuditProblem {
                seq: entry.seq,
                kind: AuditProblemKind::Altered,
                message: format!(
                    "entry seq {} does not match its hash: its contents were changed",
                    entry.seq
                ),
            },
        });
    }
    if entry.prev_hash != prev_hash {
        return Some(AuditProblem {
            seq: entry.seq,
            kind: AuditProblemKind::BrokenLink,
            message: format!(
                "entry seq {} points at {} but the previous entry's hash is {prev_hash}",
                entry.seq, entry.prev_hash
            ),
        });
    }
    None
}

/// Re-verifies an export written by [`Store::export_audit_jsonl`], without a
/// database. Blank lines are ignored; a line that is not a valid entry is
/// reported as altered.
pub fn verify_audit_jsonl(reader: impl BufRead) -> Result<VerifyReport, StoreError> {
    let mut entries = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| StoreError::InvalidStoredValue {
            what: "audit export",
            message: format!("failed to read line {}: {source}", index + 1),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditEntry>(&line) {
            Ok(entry) => entries.push(entry),
            Err(error) => {
                let seq = entries.last().map_or(1, |entry: &AuditEntry| entry.seq + 1);
                let mut report = verify_entries(&entries, None);
                if report.ok {
                    report.ok = false;
                    report.first_problem = Some(AuditProblem {
                        seq,
                        kind: AuditProblemKind::Altered,
                        message: format!("line {} is not a valid audit entry: {error}", index + 1),
                    });
                }
                return Ok(report);
            }
        }
    }
    Ok(verify_entries(&entries, None))
}

/// The stored chain head `(seq, hash)`, read through `executor` (the pool, or a
/// transaction that also reads the entries).
async fn read_head<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(executor)
        .await
        .map_err(StoreError::database("read audit head"))?;
    let read = || StoreError::database("read audit head");
    Ok((
        row.try_get("seq").map_err(read())?,
        row.try_get("hash").map_err(read())?,
    ))
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let read = StoreError::database("read audit entry");
    let payload_json: String = row.try_get("payload_json").map_err(read)?;
    // A payload that is not JSON any more was altered; keep it as a string so
    // that the hash check reports it instead of failing the whole walk.
    let payload = serde_json::from_str(&payload_json)
        .unwrap_or_else(|_| serde_json::Value::String(payload_json.clone()));
    let read = || StoreError::database("read audit entry");
    Ok(AuditEntry {
        seq: row.try_get("seq").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
        kind: row.try_get("kind").map_err(read())?,
        subject: row.try_get("subject").map_err(read())?,
        payload,
        prev_hash: row.try_get("prev_hash").map_err(read())?,
        hash: row.try_get("hash").map_err(read())?,
    })
}

impl Store {
    /// Appends one audit entry in its own transaction, for events that change
    /// nothing else (e.g. an export was taken).
    pub async fn append_audit_event(
        &self,
        kind: &str,
        subject: &str,
        payload: &serde_json::Value,
        now_ms: i64,
    ) -> Result<AuditEntry, StoreError> {
        let mut transaction = self.begin_write("append audit event").await?;
        let entry = append_audit(&mut transaction, kind, subject, payload, now_ms).await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit audit event"))?;
        Ok(entry)
    }

    /// The stored chain head: `(seq, hash)` of the last entry (0 and the genesis hash when empty).
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        read_head(&self.pool).await
    }

    /// Reads every audit entry in seq order.
    pub async fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, created_at, kind, subject, payload_json, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("read audit log"))?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Walks the whole chain by seq, recomputing every hash, and checks that
    /// the stored head matches the last entry.
    pub async fn verify_audit(&self) -> Result<VerifyReport, StoreError> {
        self.verify_audit_since(0, GENESIS_HASH).await
    }

    /// Verifies only what was appended after an entry verified earlier:
    /// entry `seq` must still carry `hash` (a rewrite of the chain up to it
    /// changes that hash), and every later entry must link on from it up to
    /// the head. With `seq` 0 and the genesis hash this is a full walk.
    ///
    /// An entry before `seq` edited without re-hashing anything is not seen
    /// here: only [`Store::verify_audit`] (or a signed checkpoint) sees that.
    pub async fn verify_audit_since(
        &self,
        seq: i64,
        hash: &str,
    ) -> Result<VerifyReport, StoreError> {
        // Read the head and the entries in one transaction so a concurrent
        // append cannot make them disagree.
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(StoreError::database("verify audit log"))?;
        let (head_seq, head_hash) = read_head(&mut *transaction).await?;
        let anchor: Option<String> = if seq > 0 {
            sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(seq)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read audit entry"))?
                .map(|row| row.try_get("hash"))
                .transpose()
                .map_err(StoreError::database("read audit entry"))?
        } else {
            Some(GENESIS_HASH.to_owned())
        };
        let rows = sqlx::query(
            "SELECT seq, created_at, kind, subject, payload_json, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq",
        )
        .bind(seq)
        .fetch_all(&mut *transaction)
        .await
        .map_err(StoreError::database("read audit log"))?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("verify audit log"))?;
        if anchor.as_deref() != Some(hash) {
            let message = match anchor {
                None => format!("entry {seq}, verified earlier, is gone: the chain was truncated"),
                Some(now) => format!(
                    "entry {seq} was verified with hash {hash} and now has {now}: the chain was rewritten"
                ),
            };
            return Ok(VerifyReport {
                entries: 0,
                ok: false,
                first_problem: Some(AuditProblem {
                    seq,
                    kind: AuditProblemKind::Altered,
                    message,
                }),
                last_seq: seq,
                last_hash: hash.to_owned(),
            });
        }
        let entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        drop(rows);
        // Hashing a long chain takes seconds: off the async workers, so a
        // server keeps answering (e.g. /healthz) meanwhile.
        let start_hash = hash.to_owned();
        tokio::task::spawn_blocking(move || {
            verify_entries_from(&entries, seq + 1, &start_hash, Some((head_seq, &head_hash)))
        })
        .await
        .map_err(|_| StoreError::InvalidStoredValue {
            what: "audit log",
            message: "the verification task stopped".to_owned(),
        })
    }

    /// One page of a subject's entries, newest first: those before seq
    /// `before` (all when `None`), at most `limit`.
    pub async fn audit_entries_for_subject(
        &self,
        subject: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, created_at, kind, subject, payload_json, prev_hash, hash \
             FROM audit_log WHERE subject = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
        )
        .bind(subject)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("read audit log"))?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Writes every entry as one JSON object per line, in seq order, and
    /// returns how many were written.
    pub async fn export_audit_jsonl(&self, mut writer: impl Write) -> Result<u64, StoreError> {
        let entries = self.audit_entries().await?;
        for entry in &entries {
            let line = serde_json::to_string(entry).map_err(StoreError::json("audit entry"))?;
            writeln!(writer, "{line}").map_err(|source| StoreError::ExportWrite { source })?;
        }
        writer
            .flush()
            .map_err(|source| StoreError::ExportWrite { source })?;
        Ok(entries.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(count: i64) -> Vec<AuditEntry> {
        let mut prev_hash = GENESIS_HASH.to_owned();
        (1..=count)
            .map(|seq| {
                let payload = serde_json::json!({"b": seq, "a": [1, {"z": null, "y": "x"}]});
                let hash = entry_hash(seq, 1000 + seq, "test", "s", &payload, &prev_hash);
                let entry = AuditEntry {
                    seq,
                    created_at: 1000 + seq,
                    kind: "test".to_owned(),
                    subject: "s".to_owned(),
                    payload,
                    prev_hash: prev_hash.clone(),
                    hash: hash.clone(),
                };
                prev_hash = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{ "b": 1, "a": {"d": [1, 2.5], "c": "é\n"} }"#)
                .unwrap_or_default();
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":"é\n","d":[1,2.5]},"b":1}"#
        );
    }

    #[test]
    fn entry_hash_matches_the_documented_construction() {
        let payload = serde_json::json!({"b": 2, "a": 1});
        let text = format!(
            r#"{{"seq":1,"created_at":5,"kind":"k","subject":"s","payload":{{"a":1,"b":2}},"prev_hash":"{GENESIS_HASH}"}}"#
        );
        assert_eq!(
            entry_hash(1, 5, "k", "s", &payload, GENESIS_HASH),
            sha256_hex(text.as_bytes())
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let entries = chain(5);
        let report = verify_entries(&entries, Some((5, &entries[4].hash)));
        assert!(report.ok, "{report:?}");
        assert_eq!(report.entries, 5);
    }

    #[test]
    fn swapped_entries_are_reported_as_reordered() {
        let mut entries = chain(5);
        entries.swap(1, 2);
        entries[1].seq = 2;
        entries[2].seq = 3;
        let report = verify_entries(&entries, None);
        let problem = report
            .first_problem
            .unwrap_or_else(|| panic!("not detected"));
        assert_eq!(problem.seq, 2);
        assert_eq!(problem.kind, AuditProblemKind::Reordered);
    }
}
