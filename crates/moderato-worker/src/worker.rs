//! The worker loop: pull, validate, decide and store, publish, acknowledge.
//!
//! In-flight work is bounded by `concurrency` (a semaphore taken before each
//! pull), so a slow database slows the pulls instead of piling items up in
//! memory. Concurrent items meet in the server's group-commit writer, which
//! stores them in one transaction.
//!
//! Per item, in this order: (1) an item that cannot be processed -- too
//! large, not UTF-8, not a valid content item -- goes to the dead-letter
//! subject with its reason at once, since redelivery cannot change it; (2)
//! an item already delivered more than `max_deliveries` times goes there
//! too, so a message that keeps failing never blocks the stream; (3) the
//! decision is stored (or the stored one found, for a redelivery) and
//! published to the decisions subject, and only then is the item
//! acknowledged; (4) a failure on the way (database, stream) leaves the item
//! unacknowledged with a delayed redelivery, and for two minutes after such
//! a failure no item is dead-lettered for its delivery count (an outage of
//! the database must not empty the stream into the dead letters). This
//! module must never
//! acknowledge an item whose decision is not committed and published.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::{AckPolicy, pull};
use async_nats::jetstream::{self, AckKind, Message};
use futures_util::StreamExt;
use moderato_service::{Service, error_chain};
use tokio::sync::Semaphore;

use crate::WorkerError;
use crate::topology::{Topology, ensure_streams};

/// Settings of a worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Streams, subjects and consumer.
    pub topology: Topology,
    /// Most items in flight in this worker.
    pub concurrency: usize,
    /// How long the stream waits for an acknowledgement before it
    /// redelivers an item (to this or another worker).
    pub ack_wait: Duration,
    /// Deliveries after which an item that still fails goes to the dead
    /// letters.
    pub max_deliveries: i64,
    /// Largest item accepted, in bytes of JSON.
    pub max_item_bytes: usize,
    /// How often the shared database is polled for a newly activated policy
    /// and for content actioned by other processes.
    pub poll_interval: Duration,
    /// Stop once the stream has been empty (nothing pending, nothing in
    /// flight) for this long; `None` runs until shut down.
    pub exit_when_idle: Option<Duration>,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            topology: Topology::default(),
            concurrency: 256,
            ack_wait: Duration::from_secs(30),
            max_deliveries: 5,
            max_item_bytes: 256 * 1024,
            poll_interval: moderato_service::follow::DEFAULT_POLL_INTERVAL,
            exit_when_idle: None,
        }
    }
}

/// Counts of what a worker did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Items with a new decision.
    pub decided: u64,
    /// Redelivered or repeated items that found their stored decision.
    pub existing: u64,
    /// Items sent to the dead letters.
    pub dead_letters: u64,
    /// Items left for redelivery after a failure.
    pub retries: u64,
    /// Median time from an item's publish to its acknowledgement, in ms
    /// (upper bound of its histogram bucket; 0 when nothing was decided).
    pub end_to_end_p50_ms: u64,
    /// 99th percentile of the same.
    pub end_to_end_p99_ms: u64,
}

/// Upper bounds (ms) of the end-to-end latency buckets.
const LATENCY_BUCKETS_MS: [u64; 16] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    60_000,
    u64::MAX,
];

#[derive(Default)]
struct Counters {
    decided: AtomicU64,
    existing: AtomicU64,
    dead_letters: AtomicU64,
    retries: AtomicU64,
    latency: [AtomicU64; LATENCY_BUCKETS_MS.len()],
}

impl Counters {
    fn observe_latency(&self, milliseconds: u64) {
        let bucket = LATENCY_BUCKETS_MS
            .iter()
            .position(|bound| milliseconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS_MS.len() - 1);
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
    }

    fn latency_quantile(&self, quantile: f64) -> u64 {
        let counts: Vec<u64> = self
            .latency
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64) * quantile).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (count, bound) in counts.iter().zip(LATENCY_BUCKETS_MS) {
            seen += count;
            if seen >= rank {
                return bound;
            }
        }
        u64::MAX
    }

    fn summary(&self) -> WorkerSummary {
        WorkerSummary {
            decided: self.decided.load(Ordering::Relaxed),
            existing: self.existing.load(Ordering::Relaxed),
            dead_letters: self.dead_letters.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            end_to_end_p50_ms: self.latency_quantile(0.50),
            end_to_end_p99_ms: self.latency_quantile(0.99),
        }
    }
}

/// What happened to one item.
enum Outcome {
    Decided,
    Existing,
    DeadLetter,
    Retry,
}

