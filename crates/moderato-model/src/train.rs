//! Training: logistic regression per label by AdaGrad over hashed features,
//! then i8 quantisation, Platt calibration and a threshold per label, both
//! fitted on the validation split.
//!
//! Deterministic for a given seed: the only randomness is the order of the
//! training rows in each epoch, drawn from a splitmix64 generator seeded by
//! the seed and the label. Labels train on separate threads, each on its own
//! state, so thread scheduling cannot change the result.
//! This module must never look at test rows: it drops them before anything else.

use crate::data::{Example, LABELS, Split};
use crate::error::ModelError;
use crate::features::{FeatureConfig, extract};
use crate::model::{LabelModel, TextModel, sigmoid};

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Seed of the row order.
    pub seed: u64,
    /// Passes over the training rows.
    pub epochs: usize,
    /// AdaGrad base learning rate.
    pub learning_rate: f32,
    /// L2 penalty applied to the weights each row touches.
    pub l2: f32,
    /// Largest weight given to a positive row (rare labels get `sqrt(negatives / positives)`).
    pub max_positive_weight: f32,
    /// How text becomes features.
    pub features: FeatureConfig,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            seed: 1,
            epochs: 8,
            learning_rate: 0.1,
            l2: 1e-6,
            max_positive_weight: 5.0,
            features: FeatureConfig::default(),
        }
    }
}

/// What training saw, per label.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LabelSummary {
    /// Label.
    pub label: String,
    /// Training rows labelled for it.
    pub train_rows: usize,
    /// Of which positive.
    pub train_positives: usize,
    /// Validation rows labelled for it.
    pub validation_rows: usize,
    /// Of which positive.
    pub validation_positives: usize,
    /// Platt slope.
    pub platt_a: f32,
    /// Platt intercept.
    pub platt_b: f32,
    /// Threshold that maximises F1 on validation.
    pub threshold: f32,
    /// Validation F1 at that threshold.
    pub validation_f1: f64,
    /// Validation PR-AUC of the quantised model.
    pub validation_pr_auc: f64,
}

/// A small deterministic generator (SplitMix64, from `rand_xoshiro`); enough to shuffle rows.
#[derive(Debug, Clone)]
pub struct SplitMix(rand_xoshiro::SplitMix64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix {
        use rand_xoshiro::rand_core::SeedableRng;
        SplitMix(rand_xoshiro::SplitMix64::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        use rand_xoshiro::rand_core::RngCore;
        self.0.next_u64()
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = (self.next_u64() % (index as u64 + 1)) as usize;
            items.swap(index, other);
        }
    }
}

/// Sparse rows stored back to back.
#[derive(Debug, Default)]
pub struct SparseRows {
    offsets: Vec<usize>,
    buckets: Vec<u32>,
    values: Vec<f32>,
}

impl SparseRows {
    /// Feature vectors of normalised texts, extracted on two threads.
    pub fn extract(texts: &[&str], config: &FeatureConfig) -> SparseRows {
        let half = texts.len().div_ceil(2).max(1);
        let parts: Vec<Vec<Vec<(u32, f32)>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = texts
                .chunks(half)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|text| extract(text, config).vector())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_default())
                .collect()
        });
        let mut rows = SparseRows::default();
        rows.offsets.push(0);
        for vector in parts.into_iter().flatten() {
            for (bucket, value) in vector {
                rows.buckets.push(bucket);
                rows.values.push(value);
            }
            rows.offsets.push(rows.buckets.len());
        }
        rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One row as `(buckets, values)`.
    pub fn row(&self, index: usize) -> (&[u32], &[f32]) {
        let range = self.offsets[index]..self.offsets[index + 1];
        (&self.buckets[range.clone()], &self.values[range])
    }
}

/// Logistic regression weights for one label.
#[derive(Debug, Clone)]
pub struct Weights {
    /// Per bucket.
    pub weights: Vec<f32>,
    /// Intercept.
    pub bias: f32,
}

