//! Integration tests of the `moderato` binary, run as a newcomer would run it.
//!
//! Each module covers one command (`check`, `run`, `policy`, `eval`), the service commands
//! (`service`), the README's service walkthrough run as written (`readme`) or the workspace layering (`layering`). The tests start
//! the real binary in a temporary folder, so error messages name relative
//! paths and can be kept as insta snapshots. Helpers here copy and edit the
//! default policy pack; the tests must never write outside a temporary folder.
#![allow(clippy::unwrap_used)]

mod check;
mod eval;
mod layering;
mod policy;
mod readme;
mod run;
mod service;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `moderato` binary built for these tests.
pub fn moderato() -> Command {
    Command::new(env!("CARGO_BIN_EXE_moderato"))
}

/// The `moderato` binary, started inside `folder`.
pub fn moderato_in(folder: &Path) -> Command {
    let mut command = moderato();
    command.current_dir(folder);
    command
}

/// The root of the workspace, where `policies/` and `examples/` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies every file of `policies/default` (with its `lexicons/`) into `folder/name` and
/// returns that folder.
pub fn copy_default_pack(folder: &Path, name: &str) -> PathBuf {
    let pack = folder.join(name);
    for sub in ["", "lexicons"] {
        let from = workspace_root().join("policies/default").join(sub);
        std::fs::create_dir_all(pack.join(sub)).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), pack.join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    pack
}

/// Replaces the one occurrence of `from` in the file with `to`.
///
/// It fails when `from` occurs zero or several times, so a test notices when
/// the default pack changes under it instead of silently testing nothing.
pub fn replace_once(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let count = text.matches(from).count();
    assert_eq!(
        count,
        1,
        "`{from}` occurs {count} times in {}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The standard error of a finished command, as text.
pub fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The standard output of a finished command, as text.
pub fn stdout_text(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Replaces what changes from run to run or with every pack edit (pack
/// digests and decision ULIDs) with fixed placeholders, so snapshots stay stable.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find("sha256:") {
        out.push_str(&rest[..index]);
        let after = &rest[index + "sha256:".len()..];
        let hex = after
            .bytes()
            .take_while(|byte| byte.is_ascii_hexdigit())
            .count();
        out.push_str("sha256:[digest]");
        rest = &after[hex..];
    }
    out.push_str(rest);
    scrub_ulids(&out)
}

fn scrub_ulids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let is_ulid = word.len() == 26
            && word
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte.is_ascii_uppercase());
        out.push_str(if is_ulid { "[ulid]" } else { word.as_str() });
        word.clear();
    };
    for character in text.chars() {
        if character.is_ascii_alphanumeric() {
            word.push(character);
        } else {
            flush(&mut word, &mut out);
            out.push(character);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The files in `folder`, sorted, hidden ones included.
pub fn file_names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn scrub_hides_digests_and_ulids() {
    assert_eq!(
        scrub("policy p@1 (sha256:0123abcd) decision 01M8A5QXZ6B8WKZCVQ86TXVXYP; ok"),
        "policy p@1 (sha256:[digest]) decision [ulid]; ok"
    );
}
