//! Moderato's application layer, between the engine and store and the two front ends.
//!
//! [`Service`] holds what deciding content needs besides the engine itself: the engines by
//! policy digest and the active one ([`Engines`]), the group-commit decision writer, the strike
//! cache, the near-duplicate index of actioned content and its follower, and the accountability
//! exports. [`Service::decide`] is the one way content is decided and stored, by the HTTP API
//! (`moderato-server`) and by the stream workers (`moderato-worker`) alike; it answers with a
//! typed [`Recorded`] or a [`ServiceError`] that says whether the item itself is at fault.
//!
//! This crate knows nothing of HTTP, HTML or message brokers: it must never depend on axum,
//! askama or a NATS client, never answer with a status code, and never decide anything the
//! engine did not (it fills strikes from the ledger, decides through the engine, and stores).
#![warn(missing_docs)]

pub mod accountability;
pub mod actioned;
pub mod follow;
pub mod ingest;
pub mod metrics;
pub mod strikes;
pub mod writer;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use moderato_core::{ContentItem, Policy};
use moderato_engine::{Engine, load_pack};
use moderato_external::{BreakerSettings, ExternalClassifiers};
use moderato_store::{RecordOutcome, Store, StoreError};

/// Engines by policy digest: decisions are reviewed under the policy they were made with.
pub struct Engines {
    active: RwLock<Arc<Engine>>,
    external: RwLock<Arc<ExternalClassifiers>>,
    by_digest: Mutex<HashMap<String, Arc<Engine>>>,
}

impl Engines {
    /// Engines with `engine` active.
    pub fn new(engine: Engine) -> Engines {
        let engine = Arc::new(engine);
        let by_digest = HashMap::from([(engine.policy().digest.clone(), engine.clone())]);
        let external = Arc::new(ExternalClassifiers::from_policy(
            engine.policy(),
            BreakerSettings::default(),
        ));
        Engines {
            active: RwLock::new(engine),
            external: RwLock::new(external),
            by_digest: Mutex::new(by_digest),
        }
    }

    /// The engine of the active policy.
    pub fn active(&self) -> Arc<Engine> {
        match self.active.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The external classifiers of the active policy.
    pub fn external(&self) -> Arc<ExternalClassifiers> {
        match self.external.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `engine` the active one.
    pub fn activate(&self, engine: Arc<Engine>) {
        let external = Arc::new(ExternalClassifiers::from_policy(
            engine.policy(),
            BreakerSettings::default(),
        ));
        match self.external.write() {
            Ok(mut guard) => *guard = external,
            Err(poisoned) => *poisoned.into_inner() = external,
        }
        if let Ok(mut map) = self.by_digest.lock() {
            map.insert(engine.policy().digest.clone(), engine.clone());
        }
        match self.active.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// The engine for a digest, if already loaded.
    pub fn cached(&self, digest: &str) -> Option<Arc<Engine>> {
        self.by_digest.lock().ok()?.get(digest).cloned()
    }

    /// Remembers an engine.
    pub fn remember(&self, engine: Arc<Engine>) {
        if let Ok(mut map) = self.by_digest.lock() {
            map.insert(engine.policy().digest.clone(), engine);
        }
    }
}

/// A stored decision, as [`Service::decide`] answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// A new decision, stored with its audit entry.
    New(serde_json::Value),
    /// The item was decided before (same id and text): the stored decision, unchanged.
    Existing(serde_json::Value),
}

impl Recorded {
    /// The decision, new or stored.
    pub fn decision(&self) -> &serde_json::Value {
        match self {
            Recorded::New(decision) | Recorded::Existing(decision) => decision,
        }
    }

    /// The decision, new or stored.
    pub fn into_decision(self) -> serde_json::Value {
        match self {
            Recorded::New(decision) | Recorded::Existing(decision) => decision,
        }
    }

    /// Whether this call stored the decision.
    pub fn is_new(&self) -> bool {
        matches!(self, Recorded::New(_))
    }
}

/// Why an item was not decided and stored.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The store refused or failed.
    #[error("{context} failed")]
    Store {
        /// What was being done.
        context: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The decision writer failed to commit.
    #[error("recording the decision failed: {0}")]
    Record(String),
    /// The decision could not be serialised.
    #[error("serialising the decision failed")]
    Serialise(#[source] serde_json::Error),
}

impl ServiceError {
    /// Whether the request itself is at fault (the store refused what it names), so trying it
    /// again can never succeed: a stream worker sends it to the dead letters. Otherwise the
    /// failure is the infrastructure's and the item may be retried (a worker dead-letters it
    /// after its delivery limit). Items that do not parse never get here: they are refused
    /// before they are decided.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ServiceError::Store {
                source: StoreError::ContentMismatch { .. } | StoreError::NotTheAuthor { .. },
                ..
            }
        )
    }
}