/// Fits one label by AdaGrad on `(row, target)` pairs.
pub fn fit_label(
    rows: &SparseRows,
    targets: &[(usize, bool)],
    config: &TrainConfig,
    seed: u64,
) -> Weights {
    let buckets = config.features.buckets();
    let mut weights = vec![0f32; buckets];
    let mut squared = vec![0f32; buckets];
    let mut bias = 0f32;
    let mut bias_squared = 0f32;
    let positives = targets.iter().filter(|(_, target)| *target).count().max(1);
    let negatives = (targets.len() - positives.min(targets.len())).max(1);
    let positive_weight = ((negatives as f32 / positives as f32).sqrt())
        .clamp(1.0, config.max_positive_weight.max(1.0));
    let mut order: Vec<usize> = (0..targets.len()).collect();
    let mut random = SplitMix::new(seed);
    const EPSILON: f32 = 1e-6;
    for _ in 0..config.epochs {
        random.shuffle(&mut order);
        for &position in &order {
            let (row, target) = targets[position];
            let (row_buckets, values) = rows.row(row);
            let mut logit = bias;
            for (bucket, value) in row_buckets.iter().zip(values) {
                logit += weights[*bucket as usize] * value;
            }
            let sample_weight = if target { positive_weight } else { 1.0 };
            let error = (sigmoid(logit) - if target { 1.0 } else { 0.0 }) * sample_weight;
            for (bucket, value) in row_buckets.iter().zip(values) {
                let index = *bucket as usize;
                let gradient = error * value + config.l2 * weights[index];
                squared[index] += gradient * gradient;
                weights[index] -=
                    config.learning_rate * gradient / (squared[index].sqrt() + EPSILON);
            }
            bias_squared += error * error;
            bias -= config.learning_rate * error / (bias_squared.sqrt() + EPSILON);
        }
    }
    Weights { weights, bias }
}

/// Fits Platt scaling `σ(a · raw + b)` to raw scores by Newton's method on Platt's smoothed targets.
///
/// The slope is kept positive so calibration never reverses the order of scores.
pub fn fit_platt(raw: &[f32], targets: &[bool]) -> (f32, f32) {
    let positives = targets.iter().filter(|target| **target).count() as f64;
    let negatives = targets.len() as f64 - positives;
    let high = (positives + 1.0) / (positives + 2.0);
    let low = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut gradient_a, mut gradient_b) = (0.0, 0.0);
        let (mut h_aa, mut h_ab, mut h_bb) = (1e-9, 0.0, 1e-9);
        for (score, target) in raw.iter().zip(targets) {
            let x = f64::from(*score);
            let t = if *target { high } else { low };
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let d = p - t;
            gradient_a += d * x;
            gradient_b += d;
            let w = p * (1.0 - p);
            h_aa += w * x * x;
            h_ab += w * x;
            h_bb += w;
        }
        let determinant = h_aa * h_bb - h_ab * h_ab;
        if determinant.abs() < 1e-12 {
            break;
        }
        let step_a = (h_bb * gradient_a - h_ab * gradient_b) / determinant;
        let step_b = (h_aa * gradient_b - h_ab * gradient_a) / determinant;
        a -= step_a;
        b -= step_b;
        if step_a.abs() < 1e-7 && step_b.abs() < 1e-7 {
            break;
        }
    }
    ((a.max(1e-3)) as f32, b as f32)
}

/// The threshold that maximises F1 over `(probability, target)` pairs, with that F1.
pub fn best_threshold(scored: &[(f32, bool)]) -> (f32, f64) {
    let mut sorted: Vec<(f32, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = sorted.iter().filter(|(_, target)| *target).count();
    if positives == 0 {
        return (1.0, 0.0);
    }
    let (mut best_f1, mut best_threshold) = (0.0f64, 1.0f32);
    let mut true_positives = 0usize;
    let mut index = 0;
    while index < sorted.len() {
        // Rows with equal scores fall on the same side of any threshold.
        let score = sorted[index].0;
        while index < sorted.len() && sorted[index].0 == score {
            true_positives += usize::from(sorted[index].1);
            index += 1;
        }
        let precision = true_positives as f64 / index as f64;
        let recall = true_positives as f64 / positives as f64;
        if precision + recall > 0.0 {
            let f1 = 2.0 * precision * recall / (precision + recall);
            if f1 > best_f1 {
                best_f1 = f1;
                best_threshold = score;
            }
        }
    }
    (best_threshold, best_f1)
}

/// Trains the model on the training rows, calibrating and choosing thresholds on validation rows.
pub fn train(
    examples: &[Example],
    config: &TrainConfig,
) -> Result<(TextModel, Vec<LabelSummary>), ModelError> {
    let rows: Vec<LabelledText<'_>> = examples
        .iter()
        .filter(|example| example.split != Split::Test)
        .map(|example| LabelledText {
            normalized: &example.normalized,
            labels: example.labels.to_vec(),
            validation: example.split == Split::Validation,
        })
        .collect();
    train_labels(&LABELS, &rows, config)
}

/// One labelled text for [`train_labels`]: `labels[i]` is `Some(target)` where the
/// row is labelled for `names[i]`.
#[derive(Debug, Clone)]
pub struct LabelledText<'a> {
    /// The text after `moderato_detect::normalize`.
    pub normalized: &'a str,
    /// One entry per label name.
    pub labels: Vec<Option<bool>>,
    /// A validation row (calibration and thresholds), else a training row.
    pub validation: bool,
}

