//! The browser harness: the real application on a loopback socket (with the demo
//! feed seeded, as `moderato serve --demo` does), a `chromedriver` of its own on a
//! free port, and headless Chromium with a fresh profile.
//!
//! A test body runs in its own task so that a failed assertion (a panic) or a
//! WebDriver error is caught; the harness then saves a screenshot to
//! `target/browser-screenshots/<test>.png` and fails the test. It must never pass
//! a test it could not run: it skips only when `MODERATO_TEST_BROWSER` is unset,
//! and says so.
//!
//! Every page the browser opens records its Content-Security-Policy violations (a
//! `securitypolicyviolation` listener added through the DevTools protocol before any
//! page script runs, so it sees what the page's own markup does); a test that passed
//! fails anyway if any page reported one.

#[path = "../common/tokens.rs"]
mod tokens;

use std::future::Future;
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use moderato_server::{ServerConfig, app, prepare_state};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The flags the issue asks for, plus a fixed window size.
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];
/// How long an explicit wait waits before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Where pages keep their Content-Security-Policy violations (`localStorage`, so they
/// survive navigation within the app's origin).
const CSP_VIOLATIONS: &str = "moderato-csp-violations";

/// Run in every new document before its own scripts: records each CSP violation.
const CSP_WATCH: &str = r#"document.addEventListener('securitypolicyviolation', function (event) {
  try {
    var key = 'moderato-csp-violations';
    var seen = JSON.parse(localStorage.getItem(key) || '[]');
    seen.push({
      page: location.pathname,
      directive: event.effectiveDirective,
      blocked: event.blockedURI,
      sample: event.sample,
      source: event.sourceFile,
      line: event.lineNumber,
      column: event.columnNumber,
      element: event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : '',
      parent: event.target && event.target.parentNode && event.target.parentNode.outerHTML ? event.target.parentNode.outerHTML.slice(0, 160) : ''
    });
    localStorage.setItem(key, JSON.stringify(seen));
  } catch (error) { /* a page without storage records nothing */ }
}, true);"#;

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"cmd": self.method, "params": self.params}).to_string()),
        )
    }
}

/// Any failure of a test body.
pub type Outcome = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Only one browser at a time: the machines running this have two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// API tokens of the seeded users.
#[derive(Clone)]
pub struct Tokens {
    pub admin: String,
    pub ingest: String,
    pub alice: String,
    pub bob: String,
    pub viewer: String,
}

/// What a test body gets: the browser, where the app listens, and the app itself for API calls.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub base: String,
    pub router: Router,
    pub tokens: Tokens,
}

/// `chromedriver`, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the browser tests should run; prints why not when they do not.
pub fn enabled() -> bool {
    if std::env::var_os("MODERATO_TEST_BROWSER").is_some() {
        return true;
    }
    eprintln!("SKIPPED: browser tests — MODERATO_TEST_BROWSER is unset");
    false
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free port")
}

/// Where failure screenshots go: `target/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-screenshots")
}

async fn start_app() -> (String, Router, Tokens, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = moderato_store::Store::open_data_dir(dir.path())
        .await
        .expect("open store");
    let config = ServerConfig {
        demo: true,
        ..ServerConfig::default()
    };
    let state = prepare_state(store.clone(), config)
        .await
        .expect("prepare state");
    moderato_server::ui::demo::seed(&state)
        .await
        .expect("seed demo feed");
    let tokens = tokens::create_role_tokens(&store).await;
    let router = app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let served = router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, served).await;
    });
    let tokens = Tokens {
        admin: tokens[0].clone(),
        ingest: tokens[1].clone(),
        alice: tokens[2].clone(),
        bob: tokens[3].clone(),
        viewer: tokens[4].clone(),
    };
    (format!("http://{address}"), router, tokens, dir)
}

fn start_driver() -> (Driver, u16) {
    let binary = std::env::var("MODERATO_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("MODERATO_TEST_BROWSER is set but `{binary}` could not start: {error} (apt-get install chromium chromium-driver)")
        });
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < WAIT,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (driver, port)
}

async fn connect(port: u16, profile: &std::path::Path) -> Client {
    let chromium =
        std::env::var("MODERATO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| flag.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": args}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|error| panic!("could not start Chromium through chromedriver: {error}"))
}

/// Runs `body` against a fresh app, driver and browser. On failure (an error or a
/// panic) saves a screenshot as `<name>.png` and fails the test.
pub async fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    if !enabled() {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let (base, router, tokens, _data) = start_app().await;
    let (_driver, port) = start_driver();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = connect(port, profile.path()).await;
    client
        .issue_cmd(Cdp {
            method: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({"source": CSP_WATCH}),
        })
        .await
        .unwrap_or_else(|error| panic!("could not add the CSP violation listener: {error}"));
    let session = Session {
        client: client.clone(),
        base,
        router,
        tokens,
    };
    let outcome = tokio::spawn(without_csp_violations(session.clone(), body(session))).await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(join) => Some(match join.try_into_panic() {
            Ok(panic) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_else(|| "panicked".into()),
            Err(error) => error.to_string(),
        }),
    };
    if let Some(message) = failure {
        let dir = screenshot_dir();
        let path = dir.join(format!("{name}.png"));
        let saved = match client.screenshot().await {
            Ok(png) => std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&path, png))
                .map(|()| format!("screenshot: {}", path.display()))
                .unwrap_or_else(|error| format!("screenshot not saved: {error}")),
            Err(error) => format!("screenshot not taken: {error}"),
        };
        let url = client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default();
        let _ = client.close().await;
        panic!("browser test `{name}` failed at {url}: {message}\n{saved}");
    }
    let _ = client.close().await;
    eprintln!(
        "browser test `{name}` passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Runs a test body; once it passed, fails if any page reported a CSP violation.
async fn without_csp_violations(session: Session, test: impl Future<Output = Outcome>) -> Outcome {
    test.await?;
    let violations = session.csp_violations().await?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "pages reported Content-Security-Policy violations: {}",
            Value::Array(violations)
        )
        .into())
    }
}

