//! Issue 12 §14: the README's service walkthrough ("Moderato as a service" and "A post's life,
//! with curl"), run as written.
//!
//! The `sh` blocks between `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->` in
//! README.md are joined, in order, into one bash script under `set -euo pipefail`, and run in a
//! fresh temporary folder holding a copy of `examples/`, with `MODERATO_DATA_DIR` there and the
//! `moderato` built for the tests first on `PATH`. The one change made to the README's text:
//! port 8080 becomes a free port, so the test never meets a server a developer is running.
//! The walkthrough needs `curl` and `jq`; when either is missing the test fails (`.ci/run`
//! installs them), since it needs no external service and must always run.

use std::path::Path;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::{moderato, workspace_root};

const START: &str = "<!-- walkthrough:start -->";
const END: &str = "<!-- walkthrough:end -->";

/// The `sh` fenced blocks between the walkthrough markers, in order.
fn walkthrough_blocks(readme: &str) -> Vec<String> {
    let lines: Vec<&str> = readme.lines().collect();
    let at = |marker: &str| {
        let found: Vec<usize> = (0..lines.len())
            .filter(|&index| lines[index].trim() == marker)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "README.md must hold `{marker}` exactly once"
        );
        found[0]
    };
    let (start, end) = (at(START), at(END));
    assert!(start < end, "`{START}` must come before `{END}`");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in &lines[start + 1..end] {
        match current.as_mut() {
            None if line.trim_end() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(
        current.is_none(),
        "an `sh` block is not closed before `{END}`"
    );
    blocks
}

/// The script the test runs: strict bash, a trap that stops whatever the walkthrough left in
/// the background, then the README's blocks with port 8080 replaced by `port`.
fn script(blocks: &[String], port: u16) -> String {
    let mut script = String::from(
        "set -euo pipefail\n\
         trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n",
    );
    for block in blocks {
        script.push_str(block);
    }
    let script = script
        .replace("localhost:8080", &format!("localhost:{port}"))
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    assert!(
        !script.contains("8080"),
        "the walkthrough names port 8080 in a form the test does not replace:\n{script}"
    );
    script
}

/// The walkthrough's bash and everything it starts (one process group), killed when dropped,
/// so a failing or hanging walkthrough never leaves a server behind.
struct Walkthrough {
    child: Child,
}

impl Drop for Walkthrough {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = StdCommand::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the examples folder");
    for entry in std::fs::read_dir(from).expect("read examples/") {
        let entry = entry.expect("read an entry of examples/");
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy an example");
        }
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

#[test]
fn extracts_the_sh_blocks_between_the_markers() {
    let readme = "```sh\nbefore\n```\n<!-- walkthrough:start -->\ntext\n```sh\na\nb\n```\n\
                  ```\nnot sh\n```\n```sh\nc\n```\n<!-- walkthrough:end -->\n```sh\nafter\n```\n";
    assert_eq!(walkthrough_blocks(readme), ["a\nb\n", "c\n"]);
    let script = script(&["curl localhost:8080/healthz\n".into()], 1234);
    assert!(script.starts_with("set -euo pipefail\n"), "{script}");
    assert!(
        script.ends_with("curl localhost:1234/healthz\n"),
        "{script}"
    );
}

/// The walkthrough keeps tokens with `ADMIN=$(moderato token create …)`: standard output
/// carries the token alone, and the note about it goes to standard error.
#[test]
fn token_create_prints_only_the_token_on_standard_output() {
    let folder = tempfile::tempdir().expect("create a temporary folder");
    let output = moderato()
        .args(["token", "create", "--role", "viewer", "--name", "reader"])
        .env("MODERATO_DATA_DIR", folder.path().join("data"))
        .env_remove("MODERATO_DATABASE_URL")
        .output()
        .expect("run token create");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 standard output");
    let token = stdout
        .strip_suffix('\n')
        .expect("one line ending in a newline");
    assert!(
        token.starts_with("mod_")
            && token.len() > 40
            && token
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_'),
        "{stdout:?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`reader`")
            && stderr.contains("shown only once")
            && !stderr.contains(token),
        "{stderr}"
    );
}

#[test]
fn readme_walkthrough_runs_as_written() {
    for tool in ["curl", "jq"] {
        let found = StdCommand::new("bash")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .expect("run bash");
        assert!(
            found.success(),
            "the README walkthrough needs `{tool}` on PATH (.ci/run installs curl and jq with apt-get)"
        );
    }
    let readme =
        std::fs::read_to_string(workspace_root().join("README.md")).expect("read README.md");
    let blocks = walkthrough_blocks(&readme);
    assert_eq!(
        blocks.len(),
        2,
        "the walkthrough is the service block and the curl block"
    );
    assert!(blocks[0].contains("moderato serve"), "{}", blocks[0]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free port")
        .port();

    let folder = tempfile::tempdir().expect("create a temporary folder");
    let root = folder.path();
    copy_folder(&workspace_root().join("examples"), &root.join("examples"));
    std::fs::write(root.join("walkthrough.sh"), script(&blocks, port)).expect("write the script");
    let data = root.join("moderato-data");
    let binary = Path::new(env!("CARGO_BIN_EXE_moderato"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().expect("the binary's folder").to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ),
    )
    .expect("build PATH");
    let (stdout, stderr) = (root.join("stdout.txt"), root.join("stderr.txt"));

    use std::os::unix::process::CommandExt;
    let child = StdCommand::new("bash")
        .arg("walkthrough.sh")
        .current_dir(root)
        .env("PATH", path)
        .env("MODERATO_DATA_DIR", &data)
        .env_remove("MODERATO_DATABASE_URL")
        .env_remove("MODERATO_BIND")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("create stdout.txt"))
        .stderr(std::fs::File::create(&stderr).expect("create stderr.txt"))
        .process_group(0)
        .spawn()
        .expect("start bash");
    let mut walkthrough = Walkthrough { child };
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = walkthrough.child.try_wait().expect("wait for bash") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the walkthrough did not finish in 5 minutes\nstdout:\n{}\nstderr:\n{}",
            tail(&stdout),
            tail(&stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(walkthrough);
    assert!(
        status.success(),
        "the README walkthrough failed ({status})\nstdout (end):\n{}\nstderr (end):\n{}",
        tail(&stdout),
        tail(&stderr)
    );

    // The appeal was filed by the example post's author against Alice's decision and decided
    // by Bob.
    let author = std::fs::read_to_string(root.join("examples/head-of-state.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|item| item["author"]["id"].as_str().map(str::to_string))
        .expect("the example's author id");
    let appeals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("start a runtime")
        .block_on(async {
            let store = moderato_store::Store::open_data_dir(&data)
                .await
                .expect("open the walkthrough's data");
            store
                .appeals_between(0, i64::MAX)
                .await
                .expect("list appeals")
        });
    assert_eq!(appeals.len(), 1, "{appeals:?}");
    let appeal = &appeals[0];
    assert_eq!(appeal.appellant, author);
    assert_eq!(appeal.original_decider, "alice");
    assert_eq!(appeal.status, "decided");
    assert_eq!(appeal.outcome.as_deref(), Some("overturn"));
    assert_eq!(appeal.reviewer.as_deref(), Some("bob"));

    // The chain verifies, here and from the export; the export, statements and report exist.
    let verify = moderato()
        .args(["audit", "verify"])
        .env("MODERATO_DATA_DIR", &data)
        .env_remove("MODERATO_DATABASE_URL")
        .output()
        .expect("run audit verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    moderato()
        .args(["audit", "verify", "--file"])
        .arg(root.join("audit.jsonl"))
        .assert()
        .success();
    let statements =
        std::fs::read_to_string(root.join("statements.jsonl")).expect("read statements.jsonl");
    assert!(
        statements
            .lines()
            .any(|line| line.contains("\"statements\"")),
        "{statements}"
    );
    let report = std::fs::read_to_string(root.join("report.md")).expect("read report.md");
    assert!(report.contains("violence.glorification"), "{report}");
}
