//! `moderato eval --suite` and `moderato eval --public`: the whole engine scored on labelled
//! items.
//!
//! The suites are written by each test into a temporary folder. Their expectations are chosen
//! so the outcome does not depend on how good the detectors are: a plain benign post that must
//! be allowed, and an expectation no benign post can meet (`geo_restrict`). These tests must
//! never read the project's evaluation suites or the labelled data sets.

use std::path::Path;

use serde_json::Value;

use crate::{moderato_in, stderr_text, stdout_text};

const SUITE: &str = r#"{"item": {"id": "walk", "text": "Lovely morning for a walk by the river, the ducks are back."}, "expect": {"flagged": false, "action_in": ["allow"]}, "category": "negative/ordinary"}
{"item": {"id": "soup", "text": "We had tomato soup for lunch."}, "expect": {"action_in": ["geo_restrict"]}, "category": "negative/impossible"}
"#;

fn write_suite(folder: &Path, text: &str) {
    std::fs::write(folder.join("suite.jsonl"), text).unwrap();
}

#[test]
fn a_suite_prints_its_tables_and_misses() {
    let folder = tempfile::tempdir().unwrap();
    write_suite(folder.path(), SUITE);
    let output = moderato_in(folder.path())
        .args(["eval", "--suite", "suite.jsonl"])
        .output()
        .unwrap();
    let stdout = stdout_text(&output);
    assert!(output.status.success(), "{}{stdout}", stderr_text(&output));
    for expected in [
        "suite   suite.jsonl (2 items)",
        "category",
        "negative/ordinary",
        "negative/impossible",
        "overall accuracy                 0.500 (1 of 2)",
        "benign controls' allow rate      1.000 (1 of 1)",
        "misses: 1 (showing 1)",
        "soup  line 2  [negative/impossible]",
        "action_in: `allow` is not one of [geo_restrict]",
        "text      We had tomato soup for lunch.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
}

#[test]
fn a_suite_below_its_minimum_exits_1_and_json_has_the_same_report() {
    let folder = tempfile::tempdir().unwrap();
    write_suite(folder.path(), SUITE);
    let output = moderato_in(folder.path())
        .args(["eval", "--suite", "suite.jsonl", "--min", "0.9", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_text(&output)
            .contains("accuracy 0.500 (1 of 2 items correct) is below the minimum 0.900"),
        "{}",
        stderr_text(&output)
    );
    let report: Value = serde_json::from_str(&stdout_text(&output)).unwrap();
    assert_eq!(report["items"], 2);
    assert_eq!(report["correct"], 1);
    assert_eq!(report["misses_total"], 1);
    assert_eq!(report["misses"][0]["id"], "soup");
    assert_eq!(report["benign_allow_rate"]["rate"], 1.0);

    let passing = moderato_in(folder.path())
        .args([
            "eval",
            "--suite",
            "suite.jsonl",
            "--min",
            "0.5",
            "--misses",
            "0",
        ])
        .output()
        .unwrap();
    assert!(passing.status.success(), "{}", stderr_text(&passing));
}

#[test]
fn a_bad_suite_line_names_file_line_and_field_and_decides_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let bad = format!(
        "{}{}\n",
        SUITE,
        r#"{"item": {"id": "x", "text": "hi"}, "expect": {"flagged": true, "action_in": ["delete"]}, "category": "c"}"#
    );
    write_suite(folder.path(), &bad);
    let output = moderato_in(folder.path())
        .args(["eval", "--suite", "suite.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("suite.jsonl:3: `expect.action_in[0]`: unknown variant `delete`"),
        "{stderr}"
    );
    assert!(stdout_text(&output).is_empty(), "no partial report");

    let missing = moderato_in(folder.path())
        .args(["eval", "--suite", "absent.jsonl"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_text(&missing).contains("absent.jsonl"));
}

#[test]
fn eval_modes_are_exclusive_and_public_names_a_missing_folder() {
    let folder = tempfile::tempdir().unwrap();
    write_suite(folder.path(), SUITE);
    let both = moderato_in(folder.path())
        .args(["eval", "--suite", "suite.jsonl", "--public", "data"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let policy_alone = moderato_in(folder.path())
        .args(["eval", "--policy", "default"])
        .output()
        .unwrap();
    assert_eq!(policy_alone.status.code(), Some(2));

    let missing = moderato_in(folder.path())
        .args(["eval", "--public", "no-such-data"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr_text(&missing).contains("data folder `no-such-data` does not exist"),
        "{}",
        stderr_text(&missing)
    );
}

#[test]
fn flagged_ordinary_posts_are_never_listed_from_the_test_rows() {
    let folder = tempfile::tempdir().unwrap();
    for option in ["--show-flagged", "--show-missed"] {
        let refused = moderato_in(folder.path())
            .args(["eval", "--public", "data", option, "10"])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        assert!(
            stderr_text(&refused)
                .contains("--show-flagged and --show-missed list validation rows only"),
            "{}",
            stderr_text(&refused)
        );
    }
    let split_alone = moderato_in(folder.path())
        .args(["eval", "--split", "validation"])
        .output()
        .unwrap();
    assert_eq!(split_alone.status.code(), Some(2));
}
