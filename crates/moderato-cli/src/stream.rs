//! Commands on the stream: `worker` and `publish`, and the stream settings
//! that `serve --ingest nats` shares with them.
//!
//! This module only parses, connects and calls moderato-worker; it holds no
//! processing logic.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use moderato_service::Service;

use crate::service::{init_tracing, runtime};
use moderato_worker::{Topology, WorkerConfig};

/// Where the stream is.
#[derive(Args, Clone, Debug)]
pub struct StreamArgs {
    /// NATS server URL.
    #[arg(
        long,
        value_name = "URL",
        env = "MODERATO_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats: String,
    /// JetStream stream of content items (decisions go to `<STREAM>_DECISIONS`, dead letters to `<STREAM>_DEAD_LETTERS`).
    #[arg(long, value_name = "NAME", default_value = "MODERATO_CONTENT")]
    pub stream: String,
    /// Subject prefix: items on `<PREFIX>.content`, decisions on `<PREFIX>.decisions`, dead letters on `<PREFIX>.dead_letters`.
    #[arg(long, value_name = "PREFIX", default_value = "moderato")]
    pub subject_prefix: String,
    /// Durable consumer shared by the workers.
    #[arg(long, value_name = "NAME", default_value = "moderato-workers")]
    pub consumer: String,
}

impl StreamArgs {
    /// The names these settings give.
    pub fn topology(&self) -> Topology {
        Topology::new(&self.stream, &self.subject_prefix, &self.consumer)
    }
}

/// `moderato worker` settings.
#[derive(Args, Clone, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Most items in flight in this worker.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub concurrency: usize,
    /// Seconds the stream waits for an acknowledgement before redelivering an item.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub ack_wait_secs: u64,
    /// Deliveries after which an item that still fails goes to the dead letters.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_deliveries: i64,
    /// Largest item accepted, in bytes of JSON.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024)]
    pub max_item_bytes: usize,
    /// Milliseconds between polls of the database for a newly activated policy.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub poll_interval_ms: u64,
    /// Serve /metrics and /healthz on this address.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Exit once the stream has been empty for this many seconds (batch jobs, benchmarks).
    #[arg(long, value_name = "SECONDS")]
    pub exit_when_idle: Option<u64>,
}

/// Connects to NATS as `name` and creates the streams if needed.
async fn open_streams(
    stream: &StreamArgs,
    name: &str,
) -> anyhow::Result<(async_nats::Client, async_nats::jetstream::Context, Topology)> {
    let client = moderato_worker::connect(&stream.nats, name).await?;
    let context = async_nats::jetstream::new(client.clone());
    let topology = stream.topology();
    moderato_worker::ensure_streams(&context, &topology).await?;
    Ok((client, context, topology))
}

/// `moderato worker`.
pub fn worker(store: &crate::service::StoreArgs, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    init_tracing("info,sqlx=warn,async_nats=warn");
    runtime()?.block_on(async {
        let store = store.open_creating().await?;
        let service = Service::open(store)
            .await
            .context("failed to prepare the worker")?;
        let _ = moderato_service::metrics::handle();
        if let Some(addr) = args.metrics_addr {
            let bound = moderato_worker::serve_metrics(addr).await?;
            eprintln!("worker metrics on http://{bound}/metrics");
        }
        let client = moderato_worker::connect(&args.stream.nats, "moderato-worker").await?;
        let policy = service.engines.active().policy().clone();
        let config = WorkerConfig {
            topology: args.stream.topology(),
            concurrency: args.concurrency,
            ack_wait: Duration::from_secs(args.ack_wait_secs.max(1)),
            max_deliveries: args.max_deliveries.max(1),
            max_item_bytes: args.max_item_bytes,
            poll_interval: Duration::from_millis(args.poll_interval_ms.max(100)),
            exit_when_idle: args.exit_when_idle.map(Duration::from_secs),
        };
        eprintln!(
            "moderato worker: consumer `{}` on stream `{}` ({}), policy {}@{}",
            config.topology.consumer,
            config.topology.stream,
            config.topology.content_subject,
            policy.id,
            policy.version
        );
        let summary =
            moderato_worker::run_worker(service, client, config, shutdown_signal()).await?;
        eprintln!(
            "moderato worker stopped: {} decided, {} already decided, {} dead letters, {} retries; \
             publish-to-acknowledgement p50 <= {} ms, p99 <= {} ms",
            summary.decided,
            summary.existing,
            summary.dead_letters,
            summary.retries,
            summary.end_to_end_p50_ms,
            summary.end_to_end_p99_ms
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `moderato publish`.
pub fn publish(
    stream: &StreamArgs,
    input: &PathBuf,
    dedupe: bool,
    rate: Option<f64>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(input)
        .with_context(|| format!("failed to open `{}`", input.display()))?;
    let reader = std::io::BufReader::new(file);
    runtime()?.block_on(async {
        let (client, context, topology) = open_streams(stream, "moderato-publish").await?;
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} published ({per_sec}) {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        };
        let started = std::time::Instant::now();
        let summary = moderato_worker::publish_lines(
            &context,
            &topology.content_subject,
            reader,
            dedupe,
            rate,
            |count| {
                if count % 1024 == 0 {
                    bar.set_position(count);
                }
            },
        )
        .await?;
        bar.finish_and_clear();
        client.flush().await.context("failed to flush to NATS")?;
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "published {} items to `{}` in {:.2} s ({:.0}/s); {} dropped by the stream as repeats",
            summary.published,
            topology.content_subject,
            seconds,
            summary.published as f64 / seconds.max(1e-9),
            summary.duplicates
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// For `serve --ingest nats`: connects, creates the streams, and returns the ingest.
pub async fn nats_ingest(
    stream: &StreamArgs,
) -> anyhow::Result<std::sync::Arc<dyn moderato_service::ingest::Ingest>> {
    let (_client, context, topology) = open_streams(stream, "moderato-serve").await?;
    Ok(std::sync::Arc::new(moderato_worker::NatsIngest::new(
        context,
        topology.content_subject,
    )))
}
