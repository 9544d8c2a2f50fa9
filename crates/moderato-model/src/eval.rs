//! Evaluation of a model on held-out rows: precision, recall, F1 and PR-AUC per
//! data set and label, OLID level-A macro-F1, Davidson hate-class F1 and the
//! dialect-bias measurement on Davidson.
//!
//! Two thresholds are reported. The shipped one is the model's own (chosen on
//! the pooled validation rows of every set). The in-domain one is chosen on the
//! validation rows of the same data set, which is what a platform tuning the
//! pack for its own traffic would do. Neither is ever chosen on test rows.
//! This module must never score training rows: it takes validation and test rows only.

use crate::data::{Dataset, Example, HATE, LABELS, OFFENSIVE, Split};
use crate::features::tokenize;
use crate::model::TextModel;
use crate::train::{best_threshold, raw_scores};

/// Average precision (the step-wise area under the precision–recall curve).
pub fn average_precision(scored: &[(f32, bool)]) -> f64 {
    let mut sorted: Vec<(f32, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = sorted.iter().filter(|(_, target)| *target).count();
    if positives == 0 {
        return 0.0;
    }
    let (mut area, mut true_positives, mut previous_recall) = (0.0, 0usize, 0.0);
    let mut index = 0;
    while index < sorted.len() {
        let score = sorted[index].0;
        while index < sorted.len() && sorted[index].0 == score {
            true_positives += usize::from(sorted[index].1);
            index += 1;
        }
        let recall = true_positives as f64 / positives as f64;
        let precision = true_positives as f64 / index as f64;
        area += (recall - previous_recall) * precision;
        previous_recall = recall;
    }
    area
}

/// Precision, recall and F1 at a threshold.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Counts {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Precision, recall and F1 of the positive class at `threshold`.
pub fn counts_at(scored: &[(f32, bool)], threshold: f32) -> Counts {
    let (mut true_positives, mut false_positives, mut false_negatives) = (0.0, 0.0, 0.0);
    for (score, target) in scored {
        match (*score >= threshold, *target) {
            (true, true) => true_positives += 1.0,
            (true, false) => false_positives += 1.0,
            (false, true) => false_negatives += 1.0,
            (false, false) => {}
        }
    }
    let precision = if true_positives + false_positives > 0.0 {
        true_positives / (true_positives + false_positives)
    } else {
        0.0
    };
    let recall = if true_positives + false_negatives > 0.0 {
        true_positives / (true_positives + false_negatives)
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Counts {
        precision,
        recall,
        f1,
    }
}

/// Macro-F1 over the positive and the negative class at `threshold`.
pub fn macro_f1(scored: &[(f32, bool)], threshold: f32) -> f64 {
    let positive = counts_at(scored, threshold).f1;
    // The negative class is predicted below the threshold: flip targets and predictions.
    let flipped: Vec<(f32, bool)> = scored
        .iter()
        .map(|(score, target)| (if *score >= threshold { 0.0 } else { 1.0 }, !target))
        .collect();
    let negative = counts_at(&flipped, 0.5).f1;
    (positive + negative) / 2.0
}

/// One line of the evaluation table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// Data set.
    pub dataset: Dataset,
    /// Label.
    pub label: String,
    /// Which test split.
    pub split: String,
    /// Test rows.
    pub rows: usize,
    /// Of which positive.
    pub positives: usize,
    /// At the shipped threshold.
    pub shipped: Counts,
    /// Area under the precision–recall curve (average precision).
    pub pr_auc: f64,
    /// Threshold chosen on this data set's validation rows.
    pub in_domain_threshold: f32,
    /// At the in-domain threshold.
    pub in_domain: Counts,
}

/// False-positive rates on Davidson `neither` tweets with and without common AAE markers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DialectBias {
    /// The markers (whole words after normalisation).
    pub markers: Vec<String>,
    /// `neither` test tweets with a marker.
    pub with_markers: usize,
    /// `neither` test tweets without.
    pub without_markers: usize,
    /// `hate` false-positive rate with markers, at the shipped threshold.
    pub hate_fpr_with: f64,
    /// `hate` false-positive rate without markers.
    pub hate_fpr_without: f64,
    /// `offensive` false-positive rate with markers.
    pub offensive_fpr_with: f64,
    /// `offensive` false-positive rate without markers.
    pub offensive_fpr_without: f64,
}

