//! The adapters against small HTTP servers started inside the tests: OpenAI-style
//! moderation, Llama Guard over Ollama and OpenAI-compatible chat, a webhook,
//! timeouts, error statuses and the circuit breaker.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::routing::post;
use moderato_core::policy::BuiltinSignal;
use moderato_core::{ContentItem, Policy};
use moderato_external::{BreakerSettings, ExternalClassifiers};
use serde_json::{Value, json};

const MANIFEST: &str = r#"id = "ext"
version = "1"
title = "External test"
appeal_url = "https://example.org/appeal"
[public_interest]
eligible_roles = ["head_of_state"]
min_followers = 100000
require_verified = true
imminence_threshold = 0.6
max_severity = 5
harm_weight_per_severity = 0.18
[strikes]
expiry_days = 90
"#;

const RULES: &str = r#"[[rule]]
id = "violence.external"
title = "Violence (external model)"
definition = "Violent content according to the platform's classifier."
severity = 4
when = "signals.external.EXT.violence >= 0.8"
actions = ["remove"]
public_interest_eligible = false
dsa = { category = "STATEMENT_CATEGORY_VIOLENCE" }
"#;

fn policy(kind: &str, url: &str, extra: &str) -> Policy {
    let manifest = format!(
        "{MANIFEST}\n[[external]]\nname = \"EXT\"\nkind = \"{kind}\"\nurl = \"{url}\"\ntimeout_ms = 300\ncategories = [\"violence\", \"hate\"]\n{extra}"
    )
    .replace("\"EXT\"", "\"ext\"");
    let rules = RULES.replace("EXT", "ext");
    let files = BTreeMap::from([
        ("policy.toml".to_string(), manifest),
        ("rules.toml".to_string(), rules),
    ]);
    moderato_core::load_policy(&files, &[] as &[BuiltinSignal]).unwrap()
}

