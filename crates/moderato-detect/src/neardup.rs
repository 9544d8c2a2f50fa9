//! Near-duplicates of actioned content: fingerprints, an in-memory LSH index
//! of content that was already removed or restricted, and the detector that
//! turns a match into the `match.actioned` signal.
//!
//! This module must never choose an action (a match only names the decision
//! and action it resembles; the policy decides what follows) and must never
//! touch a database or the network: persistence lives in `moderato-store`
//! and loading the index at start-up is the server's job.
//!
//! # Fingerprints
//!
//! A text is normalised with [`crate::normalize`] (case, confusables,
//! leetspeak, zero-width characters, repeats), then cut into words made of
//! letters and digits only: punctuation, emoji and symbols separate words,
//! apostrophes inside words are dropped and doubled letters collapse. A [`Fingerprint`] holds
//!
//! - `exact`: SHA-256 of the words joined by single spaces, and
//! - `minhash`: [`PERMUTATIONS`] 32-bit MinHash values over the shingles of
//!   the text — word pairs and character 6-grams of the joined words (tuned
//!   on `tests/it/neardup.rs`: 5-grams let more same-topic texts match, 7-grams
//!   and word triples lose more edited variants).
//!
//! Texts with fewer than [`MIN_WORDS`] words get no MinHash (they only match
//! exactly: "kill them all" must not match "thank them all"), and texts with
//! no words at all get no fingerprint, or every emoji-only post would match
//! every other. The hash functions are written here, not taken from a crate,
//! so signatures stored by one version stay valid in the next;
//! `signature_is_stable` pins them, and [`SCHEME`] names them so a future
//! change can tell old rows apart.
//!
//! # Index
//!
//! [`ActionedIndex`] finds candidates with LSH banding ([`BANDS`] bands of
//! [`ROWS`] rows: a text with Jaccard similarity 0.6 to an indexed one becomes
//! a candidate with probability 0.99, one at 0.2 with probability 0.05) and
//! accepts the candidate whose estimated Jaccard similarity (the share of equal
//! MinHash values) is highest and at least the threshold
//! ([`DEFAULT_THRESHOLD`]). Lookups cost about the same at 10^4 and 10^6
//! entries; see `benches/neardup.rs`.
//!
//! # Wiring (for the engine and the server)
//!
//! 1. The engine holds one `Arc<RwLock<ActionedIndex>>` and adds
//!    `ActionedMatchDetector::new(index.clone())` to its detectors. The pack
//!    must know the signal: pass [`ACTIONED_SIGNAL`] to `load_policy` with
//!    `BUILTIN_SIGNALS` (or declare it as a `[[signal]]` in `policy.toml`).
//! 2. After a decision or a review is stored whose action is at least
//!    `reduce_distribution` on the action ladder, the server calls
//!    [`fingerprint`] on the item's text; when it returns `Some`, it stores
//!    the fingerprint with `Store::add_fingerprint` (scheme [`SCHEME`], hex
//!    from [`Fingerprint::exact_hex`] and [`Fingerprint::minhash_hex`]) and
//!    then inserts it with `index.write().insert(&fingerprint, decision_id,
//!    action)`. Store first, index second: a crash in between loses nothing
//!    that start-up will not reload.
//! 3. At start-up the server reads `Store::all_fingerprints()` (ordered
//!    oldest first, so newer decisions win ties), skips rows whose scheme is
//!    not [`SCHEME`], rebuilds each with [`Fingerprint::from_hex`] and inserts
//!    it, before it serves requests.
//! 4. Not handled yet: a review or appeal that overturns an action leaves the
//!    old fingerprint in the index, so its near-duplicates still match (with
//!    the overturned decision's id as evidence).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use moderato_core::decision::{Evidence, Signal};
use moderato_core::policy::BuiltinSignal;
use sha2::{Digest, Sha256};

use crate::Detector;
use crate::normalize::{Normalized, normalize};

/// Name of the signal a near-duplicate of actioned content produces.
pub const SIGNAL: &str = "match.actioned";

