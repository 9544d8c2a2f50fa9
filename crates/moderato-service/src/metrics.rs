//! Prometheus metrics: decisions by action and rule, latencies, queue depths.
//!
//! Metric names are `moderato_*` with labels that take few values. The
//! recorder is installed once per process. This module must never label a
//! metric with content, user or token data.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once) and returns the handle that renders `/metrics`.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".to_string()),
                    &[
                        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                        0.25, 1.0,
                    ],
                )
                .ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Records one decision.
pub fn record_decision(decision: &moderato_core::Decision, seconds: f64) {
    metrics::counter!("moderato_decisions_total", "action" => decision.action.as_str())
        .increment(1);
    for rule in &decision.rules {
        metrics::counter!("moderato_rule_matches_total", "rule" => rule.id.clone()).increment(1);
    }
    metrics::histogram!("moderato_decision_seconds").record(seconds);
}

/// Counts a connection answered `503` because the listener was at its cap.
pub fn connection_shed() {
    metrics::counter!("moderato_connections_shed_total").increment(1);
}
