//! `moderato run`: a JSONL file in, decisions out in input order.
//!
//! Malformed lines go to the rejects file with their line number and reason,
//! the exit code is 1 when any line was rejected, and the output is renamed
//! into place at the end, so no `.partial` file or partial line is ever left.

use std::path::Path;

use insta::assert_snapshot;
use serde_json::Value;

use crate::{file_names, moderato_in, stderr_text};

/// Texts that lead to different actions, some with odd Unicode.
const TEXTS: &[&str] = &[
    "hello there, nice weather",
    "Let's kill them all, every last one of them",
    "I know where you live and I'm going to kill you",
    "BUY NOW http://a.example http://c.example FREE money giveaway",
    "Mail-in ballots are fraudulent",
    "Ｉ ｌｏｖｅ ｔｈｉｓ 🎉 \u{200b}",
    "you are a worthless idiot",
    "These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!",
];

/// `count` valid items, one per line, with ids `item-00000`, `item-00001`, …
fn generated_items(count: usize) -> String {
    let mut lines = String::new();
    for index in 0..count {
        let mut item = serde_json::json!({
            "id": format!("item-{index:05}"),
            "text": format!("{} #{index}", TEXTS[index % TEXTS.len()]),
        });
        if index % 5 == 0 {
            item["author"] = serde_json::json!({
                "followers": 80_000_000, "verified": true, "public_role": "head_of_state"
            });
        }
        lines.push_str(&item.to_string());
        lines.push('\n');
    }
    lines
}

