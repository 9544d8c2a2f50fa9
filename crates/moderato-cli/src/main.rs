//! The `moderato` command: parses arguments, calls the libraries, prints, exits.
//!
//! It holds no business logic: every decision comes from moderato-engine.
//! Exit codes are named in [`exit`] and documented in the README.

mod batch;
mod exit;
mod model_commands;
mod policy_commands;
mod render;
mod service;
mod stream;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use moderato_core::content::ContentLimits;
use moderato_engine::{Engine, load_pack_from};

// The decision path allocates many small strings and maps; mimalloc serves them much faster than
// the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Moderato: policy-as-code content moderation with a graduated action ladder.
#[derive(Parser)]
#[command(name = "moderato", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where `serve` sends submitted content.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IngestMode {
    Inline,
    Nats,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(clap::Args, Clone)]
struct PolicyArgs {
    /// Policy pack folder; the embedded default pack when omitted.
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
    /// Largest accepted `text`, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = moderato_core::content::DEFAULT_MAX_TEXT_BYTES)]
    max_text_bytes: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Decide one item (JSON) and print the decision.
    Check {
        /// File with one JSON item, or `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Decide every item of a JSONL file, in input order, on all cores.
    Run {
        /// Input file, one JSON item per line.
        input: PathBuf,
        /// Output file for decisions, one per line, in input order.
        #[arg(short, long)]
        output: PathBuf,
        /// File for rejected lines (line number, reason, input).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Write a synthetic JSONL corpus for benchmarks and load tests (not for measuring quality).
    Generate {
        /// Number of items.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Seed; the same seed gives the same corpus.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (standard output when omitted).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run the HTTP API (and metrics, docs) on the embedded SQLite default or PostgreSQL.
    Serve {
        #[command(flatten)]
        store: service::StoreArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "MODERATO_BIND")]
        bind: std::net::SocketAddr,
        /// Largest accepted request body in bytes.
        #[arg(long, default_value_t = moderato_server::DEFAULT_BODY_LIMIT)]
        max_body_bytes: usize,
        /// Most connections served at once (lowered to stay under the open-file limit); beyond it, 503 with Retry-After.
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
        /// Seconds a client has to send a request's headers; also how long a keep-alive connection may idle.
        #[arg(long, default_value_t = 10)]
        header_timeout_secs: u64,
        /// Sign the audit chain's head with this key (from `audit keygen`) every --checkpoint-every-secs and append it to --checkpoint-file.
        #[arg(long, value_name = "FILE", requires = "checkpoint_file")]
        checkpoint_key: Option<PathBuf>,
        /// Where the server appends its signed checkpoints (keep a copy off this host).
        #[arg(long, value_name = "FILE", requires = "checkpoint_key")]
        checkpoint_file: Option<PathBuf>,
        /// Seconds between checkpoints.
        #[arg(long, default_value_t = 300)]
        checkpoint_every_secs: u64,
        /// Serve a demo feed at /demo, seeded with the bundled example posts.
        #[arg(long)]
        demo: bool,
        /// `inline`: decide submitted content in this process; `nats`: publish it to the stream for `moderato worker`s (answers 202).
        #[arg(long, value_enum, default_value = "inline")]
        ingest: IngestMode,
        #[command(flatten)]
        stream: stream::StreamArgs,
    },
    /// Decide content from a NATS JetStream stream into the shared database (run several; they share the work).
    Worker {
        #[command(flatten)]
        store: service::StoreArgs,
        #[command(flatten)]
        args: stream::WorkerArgs,
    },
    /// Publish a JSONL file of content items to the stream, as a platform's producer would.
    Publish {
        /// JSONL file, one item per line.
        input: PathBuf,
        #[command(flatten)]
        stream: stream::StreamArgs,
        /// Let the stream drop an item published again within 2 minutes (Nats-Msg-Id from id and text),
        /// e.g. when re-running a file. Off by default: it would also drop an edit reverted to an earlier text.
        #[arg(long)]
        dedupe: bool,
        /// Pace the publishing to this many items per second (default: as fast as the stream takes them).
        #[arg(long, value_name = "PER_SECOND")]
        rate: Option<f64>,
        /// No progress display.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Manage API tokens.
    Token {
        #[command(flatten)]
        store: service::StoreArgs,
        #[command(subcommand)]
        command: service::TokenCommand,
    },
    /// Verify or export the tamper-evident audit log.
    Audit {
        #[command(flatten)]
        store: service::StoreArgs,
        #[command(subcommand)]
        command: service::AuditCommand,
    },
    /// Export statements of reasons for the EU DSA Transparency Database.
    Export {
        #[command(flatten)]
        store: service::StoreArgs,
        #[command(subcommand)]
        command: service::ExportCommand,
    },
    /// Transparency report: counts by rule, action, source and automation; medians; appeals; overturn rates.
    Report {
        #[command(flatten)]
        store: service::StoreArgs,
        /// First day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "md")]
        format: service::ReportFormat,
        /// Output file (standard output when omitted).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Train the built-in text model on the labelled data sets and write its weights.
    Train(model_commands::TrainArgs),
    /// Evaluate the text model on held-out data (P, R, F1, PR-AUC per data set and label); with
    /// --suite, the whole engine on a labelled suite; with --public, on the public sets' test rows.
    Eval(model_commands::EvalArgs),
    /// Validate, test and compare policy packs.
    Policy {
        #[command(subcommand)]
        command: policy_commands::PolicyCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            exit::code_for(&error)
        }
    }
}

/// The error and its causes on one line, each said once. Database drivers repeat their
/// cause's text in their own and end it with the database server's source line (`at line
/// 948`), which means nothing to a user.
fn describe(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let mut text = cause.to_string();
        if let Some(index) = text.rfind(" at line ")
            && text[index + " at line ".len()..]
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            text.truncate(index);
        }
        if text.is_empty() || parts.last().is_some_and(|last| last.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

fn build_engine(args: &PolicyArgs) -> anyhow::Result<Engine> {
    let policy = load_pack_from(args.policy.as_deref())?;
    Ok(Engine::new(policy)?.with_limits(ContentLimits {
        max_text_bytes: args.max_text_bytes,
    }))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check {
            input,
            policy,
            format,
        } => {
            let engine = build_engine(&policy)?;
            let text = if input == "-" {
                let mut buffer = String::new();
                std::io::stdin()
                    .read_to_string(&mut buffer)
                    .context("failed to read standard input")?;
                buffer
            } else {
                std::fs::read_to_string(&input).map_err(|error| {
                    exit::InputError(format!("failed to read `{input}`: {error}"))
                })?
            };
            let item = engine
                .parse(text.trim())
                .map_err(|error| exit::InputError(format!("{input}: {error}")))?;
            let decision = engine.decide(&item);
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&decision)?),
                Format::Text => print!("{}", render::decision_text(&decision, &item)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            input,
            output,
            rejects,
            threads,
            policy,
        } => {
            let engine = build_engine(&policy)?;
            batch::run(&engine, &input, &output, rejects.as_deref(), threads)
        }
        Command::Generate {
            count,
            seed,
            output,
        } => {
            use std::io::Write;
            let mut writer: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("failed to create `{}`", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            for line in moderato_engine::synthetic::generate(seed, count) {
                writeln!(writer, "{line}")?;
            }
            writer.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            store,
            bind,
            max_body_bytes,
            max_connections,
            header_timeout_secs,
            checkpoint_key,
            checkpoint_file,
            checkpoint_every_secs,
            demo,
            ingest,
            stream,
        } => service::serve(
            &store,
            bind,
            max_body_bytes,
            moderato_server::listen::ListenLimits {
                max_connections,
                header_read_timeout: std::time::Duration::from_secs(header_timeout_secs.max(1)),
                ..Default::default()
            },
            checkpoint_key
                .zip(checkpoint_file)
                .map(|(key, file)| service::Checkpoints {
                    key,
                    file,
                    every: std::time::Duration::from_secs(checkpoint_every_secs.max(1)),
                }),
            demo,
            (ingest == IngestMode::Nats).then_some(stream),
        ),
        Command::Worker { store, args } => stream::worker(&store, args),
        Command::Publish {
            input,
            stream,
            dedupe,
            rate,
            quiet,
        } => stream::publish(&stream, &input, dedupe, rate, quiet),
        Command::Token { store, command } => service::token(&store, command),
        Command::Audit { store, command } => service::audit(&store, command),
        Command::Export { store, command } => service::export(&store, command),
        Command::Report {
            store,
            from,
            to,
            format,
            output,
        } => service::report(
            &store,
            from.as_deref(),
            to.as_deref(),
            format,
            output.as_ref(),
        ),
        Command::Policy { command } => policy_commands::run(command),
        Command::Train(args) => model_commands::train(args),
        Command::Eval(args) => model_commands::eval(args),
    }
}
