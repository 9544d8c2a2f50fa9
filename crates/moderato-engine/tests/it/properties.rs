//! Property tests: evaluation never panics, and less imminence or less reach never makes an action more severe.

use moderato_core::{ContentItem, ContentLimits, EvaluationInput, Signal, evaluate};
use moderato_engine::Engine;
use proptest::prelude::*;

fn decide_with_signals(
    engine: &Engine,
    item: &ContentItem,
    imminence: f64,
    glorification: f64,
) -> moderato_core::ContentAction {
    let signals = vec![
        Signal {
            name: "violence.glorification".into(),
            score: glorification,
            source: "test".into(),
            evidence: vec![],
        },
        Signal {
            name: "violence.imminence".into(),
            score: imminence,
            source: "test".into(),
            evidence: vec![],
        },
    ];
    evaluate(
        engine.policy(),
        EvaluationInput {
            item,
            signals: &signals,
            decision_id: "p",
            decided_at: "2026-01-01T00:00:00Z",
        },
    )
    .action
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_gets_a_decision(text in "\\PC{0,300}") {
        let engine = Engine::with_default_policy().unwrap();
        let item = ContentItem {
            id: "x".into(), text, kind: Default::default(), lang: None, created_at: None, region: None, url: None,
            author: Default::default(), metrics: Default::default(), signals: vec![],
        };
        let decision = engine.decide_with(&item, "x", "2026-01-01T00:00:00Z");
        prop_assert_eq!(decision.content_id, "x");
        let _ = ContentLimits::default();
    }

    #[test]
    fn lowering_imminence_never_makes_the_action_more_severe(
        imminence in 0.0f64..1.0, lower in 0.0f64..1.0, glorification in 0.0f64..1.0, followers in 0u64..100_000_000,
    ) {
        let engine = Engine::with_default_policy().unwrap();
        let mut item: ContentItem = serde_json::from_value(serde_json::json!({
            "id": "p", "text": "x", "author": {"followers": followers, "verified": true, "public_role": "head_of_state"}
        })).unwrap();
        item.text = "plain".into();
        let high = decide_with_signals(&engine, &item, imminence, glorification);
        let low = decide_with_signals(&engine, &item, imminence * lower, glorification);
        prop_assert!(low <= high, "imminence {} -> {:?}, {} -> {:?}", imminence, high, imminence * lower, low);
    }
}
