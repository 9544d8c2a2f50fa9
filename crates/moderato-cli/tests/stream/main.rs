//! Stream workers end to end, against the real NATS JetStream and PostgreSQL
//! servers: `moderato worker` processes share a durable consumer and one
//! database; items arrive through `moderato publish` (or raw publishes for
//! poison messages).
//!
//! Every test uses its own stream, subjects, consumer and PostgreSQL schema,
//! so the tests run in parallel. They need `MODERATO_TEST_NATS_URL` and
//! `MODERATO_TEST_DATABASE_URL` (`.ci/run` sets both) and are skipped, with a
//! line on standard error, only when one of them is unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt;
use sqlx::Row;

struct Services {
    nats: String,
    database: String,
}

fn services(test: &str) -> Option<Services> {
    match (
        std::env::var("MODERATO_TEST_NATS_URL"),
        std::env::var("MODERATO_TEST_DATABASE_URL"),
    ) {
        (Ok(nats), Ok(database)) => Some(Services { nats, database }),
        _ => {
            eprintln!(
                "SKIPPED: {test} — needs MODERATO_TEST_NATS_URL and MODERATO_TEST_DATABASE_URL"
            );
            None
        }
    }
}

/// One deployment: its streams, consumer, schema and a scratch folder.
struct Deployment {
    nats: String,
    database_url: String,
    stream: String,
    prefix: String,
    dir: tempfile::TempDir,
    pool: sqlx::AnyPool,
    /// Dropped (with every table in it) when the deployment is.
    _schema: moderato_testkit::PgSchema,
}

impl Deployment {
    async fn new(services: &Services, tag: &str) -> Deployment {
        let schema = moderato_testkit::PgSchema::create(&services.database, tag).await;
        let name = schema.name().to_owned();
        let database_url = schema.url().to_owned();
        // Migrate the schema once, before workers start side by side.
        let store = moderato_store::Store::connect(&database_url).await.unwrap();
        store.close().await;
        let pool = sqlx::AnyPool::connect(&database_url).await.unwrap();
        Deployment {
            nats: services.nats.clone(),
            database_url,
            stream: name.to_uppercase(),
            prefix: name.to_lowercase(),
            dir: tempfile::tempdir().unwrap(),
            pool,
            _schema: schema,
        }
    }

    fn stream_args(&self) -> Vec<String> {
        vec![
            "--nats".into(),
            self.nats.clone(),
            "--stream".into(),
            self.stream.clone(),
            "--subject-prefix".into(),
            self.prefix.clone(),
            "--consumer".into(),
            "workers".into(),
        ]
    }

