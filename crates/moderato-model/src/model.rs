//! The text model: per-label logistic regression over hashed features, with
//! Platt calibration and a decision threshold per label, and its binary format.
//!
//! Format (all integers little-endian): magic `MODTXT\0\0`, format version
//! (u32), feature config (bits, smallest and largest character n-gram, flags:
//! one byte each), label count (u32); per label its name (u16 length + UTF-8),
//! bias, weight scale, Platt slope and intercept and threshold (f32 each); a
//! free-text training note (u32 length + UTF-8); then `buckets × labels` i8
//! weights, bucket-major; then the SHA-256 of everything before it.
//! This module must never read files or the clock: weights come in as bytes.

use sha2::{Digest, Sha256};

use crate::error::ModelError;
use crate::features::{Extracted, FeatureConfig, UnitKind, extract};

/// Magic bytes at the start of every weights file.
pub const MAGIC: &[u8; 8] = b"MODTXT\0\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One label's classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelModel {
    /// Label name, e.g. `hate`.
    pub name: String,
    /// Intercept of the logistic regression.
    pub bias: f32,
    /// Weight of one quantisation step (weights are stored as `i8 × scale`).
    pub scale: f32,
    /// Platt slope: probability = σ(a · raw + b).
    pub platt_a: f32,
    /// Platt intercept.
    pub platt_b: f32,
    /// Calibrated probability at or above which the label is predicted (chosen on validation data).
    pub threshold: f32,
}

impl LabelModel {
    /// The calibrated probability of a raw score (logit of the regression).
    pub fn calibrate(&self, raw: f32) -> f32 {
        sigmoid(self.platt_a * raw + self.platt_b)
    }
}

/// The logistic function.
pub fn sigmoid(value: f32) -> f32 {
    1.0 / (1.0 + (-value).exp())
}

/// A unit of the text and how much it pushed one label's raw score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Word, bigram, or characters of a word.
    pub kind: UnitKind,
    /// The unit as the model saw it (normalised).
    pub text: String,
    /// Byte range in the normalised text.
    pub range: (usize, usize),
    /// Contribution to the raw score (logit units).
    pub value: f32,
}

/// The multi-label text model.
#[derive(Debug, Clone, PartialEq)]
pub struct TextModel {
    /// How text becomes features.
    pub config: FeatureConfig,
    /// One classifier per label.
    pub labels: Vec<LabelModel>,
    /// `buckets × labels` quantised weights, bucket-major.
    pub weights: Vec<i8>,
    /// What the weights were trained on, with which seed (free text).
    pub note: String,
}

impl TextModel {
    /// Quantises float weights (`weights[label][bucket]`) to i8 with one scale per label.
    pub fn quantize(
        config: FeatureConfig,
        mut labels: Vec<LabelModel>,
        weights: &[Vec<f32>],
        note: String,
    ) -> TextModel {
        let buckets = config.buckets();
        let count = labels.len();
        let mut quantized = vec![0i8; buckets * count];
        for (label_index, (label, label_weights)) in labels.iter_mut().zip(weights).enumerate() {
            let largest = label_weights
                .iter()
                .fold(0f32, |largest, weight| largest.max(weight.abs()));
            label.scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            for (bucket, weight) in label_weights.iter().enumerate().take(buckets) {
                let step = (weight / label.scale).round().clamp(-127.0, 127.0);
                quantized[bucket * count + label_index] = step as i8;
            }
        }
        TextModel {
            config,
            labels,
            weights: quantized,
            note,
        }
    }

    /// The index of a label by name.
    pub fn label_index(&self, name: &str) -> Option<usize> {
        self.labels.iter().position(|label| label.name == name)
    }