/// Trains one classifier per name on the training rows, calibrating and choosing
/// thresholds on the validation rows.
pub fn train_labels(
    names: &[&str],
    rows: &[LabelledText<'_>],
    config: &TrainConfig,
) -> Result<(TextModel, Vec<LabelSummary>), ModelError> {
    let train_rows: Vec<&LabelledText<'_>> = rows.iter().filter(|row| !row.validation).collect();
    let validation_rows: Vec<&LabelledText<'_>> =
        rows.iter().filter(|row| row.validation).collect();
    let texts: Vec<&str> = train_rows.iter().map(|row| row.normalized).collect();
    let sparse = SparseRows::extract(&texts, &config.features);

    let targets: Vec<Vec<(usize, bool)>> = (0..names.len())
        .map(|label| {
            train_rows
                .iter()
                .enumerate()
                .filter_map(|(row, example)| {
                    example
                        .labels
                        .get(label)
                        .copied()
                        .flatten()
                        .map(|target| (row, target))
                })
                .collect()
        })
        .collect();
    for (label, label_targets) in targets.iter().enumerate() {
        if label_targets.is_empty() {
            return Err(ModelError::NoExamples {
                label: names[label].to_string(),
            });
        }
    }
    let fitted: Vec<Weights> = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .enumerate()
            .map(|(label, label_targets)| {
                let rows = &sparse;
                scope.spawn(move || {
                    fit_label(
                        rows,
                        label_targets,
                        config,
                        config.seed ^ (label as u64 + 1).wrapping_mul(0x9e37_79b9),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| Weights {
                    weights: Vec::new(),
                    bias: 0.0,
                })
            })
            .collect()
    });
    let labels: Vec<LabelModel> = fitted
        .iter()
        .zip(names)
        .map(|(weights, name)| LabelModel {
            name: name.to_string(),
            bias: weights.bias,
            scale: 1.0,
            platt_a: 1.0,
            platt_b: 0.0,
            threshold: 0.5,
        })
        .collect();
    let float_weights: Vec<Vec<f32>> = fitted.into_iter().map(|weights| weights.weights).collect();
    let note = format!(
        "seed={} epochs={} learning_rate={} l2={} bits={} chars={}..={} bigrams={} train_rows={} validation_rows={}",
        config.seed,
        config.epochs,
        config.learning_rate,
        config.l2,
        config.features.bits,
        config.features.char_min,
        config.features.char_max,
        config.features.word_bigrams,
        train_rows.len(),
        validation_rows.len()
    );
    let mut model = TextModel::quantize(config.features, labels, &float_weights, note);

    // Calibrate the quantised model, the one that ships, on validation rows.
    let validation_raw: Vec<Vec<f32>> = raw_scores(
        &model,
        &validation_rows
            .iter()
            .map(|row| row.normalized)
            .collect::<Vec<_>>(),
    );
    let mut summaries = Vec::new();
    for (label_index, name) in names.iter().enumerate() {
        let (raw, label_targets): (Vec<f32>, Vec<bool>) = validation_rows
            .iter()
            .zip(&validation_raw)
            .filter_map(|(example, raw)| {
                example
                    .labels
                    .get(label_index)
                    .copied()
                    .flatten()
                    .map(|target| (raw[label_index], target))
            })
            .unzip();
        let (a, b) = fit_platt(&raw, &label_targets);
        let label = &mut model.labels[label_index];
        label.platt_a = a;
        label.platt_b = b;
        let scored: Vec<(f32, bool)> = raw
            .iter()
            .map(|score| label.calibrate(*score))
            .zip(label_targets.iter().copied())
            .collect();
        let (threshold, validation_f1) = best_threshold(&scored);
        label.threshold = threshold;
        summaries.push(LabelSummary {
            label: name.to_string(),
            train_rows: targets[label_index].len(),
            train_positives: targets[label_index].iter().filter(|(_, t)| *t).count(),
            validation_rows: label_targets.len(),
            validation_positives: label_targets.iter().filter(|t| **t).count(),
            platt_a: a,
            platt_b: b,
            threshold,
            validation_f1,
            validation_pr_auc: crate::eval::average_precision(&scored),
        });
    }
    Ok((model, summaries))
}

/// Raw scores of normalised texts, computed on two threads.
pub fn raw_scores(model: &TextModel, texts: &[&str]) -> Vec<Vec<f32>> {
    let half = texts.len().div_ceil(2).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .chunks(half)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|text| model.raw_scores(&extract(text, &model.config)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    #[test]
    fn the_shuffle_generator_is_the_reference_splitmix64() {
        // First outputs of the reference implementation (xoshiro.di.unimi.it/splitmix64.c) for
        // this seed: training shuffles, and so a retrained model, stay reproducible.
        let mut random = SplitMix::new(1_477_776_061_723_855_037);
        assert_eq!(random.next_u64(), 1_985_237_415_132_408_290);
        assert_eq!(random.next_u64(), 2_979_275_885_539_914_483);
    }

    fn example(text: &str, hate: bool, split: Split) -> Example {
        Example {
            dataset: Dataset::Stormfront,
            text: text.to_string(),
            normalized: moderato_detect::normalize(text).text,
            labels: [Some(hate), Some(hate), Some(hate)],
            split,
        }
    }

    fn synthetic() -> Vec<Example> {
        let bad = ["vermin", "subhuman", "filth", "parasites", "animals"];
        let good = ["neighbours", "friends", "colleagues", "people", "families"];
        let subjects = [
            "they",
            "those folks",
            "the new arrivals",
            "them all",
            "these ones",
        ];
        let mut examples = Vec::new();
        for (index, subject) in subjects.iter().enumerate() {
            for (word_index, (bad_word, good_word)) in bad.iter().zip(good).enumerate() {
                let split = if (index + word_index) % 5 == 0 {
                    Split::Validation
                } else {
                    Split::Train
                };
                examples.push(example(
                    &format!("{subject} are {bad_word} today"),
                    true,
                    split,
                ));
                examples.push(example(
                    &format!("{subject} are {good_word} today"),
                    false,
                    split,
                ));
            }
        }
        examples
    }

    fn tiny_config(seed: u64) -> TrainConfig {
        TrainConfig {
            seed,
            epochs: 20,
            features: FeatureConfig {
                bits: 12,
                ..FeatureConfig::default()
            },
            ..TrainConfig::default()
        }
    }

    #[test]
    fn training_separates_two_synthetic_classes() {
        let (model, summaries) = train(&synthetic(), &tiny_config(7)).unwrap();
        let hateful = model.probabilities(&moderato_detect::normalize("you are vermin").text);
        let kind = model.probabilities(&moderato_detect::normalize("you are friends").text);
        assert!(hateful[0] > kind[0], "{hateful:?} vs {kind:?}");
        assert!(summaries[0].validation_pr_auc > 0.9, "{summaries:?}");
    }

    #[test]
    fn training_is_deterministic_for_a_seed() {
        let first = train(&synthetic(), &tiny_config(3)).unwrap().0;
        let second = train(&synthetic(), &tiny_config(3)).unwrap().0;
        assert_eq!(first.to_bytes(), second.to_bytes());
    }

    #[test]
    fn test_rows_are_never_trained_on() {
        let mut examples = synthetic();
        let before = train(&examples, &tiny_config(5)).unwrap().0;
        examples.push(example(
            "completely different words entirely",
            true,
            Split::Test,
        ));
        let after = train(&examples, &tiny_config(5)).unwrap().0;
        assert_eq!(before.weights, after.weights);
    }

    #[test]
    fn calibration_is_monotonic() {
        let raw: Vec<f32> = (0..200).map(|index| index as f32 / 20.0 - 5.0).collect();
        let targets: Vec<bool> = raw
            .iter()
            .enumerate()
            .map(|(index, score)| *score > 0.5 || index % 7 == 0)
            .collect();
        let (a, b) = fit_platt(&raw, &targets);
        assert!(a > 0.0);
        let label = LabelModel {
            name: "hate".to_string(),
            bias: 0.0,
            scale: 1.0,
            platt_a: a,
            platt_b: b,
            threshold: 0.5,
        };
        let calibrated: Vec<f32> = raw.iter().map(|score| label.calibrate(*score)).collect();
        assert!(calibrated.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(calibrated[0] < 0.3 && calibrated[199] > 0.7);
        // Even reversed evidence cannot reverse the order: the slope stays positive.
        let reversed: Vec<bool> = targets.iter().map(|target| !target).collect();
        assert!(fit_platt(&raw, &reversed).0 > 0.0);
    }

    #[test]
    fn best_threshold_maximises_f1() {
        let scored = [
            (0.9, true),
            (0.8, true),
            (0.7, false),
            (0.6, true),
            (0.1, false),
        ];
        let (threshold, f1) = best_threshold(&scored);
        assert!((threshold - 0.6).abs() < 1e-6);
        assert!((f1 - 6.0 / 7.0).abs() < 1e-9);
    }
}
