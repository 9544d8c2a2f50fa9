//! The one API error type: RFC 9457 problem details with a stable `type`.
//!
//! Bad input gets a 4xx with a precise message; internal faults get a 500
//! with a generic body while the details go to the log. This module must
//! never put secrets or stored personal data into a response or a log line.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem details document (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:moderato:problem:invalid-input`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The offending field, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem of an invalid policy pack: `{file, line, column, field, message}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Vec<moderato_core::PolicyDiagnostic>>,
}

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed or invalid input (400).
    #[error("{detail}")]
    InvalidInput {
        /// What was wrong.
        detail: String,
        /// Field path.
        field: Option<String>,
    },
    /// No or an unknown bearer token (401).
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// The token's role may not do this (403).
    #[error("role `{role}` may not {action}")]
    Forbidden {
        /// The caller's role.
        role: String,
        /// What was attempted.
        action: &'static str,
    },
    /// Nothing at this address (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than allowed (413).
    #[error("request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// A policy pack failed validation (422).
    #[error("policy pack is invalid")]
    InvalidPolicy(moderato_core::PolicyError),
    /// A dependency (the stream) is unavailable; retry later (503).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else (500); details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

impl From<moderato_service::ServiceError> for ApiError {
    fn from(error: moderato_service::ServiceError) -> ApiError {
        use moderato_service::ServiceError;
        match error {
            ServiceError::Store { context, source } => from_store(context, source),
            ServiceError::Record(message) => ApiError::internal("record decision", message),
            ServiceError::Serialise(error) => ApiError::internal("serialise decision", error),
        }
    }
}

impl ApiError {
    /// Logs an internal fault and returns the generic 500.
    pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
        tracing::error!(context, %error, "internal error");
        ApiError::Internal(context.to_string())
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::InvalidInput { .. } => {
                (StatusCode::BAD_REQUEST, "invalid-input", "Invalid input")
            }
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
            ),
            ApiError::Forbidden { .. } => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden for this role",
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflict with the current state",
            ),
            ApiError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request body too large",
            ),
            ApiError::InvalidPolicy(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-policy",
                "Invalid policy pack",
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl From<moderato_core::ContentError> for ApiError {
    fn from(error: moderato_core::ContentError) -> ApiError {
        ApiError::InvalidInput {
            field: error.field().map(str::to_string),
            detail: error.to_string(),
        }
    }
}

impl Problem {
    /// The problem as an RFC 9457 response: JSON under `application/problem+json`.
    fn into_response_with(self, status: StatusCode) -> Response {
        let mut response = (status, axum::Json(self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let (field, errors) = match &self {
            ApiError::InvalidInput { field, .. } => (field.clone(), None),
            ApiError::InvalidPolicy(error) => (None, Some(error.diagnostics.clone())),
            _ => (None, None),
        };
        let detail = match &self {
            ApiError::InvalidPolicy(error) => error.to_string(),
            other => other.to_string(),
        };
        let mut response = Problem {
            problem_type: format!("urn:moderato:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            field,
            errors,
        }
        .into_response_with(status);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Maps store errors onto HTTP problems.
pub fn from_store(context: &str, error: moderato_store::StoreError) -> ApiError {
    use moderato_store::StoreError;
    match error {
        StoreError::PolicyVersionConflict { .. }
        | StoreError::DecisionNotCurrent { .. }
        | StoreError::AppealAlreadyOpen { .. }
        | StoreError::TaskAlreadyDone { .. }
        | StoreError::TaskConflict { .. }
        | StoreError::AppealWindowClosed { .. } => ApiError::Conflict(error.to_string()),
        StoreError::UnknownPolicyVersion { .. }
        | StoreError::UnknownContent { .. }
        | StoreError::UnknownDecision { .. }
        | StoreError::TaskNotFound { .. } => ApiError::NotFound(error.to_string()),
        StoreError::SameReviewer { .. } => ApiError::Forbidden {
            role: "moderator".into(),
            action: "decide an appeal against their own decision",
        },
        StoreError::ContentMismatch { .. } => ApiError::InvalidInput {
            detail: error.to_string(),
            field: None,
        },
        StoreError::NotTheAuthor { .. } => ApiError::InvalidInput {
            detail: error.to_string(),
            field: Some("appellant".into()),
        },
        other => ApiError::internal(context, other),
    }
}

/// Turns the errors axum and tower answer by themselves under `/v1` (a path parameter that is
/// not a number, a method the route lacks (405), an unknown route, a body timeout) into RFC
/// 9457 problem documents like every other API error, keeping their status and text.
pub async fn problem_documents(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/v1");
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let (slug, title) = match status {
        StatusCode::BAD_REQUEST => ("invalid-input", "Invalid input"),
        StatusCode::NOT_FOUND => ("not-found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "Request timeout"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "Payload too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
        _ if status.is_server_error() => ("internal", "Internal error"),
        _ => ("error", "Error"),
    };
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut rebuilt = Problem {
        problem_type: format!("urn:moderato:problem:{slug}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail,
        field: None,
        errors: None,
    }
    .into_response_with(status);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            rebuilt.headers_mut().insert(name, value.clone());
        }
    }
    rebuilt
}
