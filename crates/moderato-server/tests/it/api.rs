//! The API end to end: authentication, submission, review, appeal, policies, audit, metrics.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, backends, default_version};

const LOOTING: &str = "These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!";

fn head_of_state_post(id: &str) -> serde_json::Value {
    json!({"id": id, "text": LOOTING, "author": {"id": "potus", "followers": 30_000_000, "verified": true, "public_role": "head_of_state"}, "metrics": {"views": 1_000_000, "velocity_per_hour": 50_000.0}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_and_roles_are_enforced() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (status, body, content_type) = app
            .send(
                "POST",
                "/v1/content",
                None,
                Some(json!({"id": "1", "text": "hi"}).to_string()),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["type"], "urn:moderato:problem:unauthenticated");
        let (status, _, _) = app
            .send("GET", "/v1/queues", Some("mod_not-a-real-token"), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = app
            .post("/v1/content", &app.viewer, json!({"id": "1", "text": "hi"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) = app.get("/v1/audit/verify", &app.alice).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post("/v1/policies", &app.alice, json!({"files": {}}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submission_is_idempotent_and_edits_are_linked() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (status, first) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": "p1", "text": "Lovely day"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend} {first}");
        assert_eq!(first["action"], "allow");
        let (status, again) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": "p1", "text": "Lovely day"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["decision_id"], first["decision_id"]);
        let (status, edited) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": "p1", "text": "I will kill you"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(edited["action"], "remove");
        let (status, state) = app.get("/v1/content/p1", &app.viewer).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["decision_id"], edited["decision_id"]);
        assert_eq!(state["previous_decision_id"], first["decision_id"]);
        let (status, _) = app.get("/v1/content/nope", &app.viewer).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_precise_problems() {
    let app = TestApp::new("sqlite").await;
    let (status, body) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "1", "text": "x", "author": {"folowers": 1}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "author.folowers", "{body}");
    assert_eq!(body["type"], "urn:moderato:problem:invalid-input");
    let (status, body, _) = app
        .send(
            "POST",
            "/v1/content",
            Some(&app.ingest),
            Some("{\"id\": \"1\", ".into()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let big = "a".repeat(70_000);
    let (status, body) = app
        .post("/v1/content", &app.ingest, json!({"id": "1", "text": big}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "text");
    let huge = "a".repeat(9 * 1024 * 1024);
    let (status, body) = app
        .post("/v1/content", &app.ingest, json!({"id": "1", "text": huge}))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Nothing was stored by the failures.
    let (status, _) = app.get("/v1/content/1", &app.viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Issue 12 §9: what axum answers by itself is a problem document too.
    for (method, path, expected) in [
        ("GET", "/v1/appeals/not-a-number", StatusCode::BAD_REQUEST),
        ("DELETE", "/v1/content", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/v1/no-such-route", StatusCode::NOT_FOUND),
    ] {
        let (status, body, content_type) = app.send(method, path, Some(&app.admin), None).await;
        assert_eq!(status, expected, "{method} {path} {body}");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        assert_eq!(body["status"], expected.as_u16(), "{body}");
        assert!(
            body["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:moderato:problem:"),
            "{body}"
        );
    }
}

/// Issue 12 §4: a caller asserted `violence.imminence: 1` under `builtin:rules` and turned a
/// head of state's public-interest notice into a removal with a strike. Items may carry only
/// the signals the pack declares for callers, under the caller's own source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_cannot_assert_the_engines_own_signals() {
    let app = TestApp::new("sqlite").await;
    let mut post = head_of_state_post("hos-forged");
    post["signals"] =
        json!([{"name": "violence.imminence", "score": 1.0, "source": "builtin:rules"}]);
    let (status, body) = app.post("/v1/content", &app.ingest, post).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "signals[0].name", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("violence.imminence"),
        "{body}"
    );
    for forged in [
        json!({"name": "violence.threat", "score": 1.0}),
        json!({"name": "model.hate", "score": 1.0, "source": "acme"}),
        json!({"name": "external.toxicity", "score": 0.99, "source": "builtin:rules"}),
    ] {
        let (status, body) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": "x-forged", "text": "x", "signals": [forged]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{forged} {body}");
    }
    // The batch route refuses the item and decides its neighbours.
    let (status, body) = app
        .post(
            "/v1/content:batch",
            &app.ingest,
            json!([{"id": "b-ok", "text": "hello"}, {"id": "b-forged", "text": "x", "signals": [{"name": "violence.threat", "score": 1.0}]}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["status"], 201, "{body}");
    assert_eq!(body[1]["status"], 400, "{body}");
    // Nothing forged was stored, and the notice stands for the real post.
    let (status, _) = app.get("/v1/content/x-forged", &app.viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .post("/v1/content", &app.ingest, head_of_state_post("hos-real"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["action"], "public_interest_notice", "{body}");
    // A signal the pack declares, under the caller's own source, is accepted.
    let (status, body) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "tox", "text": "x", "signals": [{"name": "external.toxicity", "score": 0.2, "source": "acme-classifier"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Issue 12 §2: a NUL character gave a 500 on PostgreSQL (text, id, author id, report reason,
/// path parameters). It is refused with a 400 naming the field, on every backend alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_is_refused_with_the_field_named_on_every_backend() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for (item, field) in [
            (json!({"id": "n1", "text": "a\u{0}b"}), "text"),
            (json!({"id": "n\u{0}1", "text": "ab"}), "id"),
            (
                json!({"id": "n1", "text": "ab", "author": {"id": "u\u{0}"}}),
                "author.id",
            ),
        ] {
            let (status, body) = app.post("/v1/content", &app.ingest, item).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend} {body}");
            assert_eq!(body["field"], field, "{backend} {body}");
        }
        let (status, body) = app
            .post(
                "/v1/content",
                &app.ingest,
                json!({"id": "n1", "text": "fine"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend} {body}");
        let (status, body) = app
            .post(
                "/v1/reports",
                &app.ingest,
                json!({"content_id": "n1", "reason": "bad\u{0}reason"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend} {body}");
        assert_eq!(body["field"], "reason", "{backend} {body}");
        for path in ["/v1/content/n%001", "/v1/accounts/u%00", "/v1/queues?x=%00"] {
            let (status, body) = app.get(path, &app.admin).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend} {path} {body}");
            assert_eq!(body["type"], "urn:moderato:problem:invalid-input");
        }
    }
}

/// Issue 12 §2: decisions share a group commit, so one row the database refused (a NUL on
/// PostgreSQL) failed 847 of 960 concurrent valid submissions. The writer now retries a failed
/// batch one decision at a time. The bad item is built without the parser, as a future caller
/// of the writer might.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_row_the_database_refuses_never_fails_its_neighbours() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let engine = moderato_engine::Engine::with_default_policy().unwrap();
        let writer = moderato_service::writer::DecisionWriter::start(
            app.store.clone(),
            Default::default(),
            std::sync::Arc::new(moderato_service::strikes::StrikeCache::default()),
        );
        let mut tasks = Vec::new();
        for index in 0..300 {
            let mut item: moderato_core::ContentItem = serde_json::from_value(
                json!({"id": format!("w{index}"), "text": format!("ordinary post number {index}")}),
            )
            .unwrap();
            if index == 150 {
                item.text = "bad\u{0}row".into();
            }
            let decision = engine.decide(&item);
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                (index, writer.record(item, decision, None).await)
            }));
        }
        for task in tasks {
            let (index, outcome) = task.await.unwrap();
            if index != 150 {
                assert!(outcome.is_ok(), "{backend}: item {index}: {outcome:?}");
            } else if backend == "postgres" {
                assert!(outcome.is_err(), "{backend}: the NUL row was stored");
            }
        }
        let (status, body) = app.get("/v1/content/w299", &app.viewer).await;
        assert_eq!(status, StatusCode::OK, "{backend} {body}");
    }
}

/// Issue 12 §5: a moderator changed a held item (D1), then claimed and decided the appeal
/// against the system's D0 and replaced their own D1, which vanished from the history. A review
/// must act on the decision in force (409), and nobody who made a decision on the content may
/// decide its appeal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_act_on_the_decision_in_force_and_appeals_skip_every_decider() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (status, d0) = app
            .post("/v1/content", &app.ingest, head_of_state_post("sod-1"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend} {d0}");
        let (status, appeal) = app
            .post("/v1/appeals", &app.ingest, json!({"decision_id": d0["decision_id"], "appellant": "potus", "statement": "Context matters"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend} {appeal}");
        // Alice takes the public-interest task and changes the decision: D1.
        let (status, claimed) = app.get("/v1/queues/public_interest/next", &app.alice).await;
        assert_eq!(status, StatusCode::OK, "{backend} {claimed}");
        let task = claimed["task"]["id"].as_i64().unwrap();
        let (status, d1) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.alice,
                json!({"outcome": "overturn", "reason": "no violation in context"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{backend} {d1}");
        // Alice made a decision on this content: the appeal is not hers to take.
        let (status, _) = app.get("/v1/queues/appeals/next", &app.alice).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{backend}");
        // Bob may take it, but D0 is no longer in force: deciding it is a conflict.
        let (status, claimed) = app.get("/v1/queues/appeals/next", &app.bob).await;
        assert_eq!(status, StatusCode::OK, "{backend} {claimed}");
        let task = claimed["task"]["id"].as_i64().unwrap();
        let (status, body) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.bob,
                json!({"outcome": "uphold", "reason": "notice was right"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend} {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("no longer current"),
            "{backend} {body}"
        );
        // D1 stands, by Alice.
        let (_, state) = app.get("/v1/content/sod-1", &app.ingest).await;
        assert_eq!(
            state["decision"]["decision_id"], d1["decision_id"],
            "{backend} {state}"
        );
        assert_eq!(state["decided_by"], "alice", "{backend} {state}");
    }
}

/// Issue 12 §13: the appeal route took any `appellant`. A measure is contested by the author
/// of the content only; the filing token is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_author_appeals_a_measure_against_their_content() {
    let app = TestApp::new("sqlite").await;
    let (status, decision) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "ap-1", "text": "I will kill you tomorrow", "author": {"id": "u-77"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{decision}");
    assert_ne!(decision["action"], "allow", "{decision}");
    let (status, body) = app
        .post("/v1/appeals", &app.ingest, json!({"decision_id": decision["decision_id"], "appellant": "u-99", "statement": "restore it"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "appellant", "{body}");
    let (status, body) = app
        .post("/v1/appeals", &app.admin, json!({"decision_id": decision["decision_id"], "appellant": "u-77", "statement": "filed for the author by support"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let entries = app.store.audit_entries().await.unwrap();
    let filed = entries
        .iter()
        .find(|entry| entry.kind == "appeal.created")
        .expect("an appeal.created entry");
    assert_eq!(filed.payload["filed_by"], "root", "{:?}", filed.payload);
}

/// Issue 12 §15 and §9: tokens are listed and revoked by an admin (the README promised it);
/// names are unique and `system` is reserved, so no token can pass for the engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_and_revoke_tokens_and_names_stay_unique() {
    let app = TestApp::new("sqlite").await;
    let (status, _) = app.get("/v1/tokens", &app.alice).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, tokens) = app.get("/v1/tokens", &app.admin).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let listed = tokens.as_array().unwrap();
    assert!(
        listed.iter().any(|token| token["name"] == "alice"),
        "{tokens}"
    );
    assert!(
        !tokens.to_string().contains(&app.alice),
        "a listing never shows a token"
    );
    let viewer_id = listed
        .iter()
        .find(|token| token["role"] == "viewer")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app.get("/v1/queues", &app.viewer).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .send(
            "DELETE",
            &format!("/v1/tokens/{viewer_id}"),
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Revoked through this process: refused at once, not after the cache expires.
    let (status, _) = app.get("/v1/queues", &app.viewer).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app
        .send(
            "DELETE",
            &format!("/v1/tokens/{viewer_id}"),
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for name in ["alice", "system", "SYSTEM", "bad name", ""] {
        let created = app
            .store
            .create_token(name, "moderator", &format!("mod_{name}_x"), 1)
            .await;
        assert!(created.is_err(), "{name:?} was accepted");
    }
}

/// Issue 12 §10–12: a reviewer's strike was dropped (`account: null`, no strike row); a human
/// change to a public-interest case kept `applied: true`; a reversal told the author nothing;
/// reasons were glued into notices without punctuation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_apply_strikes_clear_the_exception_and_tell_the_author() {
    let app = TestApp::new("sqlite").await;
    // §11: a reported post the engine allowed; the moderator removes it with a strike.
    let (_, allowed) = app
        .post("/v1/content", &app.ingest, json!({"id": "r1", "text": "a perfectly ordinary sentence", "author": {"id": "user-r"}}))
        .await;
    assert_eq!(allowed["action"], "allow", "{allowed}");
    let (status, _) = app
        .post(
            "/v1/reports",
            &app.ingest,
            json!({"content_id": "r1", "reason": "harassment in context"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, claimed) = app.get("/v1/queues/reports/next", &app.alice).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, changed) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.alice,
            json!({"outcome": "change", "actions": ["remove", "strike"], "reason": "targeted harassment"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["account"]["strikes_added"], 1, "{changed}");
    let (_, standing) = app.get("/v1/accounts/user-r", &app.viewer).await;
    assert_eq!(standing["active_strikes"], 1, "{standing}");

    // §10: the public-interest case, removed by a person: the exception is not applied.
    let (_, notice) = app
        .post("/v1/content", &app.ingest, head_of_state_post("pi-1"))
        .await;
    assert_eq!(notice["public_interest"]["applied"], true, "{notice}");
    let (_, claimed) = app.get("/v1/queues/public_interest/next", &app.alice).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, removed) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.alice,
            json!({"outcome": "change", "actions": ["remove"], "reason": "imminent in context"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    assert_eq!(removed["action"], "remove");
    assert_eq!(removed["public_interest"]["applied"], false, "{removed}");
    assert!(
        removed["notice"]["author"]
            .as_str()
            .unwrap()
            .contains("Public-interest exception: reviewer alice: not applied"),
        "{removed}"
    );
    // §12: the author appeals; Bob reverses; the author is told, in sentences.
    let (status, appeal) = app
        .post("/v1/appeals", &app.ingest, json!({"decision_id": removed["decision_id"], "appellant": "potus", "statement": "It was a warning"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let (_, claimed) = app.get("/v1/queues/appeals/next", &app.bob).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, reversed) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.bob,
            json!({"outcome": "overturn", "reason": "no violation in context"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reversed}");
    let told = reversed["notice"]["author"]
        .as_str()
        .expect("a notice for the author");
    assert!(
        told.contains("reversed it: no violation in context. "),
        "{told}"
    );
    let (_, standing) = app.get("/v1/accounts/potus", &app.viewer).await;
    assert!(
        standing["notices"].to_string().contains("reversed it"),
        "{standing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_decides_each_item() {
    let app = TestApp::new("sqlite").await;
    let (status, body) = app
        .post("/v1/content:batch", &app.ingest, json!([{"id": "b1", "text": "hello"}, {"id": "b2"}, {"id": "b3", "text": "I will kill you"}]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["status"], 201);
    assert_eq!(body[1]["status"], 400);
    assert!(body[1]["error"].as_str().unwrap().contains("text"));
    assert_eq!(body[2]["decision"]["action"], "remove");
    // Issue 12 §9: a duplicate key is refused in a batch as it is on the single route.
    let (status, body, _) = app
        .send(
            "POST",
            "/v1/content:batch",
            Some(&app.ingest),
            Some(r#"[{"id": "d1", "text": "hello", "text": "I will kill you"}, {"id": "d2", "text": "fine"}]"#.into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["status"], 400, "{body}");
    assert!(
        body[0]["error"].as_str().unwrap().contains("duplicate"),
        "{body}"
    );
    assert_eq!(body[1]["status"], 201, "{body}");
    let (single, _) = app
        .post("/v1/content", &app.ingest, json!({"id": "d3", "text": "x"}))
        .await;
    assert_eq!(single, StatusCode::CREATED);
    let too_many: Vec<_> = (0..1001)
        .map(|index| json!({"id": format!("x{index}"), "text": "hi"}))
        .collect();
    let (status, _) = app
        .post("/v1/content:batch", &app.ingest, json!(too_many))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_interest_review_and_appeal_by_another_reviewer() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (status, decision) = app
            .post("/v1/content", &app.ingest, head_of_state_post("hos-1"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend}");
        assert_eq!(decision["action"], "public_interest_notice");

        let (status, queues) = app.get("/v1/queues", &app.alice).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            queues
                .as_array()
                .unwrap()
                .iter()
                .any(|queue| queue["name"] == "public_interest" && queue["open"] == 1),
            "{queues}"
        );

        let (status, claimed) = app.get("/v1/queues/public_interest/next", &app.alice).await;
        assert_eq!(status, StatusCode::OK, "{claimed}");
        let task = claimed["task"]["id"].as_i64().unwrap();
        assert_eq!(claimed["decision"]["decision_id"], decision["decision_id"]);

        // Bob cannot decide Alice's task.
        let (status, _) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.bob,
                json!({"outcome": "uphold", "reason": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        // A reason is required.
        let (status, body) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.alice,
                json!({"outcome": "uphold", "reason": " "}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, reviewed) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.alice,
                json!({"outcome": "uphold", "reason": "Glorifies violence; newsworthy statement by a head of state", "dissent": "I would have removed it",
                       "public_interest": {"applied": true, "reason": "accountability of a head of state outweighs a non-imminent harm"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{reviewed}");
        assert_eq!(reviewed["automated"], false);
        assert_eq!(reviewed["action"], "public_interest_notice");
        assert!(
            reviewed["public_interest"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("reviewer alice")
        );

        // The author appeals; Alice decided, so only Bob may take the appeal.
        let (status, appeal) = app
            .post("/v1/appeals", &app.ingest, json!({"decision_id": reviewed["decision_id"], "appellant": "potus", "statement": "This was a warning, not a threat"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{appeal}");
        let (status, _) = app.get("/v1/queues/appeals/next", &app.alice).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, claimed) = app.get("/v1/queues/appeals/next", &app.bob).await;
        assert_eq!(status, StatusCode::OK);
        let task = claimed["task"]["id"].as_i64().unwrap();
        let (status, outcome) = app
            .post(
                &format!("/v1/reviews/{task}"),
                &app.bob,
                json!({"outcome": "overturn", "reason": "No violation in context"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["action"], "allow");
        // The reversal is applied at once.
        let (_, state) = app.get("/v1/content/hos-1", &app.ingest).await;
        assert_eq!(state["decision"]["action"], "allow");
        assert_eq!(state["decided_by"], "bob");
        let (_, appeal) = app
            .get(&format!("/v1/appeals/{}", appeal["id"]), &app.ingest)
            .await;
        assert_eq!(appeal["status"], "decided");
        assert_eq!(appeal["reviewer"], "bob");

        let (status, verify) = app.get("/v1/audit/verify", &app.admin).await;
        assert_eq!(status, StatusCode::OK, "{verify}");
        assert_eq!(verify["ok"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overturned_removal_withdraws_the_strike() {
    let app = TestApp::new("sqlite").await;
    let (_, decision) = app
        .post("/v1/content", &app.ingest, json!({"id": "s1", "text": "I know where you live and I'm going to kill you", "author": {"id": "user-9"}}))
        .await;
    assert_eq!(decision["action"], "remove");
    let (_, standing) = app.get("/v1/accounts/user-9", &app.viewer).await;
    assert_eq!(standing["active_strikes"], 2, "{standing}");
    assert!(
        !standing["notices"].as_array().unwrap().is_empty(),
        "notices stay readable: {standing}"
    );
    let (status, report) = app
        .post(
            "/v1/reports",
            &app.ingest,
            json!({"content_id": "s1", "reason": "wrongly removed, it was a song lyric"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let (status, claimed) = app.get("/v1/queues/reports/next", &app.alice).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.alice,
            json!({"outcome": "overturn", "reason": "lyrics, quoted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, standing) = app.get("/v1/accounts/user-9", &app.viewer).await;
    assert_eq!(standing["active_strikes"], 0, "{standing}");
    let (_, report) = app
        .get(&format!("/v1/reports/{}", report["id"]), &app.ingest)
        .await;
    assert_eq!(report["status"], "resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_are_validated_before_activation() {
    let app = TestApp::new("sqlite").await;
    let mut files: std::collections::BTreeMap<String, String> =
        moderato_engine::default_pack_files();
    let (status, list) = app.get("/v1/policies", &app.viewer).await;
    assert_eq!(status, StatusCode::OK);
    let old_version = list[0]["version"].as_str().unwrap().to_string();
    assert_eq!(list[0]["active"], true);

    let mut broken = files.clone();
    broken.insert(
        "violence.toml".into(),
        files["violence.toml"].replace(
            "actions = [\"remove\", \"strike\"]",
            "actions = [\"obliterate\"]",
        ),
    );
    let (status, problem) = app
        .post("/v1/policies", &app.admin, json!({"files": broken}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["errors"][0]["file"] == "violence.toml"
            && problem["errors"][0]["line"].as_u64().is_some(),
        "{problem}"
    );

    files.insert(
        "policy.toml".into(),
        files["policy.toml"].replace(
            &format!("version = \"{}\"", default_version()),
            "version = \"2099.01.01\"",
        ),
    );
    files.insert(
        "violence.toml".into(),
        files["violence.toml"].replace(
            "signals.violence.glorification >= 0.6",
            "signals.violence.glorification >= 0.95",
        ),
    );
    let (status, uploaded) = app
        .post("/v1/policies", &app.admin, json!({"files": files}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let (_, before) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "g1", "text": LOOTING}),
        )
        .await;
    assert_eq!(before["action"], "remove", "upload alone does not activate");
    let (status, diff) = app
        .get(
            &format!("/v1/policies/{old_version}/diff/2099.01.01"),
            &app.viewer,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        diff["changed"]["violence.glorification"][0], "when",
        "{diff}"
    );
    let (status, _) = app
        .post("/v1/policies/2099.01.01:activate", &app.admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "g2", "text": LOOTING}),
        )
        .await;
    // The new threshold no longer catches the text; only the memory of the earlier removal does.
    let rules: Vec<&str> = after["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["match.actioned"], "{after}");
    assert_eq!(after["action"], "hold_for_review");
    assert_eq!(after["policy"]["version"], "2099.01.01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints_and_openapi() {
    let app = TestApp::new("sqlite").await;
    let (status, _, _) = app.send("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.send("GET", "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    app.post(
        "/v1/content",
        &app.ingest,
        json!({"id": "m1", "text": "I will kill you"}),
    )
    .await;
    let (status, _, content_type) = app.send("GET", "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/plain"));
    assert!(app.store.verify_audit().await.unwrap().ok);
    let (_, spec, _) = app.send("GET", "/openapi.json", None, None).await;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    for path in [
        "/v1/content",
        "/v1/content:batch",
        "/v1/reviews/{task}",
        "/v1/appeals",
        "/v1/policies/{version}:activate",
        "/v1/audit/verify",
    ] {
        assert!(spec["paths"][path].is_object(), "missing {path}");
    }
    // Issue 13 §5: `GET /v1/queues` answers an array and the spec says so, with the fields
    // the answer has.
    let listed = &spec["paths"]["/v1/queues"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(listed["type"], "array", "{listed}");
    assert_eq!(
        listed["items"]["$ref"], "#/components/schemas/QueueView",
        "{listed}"
    );
    let schema = &spec["components"]["schemas"]["QueueView"]["properties"];
    let (status, queues) = app.get("/v1/queues", &app.viewer).await;
    assert_eq!(status, StatusCode::OK);
    let queues = queues.as_array().expect("an array");
    assert!(!queues.is_empty());
    for queue in queues {
        for (key, _) in queue.as_object().unwrap() {
            assert!(
                schema[key].is_object(),
                "`{key}` is not in the schema: {schema}"
            );
        }
    }
    // A batch result's `decision` is null for an invalid item, and the schema allows it.
    let decision = &spec["components"]["schemas"]["BatchResult"]["properties"]["decision"];
    assert!(decision.to_string().contains("null"), "{decision}");
    let (status, batch) = app
        .post("/v1/content:batch", &app.ingest, json!([{"id": "bad"}]))
        .await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    assert!(batch[0]["decision"].is_null(), "{batch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_classifier_signals_and_failures() {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hook = axum::Router::new().route(
        "/score",
        post(
            |axum::Json(body): axum::Json<serde_json::Value>| async move {
                let violent = body["text"].as_str().unwrap_or_default().contains("storm");
                axum::Json(json!({"scores": {"violence": if violent { 0.97 } else { 0.01 }}}))
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    let app = TestApp::new("sqlite").await;
    let default_files: std::collections::BTreeMap<String, String> =
        moderato_engine::default_pack_files();
    let with_hook = |url: String, version: &str| {
        let mut files = default_files.clone();
        files.insert(
            "policy.toml".into(),
            files["policy.toml"].replace(&format!("version = \"{}\"", default_version()), &format!("version = \"{version}\""))
                + format!("\n[[external]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{url}\"\ntimeout_ms = 500\ncategories = [\"violence\"]\n").as_str(),
        );
        files.insert(
            "external.toml".into(),
            "[[rule]]\nid = \"violence.external\"\ntitle = \"Violence (platform model)\"\ndefinition = \"Violent content according to the platform's own classifier.\"\nseverity = 4\nwhen = \"signals.external.hook.violence >= 0.9\"\nactions = [\"hold_for_review\"]\npublic_interest_eligible = false\ndsa = { category = \"STATEMENT_CATEGORY_VIOLENCE\" }\n".into(),
        );
        files
    };
    let files = with_hook(format!("http://{address}/score"), "ext-1");
    let (status, body) = app
        .post("/v1/policies", &app.admin, json!({"files": files}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.post("/v1/policies/ext-1:activate", &app.admin, json!({}))
        .await;
    let (_, decision) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "e1", "text": "we storm the building"}),
        )
        .await;
    assert_eq!(decision["action"], "hold_for_review", "{decision}");
    assert!(
        decision["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|signal| signal["source"] == "external:hook")
    );

    // The classifier is down: the decision still comes out, names the missing signal, and goes to review.
    let down = with_hook("http://127.0.0.1:9/score".into(), "ext-2");
    app.post("/v1/policies", &app.admin, json!({"files": down}))
        .await;
    app.post("/v1/policies/ext-2:activate", &app.admin, json!({}))
        .await;
    let (status, decision) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "e2", "text": "a quiet afternoon"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(decision["action"], "allow");
    assert_eq!(
        decision["missing_signals"][0]["name"], "external.hook.violence",
        "{decision}"
    );
    assert_eq!(decision["review"]["required"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_of_actioned_content_are_matched_even_after_a_restart() {
    let app = TestApp::new("sqlite").await;
    let original = "Miracle drops from our farm cure every illness within days, order before the authorities hide them";
    app.post(
        "/v1/content",
        &app.ingest,
        json!({"id": "orig", "text": original}),
    )
    .await;
    app.post(
        "/v1/reports",
        &app.ingest,
        json!({"content_id": "orig", "reason": "dangerous health claims"}),
    )
    .await;
    let (_, claimed) = app.get("/v1/queues/reports/next", &app.alice).await;
    let task = claimed["task"]["id"].as_i64().unwrap();
    let (status, removed) = app
        .post(
            &format!("/v1/reviews/{task}"),
            &app.alice,
            json!({"outcome": "change", "actions": ["remove"], "reason": "dangerous false cure"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{removed}");

    let variant = "MIRACLE drops from our farm 🌿 cure every illness within DAYS!!! order before the authorities hide them";
    let (_, copy) = app
        .post(
            "/v1/content",
            &app.ingest,
            json!({"id": "copy", "text": variant}),
        )
        .await;
    assert_eq!(copy["action"], "hold_for_review", "{copy}");
    let evidence = &copy["rules"][0]["evidence"][0];
    assert_eq!(evidence["signal"], "match.actioned");
    assert!(
        evidence["note"]
            .as_str()
            .unwrap()
            .contains(removed["decision_id"].as_str().unwrap()),
        "{evidence}"
    );

    // A new server on the same database remembers.
    let state =
        moderato_server::prepare_state(app.store.clone(), moderato_server::ServerConfig::default())
            .await
            .unwrap();
    let engine = state.service.engines.active();
    let item: moderato_core::ContentItem =
        serde_json::from_value(json!({"id": "copy2", "text": variant})).unwrap();
    let decision = engine.decide(&item);
    assert!(
        decision
            .rules
            .iter()
            .any(|rule| rule.id == "match.actioned"),
        "{:?}",
        decision.rules
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strikes_from_the_ledger_escalate_repeated_violations() {
    let app = TestApp::new("sqlite").await;
    let mut totals = Vec::new();
    for index in 0..3 {
        let (status, decision) = app
            .post("/v1/content", &app.ingest, json!({"id": format!("t{index}"), "text": "I know where you live and I'm going to kill you", "author": {"id": "repeat"}}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        totals.push(decision["account"]["strikes_total"].as_u64().unwrap());
    }
    assert_eq!(
        totals,
        vec![2, 4, 6],
        "the platform sent no prior strikes; the ledger did"
    );
    let (_, standing) = app.get("/v1/accounts/repeat", &app.viewer).await;
    assert_eq!(standing["active_strikes"], 6);
}