/// The whole evaluation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The model's training note.
    pub model: String,
    /// Shipped thresholds, per label.
    pub thresholds: Vec<(String, f32)>,
    /// Per data set and label.
    pub rows: Vec<Row>,
    /// OLID level-A macro-F1 at the shipped `offensive` threshold (reference 0.80).
    pub olid_macro_f1: f64,
    /// OLID level-A macro-F1 at the threshold chosen on OLID validation rows.
    pub olid_macro_f1_in_domain: f64,
    /// Davidson hate-class F1 at the shipped `hate` threshold (reference 0.51).
    pub davidson_hate_f1: f64,
    /// Davidson hate-class F1 at the threshold chosen on Davidson validation rows.
    pub davidson_hate_f1_in_domain: f64,
    /// The dialect-bias measurement.
    pub dialect_bias: DialectBias,
}

/// Common lexical markers of African-American English (after Blodgett et al. 2016 and
/// Sap et al. 2019) that are not themselves slurs or profanity. A crude proxy for dialect.
pub const AAE_MARKERS: &[&str] = &[
    "finna", "tryna", "ion", "aint", "ain't", "yall", "y'all", "imma", "ima", "gon", "bout", "dat",
    "dis", "wit", "den", "nah", "bruh", "homie", "thang", "boutta", "lil", "dey", "sholl",
    "talmbout", "deadass", "cuz", "wassup", "smh", "tf",
];

/// Whether a normalised text holds one of [`AAE_MARKERS`] as a whole word.
pub fn has_marker(normalized: &str) -> bool {
    tokenize(normalized)
        .iter()
        .any(|token| AAE_MARKERS.contains(&token.text.as_str()))
}

/// Evaluates the model on the validation and test rows of `examples`.
pub fn evaluate(model: &TextModel, examples: &[Example]) -> Report {
    let held_out: Vec<&Example> = examples
        .iter()
        .filter(|example| example.split != Split::Train)
        .collect();
    let texts: Vec<&str> = held_out
        .iter()
        .map(|example| example.normalized.as_str())
        .collect();
    let raw = raw_scores(model, &texts);
    let probabilities: Vec<Vec<f32>> = raw
        .iter()
        .map(|scores| {
            scores
                .iter()
                .zip(&model.labels)
                .map(|(score, label)| label.calibrate(*score))
                .collect()
        })
        .collect();
    let scored = |dataset: Dataset, label: usize, split: Split| -> Vec<(f32, bool)> {
        held_out
            .iter()
            .zip(&probabilities)
            .filter(|(example, _)| example.dataset == dataset && example.split == split)
            .filter_map(|(example, scores)| {
                let model_label = model.label_index(LABELS[label])?;
                example.labels[label].map(|target| (scores[model_label], target))
            })
            .collect()
    };
    let shipped_threshold = |label: usize| {
        model
            .label_index(LABELS[label])
            .map(|index| model.labels[index].threshold)
            .unwrap_or(0.5)
    };

    let mut rows = Vec::new();
    let (mut olid_macro_f1, mut olid_macro_f1_in_domain) = (0.0, 0.0);
    let (mut davidson_hate_f1, mut davidson_hate_f1_in_domain) = (0.0, 0.0);
    for dataset in Dataset::ALL {
        for (label, name) in LABELS.iter().enumerate() {
            let test = scored(dataset, label, Split::Test);
            if test.is_empty() {
                continue;
            }
            let validation = scored(dataset, label, Split::Validation);
            let (in_domain_threshold, _) = best_threshold(&validation);
            let shipped = counts_at(&test, shipped_threshold(label));
            let in_domain = counts_at(&test, in_domain_threshold);
            if dataset == Dataset::Olid && label == OFFENSIVE {
                olid_macro_f1 = macro_f1(&test, shipped_threshold(label));
                olid_macro_f1_in_domain = macro_f1(&test, in_domain_threshold);
            }
            if dataset == Dataset::Davidson && label == HATE {
                davidson_hate_f1 = shipped.f1;
                davidson_hate_f1_in_domain = in_domain.f1;
            }
            rows.push(Row {
                dataset,
                label: name.to_string(),
                split: dataset.test_split().to_string(),
                rows: test.len(),
                positives: test.iter().filter(|(_, target)| *target).count(),
                shipped,
                pr_auc: average_precision(&test),
                in_domain_threshold,
                in_domain,
            });
        }
    }

    // Dialect bias: Davidson `neither` test tweets, split by AAE markers.
    let mut groups = [[0usize; 3]; 2];
    for (example, scores) in held_out.iter().zip(&probabilities) {
        let neither =
            example.labels[HATE] == Some(false) && example.labels[OFFENSIVE] == Some(false);
        if example.dataset != Dataset::Davidson || example.split != Split::Test || !neither {
            continue;
        }
        let group = &mut groups[usize::from(has_marker(&example.normalized))];
        group[0] += 1;
        for (slot, label) in [(1, HATE), (2, OFFENSIVE)] {
            if let Some(index) = model.label_index(LABELS[label])
                && scores[index] >= shipped_threshold(label)
            {
                group[slot] += 1;
            }
        }
    }
    let rate = |group: [usize; 3], slot: usize| {
        if group[0] == 0 {
            0.0
        } else {
            group[slot] as f64 / group[0] as f64
        }
    };
    let dialect_bias = DialectBias {
        markers: AAE_MARKERS
            .iter()
            .map(|marker| marker.to_string())
            .collect(),
        with_markers: groups[1][0],
        without_markers: groups[0][0],
        hate_fpr_with: rate(groups[1], 1),
        hate_fpr_without: rate(groups[0], 1),
        offensive_fpr_with: rate(groups[1], 2),
        offensive_fpr_without: rate(groups[0], 2),
    };
    Report {
        model: model.note.clone(),
        thresholds: model
            .labels
            .iter()
            .map(|label| (label.name.clone(), label.threshold))
            .collect(),
        rows,
        olid_macro_f1,
        olid_macro_f1_in_domain,
        davidson_hate_f1,
        davidson_hate_f1_in_domain,
        dialect_bias,
    }
}