    /// Raw scores (logits before calibration), one per label, of extracted features.
    pub fn raw_scores(&self, extracted: &Extracted) -> Vec<f32> {
        let count = self.labels.len();
        let occurrence = extracted.occurrence_scale();
        let mut sums = vec![0i32; count];
        for (bucket, _) in &extracted.occurrences {
            let row = *bucket as usize * count;
            if let Some(weights) = self.weights.get(row..row + count) {
                for (sum, weight) in sums.iter_mut().zip(weights) {
                    *sum += i32::from(*weight);
                }
            }
        }
        self.labels
            .iter()
            .zip(sums)
            .map(|(label, sum)| label.bias + sum as f32 * label.scale * occurrence)
            .collect()
    }

    /// Calibrated probabilities, one per label, of normalised text.
    pub fn probabilities(&self, normalized_text: &str) -> Vec<f32> {
        let extracted = extract(normalized_text, &self.config);
        self.calibrated(&extracted)
    }

    /// Calibrated probabilities of extracted features.
    pub fn calibrated(&self, extracted: &Extracted) -> Vec<f32> {
        self.raw_scores(extracted)
            .into_iter()
            .zip(&self.labels)
            .map(|(raw, label)| label.calibrate(raw))
            .collect()
    }

    /// The units that pushed a label's raw score up the most, largest first (at most `top`).
    pub fn explain(
        &self,
        extracted: &Extracted,
        label_index: usize,
        top: usize,
    ) -> Vec<Contribution> {
        let count = self.labels.len();
        let Some(label) = self.labels.get(label_index) else {
            return Vec::new();
        };
        let step = label.scale * extracted.occurrence_scale();
        let mut per_unit = vec![0f32; extracted.units.len()];
        for (bucket, unit) in &extracted.occurrences {
            let index = *bucket as usize * count + label_index;
            if let (Some(weight), Some(total)) =
                (self.weights.get(index), per_unit.get_mut(*unit as usize))
            {
                *total += f32::from(*weight) * step;
            }
        }
        let mut ranked: Vec<(usize, f32)> = per_unit
            .into_iter()
            .enumerate()
            .filter(|(_, value)| *value > 0.0)
            .collect();
        // Ties keep text order, so the explanation is deterministic.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(top)
            .filter_map(|(unit, value)| {
                extracted.units.get(unit).map(|unit| Contribution {
                    kind: unit.kind,
                    text: unit.text.clone(),
                    range: unit.range,
                    value,
                })
            })
            .collect()
    }

    /// Serialises the model (see the module documentation for the format).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.weights.len() + 1024);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.push(self.config.bits);
        bytes.push(self.config.char_min);
        bytes.push(self.config.char_max);
        bytes.push(u8::from(self.config.word_bigrams));
        bytes.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for label in &self.labels {
            let name = label.name.as_bytes();
            bytes.extend_from_slice(&(name.len().min(u16::MAX as usize) as u16).to_le_bytes());
            bytes.extend_from_slice(&name[..name.len().min(u16::MAX as usize)]);
            for value in [
                label.bias,
                label.scale,
                label.platt_a,
                label.platt_b,
                label.threshold,
            ] {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        bytes.extend_from_slice(&(self.note.len() as u32).to_le_bytes());
        bytes.extend_from_slice(self.note.as_bytes());
        bytes.extend(self.weights.iter().map(|weight| *weight as u8));
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum);
        bytes
    }