/// Source recorded on `match.actioned` signals.
pub const SOURCE: &str = "builtin:neardup";

/// The signal for the pack's list of known signals.
pub const ACTIONED_SIGNAL: BuiltinSignal = BuiltinSignal {
    name: SIGNAL,
    description: "near-duplicate of content that was already removed or restricted; the score is the estimated similarity",
};

/// Name of the fingerprint scheme, stored next to every persisted fingerprint.
/// Change it whenever the normalisation of words, the shingles or the hash
/// functions change, since old signatures can then no longer be compared.
pub const SCHEME: &str = "minhash-v1:w2c6:128x32";

/// Number of MinHash values in a signature.
pub const PERMUTATIONS: usize = 128;

/// Number of LSH bands.
pub const BANDS: usize = 32;

/// MinHash values per LSH band.
pub const ROWS: usize = PERMUTATIONS / BANDS;

/// Texts with fewer words than this only match exactly.
pub const MIN_WORDS: usize = 4;

/// Estimated Jaccard similarity from which a candidate counts as a match.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Characters per character shingle.
const CHAR_SHINGLE: usize = 6;

/// At most this many entries are compared per LSH bucket, newest first, so a
/// text actioned thousands of times cannot make lookups slow; any of them
/// would match equally well.
const MAX_BUCKET_WALK: usize = 64;

/// Marks the end of a bucket chain.
const NO_ENTRY: u32 = u32::MAX;

/// Errors rebuilding or indexing a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// A stored hex string is not valid hex of the expected length.
    #[error("invalid {field} hex in fingerprint: {message}")]
    Hex {
        /// `exact` or `minhash`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A MinHash signature has the wrong number of values.
    #[error("minhash signature has {found} values, expected 0 or {expected}")]
    SignatureLength {
        /// Values found.
        found: usize,
        /// [`PERMUTATIONS`].
        expected: usize,
    },
    /// The index is full (more than 4 billion entries).
    #[error("the actioned-content index is full")]
    IndexFull,
}

/// The fingerprint of one text.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// SHA-256 of the normalised words joined by single spaces.
    pub exact: [u8; 32],
    /// MinHash signature: empty for texts shorter than [`MIN_WORDS`] words,
    /// else [`PERMUTATIONS`] values.
    pub minhash: Vec<u32>,
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Fingerprint")
            .field("exact", &self.exact_hex())
            .field("minhash_values", &self.minhash.len())
            .finish()
    }
}

impl Fingerprint {
    /// The exact hash as 64 lowercase hex digits.
    pub fn exact_hex(&self) -> String {
        hex::encode(self.exact)
    }

