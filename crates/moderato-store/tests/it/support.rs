//! Test databases and fixtures shared by the store tests.
//!
//! This module must never gate PostgreSQL tests on `cfg`: only the
//! `MODERATO_TEST_DATABASE_URL` variable decides, and its absence is said out
//! loud on stderr.

use std::io::Write;
use std::sync::Once;

use moderato_core::content::ContentItem;
use moderato_core::decision::Decision;
use moderato_store::Store;
use sqlx::AnyPool;
use tempfile::TempDir;

/// Variable naming the PostgreSQL server used by the tests.
pub const DATABASE_URL_VARIABLE: &str = "MODERATO_TEST_DATABASE_URL";

/// One empty database for one test.
pub struct TestDatabase {
    /// `sqlite` or `postgres`, for assertion messages.
    pub label: &'static str,
    /// URL that reaches this database (and only it).
    pub url: String,
    /// The connected store.
    pub store: Store,
    schema: Option<moderato_testkit::PgSchema>,
    _directory: Option<TempDir>,
}

impl TestDatabase {
    /// A second, raw connection pool for tampering with rows directly.
    pub async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url).await.unwrap()
    }

    /// Closes the store, then drops the PostgreSQL schema (also dropped if a test panics
    /// first); the SQLite directory goes with `self`.
    pub async fn cleanup(self) {
        self.store.close().await;
        drop(self.schema);
    }
}

/// Says once per test binary, on the real stderr, that PostgreSQL is not
/// tested. It writes to `std::io::stderr()` directly because the test harness
/// captures `eprintln!` output of passing tests.
fn announce_skipped_postgres() {
    static ANNOUNCED: Once = Once::new();
    ANNOUNCED.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: PostgreSQL tests — {DATABASE_URL_VARIABLE} is unset ***\n"
        );
    });
}

/// A fresh SQLite database, and a fresh PostgreSQL one when the variable is
/// set.
pub async fn databases() -> Vec<TestDatabase> {
    let mut databases = Vec::new();
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(directory.path()).await.unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        directory
            .path()
            .join(moderato_store::DATA_DIR_DATABASE_FILE)
            .display()
    );
    databases.push(TestDatabase {
        label: "sqlite",
        url,
        store,
        schema: None,
        _directory: Some(directory),
    });
    match std::env::var(DATABASE_URL_VARIABLE) {
        Ok(base_url) if !base_url.is_empty() => {
            let schema = moderato_testkit::PgSchema::create(&base_url, "t").await;
            let url = schema.url().to_owned();
            let store = Store::connect(&url).await.unwrap();
            databases.push(TestDatabase {
                label: "postgres",
                url,
                store,
                schema: Some(schema),
                _directory: None,
            });
        }
        _ => announce_skipped_postgres(),
    }
    databases
}

/// A content item with the given id and text.
pub fn item(id: &str, text: &str) -> ContentItem {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "text": text,
        "author": {"id": "account-1", "followers": 10}
    }))
    .unwrap()
}

/// A complete decision for `content_id`.
pub fn decision(
    decision_id: &str,
    content_id: &str,
    review_required: bool,
    public_interest_eligible: Option<bool>,
) -> Decision {
    let public_interest = public_interest_eligible.map(|eligible| {
        serde_json::json!({
            "rules": ["violence.glorification"],
            "eligible": eligible,
            "applied": eligible,
            "eligibility": ["author is a public figure"],
            "factors": [{"name": "speaker", "score": 0.9, "basis": "head of state"}],
            "value": 0.9,
            "harm": {"severity": 3, "weight": 0.6, "imminence": 0.1, "imminent": false, "indicators": []},
            "reason": "test"
        })
    });
    serde_json::from_value(serde_json::json!({
        "decision_id": decision_id,
        "content_id": content_id,
        "decided_at": "2026-11-24T10:00:00Z",
        "policy": {"id": "default", "version": "1.0.0", "digest": "sha256:abc"},
        "action": "remove",
        "actions": [],
        "rules": [],
        "public_interest": public_interest,
        "effects": {
            "visible": false,
            "interstitial": null,
            "label": null,
            "interactions": {"reply": false, "like": false, "repost": false, "quote": false},
            "recommendable": false,
            "age_restricted": false,
            "blocked_regions": []
        },
        "notice": null,
        "review": {"required": review_required, "priority": 7.5, "reasons": ["test"]},
        "account": null,
        "signals": [{"name": "violence.threat", "score": 0.93, "source": "builtin:rules"}],
        "automated": true,
        "dsa": null
    }))
    .unwrap()
}

/// A content item by an author known only by `handle` (or by nobody).
pub fn item_by(id: &str, text: &str, author_id: Option<&str>, handle: Option<&str>) -> ContentItem {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "text": text,
        "author": {"id": author_id, "handle": handle, "followers": 10}
    }))
    .unwrap()
}

/// A `remove` decision that adds `strikes` strikes expiring after
/// `expiry_days`, with an optional account measure `(action, days)` (days
/// `None` for a permanent measure), and a notice.
pub fn struck_decision(
    decision_id: &str,
    content_id: &str,
    strikes: u32,
    expiry_days: u32,
    measure: Option<(&str, Option<u32>)>,
    review_required: bool,
) -> Decision {
    let mut actions = vec![serde_json::json!("remove"), serde_json::json!("strike")];
    let measure = measure.map(|(action, days)| {
        actions.push(serde_json::json!(action));
        serde_json::json!({"action": action, "duration_days": days, "permanent": days.is_none()})
    });
    let mut value =
        serde_json::to_value(decision(decision_id, content_id, review_required, None)).unwrap();
    value["actions"] = serde_json::Value::Array(actions);
    value["account"] = serde_json::json!({
        "strikes_added": strikes,
        "strikes_total": strikes,
        "strike_expiry_days": expiry_days,
        "measure": measure,
    });
    value["notice"] = serde_json::json!({
        "viewer": format!("removed ({decision_id})"),
        "author": format!("your post was removed ({decision_id}); you can appeal"),
    });
    serde_json::from_value(value).unwrap()
}

/// An `allow` decision: no actions, no account outcome, no notice.
pub fn allow_decision(decision_id: &str, content_id: &str) -> Decision {
    let mut value = serde_json::to_value(decision(decision_id, content_id, false, None)).unwrap();
    value["action"] = serde_json::json!("allow");
    value["actions"] = serde_json::json!(["allow"]);
    value["effects"]["visible"] = serde_json::json!(true);
    value["effects"]["recommendable"] = serde_json::json!(true);
    value["review"]["priority"] = serde_json::json!(0.0);
    serde_json::from_value(value).unwrap()
}

/// A review input with `outcome` and a reason.
pub fn review_input(outcome: &str) -> moderato_store::ReviewInput {
    moderato_store::ReviewInput {
        outcome: outcome.to_owned(),
        actions: Vec::new(),
        reason: format!("reviewed: {outcome}"),
        dissent: None,
        public_interest: None,
    }
}
