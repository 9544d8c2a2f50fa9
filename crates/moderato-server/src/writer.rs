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

/// A handle to the writer task.
#[derive(Clone)]
pub struct DecisionWriter {
    sender: mpsc::Sender<(ContentItem, Decision, Reply)>,
}

impl DecisionWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> DecisionWriter {
        let (sender, mut receiver) = mpsc::channel::<(ContentItem, Decision, Reply)>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let (batch, replies): (Vec<(ContentItem, Decision)>, Vec<Reply>) = jobs
                    .into_iter()
                    .map(|(item, decision, reply)| ((item, decision), reply))
                    .unzip();
                match store.record_decisions(&batch, crate::now_ms()).await {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, batch = batch.len(), "failed to store a batch of decisions");
                        for reply in replies {
                            let _ = reply.send(Err(error.to_string()));
                        }
                    }
                }
            }
        });
        DecisionWriter { sender }
    }

    /// Stores one decision through the writer; returns after the commit.
    pub async fn record(
        &self,
        item: ContentItem,
        decision: Decision,
    ) -> Result<RecordOutcome, String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((item, decision, reply))
            .await
            .map_err(|_| "the decision writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the decision writer dropped the request".to_string())?
    }
}