/// The application layer of one process (see the crate docs). Cheap to clone.
#[derive(Clone)]
pub struct Service {
    /// Persistence and audit.
    pub store: Store,
    /// Engines.
    pub engines: Arc<Engines>,
    /// Group commit of decisions.
    pub writer: writer::DecisionWriter,
    /// Fingerprints of actioned content, shared by every engine.
    pub actioned: actioned::SharedIndex,
    /// Active strike counts, cached briefly.
    pub strikes: Arc<strikes::StrikeCache>,
}

/// The service could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed.
    #[error("storage failed")]
    Store(#[source] StoreError),
    /// The stored active policy could not be loaded.
    #[error("the active policy could not be loaded")]
    Engine(#[source] moderato_engine::EngineError),
}

impl Service {
    /// Opens the service on `store`: loads the near-duplicate index and the active policy, or
    /// stores and activates the embedded default pack on first start, and starts the writer.
    pub async fn open(store: Store) -> Result<Service, OpenError> {
        let actioned = actioned::load(&store).await.map_err(OpenError::Store)?;
        let active = store.active_policy().await.map_err(OpenError::Store)?;
        let engine = match active {
            Some(version) => {
                let policy =
                    load_pack(&files_from_json(&version.files)).map_err(OpenError::Engine)?;
                Engine::new(policy).map_err(OpenError::Engine)?
            }
            None => {
                let engine = Engine::with_default_policy().map_err(OpenError::Engine)?;
                let policy = engine.policy().clone();
                let now = now_ms();
                store
                    .upload_policy(
                        &policy.version,
                        &policy.digest,
                        &files_to_json(&policy),
                        "system",
                        now,
                    )
                    .await
                    .map_err(OpenError::Store)?;
                store
                    .activate_policy(&policy.version, "system", now)
                    .await
                    .map_err(OpenError::Store)?;
                engine
            }
        };
        let engine = engine.with_actioned_index(actioned.clone());
        let strikes = Arc::new(strikes::StrikeCache::default());
        Ok(Service {
            writer: writer::DecisionWriter::start(store.clone(), actioned.clone(), strikes.clone()),
            strikes,
            actioned,
            store,
            engines: Arc::new(Engines::new(engine)),
        })
    }

    /// Validates and loads stored pack files (`{"name": "text"}`) into an engine that consults
    /// this process's near-duplicate index.
    pub fn engine_from_files(
        &self,
        files: &serde_json::Value,
    ) -> Result<Arc<Engine>, moderato_engine::EngineError> {
        let policy = load_pack(&files_from_json(files))?;
        Ok(Arc::new(
            Engine::new(policy)?.with_actioned_index(self.actioned.clone()),
        ))
    }

    /// Decides one item and stores it with its audit entry (through the group-commit writer):
    /// strikes still in force come from the ledger (it overrides the item's `prior_strikes`
    /// when higher), the active engine decides, with the policy's external classifiers when it
    /// names any. A resubmission (same id and text) answers the stored decision.
    pub async fn decide(&self, mut item: ContentItem) -> Result<Recorded, ServiceError> {
        let started = Instant::now();
        let now = now_ms();
        if let Some(account) = item.account_id() {
            let active = self
                .strikes
                .active(&self.store, account, now)
                .await
                .map_err(|source| ServiceError::Store {
                    context: "reading strikes",
                    source,
                })?;
            item.author.prior_strikes = item.author.prior_strikes.max(active);
        }
        let engine = self.engines.active();
        let external = self.engines.external();
        let text = item.text.clone();
        let decision = if external.is_empty() {
            engine.decide(&item)
        } else {
            let (signals, missing) = external.classify(&item).await;
            for gap in &missing {
                ::metrics::counter!("moderato_external_failures_total", "source" => gap.source.clone())
                    .increment(1);
            }
            engine.decide_with_external(&item, signals, &missing)
        };
        let print = actioned::prepare(&text, &decision);
        let decided = Instant::now();
        ::metrics::histogram!("moderato_evaluate_seconds")
            .record(decided.duration_since(started).as_secs_f64());
        let recorded = self
            .writer
            .record(item, decision.clone(), print)
            .await
            .map_err(ServiceError::Record)?;
        ::metrics::histogram!("moderato_store_seconds").record(decided.elapsed().as_secs_f64());
        match recorded {
            RecordOutcome::Recorded(_) => {
                metrics::record_decision(&decision, started.elapsed().as_secs_f64());
                let json = serde_json::to_value(&decision).map_err(ServiceError::Serialise)?;
                Ok(Recorded::New(json))
            }
            RecordOutcome::Existing(stored) => Ok(Recorded::Existing(stored)),
        }
    }
}

/// Converts stored pack files (`{"name": "text"}`) into the loader's map.
pub fn files_from_json(files: &serde_json::Value) -> BTreeMap<String, String> {
    files
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(name, text)| {
                    text.as_str().map(|text| (name.clone(), text.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Converts a pack into stored JSON.
pub fn files_to_json(policy: &Policy) -> serde_json::Value {
    serde_json::Value::Object(
        policy
            .files
            .iter()
            .map(|(name, text)| (name.clone(), serde_json::Value::String(text.clone())))
            .collect(),
    )
}

/// An error and its causes, on one line (for logs and dead-letter reasons).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, text: &str, author: &str) -> ContentItem {
        serde_json::from_value(serde_json::json!({
            "id": id, "text": text, "author": {"id": author, "prior_strikes": 0}
        }))
        .expect("valid item")
    }

    async fn open() -> (Service, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_data_dir(dir.path()).await.expect("store");
        (Service::open(store).await.expect("service"), dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn first_start_activates_the_default_pack_and_a_resubmission_is_existing() {
        let (service, _dir) = open().await;
        let active = service
            .store
            .active_policy()
            .await
            .unwrap()
            .expect("active");
        assert_eq!(active.digest, service.engines.active().policy().digest);

        let threat = item("c1", "I will shoot you tomorrow at the station, @ann", "u1");
        let first = service.decide(threat.clone()).await.expect("decided");
        assert!(first.is_new());
        assert_eq!(first.decision()["action"], "remove");
        let again = service.decide(threat).await.expect("decided");
        assert!(!again.is_new());
        assert_eq!(
            again.decision()["decision_id"],
            first.decision()["decision_id"]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn strikes_in_the_ledger_count_whatever_the_item_claims() {
        let (service, _dir) = open().await;
        let text = "I will shoot you tomorrow at the station, @ann";
        let first = service.decide(item("s1", text, "u9")).await.unwrap();
        let added = first.decision()["account"]["strikes_added"]
            .as_u64()
            .expect("a strike");
        assert!(added > 0);
        // The second item claims no prior strikes; the ledger (through the cache) knows better.
        let second = service.decide(item("s2", text, "u9")).await.unwrap();
        let total = second.decision()["account"]["strikes_total"]
            .as_u64()
            .unwrap();
        assert!(total >= 2 * added, "total {total}, added {added}");
    }

    #[test]
    fn only_a_fault_of_the_item_is_permanent() {
        let mismatch = ServiceError::Store {
            context: "recording",
            source: StoreError::ContentMismatch {
                task_id: 1,
                task_content_id: "a".into(),
                content_id: "b".into(),
            },
        };
        assert!(mismatch.is_permanent());
        assert!(!ServiceError::Record("the database is down".into()).is_permanent());
    }
}