    /// Starts `moderato worker`; its log goes to `worker-<n>.log`.
    fn worker(&self, n: usize, extra: &[&str]) -> Child {
        let log = std::fs::File::create(self.dir.path().join(format!("worker-{n}.log"))).unwrap();
        Command::new(env!("CARGO_BIN_EXE_moderato"))
            .arg("worker")
            .args(self.stream_args())
            .args(["--database-url", &self.database_url])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn log(&self, n: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("worker-{n}.log"))).unwrap_or_default()
    }

    fn publish(&self, file: &Path, extra: &[&str]) {
        let output = Command::new(env!("CARGO_BIN_EXE_moderato"))
            .arg("publish")
            .arg(file)
            .args(self.stream_args())
            .arg("--quiet")
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "publish failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn generate(&self, count: usize, seed: u64) -> PathBuf {
        let path = self.dir.path().join(format!("items-{seed}.jsonl"));
        let output = Command::new(env!("CARGO_BIN_EXE_moderato"))
            .args(["generate", "--count", &count.to_string()])
            .args(["--seed", &seed.to_string(), "--output"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success());
        path
    }

    async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    }

    async fn decisions(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM decisions").await
    }

    /// Waits until `count` decisions are stored.
    async fn wait_for_decisions(&self, count: i64, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let stored = self.decisions().await;
            if stored >= count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {stored} of {count} decisions after {limit:?}; worker log:\n{}",
                self.log(0)
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Exactly one decision, one content row and one audit entry per item; one
    /// strike row at most per decision; the audit chain verifies.
    async fn assert_exactly_once(&self, items: i64) {
        assert_eq!(self.decisions().await, items, "decisions");
        assert_eq!(
            self.scalar("SELECT COUNT(DISTINCT content_id) FROM decisions")
                .await,
            items,
            "distinct content ids"
        );
        assert_eq!(
            self.scalar("SELECT COUNT(*) FROM content_items").await,
            items
        );
        assert_eq!(
            self.scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'decision.recorded'")
                .await,
            items,
            "audit entries"
        );
        // One strike row per decision that adds a strike to an account, no more.
        assert_eq!(
            self.scalar("SELECT COUNT(*) FROM strikes").await,
            self.scalar(
                "SELECT COUNT(*) FROM decisions WHERE account_id IS NOT NULL \
                 AND decision_json LIKE '%\"strikes_added\":%' \
                 AND decision_json NOT LIKE '%\"strikes_added\":0,%'"
            )
            .await,
            "strikes"
        );
        let output = Command::new(env!("CARGO_BIN_EXE_moderato"))
            .args(["audit", "verify", "--database-url", &self.database_url])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "audit verify: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    async fn jetstream(&self) -> jetstream::Context {
        jetstream::new(async_nats::connect(&self.nats).await.unwrap())
    }

    /// Deletes the test's streams and closes its pool (the schema goes with the deployment).
    async fn cleanup(&self) {
        let context = self.jetstream().await;
        for suffix in ["", "_DECISIONS", "_DEAD_LETTERS"] {
            let _ = context
                .delete_stream(format!("{}{suffix}", self.stream))
                .await;
        }
        self.pool.close().await;
    }
}