fn item(text: &str) -> ContentItem {
    serde_json::from_value(json!({"id": "1", "text": text})).unwrap()
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

fn score(signals: &[moderato_core::Signal], name: &str) -> f64 {
    signals
        .iter()
        .find(|signal| signal.name == name)
        .map(|signal| signal.score)
        .unwrap()
}

#[tokio::test]
async fn openai_moderation_scores_become_signals() {
    let base = serve(Router::new().route(
        "/v1/moderations",
        post(|Json(body): Json<Value>| async move {
            assert_eq!(body["input"], "I will hurt you");
            Json(json!({"results": [{"flagged": true, "category_scores": {"violence": 0.93, "hate": 0.02, "harassment/threatening": 0.7}}]}))
        }),
    ))
    .await;
    let policy = policy("openai_moderation", &format!("{base}/v1/moderations"), "");
    let classifiers = ExternalClassifiers::from_policy(&policy, BreakerSettings::default());
    let (signals, missing) = classifiers.classify(&item("I will hurt you")).await;
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(score(&signals, "external.ext.violence"), 0.93);
    assert_eq!(score(&signals, "external.ext.hate"), 0.02);
    assert_eq!(signals[0].source, "external:ext");
}

#[tokio::test]
async fn llama_guard_verdicts_are_parsed_from_ollama_and_openai_shapes() {
    let base = serve(
        Router::new()
            .route(
                "/api/chat",
                post(|Json(body): Json<Value>| async move {
                    let prompt = body["messages"][0]["content"].as_str().unwrap().to_string();
                    assert!(
                        prompt.contains("S1: violence.") && prompt.contains("S2: hate."),
                        "{prompt}"
                    );
                    Json(json!({"message": {"role": "assistant", "content": "unsafe\nS1"}}))
                }),
            )
            .route(
                "/v1/chat/completions",
                post(|| async { Json(json!({"choices": [{"message": {"content": "safe"}}]})) }),
            ),
    )
    .await;
    let ollama = ExternalClassifiers::from_policy(
        &policy("llama_guard", &format!("{base}/api/chat"), ""),
        BreakerSettings::default(),
    );
    let (signals, missing) = ollama.classify(&item("x")).await;
    assert!(missing.is_empty());
    assert_eq!(score(&signals, "external.ext.violence"), 1.0);
    assert_eq!(score(&signals, "external.ext.hate"), 0.0);
    let vllm = ExternalClassifiers::from_policy(
        &policy("llama_guard", &format!("{base}/v1/chat/completions"), ""),
        BreakerSettings::default(),
    );
    let (signals, _) = vllm.classify(&item("x")).await;
    assert_eq!(score(&signals, "external.ext.violence"), 0.0);
}

#[tokio::test]
async fn webhook_scores_and_bad_answers() {
    let base = serve(
        Router::new()
            .route(
                "/good",
                post(|| async { Json(json!({"scores": {"violence": 0.5, "hate": 0.9}})) }),
            )
            .route(
                "/bad",
                post(|| async { Json(json!({"scores": {"violence": 7}})) }),
            ),
    )
    .await;
    let good = ExternalClassifiers::from_policy(
        &policy("webhook", &format!("{base}/good"), ""),
        BreakerSettings::default(),
    );
    let (signals, _) = good.classify(&item("x")).await;
    assert_eq!(score(&signals, "external.ext.hate"), 0.9);
    let bad = ExternalClassifiers::from_policy(
        &policy("webhook", &format!("{base}/bad"), ""),
        BreakerSettings::default(),
    );
    let (signals, missing) = bad.classify(&item("x")).await;
    assert!(signals.is_empty());
    assert_eq!(missing.len(), 2);
    assert!(missing[0].reason.contains("outside 0..1"), "{missing:?}");
}

#[tokio::test]
async fn failures_are_recorded_and_the_decision_goes_to_review() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let base = serve(
        Router::new()
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    Json(json!({"scores": {}}))
                }),
            )
            .route(
                "/broken",
                post(move || {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom")
                    }
                }),
            ),
    )
    .await;
    let slow_policy = policy("webhook", &format!("{base}/slow"), "");
    let slow = ExternalClassifiers::from_policy(&slow_policy, BreakerSettings::default());
    let started = std::time::Instant::now();
    let (signals, missing) = slow.classify(&item("x")).await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the timeout applies"
    );
    assert!(signals.is_empty());
    assert!(missing[0].reason.contains("timed out"), "{missing:?}");

    // The decision still comes out, records the gap, and goes to review because the rule needs the signal.
    let decision = moderato_core::evaluate_with_missing(
        &slow_policy,
        moderato_core::EvaluationInput {
            item: &item("x"),
            signals: &signals,
            decision_id: "d",
            decided_at: "2026-01-01T00:00:00Z",
        },
        &missing,
    );
    assert_eq!(decision.missing_signals.len(), 2);
    assert!(decision.review.required);
    assert!(
        decision
            .review
            .reasons
            .iter()
            .any(|reason| reason.contains("violence.external") && reason.contains("missing")),
        "{:?}",
        decision.review.reasons
    );

    // The breaker opens after three failures: the fourth call never reaches the endpoint.
    let broken = ExternalClassifiers::from_policy(
        &policy("webhook", &format!("{base}/broken"), ""),
        BreakerSettings {
            failures: 3,
            cooldown: Duration::from_millis(200),
        },
    );
    for _ in 0..3 {
        let (_, missing) = broken.classify(&item("x")).await;
        assert!(missing[0].reason.contains("500"), "{missing:?}");
    }
    let (_, missing) = broken.classify(&item("x")).await;
    assert!(missing[0].reason.contains("circuit open"), "{missing:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    tokio::time::sleep(Duration::from_millis(250)).await;
    broken.classify(&item("x")).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "one trial call after the cooldown"
    );
}

#[tokio::test]
async fn a_missing_key_is_reported_without_calling() {
    let policy = policy(
        "openai_moderation",
        "http://127.0.0.1:9/v1/moderations",
        "api_key_env = \"MODERATO_TEST_NO_SUCH_KEY\"\n",
    );
    let classifiers = ExternalClassifiers::from_policy(&policy, BreakerSettings::default());
    let (_, missing) = classifiers.classify(&item("x")).await;
    assert!(
        missing[0].reason.contains("MODERATO_TEST_NO_SUCH_KEY"),
        "{missing:?}"
    );
}
