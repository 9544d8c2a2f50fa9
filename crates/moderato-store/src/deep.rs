//! Deep verification: the `decisions`, `strikes`, `account_restrictions` and
//! `content_items` tables checked against what the audit chain says was
//! written.
//!
//! The hash chain proves that its entries were not changed; it says nothing
//! about the tables the service actually reads. Every write to those tables
//! is recorded in a `decision.recorded` entry in the same transaction (the
//! decision's SHA-256, its action and decider, the strike and restriction it
//! added, the strikes and restrictions a review reversed), so a row that
//! disagrees with the chain was changed around the store. This module reads
//! the chain's entries once, then streams each table and reports every
//! disagreement (the first [`DEEP_PROBLEMS_KEPT`] in full, all of them
//! counted).
//!
//! This module must never write: it only reads, and the chain's own
//! integrity is [`Store::verify_audit`]'s job (run it first; a deep check on a
//! broken chain compares against entries that cannot be trusted).

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::sha256_hex;
use crate::error::StoreError;
use crate::store::Store;

/// How many problems a [`DeepReport`] keeps in full.
pub const DEEP_PROBLEMS_KEPT: usize = 50;

/// One row that disagrees with the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepProblem {
    /// The table holding the row: `decisions`, `strikes`,
    /// `account_restrictions` or `content_items`.
    pub table: String,
    /// The row's key (decision id, strike or restriction id, content id).
    pub key: String,
    /// A sentence for people.
    pub message: String,
}

/// The result of [`Store::verify_tables`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepReport {
    /// `decision.recorded` entries read from the chain.
    pub chain_decisions: u64,
    /// Rows read per table.
    pub decisions: u64,
    /// Strike rows read.
    pub strikes: u64,
    /// Restriction rows read.
    pub restrictions: u64,
    /// Content rows read.
    pub contents: u64,
    /// Every problem found (only the first [`DEEP_PROBLEMS_KEPT`] are in `problems`).
    pub problem_count: u64,
    /// The first problems found, table by table.
    pub problems: Vec<DeepProblem>,
}

impl DeepReport {
    /// No table disagrees with the chain.
    pub fn ok(&self) -> bool {
        self.problem_count == 0
    }
}

/// A strike as the chain recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChainStrike {
    account_id: String,
    weight: i64,
    expires_at: i64,
}

/// A restriction as the chain recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChainRestriction {
    account_id: String,
    action: String,
    starts_at: i64,
    ends_at: Option<i64>,
    permanent: bool,
}

/// A decision as the chain recorded it.
#[derive(Debug, Clone)]
struct ChainDecision {
    seq: i64,
    created_at: i64,
    content_id: String,
    action: String,
    decided_by: String,
    decision_sha256: String,
    strike: Option<ChainStrike>,
    restriction: Option<ChainRestriction>,
}

/// Everything the chain says about the tables, and the comparison.
#[derive(Default)]
struct Checker {
    decisions: HashMap<String, ChainDecision>,
    /// Decision id → time of the review entry that reversed its account outcome.
    reversed_at: HashMap<String, i64>,
    /// Content id → its last recorded decision.
    current: HashMap<String, String>,
    /// Rows seen, to report what the chain holds and the tables lost.
    seen_decisions: HashSet<String>,
    seen_strikes: HashSet<String>,
    seen_restrictions: HashSet<String>,
    seen_contents: HashSet<String>,
    report: DeepReport,
}

fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

fn int(value: &serde_json::Value, key: &str) -> Option<i64> {
    value.get(key)?.as_i64()
}

impl Checker {
    fn problem(&mut self, table: &str, key: &str, message: String) {
        self.report.problem_count += 1;
        if self.report.problems.len() < DEEP_PROBLEMS_KEPT {
            self.report.problems.push(DeepProblem {
                table: table.to_owned(),
                key: key.to_owned(),
                message,
            });
        }
    }