    /// The MinHash signature as hex, 8 digits (big-endian) per value; empty
    /// for short texts.
    pub fn minhash_hex(&self) -> String {
        let mut bytes = Vec::with_capacity(self.minhash.len() * 4);
        for value in &self.minhash {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
        hex::encode(bytes)
    }

    /// Rebuilds a fingerprint from [`Fingerprint::exact_hex`] and
    /// [`Fingerprint::minhash_hex`].
    pub fn from_hex(exact_hex: &str, minhash_hex: &str) -> Result<Fingerprint, FingerprintError> {
        let mut exact = [0u8; 32];
        hex::decode_to_slice(exact_hex, &mut exact).map_err(|error| FingerprintError::Hex {
            field: "exact",
            message: error.to_string(),
        })?;
        let bytes = hex::decode(minhash_hex).map_err(|error| FingerprintError::Hex {
            field: "minhash",
            message: error.to_string(),
        })?;
        if bytes.len() % 4 != 0 {
            return Err(FingerprintError::Hex {
                field: "minhash",
                message: format!("{} bytes is not a whole number of values", bytes.len()),
            });
        }
        let minhash: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|chunk| u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        check_signature_length(&minhash)?;
        Ok(Fingerprint { exact, minhash })
    }

    /// Estimated Jaccard similarity of the two texts' shingle sets: 1.0 for
    /// the same words, else the share of equal MinHash values (0.0 when either
    /// text is too short for a signature).
    pub fn similarity(&self, other: &Fingerprint) -> f64 {
        if self.exact == other.exact {
            return 1.0;
        }
        if self.minhash.len() != PERMUTATIONS || other.minhash.len() != PERMUTATIONS {
            return 0.0;
        }
        equal_share(&self.minhash, &other.minhash)
    }
}

fn check_signature_length(minhash: &[u32]) -> Result<(), FingerprintError> {
    if minhash.is_empty() || minhash.len() == PERMUTATIONS {
        Ok(())
    } else {
        Err(FingerprintError::SignatureLength {
            found: minhash.len(),
            expected: PERMUTATIONS,
        })
    }
}

fn equal_share(left: &[u32], right: &[u32]) -> f64 {
    let equal = left
        .iter()
        .zip(right)
        .filter(|(left, right)| left == right)
        .count();
    equal as f64 / PERMUTATIONS as f64
}

/// Fingerprints `text`; `None` when it has no words (only emoji, symbols or
/// nothing), since such content must never match.
pub fn fingerprint(text: &str) -> Option<Fingerprint> {
    fingerprint_normalized(&normalize(text))
}

/// Fingerprints text already normalised with [`crate::normalize`].
pub fn fingerprint_normalized(normalized: &Normalized) -> Option<Fingerprint> {
    let words = words(&normalized.text);
    if words.is_empty() {
        return None;
    }
    let joined = words.join(" ");
    let exact: [u8; 32] = Sha256::digest(joined.as_bytes()).into();
    let minhash = if words.len() < MIN_WORDS {
        Vec::new()
    } else {
        signature(&words, &joined)
    };
    Some(Fingerprint { exact, minhash })
}

/// Splits normalised text into words of letters and digits, with runs of the
/// same character collapsed to one. Apostrophes are dropped so `don't` and
/// `dont` agree; any other non-alphanumeric character (punctuation, emoji,
/// symbols, spaces) ends a word.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            // Doubled letters collapse too: `bitcoinnnn`, `biitcoin` and `bitcoin` agree.
            if !current.ends_with(c) {
                current.push(c);
            }
        } else if matches!(c, '\'' | '\u{2019}') {
            continue;
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// FNV-1a over `bytes`, finished with MurmurHash3's 64-bit mixer. Written out
/// here so signatures never change with a dependency.
fn hash_bytes(tag: u8, bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in std::iter::once(tag).chain(bytes.iter().copied()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(hash)
}

/// MurmurHash3's 64-bit finaliser.
const fn mix64(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^= value >> 33;
    value
}

/// The multipliers and offsets of the [`PERMUTATIONS`] hash functions
/// `(a·h + b) >> 32`, drawn once from SplitMix64 with a fixed seed.
const PERMUTATION_COEFFICIENTS: [(u64, u64); PERMUTATIONS] = {
    let mut coefficients = [(0u64, 0u64); PERMUTATIONS];
    let mut state: u64 = 0x6d6f_6465_7261_746f; // "moderato"
    let mut index = 0;
    while index < PERMUTATIONS {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let multiplier = mix64(state) | 1;
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let offset = mix64(state);
        coefficients[index] = (multiplier, offset);
        index += 1;
    }
    coefficients
};

/// MinHash over word pairs and character 6-grams of `joined` (the words with
/// single spaces). Word pairs keep word order; character grams survive a
/// changed letter or a split word.
fn signature(words: &[String], joined: &str) -> Vec<u32> {
    let mut shingles: Vec<u64> = Vec::with_capacity(words.len() + joined.len());
    let mut pair = String::new();
    for window in words.windows(2) {
        pair.clear();
        pair.push_str(&window[0]);
        pair.push(' ');
        pair.push_str(&window[1]);
        shingles.push(hash_bytes(b'w', pair.as_bytes()));
    }
    let boundaries: Vec<usize> = joined
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(joined.len()))
        .collect();
    if boundaries.len() <= CHAR_SHINGLE {
        shingles.push(hash_bytes(b'c', joined.as_bytes()));
    } else {
        for start in 0..boundaries.len() - CHAR_SHINGLE {
            let gram = &joined[boundaries[start]..boundaries[start + CHAR_SHINGLE]];
            shingles.push(hash_bytes(b'c', gram.as_bytes()));
        }
    }
    minhash_of(shingles)
}

fn minhash_of(mut shingles: Vec<u64>) -> Vec<u32> {
    shingles.sort_unstable();
    shingles.dedup();
    let mut minimum = [u32::MAX; PERMUTATIONS];
    for shingle in shingles {
        for (slot, (multiplier, offset)) in minimum.iter_mut().zip(&PERMUTATION_COEFFICIENTS) {
            let value = (multiplier.wrapping_mul(shingle).wrapping_add(*offset) >> 32) as u32;
            *slot = (*slot).min(value);
        }
    }
    minimum.to_vec()
}

/// A hasher for keys that are already uniformly distributed hashes.
#[derive(Default)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type Prehashed = BuildHasherDefault<PrehashedHasher>;

fn band_key(band: usize, rows: &[u32]) -> u64 {
    let mut key = band as u64;
    for row in rows {
        key = mix64(key.rotate_left(32) ^ u64::from(*row));
    }
    key
}

/// A match of a text against actioned content.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Decision that actioned the original.
    pub decision_id: String,
    /// Action of that decision, e.g. `remove`.
    pub action: String,
    /// Estimated Jaccard similarity, 1.0 for the same words.
    pub similarity: f64,
}

