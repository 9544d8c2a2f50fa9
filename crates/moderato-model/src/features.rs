//! Hashed features of normalised text: word unigrams, word bigrams and
//! character n-grams of each word, each hashed into a fixed number of buckets.
//!
//! The text given here is always the output of `moderato_detect::normalize`,
//! so the model sees what the rules see. Every feature remembers the unit
//! (word, bigram, or the characters of one word) it came from and its byte
//! range in the normalised text, so that evidence can point at the original.
//! This module must never depend on a random seed or on the platform: the
//! same text gives the same buckets everywhere (FNV-1a plus a fixed mixer).

/// How text becomes features; stored in the weights header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureConfig {
    /// Number of buckets is `1 << bits`.
    pub bits: u8,
    /// Smallest character n-gram (0 turns character n-grams off).
    pub char_min: u8,
    /// Largest character n-gram.
    pub char_max: u8,
    /// Whether word bigrams are used.
    pub word_bigrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> FeatureConfig {
        FeatureConfig {
            bits: 18,
            char_min: 3,
            char_max: 5,
            word_bigrams: true,
        }
    }
}

impl FeatureConfig {
    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        1usize << self.bits
    }
}

/// What kind of unit a feature came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// One word.
    Word,
    /// Two neighbouring words.
    Bigram,
    /// The character n-grams of one word.
    Characters,
}

/// A unit of the text that features come from, with its byte range in the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Word, bigram or characters of a word.
    pub kind: UnitKind,
    /// The unit as the model saw it (normalised).
    pub text: String,
    /// Byte range `[start, end)` in the normalised text.
    pub range: (usize, usize),
}

/// Features of one text: the units and, for every feature occurrence, its bucket and unit.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// Units of the text.
    pub units: Vec<Unit>,
    /// `(bucket, unit index)` for every feature occurrence.
    pub occurrences: Vec<(u32, u32)>,
    /// The scale of one occurrence, computed once by [`extract`].
    scale: f32,
}

impl Extracted {
    /// The scale every occurrence gets so the feature vector has unit length.
    pub fn occurrence_scale(&self) -> f32 {
        self.scale
    }

    fn compute_scale(&self) -> f32 {
        let vector = self.vector_unscaled();
        let norm: f32 = vector
            .iter()
            .map(|(_, count)| count * count)
            .sum::<f32>()
            .sqrt();
        if norm > 0.0 { 1.0 / norm } else { 0.0 }
    }

    fn vector_unscaled(&self) -> Vec<(u32, f32)> {
        let mut buckets: Vec<u32> = self.occurrences.iter().map(|(bucket, _)| *bucket).collect();
        buckets.sort_unstable();
        let mut vector: Vec<(u32, f32)> = Vec::with_capacity(buckets.len());
        for bucket in buckets {
            match vector.last_mut() {
                Some((last, count)) if *last == bucket => *count += 1.0,
                _ => vector.push((bucket, 1.0)),
            }
        }
        vector
    }

    /// The sparse feature vector: counts per bucket, scaled to unit length, sorted by bucket.
    pub fn vector(&self) -> Vec<(u32, f32)> {
        let mut vector = self.vector_unscaled();
        let norm: f32 = vector
            .iter()
            .map(|(_, count)| count * count)
            .sum::<f32>()
            .sqrt();
        if norm > 0.0 {
            for (_, value) in &mut vector {
                *value /= norm;
            }
        }
        vector
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over a kind tag and the bytes, then a fixed 64-bit finaliser.
pub fn hash_feature(tag: u8, parts: &[&[u8]]) -> u64 {
    let mut hash = FNV_OFFSET;
    hash ^= u64::from(tag);
    hash = hash.wrapping_mul(FNV_PRIME);
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            // A separator byte that cannot occur in UTF-8 keeps `ab c` apart from `a bc`.
            hash ^= 0xff;
            hash = hash.wrapping_mul(FNV_PRIME);
        }
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
    // splitmix64 finaliser: spreads FNV's weak low bits over the bucket range.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

const TAG_WORD: u8 = 1;
const TAG_BIGRAM: u8 = 2;
const TAG_CHARS: u8 = 3;

/// A word of the normalised text with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word; handles become `<user>` and links `<url>`.
    pub text: String,
    /// Byte range in the normalised text.
    pub range: (usize, usize),
    /// Whether character n-grams are taken from it (not for placeholders).
    pub spelled: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Splits normalised text into words.
///
/// Handles (`@name`) become `<user>` and links (and OLID's `URL`) become `<url>`, so that the
/// way each data set anonymised them does not become a feature; the retweet marker `rt` and
/// HTML entities (`&amp;`, `&#128514;`) are dropped for the same reason.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chunk_start: Option<usize> = None;
    let push_chunk = |start: usize, end: usize, tokens: &mut Vec<Token>| {
        let chunk = &text[start..end];
        if chunk.starts_with("http") || chunk.starts_with("www.") {
            tokens.push(Token {
                text: "<url>".to_string(),
                range: (start, end),
                spelled: false,
            });
            return;
        }
        if chunk.starts_with('@') && chunk.len() > 1 {
            tokens.push(Token {
                text: "<user>".to_string(),
                range: (start, end),
                spelled: false,
            });
            return;
        }
        let mut word_start: Option<usize> = None;
        let bytes = chunk.as_bytes();
        let finish = |word_start: usize, word_end: usize, tokens: &mut Vec<Token>| {
            let word = chunk[word_start..word_end].trim_matches('\'');
            if word.is_empty() {
                return;
            }
            let offset = word_start + chunk[word_start..word_end].find(word).unwrap_or(0);
            let before = &bytes[..word_start];
            let entity = (before.ends_with(b"&") || before.ends_with(b"&#"))
                && bytes.get(word_end) == Some(&b';');
            if entity || word == "rt" {
                return;
            }
            let (text, spelled) = if word == "url" {
                ("<url>".to_string(), false)
            } else {
                (word.to_string(), true)
            };
            tokens.push(Token {
                text,
                range: (start + offset, start + offset + word.len()),
                spelled,
            });
        };
        for (index, c) in chunk.char_indices() {
            if is_word_char(c) {
                if word_start.is_none() {
                    word_start = Some(index);
                }
            } else if let Some(begin) = word_start.take() {
                finish(begin, index, tokens);
            }
        }
        if let Some(begin) = word_start {
            finish(begin, chunk.len(), tokens);
        }
    };
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = chunk_start.take() {
                push_chunk(start, index, &mut tokens);
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(index);
        }
    }
    if let Some(start) = chunk_start {
        push_chunk(start, text.len(), &mut tokens);
    }
    tokens
}