/// Fails a test body with a message.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

impl Session {
    /// The Content-Security-Policy violations every page of the app reported so far
    /// (read on the app's origin, which this may open), and forgets them.
    pub async fn csp_violations(&self) -> Result<Vec<Value>, fantoccini::error::CmdError> {
        let current = self.client.current_url().await?;
        if !current.as_str().starts_with(&format!("{}/", self.base)) {
            self.open_path("/healthz").await?;
        }
        let seen = self
            .client
            .execute(
                "var seen = JSON.parse(localStorage.getItem(arguments[0]) || '[]'); localStorage.removeItem(arguments[0]); return seen;",
                vec![json!(CSP_VIOLATIONS)],
            )
            .await?;
        Ok(match seen {
            Value::Array(seen) => seen,
            _ => Vec::new(),
        })
    }

    async fn open_path(&self, path: &str) -> Result<(), fantoccini::error::CmdError> {
        self.client.goto(&format!("{}{path}", self.base)).await
    }

    /// Opens a path of the app.
    pub async fn open(&self, path: &str) -> Outcome {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    /// Waits for an element.
    pub async fn wait_for(
        &self,
        css: &str,
    ) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
    }

    /// On a task page: picks `choice` (uphold, overturn or a rung), types the
    /// required reason and submits the review form.
    pub async fn decide(&self, choice: &str, reason: &str) -> Outcome {
        self.client
            .find(Locator::Css(&format!("input[name=choice][value={choice}]")))
            .await?
            .click()
            .await?;
        self.wait_for("#reason").await?.send_keys(reason).await?;
        self.client
            .find(Locator::Css("#review button[type=submit]"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Waits until a JavaScript expression is true.
    pub async fn wait_until(&self, expression: &str) -> Outcome {
        let started = Instant::now();
        let script = format!("return Boolean({expression});");
        loop {
            if self.client.execute(&script, vec![]).await? == Value::Bool(true) {
                return Ok(());
            }
            if started.elapsed() > WAIT {
                return Err(format!("timed out waiting for `{expression}`").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the page's `<h1>` to contain `text`, and returns the page's visible text.
    pub async fn wait_for_heading(
        &self,
        text: &str,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let quoted = serde_json::to_string(text)?;
        self.wait_until(&format!(
            "document.readyState === 'complete' && document.querySelector('h1') && document.querySelector('h1').textContent.includes({quoted})"
        ))
        .await?;
        Ok(self.body_text().await?)
    }

    /// The visible text of the page.
    pub async fn body_text(&self) -> Result<String, fantoccini::error::CmdError> {
        self.client.find(Locator::Css("body")).await?.text().await
    }

    /// The current path.
    pub async fn path(&self) -> Result<String, fantoccini::error::CmdError> {
        Ok(self.client.current_url().await?.path().to_string())
    }

    /// Signs in through the form.
    pub async fn sign_in(&self, token: &str) -> Outcome {
        self.open("/ui/login").await?;
        self.wait_for("#token").await?.send_keys(token).await?;
        self.client
            .find(Locator::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        self.wait_for_heading("Review queues").await?;
        Ok(())
    }

    /// Signs out with the header's button.
    pub async fn sign_out(&self) -> Outcome {
        self.client
            .find(Locator::Css("form[action='/ui/logout'] button"))
            .await?
            .click()
            .await?;
        self.wait_for_heading("Sign in").await?;
        Ok(())
    }

    /// Presses one key on whatever has the focus, as a person would.
    pub async fn press(&self, key: char) -> Outcome {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(keys).await?;
        Ok(())
    }

    /// Clicks the "Claim next" button in a queue's row.
    pub async fn claim(&self, queue: &str) -> Outcome {
        self.client
            .find(Locator::Css(&format!(
                "form[action='/ui/queues/{queue}/claim'] button"
            )))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// `[open, claimed]` of a queue as the queues page shows them, or `null`.
    pub async fn queue_counts(&self, queue: &str) -> Result<Value, fantoccini::error::CmdError> {
        self.client
            .execute(
                "const row = Array.from(document.querySelectorAll('tbody tr')).find(r => r.cells[0].textContent.trim() === arguments[0]);
                 return row ? [row.cells[1].textContent.trim(), row.cells[2].textContent.trim()] : null;",
                vec![json!(queue)],
            )
            .await
    }

    /// Calls the JSON API in process, as the platform would.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(if method == "GET" {
                Body::empty()
            } else {
                Body::from(body.to_string())
            })
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Submits content and reports it, so that it waits in the reports queue.
    pub async fn reported(&self, id: &str, text: &str) -> Value {
        let (status, decision) = self
            .api(
                "POST",
                "/v1/content",
                &self.tokens.ingest,
                json!({"id": id, "text": text, "author": {"id": format!("author-{id}")}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{decision}");
        let (status, report) = self
            .api(
                "POST",
                "/v1/reports",
                &self.tokens.ingest,
                json!({"content_id": id, "reason": "please look"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        decision
    }
}
