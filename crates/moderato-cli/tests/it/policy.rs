//! `moderato policy validate | test | diff` on the default pack and on copies
//! of it with injected mistakes.
//!
//! Validation must report every problem at once with file, line, column and
//! field (exit 3); a failing example must print FAIL with expected and actual
//! (exit 1); a diff must count and list what a change of threshold changes.

use std::path::Path;

use insta::assert_snapshot;
use serde_json::Value;

use crate::{copy_default_pack, moderato_in, replace_once, scrub, stderr_text, stdout_text};

/// One diagnostic line of `policy validate`, split into its parts.
#[derive(Debug)]
struct Diagnostic {
    file: String,
    line: usize,
    column: usize,
    field: Option<String>,
    message: String,
}

/// Parses `  file:line:column: `field`: message` lines from the error output.
fn diagnostics(stderr: &str) -> Vec<Diagnostic> {
    stderr
        .lines()
        .skip(1)
        .map(|text| {
            let text = text
                .strip_prefix("  ")
                .unwrap_or_else(|| panic!("not a diagnostic: {text}"));
            let mut parts = text.splitn(4, ':');
            let file = parts.next().unwrap().to_string();
            let line = parts.next().unwrap().parse().unwrap();
            let column = parts.next().unwrap().parse().unwrap();
            let rest = parts.next().unwrap().trim_start();
            // A field is written in backticks before the message.
            let (field, message) = match rest.strip_prefix('`') {
                Some(after) => match after.find("`: ") {
                    Some(end) => (Some(after[..end].to_string()), after[end + 3..].to_string()),
                    None => (None, rest.to_string()),
                },
                None => (None, rest.to_string()),
            };
            Diagnostic {
                file,
                line,
                column,
                field,
                message,
            }
        })
        .collect()
}

/// Runs `policy validate` on `pack` (relative to `folder`), expects exit 3 and
/// returns the error output.
fn validate_invalid(folder: &Path, pack: &str) -> String {
    let output = moderato_in(folder)
        .args(["policy", "validate", pack])
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
    stderr_text(&output)
}

const CORPUS: &str = r#"{"id":"c1","text":"These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!","author":{"followers":300}}
{"id":"c2","text":"hello there, nice weather"}

{"id":"c3","text":"I know where you live and I'm going to kill you"}
{"id":"c4","text":"These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!","author":{"handle":"potus","followers":80000000,"verified":true,"public_role":"head_of_state"},"metrics":{"views":5000000,"velocity_per_hour":200000.0}}
{"id":"c5","text":"Let's kill them all, every last one of them"}
"#;

/// A folder with the default pack as `old`, a copy with a stricter
/// glorification threshold as `new` and the corpus as `corpus.jsonl`.
fn diff_setup() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    copy_default_pack(folder.path(), "old");
    let new = copy_default_pack(folder.path(), "new");
    replace_once(
        &new.join("violence.toml"),
        r#"when = "signals.violence.glorification >= 0.6 ||"#,
        r#"when = "signals.violence.glorification >= 0.9 ||"#,
    );
    std::fs::write(folder.path().join("corpus.jsonl"), CORPUS).unwrap();
    folder
}

#[test]
fn default_pack_is_valid_embedded_and_on_disk() {
    let folder = tempfile::tempdir().unwrap();
    let pack = copy_default_pack(folder.path(), "pack");
    let embedded = moderato_in(folder.path())
        .args(["policy", "validate", "default"])
        .assert()
        .success()
        .get_output()
        .clone();
    let on_disk = moderato_in(folder.path())
        .args(["policy", "validate", "pack"])
        .assert()
        .success()
        .get_output()
        .clone();
    let embedded = stdout_text(&embedded);
    assert!(embedded.starts_with("ok: moderato-default@"), "{embedded}");
    // The embedded pack is the one in policies/default, byte for byte.
    assert_eq!(embedded, stdout_text(&on_disk));
    assert!(pack.join("policy.toml").is_file());
}