    /// Reads one `decision.recorded` entry.
    fn entry(&mut self, seq: i64, created_at: i64, payload: &serde_json::Value) {
        self.report.chain_decisions += 1;
        let (Some(decision_id), Some(content_id)) =
            (text(payload, "decision_id"), text(payload, "content_id"))
        else {
            self.problem(
                "audit_log",
                &seq.to_string(),
                format!("entry {seq} records a decision without a decision id or content id"),
            );
            return;
        };
        let account = payload.get("account").filter(|value| !value.is_null());
        let account_id = account.and_then(|account| text(account, "account_id"));
        let strike = account
            .and_then(|account| account.get("strike"))
            .filter(|strike| !strike.is_null())
            .map(|strike| ChainStrike {
                account_id: account_id.clone().unwrap_or_default(),
                weight: int(strike, "weight").unwrap_or(0),
                expires_at: int(strike, "expires_at").unwrap_or(0),
            });
        let restriction = account
            .and_then(|account| account.get("restriction"))
            .filter(|restriction| !restriction.is_null())
            .map(|restriction| ChainRestriction {
                account_id: account_id.clone().unwrap_or_default(),
                action: text(restriction, "action").unwrap_or_default(),
                starts_at: int(restriction, "starts_at").unwrap_or(0),
                ends_at: int(restriction, "ends_at"),
                permanent: restriction
                    .get("permanent")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false),
            });
        if let Some(reversed) = payload
            .get("reversed")
            .and_then(|reversed| reversed.get("decisions"))
            .and_then(serde_json::Value::as_array)
        {
            for earlier in reversed.iter().filter_map(serde_json::Value::as_str) {
                // The first review lifts what is in force; a later one finds nothing left.
                self.reversed_at
                    .entry(earlier.to_owned())
                    .or_insert(created_at);
            }
        }
        self.current.insert(content_id.clone(), decision_id.clone());
        self.decisions.insert(
            decision_id,
            ChainDecision {
                seq,
                created_at,
                content_id,
                action: text(payload, "action").unwrap_or_default(),
                decided_by: text(payload, "decided_by").unwrap_or_default(),
                decision_sha256: text(payload, "decision_sha256").unwrap_or_default(),
                strike,
                restriction,
            },
        );
    }

    fn decision_row(&mut self, row: &DecisionRow) {
        self.report.decisions += 1;
        if !self.seen_decisions.insert(row.decision_id.clone()) {
            return;
        }
        let Some(chain) = self.decisions.get(&row.decision_id) else {
            let message = format!(
                "decision {} ({} on {}) is in the table but the audit chain never recorded it",
                row.decision_id, row.action, row.content_id
            );
            self.problem("decisions", &row.decision_id, message);
            return;
        };
        let mut differences = Vec::new();
        compare(
            &mut differences,
            "content",
            &row.content_id,
            &chain.content_id,
        );
        compare(&mut differences, "action", &row.action, &chain.action);
        compare(
            &mut differences,
            "decided by",
            &row.decided_by,
            &chain.decided_by,
        );
        compare(&mut differences, "time", &row.created_at, &chain.created_at);
        if chain.decision_sha256 != sha256_hex(row.decision_json.as_bytes()) {
            differences.push("its stored JSON (the SHA-256 differs)".to_owned());
        }
        if !differences.is_empty() {
            let message = format!(
                "decision {} differs from audit entry {}: {}",
                row.decision_id,
                chain.seq,
                differences.join("; ")
            );
            self.problem("decisions", &row.decision_id, message);
        }
    }

    fn strike_row(&mut self, row: &StrikeRow) {
        self.report.strikes += 1;
        let key = row.id.to_string();
        let Some(chain) = self
            .decisions
            .get(&row.decision_id)
            .and_then(|decision| decision.strike.clone())
        else {
            let message = format!(
                "strike {} (weight {} on {} for decision {}) was never recorded in the audit chain",
                row.id, row.weight, row.account_id, row.decision_id
            );
            self.problem("strikes", &key, message);
            return;
        };
        if !self.seen_strikes.insert(row.decision_id.clone()) {
            let message = format!(
                "strike {} repeats the strike of decision {}, which the chain recorded once",
                row.id, row.decision_id
            );
            self.problem("strikes", &key, message);
            return;
        }
        let mut differences = Vec::new();
        compare(
            &mut differences,
            "account",
            &row.account_id,
            &chain.account_id,
        );
        compare(&mut differences, "weight", &row.weight, &chain.weight);
        compare(
            &mut differences,
            "expiry",
            &row.expires_at,
            &chain.expires_at,
        );
        let reversed = self.reversed_at.contains_key(&row.decision_id);
        if row.withdrawn && !reversed {
            differences
                .push("withdrawn, but no review in the chain reversed its decision".to_owned());
        }
        if !row.withdrawn && reversed {
            differences.push("still counts, but a review in the chain withdrew it".to_owned());
        }
        if !differences.is_empty() {
            let message = format!(
                "strike {} of decision {} differs from the chain: {}",
                row.id,
                row.decision_id,
                differences.join("; ")
            );
            self.problem("strikes", &key, message);
        }
    }

    fn restriction_row(&mut self, row: &RestrictionRow) {
        self.report.restrictions += 1;
        let key = row.id.to_string();
        let decision_id = row.decision_id.clone().unwrap_or_default();
        let Some(chain) = self
            .decisions
            .get(&decision_id)
            .and_then(|decision| decision.restriction.clone())
        else {
            let message = format!(
                "restriction {} ({} on {}) was never recorded in the audit chain",
                row.id, row.action, row.account_id
            );
            self.problem("account_restrictions", &key, message);
            return;
        };
        if !self.seen_restrictions.insert(decision_id.clone()) {
            let message = format!(
                "restriction {} repeats the restriction of decision {decision_id}, which the chain recorded once",
                row.id
            );
            self.problem("account_restrictions", &key, message);
            return;
        }
        let mut differences = Vec::new();
        compare(
            &mut differences,
            "account",
            &row.account_id,
            &chain.account_id,
        );
        compare(&mut differences, "measure", &row.action, &chain.action);
        compare(&mut differences, "start", &row.starts_at, &chain.starts_at);
        let reversed_at = self.reversed_at.get(&decision_id).copied();
        match row.lifted_at {
            None => {
                if chain.ends_at != row.ends_at || chain.permanent != row.permanent {
                    differences.push(format!(
                        "end {} (chain: {})",
                        describe_end(row.ends_at, row.permanent),
                        describe_end(chain.ends_at, chain.permanent)
                    ));
                }
                // A review lifts only what is still running at its time.
                if let Some(reversed_at) = reversed_at
                    && row.ends_at.is_none_or(|ends_at| ends_at > reversed_at)
                {
                    differences.push("still in force, but a review in the chain lifted it".into());
                }
            }
            Some(lifted_at) => {
                if reversed_at != Some(lifted_at) {
                    differences.push(
                        "lifted, but no review in the chain lifted it at that time".to_owned(),
                    );
                } else if row.ends_at != Some(lifted_at) || row.permanent {
                    differences.push(format!(
                        "lifted at {lifted_at} but ends {}",
                        describe_end(row.ends_at, row.permanent)
                    ));
                }
            }
        }
        if !differences.is_empty() {
            let message = format!(
                "restriction {} of decision {decision_id} differs from the chain: {}",
                row.id,
                differences.join("; ")
            );
            self.problem("account_restrictions", &key, message);
        }
    }

    fn content_row(&mut self, content_id: &str, current: Option<&str>) {
        self.report.contents += 1;
        self.seen_contents.insert(content_id.to_owned());
        let chain = self.current.get(content_id).map(String::as_str);
        if chain != current {
            let message = format!(
                "content {content_id} shows decision {} but the chain's last decision for it is {}",
                current.unwrap_or("(none)"),
                chain.unwrap_or("(none)")
            );
            self.problem("content_items", content_id, message);
        }
    }

    /// Reports what the chain recorded and no table holds any more.
    fn finish(mut self) -> DeepReport {
        let mut missing: Vec<(i64, String, String)> = Vec::new();
        for (decision_id, chain) in &self.decisions {
            if !self.seen_decisions.contains(decision_id) {
                missing.push((
                    chain.seq,
                    "decisions".to_owned(),
                    format!(
                        "decision {decision_id} (audit entry {}) is missing from the table",
                        chain.seq
                    ),
                ));
            }
            if chain.strike.is_some() && !self.seen_strikes.contains(decision_id) {
                missing.push((
                    chain.seq,
                    "strikes".to_owned(),
                    format!(
                        "the strike of decision {decision_id} (audit entry {}) is missing",
                        chain.seq
                    ),
                ));
            }
            if chain.restriction.is_some() && !self.seen_restrictions.contains(decision_id) {
                missing.push((
                    chain.seq,
                    "account_restrictions".to_owned(),
                    format!(
                        "the restriction of decision {decision_id} (audit entry {}) is missing",
                        chain.seq
                    ),
                ));
            }
        }
        for (content_id, decision_id) in &self.current {
            if !self.seen_contents.contains(content_id) {
                let seq = self.decisions.get(decision_id).map_or(0, |chain| chain.seq);
                missing.push((
                    seq,
                    "content_items".to_owned(),
                    format!("content {content_id} (audit entry {seq}) is missing from the table"),
                ));
            }
        }
        missing.sort();
        for (seq, table, message) in missing {
            self.problem(&table, &seq.to_string(), message);
        }
        self.report
    }
}