/// Extracts the hashed features of normalised text.
pub fn extract(text: &str, config: &FeatureConfig) -> Extracted {
    let mask = (config.buckets() - 1) as u64;
    let bucket = |hash: u64| (hash & mask) as u32;
    let tokens = tokenize(text);
    let mut extracted = Extracted::default();
    let mut padded: Vec<u8> = Vec::new();
    let mut char_starts: Vec<usize> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let word_unit = extracted.units.len() as u32;
        extracted.units.push(Unit {
            kind: UnitKind::Word,
            text: token.text.clone(),
            range: token.range,
        });
        extracted.occurrences.push((
            bucket(hash_feature(TAG_WORD, &[token.text.as_bytes()])),
            word_unit,
        ));
        if config.word_bigrams
            && let Some(next) = tokens.get(index + 1)
        {
            let unit = extracted.units.len() as u32;
            extracted.units.push(Unit {
                kind: UnitKind::Bigram,
                text: format!("{} {}", token.text, next.text),
                range: (token.range.0, next.range.1),
            });
            extracted.occurrences.push((
                bucket(hash_feature(
                    TAG_BIGRAM,
                    &[token.text.as_bytes(), next.text.as_bytes()],
                )),
                unit,
            ));
        }
        if config.char_min == 0 || !token.spelled {
            continue;
        }
        // Character n-grams of the word padded with spaces, so prefixes and suffixes differ
        // from the inside of a word. Counted over characters, hashed over their bytes.
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(token.text.as_bytes());
        padded.push(b' ');
        char_starts.clear();
        let padded_text = std::str::from_utf8(&padded).unwrap_or("");
        char_starts.extend(padded_text.char_indices().map(|(start, _)| start));
        char_starts.push(padded.len());
        let characters = char_starts.len() - 1;
        let characters_unit = extracted.units.len() as u32;
        extracted.units.push(Unit {
            kind: UnitKind::Characters,
            text: token.text.clone(),
            range: token.range,
        });
        for size in usize::from(config.char_min)..=usize::from(config.char_max) {
            if size > characters {
                break;
            }
            for start in 0..=characters - size {
                let gram = &padded[char_starts[start]..char_starts[start + size]];
                extracted
                    .occurrences
                    .push((bucket(hash_feature(TAG_CHARS, &[gram])), characters_unit));
            }
        }
    }
    extracted.scale = extracted.compute_scale();
    extracted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_is_deterministic_and_fixed() {
        let config = FeatureConfig::default();
        let first = extract("you are a nice person", &config);
        let second = extract("you are a nice person", &config);
        assert_eq!(first.occurrences, second.occurrences);
        // Pinned values: a change of hash function would silently invalidate shipped weights.
        assert_eq!(hash_feature(1, &[b"hello"]), hash_feature(1, &[b"hello"]));
        assert_eq!(hash_feature(1, &[b"hello"]) & 0x3ffff, PINNED_HELLO_18_BITS);
        assert_ne!(
            hash_feature(2, &[b"ab", b"c"]),
            hash_feature(2, &[b"a", b"bc"])
        );
        assert_ne!(hash_feature(1, &[b"hello"]), hash_feature(3, &[b"hello"]));
    }

    const PINNED_HELLO_18_BITS: u64 = 153_739;

    #[test]
    fn tokens_replace_handles_links_and_entities() {
        let tokens: Vec<String> = tokenize("rt @someone: look http://t.co/x &amp; url it's")
            .into_iter()
            .map(|token| token.text)
            .collect();
        assert_eq!(tokens, ["<user>", "look", "<url>", "<url>", "it's"]);
    }

    #[test]
    fn vector_has_unit_length_and_matches_occurrences() {
        let extracted = extract("kill kill them all", &FeatureConfig::default());
        let vector = extracted.vector();
        let norm: f32 = vector.iter().map(|(_, value)| value * value).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let scale = extracted.occurrence_scale();
        let total: f32 = vector.iter().map(|(_, value)| value).sum();
        assert!((total - scale * extracted.occurrences.len() as f32).abs() < 1e-4);
    }

    #[test]
    fn word_units_keep_their_byte_ranges() {
        let text = "go  away now";
        let extracted = extract(text, &FeatureConfig::default());
        for unit in &extracted.units {
            if unit.kind == UnitKind::Word {
                assert_eq!(&text[unit.range.0..unit.range.1], unit.text);
            }
        }
    }
}
