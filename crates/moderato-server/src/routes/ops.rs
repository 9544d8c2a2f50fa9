//! Liveness, readiness and Prometheus metrics.
//!
//! These routes need no token and must never expose stored data.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and a policy is active.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "ready"), (status = 503, description = "not ready")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.service.store.active_policy().await {
        Ok(Some(_)) => (StatusCode::OK, "ready").into_response(),
        Ok(None) => (StatusCode::SERVICE_UNAVAILABLE, "no active policy").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    if let Ok(summaries) = state.service.store.queue_summaries(crate::now_ms()).await {
        for summary in summaries {
            metrics::gauge!("moderato_review_queue_depth", "queue" => summary.name.clone())
                .set(summary.open as f64);
            metrics::gauge!("moderato_review_queue_claimed", "queue" => summary.name)
                .set(summary.claimed as f64);
        }
    }
    match moderato_service::metrics::handle() {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response(),
    }
}