struct Shared {
    service: Service,
    context: jetstream::Context,
    config: WorkerConfig,
    counters: Counters,
    /// Until when (ms since the epoch) the database or the stream counts as
    /// failing: while it does, items are not dead-lettered for their
    /// delivery count, since the fault is not theirs.
    infrastructure_failing_until: std::sync::atomic::AtomicI64,
}

/// How long after an infrastructure failure the delivery bound is suspended.
const INFRASTRUCTURE_GRACE_MS: i64 = 120_000;

impl Shared {
    fn infrastructure_failed(&self) {
        self.infrastructure_failing_until.store(
            moderato_service::now_ms() + INFRASTRUCTURE_GRACE_MS,
            Ordering::Relaxed,
        );
    }

    fn infrastructure_failing(&self) -> bool {
        moderato_service::now_ms() < self.infrastructure_failing_until.load(Ordering::Relaxed)
    }
}

/// Runs a worker until `shutdown` resolves (or, with `exit_when_idle`, the
/// stream stays empty): creates the streams and the durable consumer if
/// needed, follows the shared database for policy activations, and
/// processes items. In-flight items are finished before it returns.
pub async fn run_worker(
    service: Service,
    client: async_nats::Client,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<WorkerSummary, WorkerError> {
    let context = jetstream::new(client);
    let stream = ensure_streams(&context, &config.topology).await?;
    let mut consumer: jetstream::consumer::Consumer<pull::Config> = stream
        .get_or_create_consumer(
            &config.topology.consumer,
            pull::Config {
                durable_name: Some(config.topology.consumer.clone()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: config.ack_wait,
                // Unbounded here: the worker bounds deliveries itself, so
                // that an item past the bound reaches the dead letters
                // instead of silently stopping.
                max_deliver: -1,
                max_ack_pending: 20_000,
                filter_subject: config.topology.content_subject.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|error| WorkerError::jetstream("create consumer")(error.to_string()))?;

    // Policy activations and actioned content from other processes.
    let follower = tokio::spawn(
        moderato_service::follow::Follower::new(service.clone()).run(config.poll_interval),
    );

    let concurrency = config.concurrency.max(1);
    let shared = Arc::new(Shared {
        service,
        context,
        config: config.clone(),
        counters: Counters::default(),
        infrastructure_failing_until: std::sync::atomic::AtomicI64::new(0),
    });
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(concurrency)
        .heartbeat(Duration::from_secs(5))
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .map_err(|error| WorkerError::jetstream("pull messages")(error.to_string()))?;

    let mut idle_since: Option<Instant> = None;
    let mut lag_check = tokio::time::interval(Duration::from_secs(1));
    lag_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    let result = loop {
        let permit = tokio::select! {
            () = &mut shutdown => break Ok(()),
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break Ok(()),
            },
        };
        let next = tokio::select! {
            () = &mut shutdown => break Ok(()),
            next = messages.next() => next,
            _ = lag_check.tick() => {
                drop(permit);
                match consumer.info().await {
                    Ok(info) => {
                        metrics::gauge!("moderato_worker_lag").set(info.num_pending as f64);
                        metrics::gauge!("moderato_worker_ack_pending").set(info.num_ack_pending as f64);
                        let in_flight = concurrency - permits.available_permits();
                        let empty = info.num_pending == 0 && info.num_ack_pending == 0 && in_flight == 0;
                        match (config.exit_when_idle, empty) {
                            (Some(limit), true) => {
                                let since = *idle_since.get_or_insert_with(Instant::now);
                                if since.elapsed() >= limit {
                                    break Ok(());
                                }
                            }
                            _ => idle_since = None,
                        }
                    }
                    Err(error) => tracing::warn!(%error, "could not read the consumer's state"),
                }
                continue;
            }
        };
        match next {
            Some(Ok(message)) => {
                idle_since = None;
                let shared = shared.clone();
                metrics::gauge!("moderato_worker_in_flight").increment(1.0);
                tokio::spawn(async move {
                    let outcome = handle(&shared, message).await;
                    let counter = match outcome {
                        Outcome::Decided => &shared.counters.decided,
                        Outcome::Existing => &shared.counters.existing,
                        Outcome::DeadLetter => &shared.counters.dead_letters,
                        Outcome::Retry => &shared.counters.retries,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    metrics::gauge!("moderato_worker_in_flight").decrement(1.0);
                    drop(permit);
                });
            }
            Some(Err(error)) => {
                drop(permit);
                tracing::warn!(%error, "pulling from the stream failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            None => {
                break Err(WorkerError::JetStream {
                    context: "pull messages",
                    message: "the message stream ended".to_string(),
                });
            }
        }
    };
    // Finish what is in flight before returning.
    let _ = permits.acquire_many(concurrency as u32).await;
    follower.abort();
    result.map(|()| shared.counters.summary())
}

/// Processes one item; see the module docs for the order of steps.
async fn handle(shared: &Shared, message: Message) -> Outcome {
    let (delivered, sequence, published_ns) = match message.info() {
        Ok(info) => (
            info.delivered,
            info.stream_sequence,
            Some(info.published.unix_timestamp_nanos()),
        ),
        Err(_) => (1, 0, None),
    };
    if delivered > 1 {
        metrics::counter!("moderato_worker_redeliveries_total").increment(1);
    }
    let payload = message.payload.clone();
    if payload.len() > shared.config.max_item_bytes {
        let reason = format!(
            "oversized: {} bytes, more than the {} allowed",
            payload.len(),
            shared.config.max_item_bytes
        );
        return dead_letter(shared, &message, "oversized", &reason, delivered, sequence).await;
    }
    let text = match std::str::from_utf8(&payload) {
        Ok(text) => text,
        Err(error) => {
            let reason = format!("not UTF-8: {error}");
            return dead_letter(shared, &message, "not_utf8", &reason, delivered, sequence).await;
        }
    };
    let engine = shared.service.engines.active();
    let item = match engine.parse(text) {
        Ok(item) => item,
        Err(error) => {
            let reason = format!("invalid content item: {error}");
            return dead_letter(shared, &message, "invalid", &reason, delivered, sequence).await;
        }
    };
    drop(engine);
    if delivered > shared.config.max_deliveries && shared.infrastructure_failing() {
        // The database or the stream failed lately: the item is not the
        // problem, so it waits instead of using up its deliveries.
        return retry(&message, shared.config.max_deliveries).await;
    }
    if delivered > shared.config.max_deliveries {
        let reason = format!(
            "not processed after {} deliveries (the limit is {})",
            delivered - 1,
            shared.config.max_deliveries
        );
        return dead_letter(
            shared,
            &message,
            "max_deliveries",
            &reason,
            delivered,
            sequence,
        )
        .await;
    }
    let content_id = item.id.clone();
    let started = Instant::now();
    let recorded = match shared.service.decide(item).await {
        Ok(recorded) => recorded,
        Err(error) if error.is_permanent() => {
            let reason = format!("invalid content item: {}", error_chain(&error));
            return dead_letter(shared, &message, "invalid", &reason, delivered, sequence).await;
        }
        Err(error) => {
            tracing::warn!(%error, %content_id, delivered, "deciding failed; the item will be redelivered");
            shared.infrastructure_failed();
            return retry(&message, delivered).await;
        }
    };
    metrics::histogram!("moderato_worker_store_seconds").record(started.elapsed().as_secs_f64());
    let existing = !recorded.is_new();
    let decision = recorded.into_decision();
    let decision_id = decision
        .get("decision_id")
        .and_then(|value| value.as_str())
        .unwrap_or_default()
        .to_string();
    let mut headers = HeaderMap::new();
    // A republished decision (after a redelivery) carries the same id, so
    // the decisions stream keeps one copy within its duplicate window.
    headers.insert("Nats-Msg-Id", decision_id.as_str());
    headers.insert("Moderato-Content-Id", content_id.as_str());
    let body = match serde_json::to_vec(&decision) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "could not serialise a decision");
            return retry(&message, delivered).await;
        }
    };
    let subject = &shared.config.topology.decisions_subject;
    if let Err(error) = publish_stored(shared, subject, headers, body.into()).await {
        tracing::warn!(%error, %content_id, "publishing the decision failed; the item will be redelivered");
        shared.infrastructure_failed();
        return retry(&message, delivered).await;
    }
    if let Err(error) = message.ack().await {
        // The decision is stored: a redelivery finds it and publishes it again.
        tracing::warn!(%error, %content_id, "acknowledging failed; the item will be redelivered");
        return retry(&message, delivered).await;
    }
    if let Some(published_ns) = published_ns {
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_nanos() as i128)
            .unwrap_or(published_ns);
        let seconds = (now_ns - published_ns).max(0) as f64 / 1e9;
        metrics::histogram!("moderato_worker_end_to_end_seconds").record(seconds);
        shared.counters.observe_latency((seconds * 1000.0) as u64);
    }
    let outcome = if existing { "existing" } else { "decided" };
    metrics::counter!("moderato_worker_messages_total", "outcome" => outcome).increment(1);
    if existing {
        Outcome::Existing
    } else {
        Outcome::Decided
    }
}

