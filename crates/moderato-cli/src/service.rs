//! Commands that touch stored data: `serve`, `token`, `audit`, `export`, `report`.
//!
//! Each takes the same `--data-dir` or `--database-url`. This module only
//! parses, calls the server and store libraries, prints and exits.

use std::io::{BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use moderato_server::{Role, ServerConfig, app, generate_token, now_ms, prepare_state};
use moderato_store::Store;

use crate::exit;

/// Where the data lives.
#[derive(Args, Clone, Debug)]
pub struct StoreArgs {
    /// Folder for the embedded SQLite database (created if missing).
    #[arg(
        long,
        value_name = "DIR",
        env = "MODERATO_DATA_DIR",
        default_value = "moderato-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL (or SQLite) URL; overrides --data-dir, e.g. postgres://postgres@127.0.0.1:5432/moderato.
    #[arg(
        long,
        value_name = "URL",
        env = "MODERATO_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// Opens a store that must already exist: commands that only read (`audit verify`, `audit
    /// export`, `export dsa`, `report`) never create an empty database at a mistyped path and
    /// then report on it as if it were intact. An SQLite URL must name an existing file; a
    /// PostgreSQL database that does not exist fails to connect.
    pub async fn open_existing(&self) -> anyhow::Result<Store> {
        let file = match &self.database_url {
            Some(url) => sqlite_file(url),
            None => Some(self.data_dir.join(moderato_store::DATA_DIR_DATABASE_FILE)),
        };
        if let Some(file) = file
            && !file.is_file()
        {
            return Err(exit::InputError(format!(
                "no database at `{}`: nothing to read (check --data-dir or --database-url; `moderato serve` creates one)",
                file.display()
            ))
            .into());
        }
        self.open().await
    }

    /// Opens the store for a command that writes (`serve`, `worker`): a PostgreSQL database
    /// that does not exist yet is created, and said so.
    pub async fn open_creating(&self) -> anyhow::Result<Store> {
        match &self.database_url {
            Some(url) if url.starts_with("postgres") => {
                let (store, created) = Store::connect_creating(url)
                    .await
                    .context("failed to open the database")?;
                if created {
                    eprintln!("created the PostgreSQL database named in --database-url");
                }
                Ok(store)
            }
            _ => self.open().await,
        }
    }

    /// Opens the store.
    pub async fn open(&self) -> anyhow::Result<Store> {
        match &self.database_url {
            Some(url) => Store::connect(url)
                .await
                .context("failed to open the database"),
            None => Store::open_data_dir(&self.data_dir).await.with_context(|| {
                format!(
                    "failed to open the data folder `{}`",
                    self.data_dir.display()
                )
            }),
        }
    }
}

/// The file an SQLite URL names (`sqlite://path?mode=rwc`, `sqlite:path`), if it names one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// `moderato token ...`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once, alone on standard output (only its SHA-256 is stored).
    Create {
        /// admin, moderator, viewer or ingest.
        #[arg(long)]
        role: String,
        /// A name for the token; reviews are recorded under it.
        #[arg(long)]
        name: Option<String>,
    },
    /// List tokens: id, name, role, creation time, revoked (never the tokens themselves).
    List,
    /// Revoke a token by id or name (it stops working within 30 seconds on a running server).
    Revoke {
        /// The token's id or name.
        token: String,
    },
}