struct Entry {
    decision_id: Box<str>,
    action: u16,
}

/// An in-memory index of the fingerprints of actioned content.
///
/// Not synchronised: callers share it as `Arc<RwLock<ActionedIndex>>`.
/// Memory is about 1.3 KB per entry (the signature, 32 band slots, the
/// decision id).
pub struct ActionedIndex {
    threshold: f64,
    exact: HashMap<[u8; 32], u32>,
    /// Per band: bucket key → newest entry in the bucket.
    bands: Vec<HashMap<u64, u32, Prehashed>>,
    /// `chain[entry * BANDS + band]`: the next older entry in the same bucket.
    chain: Vec<u32>,
    /// `signatures[entry * PERMUTATIONS..]`; zeros for exact-only entries.
    signatures: Vec<u32>,
    entries: Vec<Entry>,
    actions: Vec<String>,
    /// Hashes of the decision ids indexed, so that inserting a decision's
    /// fingerprint twice (as processes sharing a database do) adds it once.
    decisions: HashSet<u64>,
}

/// A 64-bit key for a decision id (SipHash with fixed keys: stable within a
/// process, which is all the duplicate check needs; two ids sharing a key
/// among a million entries has odds of about 1 in 30 million).
fn decision_key(decision_id: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    decision_id.hash(&mut hasher);
    hasher.finish()
}

impl Default for ActionedIndex {
    fn default() -> ActionedIndex {
        ActionedIndex::new()
    }
}