#[test]
fn validate_reports_every_problem_with_file_line_column_and_field() {
    let folder = tempfile::tempdir().unwrap();
    let pack = copy_default_pack(folder.path(), "pack");
    // Bad CEL.
    replace_once(
        &pack.join("violence.toml"),
        r#"when = "signals.violence.incitement >= 0.6 ||"#,
        r#"when = "signals.violence.incitement >= >= 0.6 ||"#,
    );
    // Unknown signal in evidence.
    replace_once(
        &pack.join("violence.toml"),
        r#"evidence = ["violence.glorification", "violence.imminence", "model.glorification"]"#,
        r#"evidence = ["violence.glorificaton", "violence.imminence", "model.glorification"]"#,
    );
    // Unknown signal in a condition.
    replace_once(
        &pack.join("harassment.toml"),
        "signals.harassment.insult >= 0.6 ||",
        "signals.harassment.insullt >= 0.6 ||",
    );
    // Unknown action.
    replace_once(
        &pack.join("hate.toml"),
        "evidence = [\"hate.dehumanization\", \"model.dehumanization\"]\nactions = [\"remove\", \"strike\"]",
        "evidence = [\"hate.dehumanization\", \"model.dehumanization\"]\nactions = [\"remove\", \"obliterate\"]",
    );
    // Duplicate rule id, across files.
    replace_once(
        &pack.join("spam.toml"),
        r#"id = "spam.commercial""#,
        r#"id = "violence.threat""#,
    );
    // Unknown TOML key.
    replace_once(
        &pack.join("misinfo.toml"),
        "definition = \"False claims about how",
        "colour = \"red\"\ndefinition = \"False claims about how",
    );
    // Unknown action in the manifest's strike ladder.
    replace_once(
        &pack.join("policy.toml"),
        "at = 2\naction = \"limit_account\"",
        "at = 2\naction = \"limit_acount\"",
    );

    let stderr = validate_invalid(folder.path(), "pack");
    assert!(
        stderr.starts_with("error: policy pack is invalid (7 problems):\n"),
        "{stderr}"
    );
    let diagnostics = diagnostics(&stderr);
    assert_eq!(diagnostics.len(), 7, "{stderr}");
    let find = |file: &str, needle: &str| -> &Diagnostic {
        diagnostics
            .iter()
            .find(|diagnostic| diagnostic.file == file && diagnostic.message.contains(needle))
            .unwrap_or_else(|| panic!("no {file} diagnostic with `{needle}` in:\n{stderr}"))
    };

    // The `when` is on line 12 and the second `>=` starts at column 40.
    let cel = find("violence.toml", "invalid CEL");
    assert_eq!(cel.field.as_deref(), Some("rule[violence.incitement].when"));
    assert_eq!((cel.line, cel.column), (12, 40), "{cel:?}");

    let evidence = find("violence.toml", "unknown signal `violence.glorificaton`");
    assert_eq!(
        evidence.field.as_deref(),
        Some("rule[violence.glorification].evidence[0]")
    );
    assert!(evidence.line > 0 && evidence.column > 0, "{evidence:?}");

    let signal = find("harassment.toml", "unknown signal `harassment.insullt`");
    assert_eq!(signal.field.as_deref(), Some("rule[harassment.abuse].when"));
    assert_eq!((signal.line, signal.column), (12, 8));

    let action = find("hate.toml", "unknown action `obliterate`");
    assert_eq!(
        action.field.as_deref(),
        Some("rule[hate.dehumanization].actions[1]")
    );
    assert_eq!((action.line, action.column), (14, 22));

    let duplicate = find("violence.toml", "duplicate rule id `violence.threat`");
    assert!(duplicate.message.contains("spam.toml"), "{duplicate:?}");
    assert!(duplicate.line > 0 && duplicate.column > 0, "{duplicate:?}");

    let key = find("misinfo.toml", "unknown field `colour`");
    assert_eq!((key.line, key.column), (10, 1));

    let ladder = find("policy.toml", "unknown action `limit_acount`");
    assert_eq!(ladder.field.as_deref(), Some("strikes.ladder[0].action"));

    assert_snapshot!(stderr);
}

#[test]
fn a_pack_without_a_manifest_is_invalid() {
    let folder = tempfile::tempdir().unwrap();
    let pack = copy_default_pack(folder.path(), "pack");
    std::fs::remove_file(pack.join("policy.toml")).unwrap();
    assert_snapshot!(validate_invalid(folder.path(), "pack"));
}