impl Report {
    /// The report as a Markdown table and summary lines.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| data set | label | test rows | positives | P | R | F1 | PR-AUC | F1 at in-domain threshold |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for row in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} (t={:.2}) |\n",
                row.dataset.name(),
                row.label,
                row.rows,
                row.positives,
                row.shipped.precision,
                row.shipped.recall,
                row.shipped.f1,
                row.pr_auc,
                row.in_domain.f1,
                row.in_domain_threshold,
            ));
        }
        out.push('\n');
        let thresholds: Vec<String> = self
            .thresholds
            .iter()
            .map(|(name, threshold)| format!("{name} {threshold:.2}"))
            .collect();
        out.push_str(&format!(
            "Shipped thresholds (chosen on pooled validation rows): {}\n",
            thresholds.join(", ")
        ));
        out.push_str(&format!(
            "OLID level-A macro-F1: {:.3} at the shipped threshold, {:.3} at the OLID-validation threshold (reference 0.80)\n",
            self.olid_macro_f1, self.olid_macro_f1_in_domain
        ));
        out.push_str(&format!(
            "Davidson hate-class F1: {:.3} at the shipped threshold, {:.3} at the Davidson-validation threshold (reference 0.51)\n",
            self.davidson_hate_f1, self.davidson_hate_f1_in_domain
        ));
        let bias = &self.dialect_bias;
        out.push_str(&format!(
            "Dialect bias (Davidson `neither` test tweets, shipped thresholds): with AAE markers n={} hate FPR {:.3}, offensive FPR {:.3}; without n={} hate FPR {:.3}, offensive FPR {:.3}\n",
            bias.with_markers,
            bias.hate_fpr_with,
            bias.offensive_fpr_with,
            bias.without_markers,
            bias.hate_fpr_without,
            bias.offensive_fpr_without
        ));
        out.push_str(&format!("Model: {}\n", self.model));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_of_a_perfect_ranking_is_one() {
        let scored = [(0.9, true), (0.8, true), (0.2, false), (0.1, false)];
        assert!((average_precision(&scored) - 1.0).abs() < 1e-12);
        let worst = [(0.9, false), (0.8, false), (0.2, true), (0.1, true)];
        assert!((average_precision(&worst) - (1.0 / 3.0 + 2.0 / 4.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn counts_and_macro_f1() {
        let scored = [(0.9, true), (0.6, false), (0.4, true), (0.1, false)];
        let counts = counts_at(&scored, 0.5);
        assert_eq!((counts.precision, counts.recall), (0.5, 0.5));
        assert!((macro_f1(&scored, 0.5) - 0.5).abs() < 1e-9);
        assert!((macro_f1(&[(0.9, true), (0.1, false)], 0.5) - 1.0).abs() < 1e-9);
    }
}