    /// Reads a model written by [`TextModel::to_bytes`], checking magic, version and checksum.
    pub fn from_bytes(bytes: &[u8]) -> Result<TextModel, ModelError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        if bytes.len() < MAGIC.len() + 32 {
            return Err(ModelError::Truncated {
                offset: bytes.len(),
            });
        }
        let (content, stored) = bytes.split_at(bytes.len() - 32);
        let computed = Sha256::digest(content);
        if computed.as_slice() != stored {
            return Err(ModelError::Checksum {
                expected: hex(stored),
                computed: hex(&computed),
            });
        }
        let mut reader = Reader {
            bytes: content,
            offset: MAGIC.len(),
        };
        let version = reader.u32()?;
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let config = FeatureConfig {
            bits: reader.u8()?,
            char_min: reader.u8()?,
            char_max: reader.u8()?,
            word_bigrams: reader.u8()? != 0,
        };
        if !(8..=24).contains(&config.bits) {
            return Err(ModelError::InvalidHeader {
                field: "bits",
                reason: format!("{} is outside 8..=24", config.bits),
            });
        }
        if config.char_min > config.char_max {
            return Err(ModelError::InvalidHeader {
                field: "char_min",
                reason: format!("{} is above char_max {}", config.char_min, config.char_max),
            });
        }
        let count = reader.u32()? as usize;
        if count == 0 || count > 64 {
            return Err(ModelError::InvalidHeader {
                field: "label_count",
                reason: format!("{count} is outside 1..=64"),
            });
        }
        let mut labels = Vec::with_capacity(count);
        for _ in 0..count {
            let length = reader.u16()? as usize;
            let name = String::from_utf8(reader.take(length)?.to_vec()).map_err(|_| {
                ModelError::InvalidHeader {
                    field: "label_name",
                    reason: "not UTF-8".to_string(),
                }
            })?;
            labels.push(LabelModel {
                name,
                bias: reader.f32()?,
                scale: reader.f32()?,
                platt_a: reader.f32()?,
                platt_b: reader.f32()?,
                threshold: reader.f32()?,
            });
        }
        let note_length = reader.u32()? as usize;
        let note = String::from_utf8(reader.take(note_length)?.to_vec()).map_err(|_| {
            ModelError::InvalidHeader {
                field: "note",
                reason: "not UTF-8".to_string(),
            }
        })?;
        let weights: Vec<i8> = reader
            .take(config.buckets() * count)?
            .iter()
            .map(|byte| *byte as i8)
            .collect();
        if reader.offset != content.len() {
            return Err(ModelError::InvalidHeader {
                field: "weights",
                reason: format!("{} bytes left over", content.len() - reader.offset),
            });
        }
        Ok(TextModel {
            config,
            labels,
            weights,
            note,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .offset
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(ModelError::Truncated {
                offset: self.bytes.len(),
            })?;
        let slice = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_model() -> TextModel {
        let config = FeatureConfig {
            bits: 10,
            ..FeatureConfig::default()
        };
        let weights: Vec<Vec<f32>> = (0..2)
            .map(|label| {
                (0..config.buckets())
                    .map(|bucket| ((bucket * 7 + label * 3) % 11) as f32 / 5.0 - 1.0)
                    .collect()
            })
            .collect();
        let labels = ["hate", "offensive"]
            .iter()
            .map(|name| LabelModel {
                name: name.to_string(),
                bias: -1.5,
                scale: 1.0,
                platt_a: 0.9,
                platt_b: 0.1,
                threshold: 0.5,
            })
            .collect();
        TextModel::quantize(config, labels, &weights, "test model".to_string())
    }

    #[test]
    fn weights_round_trip_through_bytes() {
        let model = small_model();
        let bytes = model.to_bytes();
        let read = TextModel::from_bytes(&bytes).unwrap();
        assert_eq!(read, model);
        assert_eq!(
            read.probabilities("some text here"),
            model.probabilities("some text here")
        );
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum() {
        let mut bytes = small_model().to_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        assert!(matches!(
            TextModel::from_bytes(&bytes),
            Err(ModelError::Checksum { .. })
        ));
        assert!(matches!(
            TextModel::from_bytes(b"not a model"),
            Err(ModelError::BadMagic)
        ));
        let good = small_model().to_bytes();
        assert!(TextModel::from_bytes(&good[..40]).is_err());
    }

    #[test]
    fn explanation_sums_to_the_positive_part_of_the_raw_score() {
        let model = small_model();
        let extracted = extract("one two three four", &model.config);
        let raw = model.raw_scores(&extracted)[0] - model.labels[0].bias;
        let all = model.explain(&extracted, 0, usize::MAX);
        let positive: f32 = all.iter().map(|contribution| contribution.value).sum();
        assert!(positive >= raw - 1e-4);
        assert!(all.windows(2).all(|pair| pair[0].value >= pair[1].value));
    }
}