/// `moderato audit ...`
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain (of the database, or of an exported file) and report the first bad entry.
    Verify {
        /// Verify an export (JSONL) instead of the database.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Also check signed checkpoints (a file written by `audit checkpoint`, one per line):
        /// each signature must verify and the chain must still hold each checkpoint's entry.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// With --checkpoint: the signer's public key (hex) the checkpoints must carry.
        #[arg(long, value_name = "HEX", requires = "checkpoint")]
        public_key: Option<String>,
        /// Also check the decisions, strikes, restrictions and content tables against the
        /// chain: every row must be what a `decision.recorded` entry says was written.
        #[arg(long, conflicts_with = "file")]
        deep: bool,
    },
    /// Create an Ed25519 key for signing checkpoints (PKCS#8, written 0600; keep it outside the database's host).
    Keygen {
        /// Where to write the key; refuses to overwrite.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Sign the chain's current head with the key and append the checkpoint to a file (or print it).
    Checkpoint {
        /// The key from `audit keygen`.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Append the checkpoint (one JSON line) to this file; standard output when omitted.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write the chain as JSONL that a third party can re-verify with `audit verify --file`.
    Export {
        /// Output file (standard output when omitted).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// A multi-threaded runtime for the commands that talk to a database or a stream.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

/// Logs to standard error, filtered by `RUST_LOG`, else by `default_filter`.
pub(crate) fn init_tracing(default_filter: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

/// `moderato serve`.
pub fn serve(
    store_args: &StoreArgs,
    bind: SocketAddr,
    body_limit: usize,
    limits: moderato_server::listen::ListenLimits,
    checkpoints: Option<Checkpoints>,
    demo: bool,
    ingest: Option<crate::stream::StreamArgs>,
) -> anyhow::Result<ExitCode> {
    init_tracing("info,tower_http=warn,sqlx=warn");
    runtime()?.block_on(async {
        let store = store_args.open_creating().await?;
        if let Some(checkpoints) = checkpoints {
            // Read the key once at start: a missing or bad key stops the server before it
            // serves, not silently later.
            let key = std::fs::read(&checkpoints.key).map_err(|error| {
                exit::InputError(format!("cannot read `{}`: {error}", checkpoints.key.display()))
            })?;
            moderato_store::Checkpoint::public_key_of(&key)
                .map_err(|error| exit::InputError(error.to_string()))?;
            tokio::spawn(write_checkpoints(store.clone(), key, checkpoints));
        }
        let config = ServerConfig {
            body_limit,
            demo,
            ..ServerConfig::default()
        };
        let mut state = prepare_state(store, config).await.context("failed to prepare the server")?;
        if let Some(stream) = &ingest {
            state.ingest = Some(crate::stream::nats_ingest(stream).await?);
            eprintln!(
                "submitted content goes to the stream `{}` ({}.content) for `moderato worker`s",
                stream.stream, stream.subject_prefix
            );
        }
        // Policy activations and actioned content from other processes sharing the database.
        tokio::spawn(
            moderato_service::follow::Follower::new(state.service.clone())
                .run(moderato_service::follow::DEFAULT_POLL_INTERVAL),
        );
        if demo {
            let seeded = moderato_server::ui::demo::seed(&state)
                .await
                .map_err(|error| anyhow::anyhow!("failed to seed the demo feed: {error}"))?;
            eprintln!("demo feed seeded with {seeded} example posts at http://{bind}/demo");
        }
        let policy = state.service.engines.active().policy().clone();
        let _ = moderato_service::metrics::handle();
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("failed to listen on {bind}"))?;
        tracing::info!(%bind, policy = %policy.id, version = %policy.version, digest = %policy.digest, "moderato is serving");
        eprintln!(
            "moderato listening on http://{bind} (policy {}@{}); API docs at http://{bind}/docs",
            policy.id, policy.version
        );
        moderato_server::listen::serve(
            listener,
            app(state),
            limits,
            crate::stream::shutdown_signal(),
        )
        .await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Where and how often `serve` signs the audit chain's head.
pub struct Checkpoints {
    /// The Ed25519 key file.
    pub key: PathBuf,
    /// The file checkpoints are appended to.
    pub file: PathBuf,
    /// Time between checkpoints.
    pub every: std::time::Duration,
}

/// Appends a signed checkpoint of the stored head at start and then periodically; a head that
/// has not moved is not signed again. Failures are logged and retried at the next tick.
async fn write_checkpoints(store: Store, key: Vec<u8>, checkpoints: Checkpoints) {
    let mut last = None;
    let mut ticker = tokio::time::interval(checkpoints.every);
    loop {
        ticker.tick().await;
        let head = match store.audit_head().await {
            Ok(head) => head,
            Err(error) => {
                tracing::warn!(%error, "could not read the audit head for a checkpoint");
                continue;
            }
        };
        if last.as_ref() == Some(&head) {
            continue;
        }
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let written = moderato_store::Checkpoint::sign(&key, head.0, &head.1, &time)
            .map_err(|error| error.to_string())
            .and_then(|checkpoint| {
                serde_json::to_string(&checkpoint).map_err(|error| error.to_string())
            })
            .and_then(|line| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&checkpoints.file)
                    .and_then(|mut file| file.write_all(format!("{line}\n").as_bytes()))
                    .map_err(|error| error.to_string())
            });
        match written {
            Ok(()) => {
                tracing::info!(seq = head.0, file = %checkpoints.file.display(), "audit checkpoint written");
                last = Some(head);
            }
            Err(error) => tracing::warn!(%error, "could not write an audit checkpoint"),
        }
    }
}

/// `moderato token ...`.
pub fn token(store_args: &StoreArgs, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create { role, name } => {
            let role = Role::parse(&role).ok_or_else(|| {
                exit::InputError(format!(
                    "unknown role `{role}`; expected admin, moderator, viewer or ingest"
                ))
            })?;
            runtime()?.block_on(async {
                let store = store_args.open().await?;
                let token = generate_token().context("failed to generate a random token")?;
                let name = name.unwrap_or_else(|| format!("{}-{}", role.as_str(), &token[4..12]));
                let id = store
                    .create_token(&name, role.as_str(), &token, now_ms())
                    .await
                    .map_err(|error| match error {
                        moderato_store::StoreError::InvalidTokenName { .. }
                        | moderato_store::StoreError::TokenNameTaken { .. } => {
                            anyhow::Error::from(exit::InputError(error.to_string()))
                        }
                        other => other.into(),
                    })?;
                // Standard output carries the token alone, so `TOKEN=$(moderato token create …)`
                // captures exactly the token; the note goes to standard error.
                use std::io::IsTerminal;
                if std::io::stdout().is_terminal() {
                    eprintln!(
                        "created token {id} `{name}` with role {}; it is shown only once:",
                        role.as_str()
                    );
                } else {
                    eprintln!(
                        "created token {id} `{name}` with role {}; the token, on standard output, is shown only once",
                        role.as_str()
                    );
                }
                println!("{token}");
                Ok(ExitCode::SUCCESS)
            })
        }
        TokenCommand::List => runtime()?.block_on(async {
            let store = store_args.open_existing().await?;
            println!(
                "{:>4}  {:<24} {:<10} {:<24} status",
                "id", "name", "role", "created"
            );
            for token in store.list_tokens().await? {
                let created = chrono::DateTime::from_timestamp_millis(token.created_at)
                    .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default();
                println!(
                    "{:>4}  {:<24} {:<10} {:<24} {}",
                    token.id,
                    token.name,
                    token.role,
                    created,
                    if token.revoked { "revoked" } else { "active" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        TokenCommand::Revoke { token } => runtime()?.block_on(async {
            let store = store_args.open_existing().await?;
            let id = match token.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => store.token_id_by_name(&token).await?,
            };
            let revoked = match id {
                Some(id) => store.revoke_token(id, "cli", now_ms()).await?,
                None => false,
            };
            if !revoked {
                return Err(exit::InputError(format!(
                    "no active token `{token}` (see `moderato token list`)"
                ))
                .into());
            }
            eprintln!(
                "revoked token `{token}`; a running server stops accepting it within 30 seconds"
            );
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// `moderato audit ...`.
pub fn audit(store_args: &StoreArgs, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let report = match command {
        AuditCommand::Keygen { output } => {
            use std::os::unix::fs::OpenOptionsExt;
            let key = moderato_store::generate_checkpoint_key()?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&output)
                .map_err(|error| {
                    exit::InputError(format!("cannot create `{}`: {error}", output.display()))
                })?;
            file.write_all(&key)?;
            let public = moderato_store::Checkpoint::public_key_of(&key)?;
            eprintln!(
                "wrote an Ed25519 key to `{}`; its public key:",
                output.display()
            );
            println!("{public}");
            return Ok(ExitCode::SUCCESS);
        }
        AuditCommand::Checkpoint { key, output } => {
            let bytes = std::fs::read(&key).map_err(|error| {
                exit::InputError(format!("cannot read `{}`: {error}", key.display()))
            })?;
            return runtime()?.block_on(async {
                let store = store_args.open_existing().await?;
                let report = store.verify_audit().await?;
                if !report.ok {
                    return Err(exit::InputError(
                        "the chain does not verify; no checkpoint is signed over it (run `moderato audit verify`)".into(),
                    )
                    .into());
                }
                let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let checkpoint = moderato_store::Checkpoint::sign(
                    &bytes,
                    report.last_seq,
                    &report.last_hash,
                    &time,
                )
                .map_err(|error| exit::InputError(error.to_string()))?;
                let line = serde_json::to_string(&checkpoint)? + "\n";
                match &output {
                    Some(path) => {
                        let mut file = std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(path)
                            .with_context(|| format!("failed to open `{}`", path.display()))?;
                        file.write_all(line.as_bytes())?;
                        eprintln!(
                            "checkpoint of entry {} appended to `{}`",
                            checkpoint.seq,
                            path.display()
                        );
                    }
                    None => print!("{line}"),
                }
                Ok(ExitCode::SUCCESS)
            });
        }
        AuditCommand::Verify {
            file: None,
            checkpoint: Some(checkpoints),
            public_key,
            deep,
        } => {
            let text = std::fs::read_to_string(&checkpoints).map_err(|error| {
                exit::InputError(format!("cannot read `{}`: {error}", checkpoints.display()))
            })?;
            let mut parsed = Vec::new();
            for (index, line) in text
                .lines()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty())
            {
                let checkpoint: moderato_store::Checkpoint =
                    serde_json::from_str(line).map_err(|error| {
                        exit::InputError(format!(
                            "{}:{}: {error}",
                            checkpoints.display(),
                            index + 1
                        ))
                    })?;
                parsed.push((index + 1, checkpoint));
            }
            if parsed.is_empty() {
                return Err(exit::InputError(format!(
                    "`{}` holds no checkpoint",
                    checkpoints.display()
                ))
                .into());
            }
            return runtime()?.block_on(async {
                let store = store_args.open_existing().await?;
                let report = store.verify_audit().await?;
                let entries = store.audit_entries().await?;
                let mut failed = !report.ok;
                if !report.ok {
                    println!("chain: altered at entry {:?}", report.first_problem);
                }
                if deep && !print_deep(&store.verify_tables().await?) {
                    failed = true;
                }
                for (line, checkpoint) in &parsed {
                    let verdict = match checkpoint.verify_signature(public_key.as_deref()) {
                        Err(error) => Some(error.to_string()),
                        Ok(()) if !checkpoint.contained_in(&entries) => Some(format!(
                            "the chain no longer holds entry {} with hash {} (truncated or rewritten since {})",
                            checkpoint.seq, checkpoint.hash, checkpoint.time
                        )),
                        Ok(()) => None,
                    };
                    match verdict {
                        Some(problem) => {
                            failed = true;
                            println!("checkpoint {}:{line}: {problem}", checkpoints.display());
                        }
                        None => println!(
                            "checkpoint {}:{line}: entry {} held, signed {}",
                            checkpoints.display(),
                            checkpoint.seq,
                            checkpoint.time
                        ),
                    }
                }
                Ok(if failed {
                    ExitCode::from(exit::PROBLEMS_FOUND)
                } else {
                    println!(
                        "ok: {} entries, chain intact{} and holds every checkpoint; head {} ({})",
                        report.entries,
                        if deep { ", tables agree" } else { "" },
                        report.last_seq,
                        report.last_hash
                    );
                    ExitCode::SUCCESS
                })
            });
        }
        AuditCommand::Verify {
            file: Some(_),
            checkpoint: Some(_),
            ..
        } => {
            return Err(exit::InputError(
                "--checkpoint checks the database's chain; use it without --file".into(),
            )
            .into());
        }
        AuditCommand::Verify {
            file: Some(path), ..
        } => {
            let file = std::fs::File::open(&path).map_err(|error| {
                exit::InputError(format!("failed to open `{}`: {error}", path.display()))
            })?;
            moderato_store::verify_audit_jsonl(BufReader::new(file))?
        }
        AuditCommand::Verify {
            file: None,
            deep: true,
            ..
        } => {
            return runtime()?.block_on(async {
                let store = store_args.open_existing().await?;
                let report = store.verify_audit().await?;
                if !print_chain(&report) {
                    println!("tables not checked: the chain they are compared with is broken");
                    return Ok(ExitCode::from(exit::PROBLEMS_FOUND));
                }
                Ok(if print_deep(&store.verify_tables().await?) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(exit::PROBLEMS_FOUND)
                })
            });
        }
        AuditCommand::Verify { file: None, .. } => runtime()?.block_on(async {
            store_args
                .open_existing()
                .await?
                .verify_audit()
                .await
                .map_err(anyhow::Error::from)
        })?,
        AuditCommand::Export { output } => {
            return runtime()?.block_on(async {
                let store = store_args.open_existing().await?;
                let count = match &output {
                    Some(path) => {
                        let file = std::fs::File::create(path)
                            .with_context(|| format!("failed to create `{}`", path.display()))?;
                        let mut writer = std::io::BufWriter::new(file);
                        let count = store.export_audit_jsonl(&mut writer).await?;
                        writer.flush()?;
                        count
                    }
                    None => {
                        let mut writer = std::io::BufWriter::new(std::io::stdout().lock());
                        let count = store.export_audit_jsonl(&mut writer).await?;
                        writer.flush()?;
                        count
                    }
                };
                eprintln!("exported {count} audit entries");
                Ok(ExitCode::SUCCESS)
            });
        }
    };
    Ok(if print_chain(&report) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::PROBLEMS_FOUND)
    })
}

/// Prints the chain's verdict; true when it verifies.
fn print_chain(report: &moderato_store::VerifyReport) -> bool {
    if report.ok {
        println!(
            "ok: {} entries, chain intact; head {} ({})",
            report.entries, report.last_seq, report.last_hash
        );
    } else {
        match &report.first_problem {
            Some(problem) => println!(
                "FAILED at entry {}: {:?}: {}",
                problem.seq, problem.kind, problem.message
            ),
            None => println!("FAILED: the chain does not verify"),
        }
    }
    report.ok
}

/// Prints the tables' verdict (`--deep`); true when every row agrees with the chain.
fn print_deep(report: &moderato_store::DeepReport) -> bool {
    let read = format!(
        "{} decisions, {} strikes, {} restrictions, {} content items against {} recorded decisions",
        report.decisions,
        report.strikes,
        report.restrictions,
        report.contents,
        report.chain_decisions
    );
    if report.ok() {
        println!("ok: tables agree with the chain ({read})");
        return true;
    }
    println!(
        "FAILED: {} rows disagree with the chain ({read})",
        report.problem_count
    );
    for problem in &report.problems {
        println!("  {} {}: {}", problem.table, problem.key, problem.message);
    }
    if report.problem_count > report.problems.len() as u64 {
        println!(
            "  … and {} more",
            report.problem_count - report.problems.len() as u64
        );
    }
    false
}

/// `moderato export ...`
#[derive(Subcommand)]
pub enum ExportCommand {
    /// DSA statements of reasons (EU Transparency Database format), in batches of at most 100, one JSON batch per line.
    Dsa {
        /// First day (YYYY-MM-DD, inclusive); the beginning when omitted.
        #[arg(long)]
        since: Option<String>,
        /// Last day (YYYY-MM-DD, inclusive); today when omitted.
        #[arg(long)]
        until: Option<String>,
        /// Output file (standard output when omitted); written only when every statement is valid.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Report formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// JSON.
    Json,
    /// A standalone HTML page.
    Html,
}

fn day_start_ms(day: &str, field: &str) -> anyhow::Result<i64> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|error| {
        exit::InputError(format!(
            "`--{field} {day}`: expected a date like 2026-11-25 ({error})"
        ))
    })?;
    Ok(date
        .and_hms_opt(0, 0, 0)
        .map(|time| time.and_utc().timestamp_millis())
        .unwrap_or(0))
}

fn range(
    from: Option<&str>,
    to: Option<&str>,
    from_name: &str,
    to_name: &str,
) -> anyhow::Result<(i64, i64)> {
    let start = match from {
        Some(day) => day_start_ms(day, from_name)?,
        None => 0,
    };
    let end = match to {
        Some(day) => day_start_ms(day, to_name)? + 86_400_000,
        None => now_ms() + 1,
    };
    if end <= start {
        return Err(exit::InputError(format!(
            "the range is empty: --{to_name} is before --{from_name}"
        ))
        .into());
    }
    Ok((start, end))
}

fn write_output(output: Option<&PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            // Write beside the target and rename, so a reader never sees half a file.
            let partial = path.with_extension("partial");
            std::fs::write(&partial, text)
                .with_context(|| format!("failed to write `{}`", partial.display()))?;
            std::fs::rename(&partial, path)
                .with_context(|| format!("failed to write `{}`", path.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(())
}

/// `moderato export ...`.
pub fn export(store_args: &StoreArgs, command: ExportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExportCommand::Dsa {
            since,
            until,
            output,
        } => {
            let (from, to) = range(since.as_deref(), until.as_deref(), "since", "until")?;
            runtime()?.block_on(async {
                let store = store_args.open_existing().await?;
                let batches =
                    moderato_service::accountability::export_statements(&store, from, to).await?;
                let mut text = String::new();
                let mut count = 0;
                for batch in &batches {
                    count += batch.statements.len();
                    text.push_str(&serde_json::to_string(batch)?);
                    text.push('\n');
                }
                write_output(output.as_ref(), &text)?;
                eprintln!(
                    "exported {count} statements of reasons in {} batches of at most 100",
                    batches.len()
                );
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

/// `moderato report`.
pub fn report(
    store_args: &StoreArgs,
    from: Option<&str>,
    to: Option<&str>,
    format: ReportFormat,
    output: Option<&PathBuf>,
) -> anyhow::Result<ExitCode> {
    let (start, end) = range(from, to, "from", "to")?;
    runtime()?.block_on(async {
        let store = store_args.open_existing().await?;
        let mut report =
            moderato_service::accountability::transparency_report(&store, start, end).await?;
        // The period as the user gave it: `--to` names the last day counted, not the day after;
        // without dates the report covers everything stored, and says so.
        report.from = from.map_or_else(|| "the first record".to_string(), str::to_string);
        report.to = to.map_or_else(
            || "now (all time)".to_string(),
            |day| format!("{day} (inclusive)"),
        );
        let text = match format {
            ReportFormat::Md => moderato_core::transparency::render_markdown(&report),
            ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            ReportFormat::Html => moderato_core::transparency::render_html(&report),
        };
        write_output(output, &text)?;
        Ok(ExitCode::SUCCESS)
    })
}