/// Waits for a child to exit.
async fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a worker did not exit within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn first_lines(path: &Path, count: usize, to: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().take(count).collect();
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_decide_100000_items_exactly_once() {
    let Some(services) = services("three_workers_decide_100000_items_exactly_once") else {
        return;
    };
    let deployment = Deployment::new(&services, "scale").await;
    let items = deployment.generate(100_000, 11);
    // 2,000 of them published a second time (no message id by default), so
    // the stream keeps both copies and the workers see real duplicates.
    let repeats = deployment.dir.path().join("repeats.jsonl");
    first_lines(&items, 2_000, &repeats);

    let idle = ["--exit-when-idle", "3", "--ack-wait-secs", "10"];
    let mut workers: Vec<Child> = (0..3).map(|n| deployment.worker(n, &idle)).collect();
    deployment.publish(&items, &[]);
    deployment.publish(&repeats, &[]);
    for worker in &mut workers {
        let status = wait_exit(worker, Duration::from_secs(900)).await;
        assert!(status.success(), "worker failed:\n{}", deployment.log(0));
    }
    deployment.assert_exactly_once(100_000).await;
    // Every worker took part.
    for n in 0..3 {
        let log = deployment.log(n);
        assert!(
            log.contains("moderato worker stopped"),
            "worker {n}:\n{log}"
        );
        assert!(
            !log.contains("stopped: 0 decided"),
            "worker {n} idle:\n{log}"
        );
    }
    // The decisions subject carries a decision for every item.
    let context = deployment.jetstream().await;
    let mut decisions = context
        .get_stream(format!("{}_DECISIONS", deployment.stream))
        .await
        .unwrap();
    let published = decisions.info().await.unwrap().state.messages;
    assert!(published >= 100_000, "{published} decisions published");
    deployment.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing() {
    let Some(services) = services("a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing")
    else {
        return;
    };
    let deployment = Deployment::new(&services, "kill").await;
    let items = deployment.generate(20_000, 12);
    deployment.publish(&items, &[]);
    // A short ack wait, so the killed worker's unacknowledged items come back soon.
    let mut victim = deployment.worker(0, &["--ack-wait-secs", "2"]);
    deployment
        .wait_for_decisions(2_000, Duration::from_secs(120))
        .await;
    let mut survivor = deployment.worker(1, &["--ack-wait-secs", "2", "--exit-when-idle", "4"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before_kill = deployment.decisions().await;
    assert!(
        before_kill < 20_000,
        "the victim finished before it was killed"
    );
    victim.kill().unwrap(); // SIGKILL
    let _ = victim.wait();
    let status = wait_exit(&mut survivor, Duration::from_secs(600)).await;
    assert!(status.success(), "{}", deployment.log(1));
    deployment.assert_exactly_once(20_000).await;
    deployment.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_go_to_the_dead_letters_with_reasons() {
    let Some(services) = services("poison_messages_go_to_the_dead_letters_with_reasons") else {
        return;
    };
    let deployment = Deployment::new(&services, "poison").await;
    let context = deployment.jetstream().await;
    let mut worker = deployment.worker(0, &["--exit-when-idle", "2", "--max-item-bytes", "4096"]);
    // Wait for the worker to create the streams.
    let deadline = Instant::now() + Duration::from_secs(60);
    while context.get_stream(&deployment.stream).await.is_err() {
        assert!(Instant::now() < deadline, "{}", deployment.log(0));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let subject = format!("{}.content", deployment.prefix);
    let good = |n: usize| {
        format!(r#"{{"id":"good-{n}","text":"Lovely weather at the lake today, number {n}"}}"#)
    };
    let messages: Vec<Vec<u8>> = vec![
        good(1).into_bytes(),
        b"{not json".to_vec(),
        good(2).into_bytes(),
        br#"{"id":"no-text"}"#.to_vec(),
        format!(r#"{{"id":"huge","text":"{}"}}"#, "a".repeat(8_000)).into_bytes(),
        br#"{"id":"unknown-field","text":"hello","colour":"red"}"#.to_vec(),
        b"{\"id\":\"bad-utf8\",\"text\":\"\xff\xfe\"}".to_vec(),
        good(3).into_bytes(),
    ];
    for message in messages {
        context
            .publish(subject.clone(), message.into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let status = wait_exit(&mut worker, Duration::from_secs(120)).await;
    assert!(status.success(), "{}", deployment.log(0));

    // The good items around the poison were decided.
    assert_eq!(deployment.decisions().await, 3);
    // Five dead letters, each with its reason and the original bytes.
    let stream = context
        .get_stream(format!("{}_DEAD_LETTERS", deployment.stream))
        .await
        .unwrap();
    let consumer: jetstream::consumer::PullConsumer = stream
        .create_consumer(jetstream::consumer::pull::Config::default())
        .await
        .unwrap();
    let mut batch = consumer
        .fetch()
        .max_messages(10)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let mut reasons = Vec::new();
    while let Some(message) = batch.next().await {
        let message = message.unwrap();
        let headers = message.headers.clone().unwrap();
        let kind = headers.get("Moderato-Reason-Kind").unwrap().to_string();
        let reason = headers.get("Moderato-Reason").unwrap().to_string();
        assert!(headers.get("Moderato-Stream-Sequence").is_some());
        reasons.push((kind, reason, message.payload.len()));
    }
    reasons.sort();
    let kinds: Vec<&str> = reasons.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["invalid", "invalid", "invalid", "not_utf8", "oversized"],
        "{reasons:#?}"
    );
    let text: Vec<&str> = reasons
        .iter()
        .map(|(_, reason, _)| reason.as_str())
        .collect();
    assert!(text.iter().any(|r| r.contains("colour")), "{text:#?}");
    assert!(text.iter().any(|r| r.contains("text")), "{text:#?}");
    assert!(text.iter().any(|r| r.contains("4096")), "{text:#?}");
    deployment.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_activated_mid_run_reaches_running_workers() {
    let Some(services) = services("a_policy_activated_mid_run_reaches_running_workers") else {
        return;
    };
    let deployment = Deployment::new(&services, "policy").await;
    let poll = ["--poll-interval-ms", "200", "--exit-when-idle", "30"];
    let mut workers: Vec<Child> = (0..2).map(|n| deployment.worker(n, &poll)).collect();
    let before = deployment.generate(1_000, 21);
    deployment.publish(&before, &[]);
    deployment
        .wait_for_decisions(1_000, Duration::from_secs(120))
        .await;

    // A new version of the default pack, activated in the shared database
    // while the workers run (as `POST /v1/policies/{v}:activate` does).
    let mut files = moderato_engine::pack::default_pack_files();
    let manifest = files.get_mut("policy.toml").unwrap();
    let current = moderato_engine::load_pack(&moderato_engine::pack::default_pack_files())
        .unwrap()
        .version;
    *manifest = manifest.replace(&format!("version = \"{current}\""), "version = \"next\"");
    let policy = moderato_engine::load_pack(&files).unwrap();
    assert_eq!(policy.version, "next");
    let store = moderato_store::Store::connect(&deployment.database_url)
        .await
        .unwrap();
    let now = moderato_server::now_ms();
    store
        .upload_policy(
            &policy.version,
            &policy.digest,
            &moderato_server::files_to_json(&policy),
            "test",
            now,
        )
        .await
        .unwrap();
    store.activate_policy("next", "test", now).await.unwrap();
    // Two polls and a margin.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let after = deployment.generate(1_000, 22);
    deployment.publish(&after, &[]);
    deployment
        .wait_for_decisions(2_000, Duration::from_secs(120))
        .await;

    let versions = sqlx::query(
        "SELECT policy_version, COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last \
         FROM decisions GROUP BY policy_version ORDER BY first",
    )
    .fetch_all(&deployment.pool)
    .await
    .unwrap();
    let versions: Vec<(String, i64, i64, i64)> = versions
        .iter()
        .map(|row| {
            (
                row.try_get(0).unwrap(),
                row.try_get(1).unwrap(),
                row.try_get(2).unwrap(),
                row.try_get(3).unwrap(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(
        (versions[0].0.as_str(), versions[0].1),
        (current.as_str(), 1_000)
    );
    assert_eq!((versions[1].0.as_str(), versions[1].1), ("next", 1_000));
    assert!(
        versions[0].3 <= now,
        "a decision after activation used the old version"
    );
    assert!(versions[1].2 >= now);
    for worker in &mut workers {
        let _ = worker.kill();
        let _ = worker.wait();
    }
    store.close().await;
    deployment.cleanup().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_nats_ingest_queues_content_for_the_workers() {
    let Some(services) = services("serve_with_nats_ingest_queues_content_for_the_workers") else {
        return;
    };
    let deployment = Deployment::new(&services, "ingest").await;
    let token = |role: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_moderato"))
            .args(["token", "create", "--role", role, "--name", role])
            .args(["--database-url", &deployment.database_url])
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    let (ingest, viewer) = (token("ingest"), token("viewer"));
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_moderato"))
        .args([
            "serve",
            "--ingest",
            "nats",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .args(deployment.stream_args())
        .args(["--database-url", &deployment.database_url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let item = r#"{"id":"queued-1","text":"I will kill you tomorrow at your house, I know where you live","author":{"id":"acct-9"}}"#;
    let response = client
        .post(format!("{base}/v1/content"))
        .bearer_auth(&ingest)
        .body(item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let receipt: serde_json::Value = response.json().await.unwrap();
    assert_eq!(receipt["status"], "queued");
    assert_eq!(receipt["content_id"], "queued-1");
    assert_eq!(receipt["stream"], deployment.stream.as_str());
    // An invalid item is refused by the server, never queued.
    let refused = client
        .post(format!("{base}/v1/content"))
        .bearer_auth(&ingest)
        .body(r#"{"id":"x","text":"hi","colour":"red"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    // Nothing is decided until a worker runs.
    let pending = client
        .get(format!("{base}/v1/content/queued-1"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(pending.status().as_u16(), 404);

    let mut worker = deployment.worker(0, &["--exit-when-idle", "2"]);
    let status = wait_exit(&mut worker, Duration::from_secs(120)).await;
    assert!(status.success(), "{}", deployment.log(0));
    let decided: serde_json::Value = client
        .get(format!("{base}/v1/content/queued-1"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decided["decision"]["action"], "remove", "{decided:#}");
    assert_eq!(deployment.decisions().await, 1);
    // The threat's strike was written once.
    assert_eq!(deployment.scalar("SELECT COUNT(*) FROM strikes").await, 1);
    let _ = server.kill();
    let _ = server.wait();
    deployment.cleanup().await;
}
