//! Golden tests of the shipped weights (`models/moderato-text-v1.bin`).

use moderato_core::decision::Signal;
use moderato_detect::{Detector, normalize};
use moderato_model::{ModelDetector, TextModel};
use std::sync::Arc;

const SHIPPED: &[u8] = include_bytes!("../../../../models/moderato-text-v1.bin");

fn shipped() -> TextModel {
    TextModel::from_bytes(SHIPPED).unwrap()
}

fn scores(text: &str) -> Vec<f32> {
    shipped().probabilities(&normalize(text).text)
}

#[test]
fn shipped_weights_load_with_three_labels_and_validated_thresholds() {
    let model = shipped();
    let names: Vec<&str> = model
        .labels
        .iter()
        .map(|label| label.name.as_str())
        .collect();
    assert_eq!(names, ["hate", "offensive", "violence"]);
    for label in &model.labels {
        assert!(label.platt_a > 0.0, "{label:?}");
        assert!(label.threshold > 0.0 && label.threshold < 1.0, "{label:?}");
    }
    assert!(
        SHIPPED.len() < 4 * 1024 * 1024,
        "weights must stay a few MB"
    );
}

#[test]
fn shipped_weights_score_fixed_sentences_within_expected_ranges() {
    let benign = scores("Lovely morning for a walk by the river, the ducks are back.");
    let profane = scores("shut the fuck up you stupid bitch");
    let hateful = scores("all muslims are vermin and should be driven out of our country");
    let threat = scores("we should hang every last one of them, kill them all");
    println!("benign {benign:?}\nprofane {profane:?}\nhateful {hateful:?}\nthreat {threat:?}");
    assert!(benign.iter().all(|score| *score < 0.2), "{benign:?}");
    assert!(profane[1] > 0.8, "{profane:?}");
    assert!(hateful[0] > 0.5, "{hateful:?}");
    assert!(hateful[0] > benign[0] + 0.3);
    assert!(threat[2] > 0.5 && threat[2] > benign[2] + 0.3, "{threat:?}");
}

#[test]
fn model_signals_carry_the_top_n_grams_with_spans_into_the_original() {
    let detector = ModelDetector::new(Arc::new(shipped()));
    let original = "Shut the FUCK up, you st00pid b1tch";
    let signals: Vec<Signal> = detector.detect(original, &normalize(original));
    let names: Vec<&str> = signals.iter().map(|signal| signal.name.as_str()).collect();
    assert_eq!(names, ["model.hate", "model.offensive", "model.violence"]);
    let offensive = &signals[1];
    assert_eq!(offensive.source, "builtin:model-v1");
    assert!(!offensive.evidence.is_empty() && offensive.evidence.len() <= 3);
    let chars: Vec<char> = original.chars().collect();
    for evidence in &offensive.evidence {
        let span = evidence.span.unwrap();
        let excerpt: String = chars[span[0]..span[1]].iter().collect();
        assert_eq!(Some(excerpt), evidence.excerpt);
        assert!(
            evidence
                .note
                .as_deref()
                .unwrap()
                .starts_with("model n-gram")
        );
    }
    // The same text always gives the same signals.
    assert_eq!(signals, detector.detect(original, &normalize(original)));
}

const RULES_MODEL: &[u8] = include_bytes!("../../../../models/moderato-suite-v1.bin");

/// The shipped rule model (`models/moderato-suite-v1.bin`): one label per default-pack rule,
/// signals under its own source, and sentences written here (not in any suite) scored in order.
#[test]
fn the_rule_model_has_one_label_per_rule_and_ranks_fixed_sentences() {
    let model = Arc::new(TextModel::from_bytes(RULES_MODEL).unwrap());
    let names: Vec<&str> = model
        .labels
        .iter()
        .map(|label| label.name.as_str())
        .collect();
    let expected: Vec<&str> = moderato_model::suites::SUITE_LABELS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(names, expected);
    let detector = ModelDetector::with_signals(
        model,
        moderato_model::SUITE_MODEL_SIGNALS,
        moderato_model::SUITE_MODEL_SOURCE,
    );
    let score = |text: &str, signal: &str| {
        detector
            .detect(text, &normalize(text))
            .into_iter()
            .find(|found| found.name == signal)
            .map(|found| {
                assert_eq!(found.source, "builtin:model-rules-v1");
                found.score
            })
            .unwrap_or(-1.0)
    };
    let benign = "Lovely morning for a walk by the river, the ducks are back.";
    for signal in moderato_model::SUITE_MODEL_SIGNALS {
        assert!(score(benign, signal.name) < 0.2, "{}", signal.name);
    }
    let threat = "Keep talking and I will put you in the hospital, I know your street";
    assert!(
        score(threat, "model.threat") > score(benign, "model.threat") + 0.2,
        "{}",
        score(threat, "model.threat")
    );
    let exclusion = "Immigrants should be banned from voting and sent back where they came from";
    assert!(
        score(exclusion, "model.exclusion") > score(benign, "model.exclusion") + 0.2,
        "{}",
        score(exclusion, "model.exclusion")
    );
}