/// Adds `"{what} {stored} (chain: {recorded})"` when a row and the chain disagree.
fn compare<T: PartialEq + std::fmt::Display>(
    differences: &mut Vec<String>,
    what: &str,
    stored: &T,
    recorded: &T,
) {
    if stored != recorded {
        differences.push(format!("{what} {stored} (chain: {recorded})"));
    }
}

fn describe_end(ends_at: Option<i64>, permanent: bool) -> String {
    match (ends_at, permanent) {
        (_, true) => "never (permanent)".to_owned(),
        (Some(ends_at), false) => ends_at.to_string(),
        (None, false) => "never".to_owned(),
    }
}

struct DecisionRow {
    decision_id: String,
    content_id: String,
    action: String,
    decided_by: String,
    decision_json: String,
    created_at: i64,
}

struct StrikeRow {
    id: i64,
    account_id: String,
    decision_id: String,
    weight: i64,
    expires_at: i64,
    withdrawn: bool,
}

struct RestrictionRow {
    id: i64,
    account_id: String,
    decision_id: Option<String>,
    action: String,
    starts_at: i64,
    ends_at: Option<i64>,
    permanent: bool,
    lifted_at: Option<i64>,
}

impl Store {
    /// Checks the decisions, strikes, restrictions and content tables
    /// against the audit chain's `decision.recorded` entries. Streams every
    /// table; memory grows with the number of decisions in the chain (a few
    /// hundred bytes each), not with the size of stored JSON.
    pub async fn verify_tables(&self) -> Result<DeepReport, StoreError> {
        let mut checker = Checker::default();
        let read = || StoreError::database("read audit log");
        let mut rows = sqlx::query(
            "SELECT seq, created_at, payload_json FROM audit_log \
             WHERE kind = 'decision.recorded' ORDER BY seq",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(read())? {
            let seq: i64 = row.try_get("seq").map_err(read())?;
            let created_at: i64 = row.try_get("created_at").map_err(read())?;
            let payload_json: String = row.try_get("payload_json").map_err(read())?;
            let payload = serde_json::from_str(&payload_json).unwrap_or(serde_json::Value::Null);
            checker.entry(seq, created_at, &payload);
        }
        drop(rows);

        let read = || StoreError::database("read decisions");
        let mut rows = sqlx::query(
            "SELECT decision_id, content_id, action, decided_by, decision_json, created_at \
             FROM decisions",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(read())? {
            checker.decision_row(&DecisionRow {
                decision_id: row.try_get("decision_id").map_err(read())?,
                content_id: row.try_get("content_id").map_err(read())?,
                action: row.try_get("action").map_err(read())?,
                decided_by: row.try_get("decided_by").map_err(read())?,
                decision_json: row.try_get("decision_json").map_err(read())?,
                created_at: row.try_get("created_at").map_err(read())?,
            });
        }
        drop(rows);

        let read = || StoreError::database("read strikes");
        let mut rows = sqlx::query(
            "SELECT id, account_id, decision_id, weight, expires_at, withdrawn FROM strikes \
             ORDER BY id",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(read())? {
            checker.strike_row(&StrikeRow {
                id: row.try_get("id").map_err(read())?,
                account_id: row.try_get("account_id").map_err(read())?,
                decision_id: row.try_get("decision_id").map_err(read())?,
                weight: row.try_get("weight").map_err(read())?,
                expires_at: row.try_get("expires_at").map_err(read())?,
                withdrawn: row.try_get::<i64, _>("withdrawn").map_err(read())? != 0,
            });
        }
        drop(rows);

        let read = || StoreError::database("read account restrictions");
        let mut rows = sqlx::query(
            "SELECT id, account_id, decision_id, action, starts_at, ends_at, permanent, \
             lifted_at FROM account_restrictions ORDER BY id",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(read())? {
            checker.restriction_row(&RestrictionRow {
                id: row.try_get("id").map_err(read())?,
                account_id: row.try_get("account_id").map_err(read())?,
                decision_id: row.try_get("decision_id").map_err(read())?,
                action: row.try_get("action").map_err(read())?,
                starts_at: row.try_get("starts_at").map_err(read())?,
                ends_at: row.try_get("ends_at").map_err(read())?,
                permanent: row.try_get::<i64, _>("permanent").map_err(read())? != 0,
                lifted_at: row.try_get("lifted_at").map_err(read())?,
            });
        }
        drop(rows);

        let read = || StoreError::database("read content items");
        let mut rows =
            sqlx::query("SELECT id, current_decision_id FROM content_items").fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(read())? {
            let id: String = row.try_get("id").map_err(read())?;
            let current: Option<String> = row.try_get("current_decision_id").map_err(read())?;
            checker.content_row(&id, current.as_deref());
        }
        drop(rows);
        Ok(checker.finish())
    }
}
