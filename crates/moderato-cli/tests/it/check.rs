//! `moderato check`: one item in, one decision out, as JSON or text.
//!
//! Bad items must exit with code 2 and a message that names the offending
//! field; odd Unicode and CRLF endings must be decided, never crash.

use std::path::Path;

use insta::assert_snapshot;
use predicates::prelude::*;
use serde_json::Value;

use crate::{moderato, moderato_in, scrub, stderr_text, stdout_text, workspace_root};

const HEAD_OF_STATE: &str = "examples/head-of-state.json";

/// Writes `item` to `item.json` in a fresh folder, runs `check` on it with
/// `arguments`, expects exit code 2 and returns the standard error.
fn check_rejected(item: &[u8], arguments: &[&str]) -> String {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("item.json"), item).unwrap();
    let output = moderato_in(folder.path())
        .arg("check")
        .arg("item.json")
        .args(arguments)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty(), "no decision for a rejected item");
    stderr_text(&output)
}

/// Decides `item` from standard input and returns the JSON decision.
fn check_json(item: &str) -> Value {
    let output = moderato()
        .args(["check", "-"])
        .write_stdin(item)
        .assert()
        .success()
        .get_output()
        .clone();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Decides `item` from standard input and returns the text explanation.
fn check_text(item: &str) -> String {
    let output = moderato()
        .args(["check", "-", "--format", "text"])
        .write_stdin(item)
        .assert()
        .success()
        .get_output()
        .clone();
    stdout_text(&output)
}

#[test]
fn json_output_is_the_decision_for_the_item() {
    let output = moderato()
        .current_dir(workspace_root())
        .args(["check", HEAD_OF_STATE])
        .assert()
        .success()
        .get_output()
        .clone();
    let decision: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(decision["content_id"], "post-1");
    assert_eq!(decision["policy"]["id"], "moderato-default");
    assert_eq!(decision["action"], "public_interest_notice");
    assert_eq!(decision["rules"][0]["id"], "violence.glorification");
    assert_eq!(decision["public_interest"]["applied"], true);
    assert_eq!(decision["decision_id"].as_str().unwrap().len(), 26);
    assert!(output.stderr.is_empty(), "{}", stderr_text(&output));
}

#[test]
fn json_is_the_default_format_and_text_explains_the_same_decision() {
    let item = std::fs::read_to_string(workspace_root().join(HEAD_OF_STATE)).unwrap();
    let decision = check_json(&item);
    let text = check_text(&item);
    assert!(text.contains(&format!(
        "action   {}",
        decision["action"].as_str().unwrap()
    )));
    assert_snapshot!(scrub(&text));
}

#[test]
fn standard_input_is_the_default_input() {
    moderato()
        .arg("check")
        .write_stdin(r#"{"id":"1","text":"hello"}"#)
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""action": "allow""#));
}

#[test]
fn unknown_nested_field_is_named_and_exits_2() {
    let stderr = check_rejected(br#"{"id":"1","text":"hi","author":{"folowers":3}}"#, &[]);
    assert!(stderr.contains("`author.folowers`"), "{stderr}");
    assert_snapshot!(stderr);
}

#[test]
fn unknown_top_level_field_is_named_and_exits_2() {
    let stderr = check_rejected(br#"{"id":"1","text":"hi","autor":{}}"#, &[]);
    assert!(stderr.contains("`autor`"), "{stderr}");
    assert_snapshot!(stderr);
}

#[test]
fn oversized_text_exits_2_with_both_sizes() {
    let stderr = check_rejected(
        br#"{"id":"1","text":"hello world"}"#,
        &["--max-text-bytes", "10"],
    );
    assert_snapshot!(stderr);
}

#[test]
fn text_limit_counts_bytes_not_characters() {
    // Five two-byte characters fill a ten-byte limit exactly; six overflow it.
    moderato()
        .args(["check", "-", "--max-text-bytes", "10"])
        .write_stdin(r#"{"id":"1","text":"ééééé"}"#)
        .assert()
        .success();
    let stderr = check_rejected(
        r#"{"id":"1","text":"éééééé"}"#.as_bytes(),
        &["--max-text-bytes", "10"],
    );
    assert!(stderr.contains("12 bytes"), "{stderr}");
}

#[test]
fn malformed_json_exits_2_with_a_position() {
    let stderr = check_rejected(br#"{"id":"1","#, &[]);
    assert!(stderr.starts_with("error: item.json: "), "{stderr}");
    assert!(stderr.contains("EOF while parsing"), "{stderr}");
    assert!(stderr.contains("line 1, column 10"), "{stderr}");
}

#[test]
fn empty_file_exits_2() {
    let stderr = check_rejected(b"", &[]);
    assert!(stderr.contains("EOF while parsing a value"), "{stderr}");
}

#[test]
fn several_items_in_one_file_exit_2() {
    let stderr = check_rejected(
        b"{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"2\",\"text\":\"b\"}\n",
        &[],
    );
    assert_snapshot!(stderr);
}

#[test]
fn values_out_of_range_name_their_field() {
    for (item, field) in [
        (
            r#"{"id":"1","text":"a","metrics":{"views":-1}}"#,
            "`metrics.views`",
        ),
        (r#"{"id":"1","text":"a","region":"usa"}"#, "`region`"),
        (
            r#"{"id":"1","text":"a","created_at":"yesterday"}"#,
            "`created_at`",
        ),
        (
            r#"{"id":"1","text":"a","signals":[{"name":"external.toxicity","score":1.5}]}"#,
            "`signals[0].score`",
        ),
        (
            r#"{"id":"1","text":"a","author":{"public_role":"king"}}"#,
            "`author.public_role`",
        ),
        (r#"{"id":" ","text":"a"}"#, "`id`"),
    ] {
        let stderr = check_rejected(item.as_bytes(), &[]);
        assert!(stderr.contains(field), "{item}: {stderr}");
    }
}

#[test]
fn crlf_line_ending_is_accepted() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("item.json"),
        "{\"id\":\"1\",\r\n\"text\":\"hello\"}\r\n",
    )
    .unwrap();
    moderato_in(folder.path())
        .args(["check", "item.json", "--format", "text"])
        .assert()
        .success()
        .stdout(predicate::str::contains("action   allow"));
}

#[test]
fn odd_unicode_is_decided_and_explained_without_crashing() {
    let texts = [
        // Full-width letters are folded before detection.
        "Let's ｋｉｌｌ them all, every last one of them",
        // A zero-width space inside the word and emoji after it.
        "Let's k\u{200b}ill them all 🔪🔪 every last one",
        // A right-to-left override, combining accents and a title-case digraph.
        "\u{202e}ǅ e\u{301}e\u{301} I know where you live and I'm going to kill you",
        // Characters whose compatibility forms are many characters long.
        "ﷺﷺ ﬃ Let's kill them all ﷺ",
        // Emoji ZWJ sequences around the match.
        "🏳️‍🌈 I'm going to kill you 👨‍👩‍👧",
        "\u{feff}\u{1}\u{2028}\u{e0041}",
        "",
    ];
    // A NUL character is refused on every backend alike (issue 12 §2), naming the field.
    let refused = check_rejected(
        serde_json::json!({"id": "u", "text": "a\u{0}b"})
            .to_string()
            .as_bytes(),
        &[],
    );
    assert!(refused.contains("field `text`"), "{refused}");
    assert!(refused.contains("NUL"), "{refused}");
    for text in texts {
        let item = serde_json::json!({"id": "u", "text": text}).to_string();
        let decision = check_json(&item);
        let explanation = check_text(&item);
        let action = decision["action"].as_str().unwrap();
        assert!(
            explanation.contains(&format!("action   {action}")),
            "{text:?}: {explanation}"
        );
        // Every evidence span must point inside the text, in characters.
        let characters = text.chars().count() as u64;
        for rule in decision["rules"].as_array().unwrap() {
            for evidence in rule["evidence"].as_array().unwrap() {
                if let Some(span) = evidence["span"].as_array() {
                    let (start, end) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
                    assert!(start <= end && end <= characters, "{text:?}: {evidence}");
                }
            }
        }
    }
    let decision = check_json(
        &serde_json::json!({"id": "u", "text": "Let's ｋｉｌｌ them all, every last one of them"})
            .to_string(),
    );
    assert_eq!(decision["action"], "remove");
}

#[test]
fn missing_input_file_is_reported_by_name() {
    let folder = tempfile::tempdir().unwrap();
    let output = moderato_in(folder.path())
        .args(["check", "missing.json"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(
        stderr_text(&output).contains("`missing.json`"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn help_lists_every_command() {
    let output = moderato()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .clone();
    let help = stdout_text(&output);
    for command in ["check", "run", "policy"] {
        assert!(help.contains(command), "{help}");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_moderato")).exists());
}
