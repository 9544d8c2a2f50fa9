//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the docs page.
//!
//! The Swagger UI files are vendored into the binary (no CDN). This module
//! must never describe a route that the router does not serve.

use axum::Router;
use axum::http::{HeaderValue, header};
use serde::Deserialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::AppState;

/// The content item accepted by `POST /v1/content` (documentation of the core contract).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ContentItemDoc {
    /// Platform id; required.
    pub id: String,
    /// Text; required; at most 64 KiB by default.
    pub text: String,
    /// `post` (default), `reply`, `comment`, `message` or `bio`.
    pub kind: Option<String>,
    /// Language.
    pub lang: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: Option<String>,
    /// ISO 3166-1 alpha-2 region.
    pub region: Option<String>,
    /// Public link.
    pub url: Option<String>,
    /// `{id, handle, followers, verified, public_role, prior_strikes, account_age_days}`.
    #[schema(value_type = Object)]
    pub author: Option<serde_json::Value>,
    /// `{views, reposts, replies, velocity_per_hour}`.
    #[schema(value_type = Object)]
    pub metrics: Option<serde_json::Value>,
    /// `[{name, score, source}]` from external systems.
    #[schema(value_type = Vec<Object>)]
    pub signals: Option<Vec<serde_json::Value>>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opaque token")
                    .build(),
            ),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Moderato API", description = "Policy-as-code content moderation: decisions on a graduated ladder, review queues, appeals, audit."),
    paths(
        crate::routes::ops::healthz, crate::routes::ops::readyz, crate::routes::ops::metrics,
        crate::routes::content::submit, crate::routes::content::submit_batch, crate::routes::content::current,
        crate::routes::reviews::create_report, crate::routes::reviews::get_report,
        crate::routes::reviews::queues, crate::routes::reviews::claim_next, crate::routes::reviews::submit_review,
        crate::routes::reviews::create_appeal, crate::routes::reviews::get_appeal,
        crate::routes::accounts::standing, crate::routes::accounts::verify_audit,
        crate::routes::accounts::list_tokens, crate::routes::accounts::revoke_token,
        crate::routes::policies::list, crate::routes::policies::upload, crate::routes::policies::activate, crate::routes::policies::diff,
    ),
    components(schemas(
        ContentItemDoc, crate::error::Problem, crate::routes::content::ContentState, crate::routes::content::BatchResult,
        crate::routes::reviews::ReportRequest, crate::routes::reviews::ReviewRequest, crate::routes::reviews::AppealRequest,
        crate::routes::reviews::ClaimedTask, crate::routes::reviews::QueueView, crate::routes::policies::PolicyUploadRequest, crate::routes::policies::PolicySummary,
        crate::routes::policies::PolicyDiff, crate::auth::Role, moderato_service::ingest::IngestReceipt,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// The Content-Security-Policy of `/docs` and `/openapi.json`: the application's
/// ([`crate::CONTENT_SECURITY_POLICY`]) plus `data:` images, which Swagger UI's stylesheet uses
/// for its icons, and the one inline `<style>` Swagger UI inserts, allowed by its hash
/// ([`SWAGGER_LOGO_STYLE`]). Swagger UI's page loads its scripts (its bootstrap
/// `swagger-initializer.js` included) and stylesheets as files from `/docs/`, so neither needs
/// `'unsafe-inline'`.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     object-src 'none'; base-uri 'none'";

/// The `<style>` of the Swagger logo in the top bar (`swagger-ui-standalone-preset.js` of Swagger
/// UI 5.32.6), whose SHA-256 [`DOCS_CONTENT_SECURITY_POLICY`] allows. A test checks that the
/// vendored file still carries it; another Swagger UI version may need another hash.
pub const SWAGGER_LOGO_STYLE: &str =
    ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

/// `/openapi.json` and the docs page at `/docs`, with their own Content-Security-Policy.
pub fn docs_router() -> Router<AppState> {
    let config = Config::new(["/openapi.json"])
        // No badge from validator.swagger.io: the page loads nothing from another site.
        .validator_url("none");
    Router::new()
        .merge(
            SwaggerUi::new("/docs")
                .url("/openapi.json", ApiDoc::openapi())
                .config(config),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
        ))
}
