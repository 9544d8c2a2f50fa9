//! Group commit of decisions: one writer task stores many decisions per transaction.
//!
//! Every write transaction serialises on the audit chain's head, so one
//! transaction per request caps throughput at the database's commit rate.
//! Handlers hand their decision to this task and wait; it commits whatever
//! has queued up (up to a batch) in one transaction and then answers each
//! handler. A handler answers its client only after the commit, so no
//! acknowledged decision is lost. This module must never reply before commit.

use moderato_core::{ContentItem, Decision};
use moderato_store::{RecordOutcome, Store};
use tokio::sync::{mpsc, oneshot};

/// Most decisions committed in one transaction.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<RecordOutcome, String>>;
type Print = Option<(
    moderato_store::StoredFingerprint,
    moderato_detect::neardup::Fingerprint,
)>;
type Job = (ContentItem, Decision, Print, Reply);

/// A handle to the writer task.
#[derive(Clone)]
pub struct DecisionWriter {
    sender: mpsc::Sender<Job>,
}

/// Commits a batch in one transaction; if that fails, commits each decision on its own, so one
/// bad row (a value the database refuses) fails only its own request and never its neighbours.
/// A decision stored meanwhile by another process comes back as existing.
async fn commit(
    store: &Store,
    batch: &[(ContentItem, Decision)],
) -> Vec<Result<RecordOutcome, String>> {
    match store.record_decisions(batch, crate::now_ms()).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(error) if batch.len() == 1 => {
            tracing::error!(%error, "failed to store a decision");
            vec![Err(error.to_string())]
        }
        Err(error) => {
            tracing::warn!(%error, batch = batch.len(), "a batch of decisions failed; committing them one by one");
            let mut outcomes = Vec::with_capacity(batch.len());
            for single in batch.chunks(1) {
                outcomes.push(
                    match store.record_decisions(single, crate::now_ms()).await {
                        Ok(mut stored) => stored.pop().ok_or_else(|| "no outcome".to_string()),
                        Err(error) => {
                            tracing::error!(%error, content = %single[0].0.id, "failed to store a decision");
                            Err(error.to_string())
                        }
                    },
                );
            }
            outcomes
        }
    }
}

impl DecisionWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(
        store: Store,
        actioned: crate::actioned::SharedIndex,
        strikes: std::sync::Arc<crate::strikes::StrikeCache>,
    ) -> DecisionWriter {
        let (sender, mut receiver) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let mut batch = Vec::with_capacity(jobs.len());
                let mut prints = Vec::with_capacity(jobs.len());
                let mut replies = Vec::with_capacity(jobs.len());
                for (item, decision, print, reply) in jobs {
                    batch.push((item, decision));
                    prints.push(print);
                    replies.push(reply);
                }
                let outcomes = commit(&store, &batch).await;
                // Keep this process's strike counts exact.
                for ((item, decision), outcome) in batch.iter().zip(&outcomes) {
                    if let (Ok(RecordOutcome::Recorded(_)), Some(account)) =
                        (outcome, decision.account.as_ref())
                        && let Some(id) = item.account_id()
                    {
                        strikes.add(id, account.strikes_added);
                    }
                }
                // Fingerprints of newly recorded actioned content, in one more commit.
                let new_prints: Vec<_> = prints
                    .into_iter()
                    .zip(&outcomes)
                    .filter(|(_, outcome)| matches!(outcome, Ok(RecordOutcome::Recorded(_))))
                    .filter_map(|(print, _)| print)
                    .collect();
                if !new_prints.is_empty() {
                    let rows: Vec<_> = new_prints.iter().map(|(row, _)| row.clone()).collect();
                    match store.add_fingerprints(&rows).await {
                        Ok(_) => crate::actioned::index_all(&actioned, &new_prints),
                        Err(error) => {
                            tracing::warn!(%error, "failed to store fingerprints of actioned content")
                        }
                    }
                }
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
        });
        DecisionWriter { sender }
    }

    /// Stores one decision (and the fingerprint of actioned content) through the writer;
    /// returns after the commit.
    pub async fn record(
        &self,
        item: ContentItem,
        decision: Decision,
        print: Print,
    ) -> Result<RecordOutcome, String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((item, decision, print, reply))
            .await
            .map_err(|_| "the decision writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the decision writer dropped the request".to_string())?
    }
}