/// Reads a JSONL file; fails on a partial (unterminated) last line.
fn read_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    if !text.is_empty() {
        assert!(
            text.ends_with('\n'),
            "partial last line in {}",
            path.display()
        );
    }
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// What must not change between runs: id, action, all actions and rules.
fn actions_of(decisions: &[Value]) -> Vec<String> {
    decisions
        .iter()
        .map(|decision| {
            let rules: Vec<&str> = decision["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|rule| rule["id"].as_str().unwrap())
                .collect();
            format!(
                "{} {} {} [{}]",
                decision["content_id"].as_str().unwrap(),
                decision["action"].as_str().unwrap(),
                decision["actions"],
                rules.join(",")
            )
        })
        .collect()
}

#[test]
fn many_lines_keep_input_order_and_leave_no_partial_file() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.jsonl"), generated_items(3000)).unwrap();
    let output = moderato_in(folder.path())
        .args([
            "run",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rejects.jsonl",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = stderr_text(&output);
    assert!(
        stderr.starts_with("decided 3000 items, rejected 0, in "),
        "{stderr}"
    );

    let decisions = read_lines(&folder.path().join("out.jsonl"));
    let ids: Vec<&str> = decisions
        .iter()
        .map(|decision| decision["content_id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..3000).map(|index| format!("item-{index:05}")).collect();
    assert_eq!(ids, expected);
    assert!(read_lines(&folder.path().join("rejects.jsonl")).is_empty());
    assert_eq!(
        file_names(folder.path()),
        ["in.jsonl", "out.jsonl", "rejects.jsonl"]
    );
}

#[test]
fn one_thread_and_all_threads_decide_the_same() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.jsonl"), generated_items(3000)).unwrap();
    moderato_in(folder.path())
        .args(["run", "in.jsonl", "-o", "one.jsonl", "--threads", "1"])
        .assert()
        .success();
    moderato_in(folder.path())
        .args(["run", "in.jsonl", "-o", "all.jsonl"])
        .assert()
        .success();
    let one = actions_of(&read_lines(&folder.path().join("one.jsonl")));
    let all = actions_of(&read_lines(&folder.path().join("all.jsonl")));
    assert_eq!(one.len(), 3000);
    assert_eq!(one, all);
    // The corpus is varied enough for the comparison to mean something.
    let distinct: std::collections::BTreeSet<&str> = one
        .iter()
        .map(|line| line.split(' ').nth(1).unwrap())
        .collect();
    assert!(distinct.len() >= 4, "{distinct:?}");
}

#[test]
fn malformed_lines_are_rejected_with_line_numbers_and_reasons() {
    let folder = tempfile::tempdir().unwrap();
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice(b"{\"id\":\"a\",\"text\":\"hello\"}\r\n"); // 1: CRLF, accepted
    input.extend_from_slice(b"\r\n"); // 2: blank, skipped
    input.extend_from_slice(b"not json\n"); // 3
    input.extend_from_slice(b"{\"id\":\"b\",\"text\":\"hi there\"}\n"); // 4
    input.extend_from_slice(b"{\"id\":\"c\",\"text\":\"x\",\"colour\":1}\n"); // 5
    input.extend_from_slice(b"\xff\xfe{\"id\":\"d\"}\n"); // 6: invalid UTF-8
    input.extend_from_slice(b"{\"id\":\"e\",\"text\":\"far too long\"}\n"); // 7: 12 bytes, above the limit of 11
    input.extend_from_slice(b"   \n"); // 8: blank, skipped
    input.extend_from_slice(b"{\"id\":\"f\",\"text\":\"ok\"}\n{\"id\":\"g\"}\n"); // 9, 10
    input.extend_from_slice(b"{\"id\":\"h\",\"text\":\"no newline\"}"); // 11
    std::fs::write(folder.path().join("in.jsonl"), input).unwrap();

    let output = moderato_in(folder.path())
        .args([
            "run",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rejects.jsonl",
            "--max-text-bytes",
            "11",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_text(&output);
    assert!(
        stderr.starts_with("decided 4 items, rejected 5, in "),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 5 lines rejected (first: line 3: "),
        "{stderr}"
    );

    let decisions = read_lines(&folder.path().join("out.jsonl"));
    let ids: Vec<&str> = decisions
        .iter()
        .map(|decision| decision["content_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "f", "h"]);

    let rejects = read_lines(&folder.path().join("rejects.jsonl"));
    let lines: Vec<u64> = rejects
        .iter()
        .map(|reject| reject["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 5, 6, 7, 10]);
    for reject in &rejects {
        assert!(!reject["error"].as_str().unwrap().is_empty(), "{reject}");
    }
    assert_snapshot!(std::fs::read_to_string(folder.path().join("rejects.jsonl")).unwrap());
    assert_eq!(
        file_names(folder.path()),
        ["in.jsonl", "out.jsonl", "rejects.jsonl"]
    );
}

#[test]
fn rejected_lines_without_a_rejects_file_still_exit_1_and_say_how_to_keep_them() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("in.jsonl"),
        "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\"}\n",
    )
    .unwrap();
    let output = moderato_in(folder.path())
        .args(["run", "in.jsonl", "-o", "out.jsonl"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_text(&output);
    let last = stderr.lines().last().unwrap();
    assert_snapshot!(last);
    assert_eq!(read_lines(&folder.path().join("out.jsonl")).len(), 1);
    assert_eq!(file_names(folder.path()), ["in.jsonl", "out.jsonl"]);
}

#[test]
fn empty_input_gives_an_empty_output() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.jsonl"), "").unwrap();
    moderato_in(folder.path())
        .args([
            "run",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rejects.jsonl",
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(folder.path().join("out.jsonl")).unwrap(),
        ""
    );
    assert_eq!(
        file_names(folder.path()),
        ["in.jsonl", "out.jsonl", "rejects.jsonl"]
    );
}

#[test]
fn missing_input_exits_2_and_creates_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let output = moderato_in(folder.path())
        .args(["run", "missing.jsonl", "-o", "out.jsonl"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_snapshot!(stderr_text(&output));
    assert!(file_names(folder.path()).is_empty());
}

#[test]
fn an_existing_output_is_replaced_whole() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.jsonl"), generated_items(10)).unwrap();
    std::fs::write(folder.path().join("out.jsonl"), "old content\n".repeat(100)).unwrap();
    moderato_in(folder.path())
        .args(["run", "in.jsonl", "-o", "out.jsonl"])
        .assert()
        .success();
    assert_eq!(read_lines(&folder.path().join("out.jsonl")).len(), 10);
}