impl fmt::Debug for ActionedIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ActionedIndex")
            .field("threshold", &self.threshold)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl ActionedIndex {
    /// An empty index matching from [`DEFAULT_THRESHOLD`].
    pub fn new() -> ActionedIndex {
        ActionedIndex::with_threshold(DEFAULT_THRESHOLD)
    }

    /// An empty index matching from `threshold` (estimated Jaccard, clamped
    /// to 0.05..=1.0; below about 0.4 the banding misses many candidates).
    pub fn with_threshold(threshold: f64) -> ActionedIndex {
        ActionedIndex {
            threshold: threshold.clamp(0.05, 1.0),
            exact: HashMap::new(),
            bands: (0..BANDS).map(|_| HashMap::default()).collect(),
            chain: Vec::new(),
            signatures: Vec::new(),
            entries: Vec::new(),
            actions: Vec::new(),
            decisions: HashSet::new(),
        }
    }

    /// Reserves room for `additional` more entries, e.g. before loading the
    /// stored fingerprints at start-up.
    pub fn reserve(&mut self, additional: usize) {
        self.exact.reserve(additional);
        self.decisions.reserve(additional);
        for band in &mut self.bands {
            band.reserve(additional);
        }
        self.chain.reserve(additional * BANDS);
        self.signatures.reserve(additional * PERMUTATIONS);
        self.entries.reserve(additional);
    }

    /// The similarity threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Number of fingerprints inserted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds the fingerprint of content that `decision_id` actioned with
    /// `action`. A later insert of the same words wins exact matches, and
    /// ties between near-duplicates.
    pub fn insert(
        &mut self,
        fingerprint: &Fingerprint,
        decision_id: &str,
        action: &str,
    ) -> Result<(), FingerprintError> {
        check_signature_length(&fingerprint.minhash)?;
        if !self.decisions.insert(decision_key(decision_id)) {
            // Already indexed (another process's copy of the same row).
            return Ok(());
        }
        let id = u32::try_from(self.entries.len())
            .ok()
            .filter(|id| *id != NO_ENTRY)
            .ok_or(FingerprintError::IndexFull)?;
        let action = match self.actions.iter().position(|known| known == action) {
            Some(position) => position,
            None => {
                self.actions.push(action.to_string());
                self.actions.len() - 1
            }
        };
        let action = u16::try_from(action).map_err(|_| FingerprintError::IndexFull)?;
        self.entries.push(Entry {
            decision_id: decision_id.into(),
            action,
        });
        self.exact.insert(fingerprint.exact, id);
        if fingerprint.minhash.is_empty() {
            self.signatures.extend(std::iter::repeat_n(0, PERMUTATIONS));
            self.chain.extend(std::iter::repeat_n(NO_ENTRY, BANDS));
            return Ok(());
        }
        self.signatures.extend_from_slice(&fingerprint.minhash);
        for (band, rows) in fingerprint.minhash.chunks_exact(ROWS).enumerate() {
            let previous = self.bands[band]
                .insert(band_key(band, rows), id)
                .unwrap_or(NO_ENTRY);
            self.chain.push(previous);
        }
        Ok(())
    }

    /// The actioned content most similar to `fingerprint`, if its estimated
    /// similarity reaches the threshold. Exact matches come first.
    pub fn lookup(&self, fingerprint: &Fingerprint) -> Option<Match> {
        if let Some(id) = self.exact.get(&fingerprint.exact) {
            return Some(self.to_match(*id, 1.0));
        }
        if fingerprint.minhash.len() != PERMUTATIONS {
            return None;
        }
        let mut candidates: Vec<u32> = Vec::new();
        for (band, rows) in fingerprint.minhash.chunks_exact(ROWS).enumerate() {
            let mut next = self.bands[band]
                .get(&band_key(band, rows))
                .copied()
                .unwrap_or(NO_ENTRY);
            let mut walked = 0;
            while next != NO_ENTRY && walked < MAX_BUCKET_WALK {
                candidates.push(next);
                next = self
                    .chain
                    .get(next as usize * BANDS + band)
                    .copied()
                    .unwrap_or(NO_ENTRY);
                walked += 1;
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(u32, f64)> = None;
        for id in candidates {
            let start = id as usize * PERMUTATIONS;
            let Some(stored) = self.signatures.get(start..start + PERMUTATIONS) else {
                continue;
            };
            let similarity = equal_share(&fingerprint.minhash, stored);
            // Candidates are in insertion order, so `>=` lets the newest win ties.
            if similarity >= self.threshold && best.is_none_or(|(_, score)| similarity >= score) {
                best = Some((id, similarity));
            }
        }
        best.map(|(id, similarity)| self.to_match(id, similarity))
    }

    fn to_match(&self, id: u32, similarity: f64) -> Match {
        let entry = &self.entries[id as usize];
        Match {
            decision_id: entry.decision_id.to_string(),
            action: self
                .actions
                .get(usize::from(entry.action))
                .cloned()
                .unwrap_or_default(),
            similarity,
        }
    }
}

/// The detector of near-duplicates of actioned content: reports
/// `match.actioned` with the similarity as score (0 without a match) and the
/// original decision and action as evidence.
pub struct ActionedMatchDetector {
    index: Arc<RwLock<ActionedIndex>>,
}

impl ActionedMatchDetector {
    /// A detector reading the shared index.
    pub fn new(index: Arc<RwLock<ActionedIndex>>) -> ActionedMatchDetector {
        ActionedMatchDetector { index }
    }
}

impl Detector for ActionedMatchDetector {
    fn name(&self) -> &str {
        SOURCE
    }

    fn detect(&self, _original: &str, normalized: &Normalized) -> Vec<Signal> {
        let found = fingerprint_normalized(normalized).and_then(|fingerprint| {
            // Inserting cannot panic after its checks (short of running out
            // of memory, which aborts), and lookups tolerate a half-inserted
            // entry, so a poisoned lock still guards a usable index.
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            index.lookup(&fingerprint)
        });
        let (score, evidence) = match found {
            Some(found) => {
                let score = (found.similarity * 100.0).round() / 100.0;
                let kind = if found.similarity >= 1.0 {
                    "copy"
                } else {
                    "near-duplicate"
                };
                let evidence = Evidence {
                    signal: SIGNAL.to_string(),
                    score,
                    span: None,
                    excerpt: None,
                    note: Some(format!(
                        "{kind} (similarity {score:.2}) of content actioned `{}` by decision {}",
                        found.action, found.decision_id
                    )),
                    correction: None,
                };
                (score, vec![evidence])
            }
            None => (0.0, Vec::new()),
        };
        vec![Signal {
            name: SIGNAL.to_string(),
            score,
            source: SOURCE.to_string(),
            evidence,
        }]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn print(text: &str) -> Fingerprint {
        fingerprint(text).unwrap()
    }

    #[test]
    fn signature_is_stable() {
        // Golden values: if this fails, stored fingerprints no longer compare
        // with new ones. Change `SCHEME` and re-index instead of editing these.
        let fingerprint = print("The quick brown fox jumps over the lazy dog");
        assert_eq!(
            fingerprint.exact_hex(),
            "05c6e08f1d9fdafa03147fcb8f82f124c76d2f70e3d989dc8aadb5e7d7450bec",
        );
        assert_eq!(
            &fingerprint.minhash[..4],
            &[6236401, 106914424, 5473671, 49863857]
        );
        let all: u64 = fingerprint
            .minhash
            .iter()
            .fold(0u64, |sum, value| mix64(sum ^ u64::from(*value)));
        assert_eq!(all, 16_592_908_877_452_943_872);
    }

    #[test]
    fn evasions_do_not_change_the_exact_hash() {
        let plain = print("Send your bitcoin to this wallet and double it today");
        for variant in [
            "SEND YOUR BITCOIN TO THIS WALLET AND DOUBLE IT TODAY!!!",
            "Send your b1tc0in to this wallet, and double it today.",
            "🚀🚀 Send your bitcoin to this wallet and double it today 💰💰",
            "Send your bit\u{200B}coin to this wal\u{200D}let and double it today",
            "Send  your bitcoinnnn to this wallet and double it... today",
        ] {
            let variant_print = print(variant);
            assert_eq!(variant_print.exact, plain.exact, "{variant}");
        }
    }

    #[test]
    fn a_decision_is_indexed_once() {
        let mut index = ActionedIndex::new();
        let first = print("Send your bitcoin to this wallet and double it today");
        index.insert(&first, "dec-1", "remove").unwrap();
        index.insert(&first, "dec-1", "remove").unwrap();
        assert_eq!(index.len(), 1);
        index.insert(&first, "dec-2", "remove").unwrap();
        assert_eq!(index.len(), 2);
        assert_eq!(index.lookup(&first).unwrap().decision_id, "dec-2");
    }

    #[test]
    fn texts_without_words_have_no_fingerprint() {
        assert!(fingerprint("").is_none());
        assert!(fingerprint("🔥🔥🔥 !!! ...").is_none());
    }

    #[test]
    fn short_texts_only_match_exactly() {
        let mut index = ActionedIndex::new();
        let short = print("kill them all");
        assert!(short.minhash.is_empty());
        index.insert(&short, "d-short", "remove").unwrap();
        assert_eq!(
            index
                .lookup(&print("KILL them ALL!!"))
                .map(|found| found.decision_id),
            Some("d-short".to_string())
        );
        assert!(index.lookup(&print("kiiill them alll")).is_some());
        assert!(index.lookup(&print("kill them")).is_none());
        assert!(index.lookup(&print("thank them all")).is_none());
    }

    #[test]
    fn a_changed_word_still_matches_and_an_unrelated_text_does_not() {
        let mut index = ActionedIndex::new();
        index
            .insert(
                &print("The election was stolen and the mail ballots were forged by thousands of fake voters in the city"),
                "d-1",
                "remove",
            )
            .unwrap();
        let found = index
            .lookup(&print("the election was STOLEN & the mail ballots were faked by thousands of fake voters in our city"))
            .unwrap();
        assert_eq!(
            (found.decision_id.as_str(), found.action.as_str()),
            ("d-1", "remove")
        );
        assert!(found.similarity < 1.0 && found.similarity >= DEFAULT_THRESHOLD);
        assert!(index
            .lookup(&print("Mail ballots in the city were counted by thousands of volunteers after the election"))
            .is_none());
    }

    #[test]
    fn hex_round_trips_and_rejects_bad_lengths() {
        for text in ["a longer text with enough words", "short one"] {
            let original = print(text);
            let rebuilt =
                Fingerprint::from_hex(&original.exact_hex(), &original.minhash_hex()).unwrap();
            assert_eq!(rebuilt, original);
        }
        let original = print("a longer text with enough words");
        assert!(matches!(
            Fingerprint::from_hex(&original.exact_hex(), "00000001"),
            Err(FingerprintError::SignatureLength { found: 1, .. })
        ));
        assert!(matches!(
            Fingerprint::from_hex("zz", ""),
            Err(FingerprintError::Hex { field: "exact", .. })
        ));
        let mut index = ActionedIndex::new();
        let broken = Fingerprint {
            exact: original.exact,
            minhash: vec![1, 2, 3],
        };
        assert!(index.insert(&broken, "d", "remove").is_err());
        assert!(index.is_empty());
    }

    #[test]
    fn newest_insert_wins_an_exact_match() {
        let mut index = ActionedIndex::new();
        let text = print("buy cheap followers now at this link");
        index.insert(&text, "d-old", "reduce_distribution").unwrap();
        index.insert(&text, "d-new", "remove").unwrap();
        let found = index.lookup(&text).unwrap();
        assert_eq!(
            (found.decision_id.as_str(), found.action.as_str()),
            ("d-new", "remove")
        );
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn detector_reports_the_original_decision() {
        let index = Arc::new(RwLock::new(ActionedIndex::new()));
        index
            .write()
            .unwrap()
            .insert(
                &print("Drinking bleach cures the virus, tell everyone you know"),
                "01JDECISION",
                "remove",
            )
            .unwrap();
        let detector = ActionedMatchDetector::new(index);
        let text = "DRINKING BLEACH cures the virus!!! tell everyone you know 🙏";
        let signals = detector.detect(text, &normalize(text));
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].name, SIGNAL);
        assert_eq!(signals[0].score, 1.0);
        let note = signals[0].evidence[0].note.clone().unwrap();
        assert!(
            note.contains("01JDECISION") && note.contains("remove"),
            "{note}"
        );
        let other = "Bleach is for cleaning floors, not for drinking";
        let signals = detector.detect(other, &normalize(other));
        assert_eq!((signals[0].score, signals[0].evidence.len()), (0.0, 0));
    }
}