#[test]
fn a_missing_pack_folder_exits_2() {
    let folder = tempfile::tempdir().unwrap();
    let output = moderato_in(folder.path())
        .args(["policy", "validate", "no-such-pack"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = stderr_text(&output);
    assert!(
        stderr.starts_with("error: failed to read policy pack `no-such-pack`"),
        "{stderr}"
    );
}

#[test]
fn check_and_run_refuse_an_invalid_pack_with_exit_3() {
    let folder = tempfile::tempdir().unwrap();
    let pack = copy_default_pack(folder.path(), "pack");
    replace_once(
        &pack.join("hate.toml"),
        "evidence = [\"hate.dehumanization\", \"model.dehumanization\"]\nactions = [\"remove\", \"strike\"]",
        "evidence = [\"hate.dehumanization\", \"model.dehumanization\"]\nactions = [\"remove\", \"obliterate\"]",
    );
    std::fs::write(
        folder.path().join("in.jsonl"),
        "{\"id\":\"1\",\"text\":\"a\"}\n",
    )
    .unwrap();
    moderato_in(folder.path())
        .args(["check", "--policy", "pack"])
        .write_stdin(r#"{"id":"1","text":"a"}"#)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("unknown action `obliterate`"));
    moderato_in(folder.path())
        .args(["run", "in.jsonl", "-o", "out.jsonl", "--policy", "pack"])
        .assert()
        .code(3);
    assert!(!folder.path().join("out.jsonl").exists());
}

#[test]
fn policy_test_passes_on_the_default_pack() {
    let folder = tempfile::tempdir().unwrap();
    copy_default_pack(folder.path(), "pack");
    for pack in ["default", "pack"] {
        let output = moderato_in(folder.path())
            .args(["policy", "test", pack])
            .assert()
            .success()
            .get_output()
            .clone();
        let stdout = stdout_text(&output);
        assert!(stdout.ends_with(" passed, 0 failed\n"), "{stdout}");
        assert!(!stdout.contains("FAIL"), "{stdout}");
    }
}

#[test]
fn policy_test_shows_expected_and_actual_for_an_altered_example() {
    let folder = tempfile::tempdir().unwrap();
    let pack = copy_default_pack(folder.path(), "pack");
    // The first example of violence.incitement ("call to kill a group") is removed.
    replace_once(
        &pack.join("violence.toml"),
        "name = \"call to kill a group\"\nitem = { id = \"ex-incite-1\", text = \"Let's kill them all, every last one of them\" }\nexpect = \"remove\"",
        "name = \"call to kill a group\"\nitem = { id = \"ex-incite-1\", text = \"Let's kill them all, every last one of them\" }\nexpect = \"allow\"",
    );
    let output = moderato_in(folder.path())
        .args(["policy", "test", "pack"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = stdout_text(&output);
    assert!(stdout.ends_with(" passed, 1 failed\n"), "{stdout}");
    let failures: String = stdout
        .lines()
        .filter(|line| !line.starts_with("ok "))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(failures.contains("- expected action: allow"), "{failures}");
    assert!(failures.contains("+ actual action:   remove"), "{failures}");
    assert_snapshot!(failures);
}

#[test]
fn policy_diff_counts_and_lists_changes_of_a_threshold() {
    let folder = diff_setup();
    let output = moderato_in(folder.path())
        .args(["policy", "diff", "old", "new", "--corpus", "corpus.jsonl"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = stdout_text(&output);
    assert!(stdout.contains("5 items, 2 changed"), "{stdout}");
    assert!(stdout.contains("line 1 "), "{stdout}");
    assert!(stdout.contains("line 5 "), "{stdout}");
    assert_snapshot!(scrub(&stdout));
}

#[test]
fn policy_diff_as_json() {
    let folder = diff_setup();
    let output = moderato_in(folder.path())
        .args([
            "policy",
            "diff",
            "old",
            "new",
            "--corpus",
            "corpus.jsonl",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["items"], 5);
    assert_eq!(report["changed"], 2);
    assert_eq!(report["by_rule"]["violence.glorification"]["old"], 2);
    assert_eq!(report["by_rule"]["violence.glorification"]["new"], 0);
    assert_eq!(report["transitions"]["remove → allow"], 1);
    assert_eq!(report["transitions"]["public_interest_notice → allow"], 1);
    let changed: Vec<(&str, u64)> = report["first_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            (
                change["content_id"].as_str().unwrap(),
                change["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(changed, [("c1", 1), ("c4", 5)]);
}

#[test]
fn policy_diff_of_a_pack_with_itself_changes_nothing() {
    let folder = diff_setup();
    moderato_in(folder.path())
        .args([
            "policy",
            "diff",
            "default",
            "old",
            "--corpus",
            "corpus.jsonl",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("5 items, 0 changed"));
}

#[test]
fn policy_diff_stops_at_a_malformed_corpus_line_with_its_number() {
    let folder = diff_setup();
    std::fs::write(
        folder.path().join("bad.jsonl"),
        "{\"id\":\"1\",\"text\":\"a\"}\nnot json\n",
    )
    .unwrap();
    let output = moderato_in(folder.path())
        .args(["policy", "diff", "old", "new", "--corpus", "bad.jsonl"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_snapshot!(stderr_text(&output));
}
