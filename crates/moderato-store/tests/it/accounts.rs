//! Account standing: only strikes that are neither expired nor withdrawn
//! count, and strikes go to the author id, else the handle, else nowhere.
//!
//! These tests must never build a decision through policy evaluation: the
//! store only stores what it is given.

use crate::support::{allow_decision, databases, item, item_by, review_input, struck_decision};

const DAY_MS: i64 = 86_400_000;

#[tokio::test]
async fn account_standing_counts_only_active_strikes() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        // Expires after one day.
        store
            .record_decision(
                &item("post-1", "one"),
                &struck_decision("d1", "post-1", 1, 1, None, false),
                1_000,
            )
            .await
            .unwrap();
        // Withdrawn by review.
        store
            .record_decision(
                &item("post-2", "two"),
                &struck_decision(
                    "d2",
                    "post-2",
                    1,
                    90,
                    Some(("terminate_account", None)),
                    true,
                ),
                2_000,
            )
            .await
            .unwrap();
        // Active, weight two.
        store
            .record_decision(
                &item("post-3", "three"),
                &struck_decision(
                    "d3",
                    "post-3",
                    2,
                    90,
                    Some(("limit_account", Some(3))),
                    false,
                ),
                3_000,
            )
            .await
            .unwrap();
        let now = 2 * DAY_MS;
        assert_eq!(
            store.active_strike_count("account-1", 4_000).await.unwrap(),
            4,
            "{label}"
        );
        let task = store
            .claim_next_task("default", "rita", 60_000, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(task.decision_id, "d2", "{label}");
        store
            .complete_review(
                task.id,
                "rita",
                &review_input("overturn"),
                Some(&allow_decision("d2b", "post-2")),
                "post-2",
                now,
            )
            .await
            .unwrap();

        assert_eq!(
            store.active_strike_count("account-1", now).await.unwrap(),
            2,
            "{label}"
        );
        let standing = store.account_standing("account-1", now).await.unwrap();
        assert_eq!(standing.active_strikes, 2, "{label}");
        let strikes: Vec<(&str, u32, bool)> = standing
            .strikes
            .iter()
            .map(|strike| (strike.decision_id.as_str(), strike.weight, strike.withdrawn))
            .collect();
        assert_eq!(
            strikes,
            vec![("d3", 2, false), ("d2", 1, true), ("d1", 1, false)],
            "{label}"
        );
        assert_eq!(standing.strikes[2].expires_at, 1_000 + DAY_MS, "{label}");
        let restrictions: Vec<(&str, &str, Option<i64>, bool)> = standing
            .restrictions
            .iter()
            .map(|r| {
                (
                    r.decision_id.as_str(),
                    r.action.as_str(),
                    r.ends_at,
                    r.permanent,
                )
            })
            .collect();
        assert_eq!(
            restrictions,
            vec![
                ("d3", "limit_account", Some(3_000 + 3 * DAY_MS), false),
                ("d2", "terminate_account", Some(now), false),
            ],
            "{label}"
        );
        // The allow decision has no notice; the others are newest first.
        let notices: Vec<&str> = standing
            .notices
            .iter()
            .map(|notice| notice["decision_id"].as_str().unwrap())
            .collect();
        assert_eq!(notices, vec!["d3", "d2", "d1"], "{label}");
        assert!(
            standing.notices[0]["author"]
                .as_str()
                .unwrap()
                .contains("appeal"),
            "{label}"
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        database.cleanup().await;
    }
}

#[tokio::test]
async fn strikes_go_to_the_author_id_else_the_handle() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        store
            .record_decision(
                &item_by("post-h", "x", None, Some("@handle")),
                &struck_decision("dh", "post-h", 1, 90, None, false),
                1_000,
            )
            .await
            .unwrap();
        store
            .record_decision(
                &item_by("post-n", "x", None, None),
                &struck_decision("dn", "post-n", 1, 90, None, false),
                1_000,
            )
            .await
            .unwrap();
        assert_eq!(
            store.active_strike_count("@handle", 2_000).await.unwrap(),
            1,
            "{label}"
        );
        let raw = database.raw().await;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM strikes")
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(count, 1, "{label}");
        raw.close().await;
        let item = store.content_item("post-h").await.unwrap().unwrap();
        assert_eq!(item["author"]["handle"], "@handle", "{label}");
        assert!(store.content_item("post-x").await.unwrap().is_none());
        database.cleanup().await;
    }
}
