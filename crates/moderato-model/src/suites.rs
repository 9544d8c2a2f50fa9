//! Reading Moderato's own labelled suites (`eval/*.jsonl`, the format of
//! `moderato eval --suite`) as training rows for the rule-category model.
//!
//! Label per category ([`SUITE_LABELS`]): a suite item is positive for the
//! rule its `expect.rules` names; unlabelled (`None`) for the rules its
//! `also_ok` allows, since a fair reviewer could go either way; negative for
//! every other rule, and for every rule when `expect.flagged` is false.
//! Validation rows: a fixed fifth of the items by a hash of their id (the
//! salt never changes), so thresholds are never chosen on training rows.
//!
//! This module must never read a suite that is reported as blind: the caller
//! names the files, and the README says which ones were trained on.

use std::path::Path;

use serde::Deserialize;

use crate::data::{Example, Split};
use crate::error::ModelError;
use crate::train::LabelledText;
use sha2::{Digest, Sha256};

/// The rule-category model's labels, and the rule each stands for.
pub const SUITE_LABELS: [(&str, &str); 8] = [
    ("threat", "violence.threat"),
    ("incitement", "violence.incitement"),
    ("glorification", "violence.glorification"),
    ("dehumanization", "hate.dehumanization"),
    ("derogation", "hate.derogation"),
    ("exclusion", "hate.exclusion"),
    ("harassment", "harassment.abuse"),
    ("civic", "misinfo.civic"),
];

const VALIDATION_SALT: &[u8] = b"moderato-suite-validation-v1";

/// One suite item as a training row.
#[derive(Debug, Clone)]
pub struct SuiteRow {
    /// The item's id.
    pub id: String,
    /// The text after `moderato_detect::normalize`.
    pub normalized: String,
    /// One entry per [`SUITE_LABELS`].
    pub labels: Vec<Option<bool>>,
    /// Held out for calibration and thresholds.
    pub validation: bool,
}

#[derive(Deserialize)]
struct Line {
    item: LineItem,
    expect: LineExpect,
}

#[derive(Deserialize)]
struct LineItem {
    id: String,
    text: String,
}

#[derive(Deserialize)]
struct LineExpect {
    flagged: Option<bool>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    also_ok: Vec<String>,
}

/// Whether a suite item is a validation row: the first byte of
/// SHA-256(salt ‖ id) is a multiple of 5 (about a fifth of the items; easy to
/// reproduce outside Rust).
pub fn is_validation(id: &str) -> bool {
    let digest = Sha256::new()
        .chain_update(VALIDATION_SALT)
        .chain_update(id.as_bytes())
        .finalize();
    digest[0] % 5 == 0
}

/// Reads one suite file. Items whose expectation says nothing about being
/// flagged are skipped.
pub fn load_suite(path: &Path) -> Result<Vec<SuiteRow>, ModelError> {
    let content = std::fs::read_to_string(path).map_err(|source| ModelError::ReadData {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rows = Vec::new();
    for (index, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(line).map_err(|error| ModelError::DataFormat {
            path: path.to_path_buf(),
            record: index + 1,
            reason: error.to_string(),
        })?;
        let Some(flagged) = parsed.expect.flagged else {
            continue;
        };
        let labels = SUITE_LABELS
            .iter()
            .map(|(_, rule)| {
                let rule = rule.to_string();
                if !flagged {
                    Some(false)
                } else if parsed.expect.rules.contains(&rule) {
                    Some(true)
                } else if parsed.expect.also_ok.contains(&rule) {
                    None
                } else {
                    Some(false)
                }
            })
            .collect();
        let validation = is_validation(&parsed.item.id);
        rows.push(SuiteRow {
            normalized: moderato_detect::normalize(&parsed.item.text).text,
            id: parsed.item.id,
            labels,
            validation,
        });
    }
    Ok(rows)
}

/// The public sets' ordinary posts as negatives for every rule: rows whose
/// every known label is false (OLID `NOT`, Davidson `neither`, GHC rows with
/// no hate, offence or violence, …), training and validation rows only.
pub fn ordinary_rows(examples: &[Example]) -> Vec<LabelledText<'_>> {
    examples
        .iter()
        .filter(|example| example.split != Split::Test)
        .filter(|example| {
            example.labels.iter().any(Option::is_some)
                && example.labels.iter().all(|label| *label != Some(true))
        })
        .map(|example| LabelledText {
            normalized: &example.normalized,
            labels: vec![Some(false); SUITE_LABELS.len()],
            validation: example.split == Split::Validation,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_item_is_positive_for_its_rule_unlabelled_for_also_ok_negative_otherwise() {
        let folder = std::env::temp_dir().join(format!("moderato-suite-{}", std::process::id()));
        std::fs::create_dir_all(&folder).ok();
        let path = folder.join("s.jsonl");
        let lines = [
            r#"{"item": {"id": "a", "text": "I will hurt you"}, "expect": {"flagged": true, "rules": ["violence.threat"], "also_ok": ["harassment.abuse"]}, "category": "violence.threat/direct"}"#,
            r#"{"item": {"id": "b", "text": "Lovely day"}, "expect": {"flagged": false}, "category": "negative/ordinary"}"#,
            r#"{"item": {"id": "c", "text": "no expectation"}, "expect": {"action_in": ["allow"]}, "category": "x"}"#,
        ];
        std::fs::write(&path, lines.join("\n")).ok();
        let rows = load_suite(&path).unwrap_or_default();
        std::fs::remove_dir_all(&folder).ok();
        assert_eq!(rows.len(), 2, "the item without `flagged` is skipped");
        let threat = SUITE_LABELS
            .iter()
            .position(|(name, _)| *name == "threat")
            .unwrap_or(usize::MAX);
        let harassment = SUITE_LABELS
            .iter()
            .position(|(name, _)| *name == "harassment")
            .unwrap_or(usize::MAX);
        assert_eq!(rows[0].labels[threat], Some(true));
        assert_eq!(rows[0].labels[harassment], None);
        assert_eq!(
            rows[0].labels.iter().filter(|l| **l == Some(false)).count(),
            6
        );
        assert!(rows[1].labels.iter().all(|label| *label == Some(false)));
        assert_eq!(
            rows[0].normalized,
            moderato_detect::normalize("I will hurt you").text
        );
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_line() {
        let folder =
            std::env::temp_dir().join(format!("moderato-suite-bad-{}", std::process::id()));
        std::fs::create_dir_all(&folder).ok();
        let path = folder.join("s.jsonl");
        std::fs::write(&path, "\n{\"item\": {}}\n").ok();
        let error = load_suite(&path).err().map(|error| error.to_string());
        std::fs::remove_dir_all(&folder).ok();
        let error = error.unwrap_or_default();
        assert!(
            error.contains("s.jsonl") && error.contains("record 2"),
            "{error}"
        );
    }

    #[test]
    fn the_validation_fifth_is_fixed_by_id() {
        // The same rule as documented (first byte of SHA-256(salt ‖ id) a multiple of 5).
        let chosen = (0..1000)
            .filter(|index| is_validation(&format!("id-{index}")))
            .count();
        assert!((150..250).contains(&chosen), "{chosen}");
        assert_eq!(is_validation("f3-0001"), is_validation("f3-0001"));
    }
}