/// Publishes to `subject` and waits until the stream has stored the message.
async fn publish_stored(
    shared: &Shared,
    subject: &str,
    headers: HeaderMap,
    payload: bytes::Bytes,
) -> Result<(), String> {
    shared
        .context
        .publish_with_headers(subject.to_string(), headers, payload)
        .await
        .map_err(|error| error.to_string())?
        .await
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// Leaves the item for redelivery after a delay that grows with its
/// deliveries (1 s, 2 s, 4 s ... up to 30 s).
async fn retry(message: &Message, delivered: i64) -> Outcome {
    metrics::counter!("moderato_worker_messages_total", "outcome" => "retry").increment(1);
    let exponent = u32::try_from(delivered.clamp(1, 6) - 1).unwrap_or(0);
    let delay = Duration::from_secs(2u64.pow(exponent).min(30));
    if let Err(error) = message.ack_with(AckKind::Nak(Some(delay))).await {
        tracing::warn!(%error, "could not ask for a redelivery; the ack wait will bring it back");
    }
    Outcome::Retry
}

/// Publishes the item with its reason to the dead letters, then
/// acknowledges it. If the dead-letter publish fails, the item stays
/// unacknowledged and comes back.
async fn dead_letter(
    shared: &Shared,
    message: &Message,
    kind: &'static str,
    reason: &str,
    delivered: i64,
    sequence: u64,
) -> Outcome {
    let mut headers = HeaderMap::new();
    headers.insert(
        "Nats-Msg-Id",
        format!("dead-{}-{sequence}", shared.config.topology.stream).as_str(),
    );
    headers.insert("Moderato-Reason", reason_header(reason).as_str());
    headers.insert("Moderato-Reason-Kind", kind);
    headers.insert("Moderato-Stream-Sequence", sequence.to_string().as_str());
    headers.insert("Moderato-Deliveries", delivered.to_string().as_str());
    let subject = &shared.config.topology.dead_letter_subject;
    if let Err(error) = publish_stored(shared, subject, headers, message.payload.clone()).await {
        tracing::warn!(%error, sequence, "publishing a dead letter failed; the item will be redelivered");
        shared.infrastructure_failed();
        return retry(message, delivered).await;
    }
    tracing::warn!(sequence, kind, reason, "item sent to the dead letters");
    metrics::counter!("moderato_worker_dead_letters_total", "reason" => kind).increment(1);
    metrics::counter!("moderato_worker_messages_total", "outcome" => "dead_letter").increment(1);
    if let Err(error) = message.ack().await {
        tracing::warn!(%error, sequence, "acknowledging a dead letter failed");
    }
    Outcome::DeadLetter
}

/// A reason fit for a header: one line, printable, at most 1,000 bytes.
fn reason_header(reason: &str) -> String {
    let mut line: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.len() > 1000 {
        let mut end = 1000;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
    }
    line
}

/// Serves `/metrics` (Prometheus) and `/healthz` for a worker, over HTTP/1.1 through hyper
/// (no web framework: two read-only paths). A request's head must arrive within 10 s.
pub async fn serve_metrics(addr: SocketAddr) -> Result<SocketAddr, WorkerError> {
    use http_body_util::Full;
    use hyper::{Method, Request, Response, StatusCode};
    use hyper_util::rt::{TokioIo, TokioTimer};

    let handle = moderato_service::metrics::handle();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WorkerError::Metrics { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| WorkerError::Metrics { addr, source })?;
    let answer = move |request: Request<hyper::body::Incoming>| async move {
        let (status, body) = match (request.method(), request.uri().path()) {
            (&Method::GET, "/metrics") => (
                StatusCode::OK,
                handle.map(|handle| handle.render()).unwrap_or_default(),
            ),
            (&Method::GET, "/healthz") => (StatusCode::OK, "ok".to_string()),
            (&Method::GET, _) => (StatusCode::NOT_FOUND, "not found".to_string()),
            _ => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed".to_string(),
            ),
        };
        let mut response = Response::new(Full::new(bytes::Bytes::from(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        Ok::<_, std::convert::Infallible>(response)
    };
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "the metrics listener could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            tokio::spawn(async move {
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer))
                    .await;
                if let Err(error) = served {
                    tracing::debug!(%error, "a metrics connection ended with an error");
                }
            });
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_quantiles_come_from_the_buckets() {
        let counters = Counters::default();
        assert_eq!(counters.latency_quantile(0.5), 0);
        for milliseconds in [0, 1, 3, 3, 40, 40, 40, 40, 40, 900] {
            counters.observe_latency(milliseconds);
        }
        assert_eq!(counters.latency_quantile(0.5), 50);
        assert_eq!(counters.latency_quantile(0.99), 1_000);
        assert_eq!(counters.latency_quantile(0.1), 1);
    }

    #[test]
    fn reasons_fit_in_a_header() {
        assert_eq!(reason_header("a\nb\r\tc"), "a b  c");
        let long = "é".repeat(800);
        let header = reason_header(&long);
        assert!(header.len() <= 1000);
        assert!(header.chars().all(|c| c == 'é'));
    }
}
