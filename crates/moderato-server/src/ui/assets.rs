//! The console's static files, compiled into the binary and served at `/ui/static/{name}`:
//! the vendored htmx, the console's and the demo feed's stylesheets, and the task page's
//! keyboard shortcuts.
//!
//! They are files rather than inline `<style>` and `<script>` blocks so that the
//! Content-Security-Policy (`script-src 'self'; style-src 'self'`, see `crate::app`) can refuse
//! every inline script and style. Pages ask for them with `?v=` and a digest of their bytes, so
//! the one-year immutable cache never serves a stale copy after an upgrade. This module must
//! never serve a file that is not in [`FILES`].

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One static file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file served under `/ui/static/`.
const FILES: [Asset; 4] = [
    // htmx 2.0.11 (Zero-Clause BSD), vendored: see `static/README.md`.
    Asset {
        name: "htmx.min.js",
        content_type: JS,
        bytes: include_bytes!("../../static/htmx.min.js"),
    },
    Asset {
        name: "console.css",
        content_type: CSS,
        bytes: include_bytes!("../../static/console.css"),
    },
    Asset {
        name: "demo.css",
        content_type: CSS,
        bytes: include_bytes!("../../static/demo.css"),
    },
    Asset {
        name: "task.js",
        content_type: JS,
        bytes: include_bytes!("../../static/task.js"),
    },
];

/// `/ui/static/{name}?v={the first 12 hex digits of the file's SHA-256}`.
fn versioned(name: &str) -> String {
    let digest = FILES
        .iter()
        .find(|asset| asset.name == name)
        .map(|asset| hex::encode(Sha256::digest(asset.bytes)))
        .unwrap_or_default();
    format!(
        "/ui/static/{name}?v={}",
        digest.get(..12).unwrap_or_default()
    )
}

static CONSOLE_CSS: LazyLock<String> = LazyLock::new(|| versioned("console.css"));
static DEMO_CSS: LazyLock<String> = LazyLock::new(|| versioned("demo.css"));
static TASK_JS: LazyLock<String> = LazyLock::new(|| versioned("task.js"));

/// Where pages load the console's stylesheet from.
pub fn console_css() -> &'static str {
    &CONSOLE_CSS
}

/// Where the demo feed loads its stylesheet from.
pub fn demo_css() -> &'static str {
    &DEMO_CSS
}

/// Where the task page loads its keyboard shortcuts from.
pub fn task_js() -> &'static str {
    &TASK_JS
}

/// `GET /ui/static/{name}`: a file of [`FILES`], cacheable for a year; anything else is a 404.
pub async fn serve(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
