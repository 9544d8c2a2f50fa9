//! Criterion benchmarks of near-duplicate lookup in the actioned-content index
//! at 10^4, 10^5 and 10^6 entries, and of fingerprinting one text.
//!
//! The texts are synthetic (pseudo-words from a fixed seed); fingerprints are
//! computed once and inserted precomputed, so building the 10^6 index takes
//! seconds, not the time of a million normalisations per size.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use moderato_detect::neardup::{ActionedIndex, Fingerprint, fingerprint};

/// SplitMix64 (from `rand_xoshiro`): a small deterministic generator, enough for synthetic text.
struct Random(rand_xoshiro::SplitMix64);

impl Random {
    fn seeded(seed: u64) -> Random {
        use rand_xoshiro::rand_core::SeedableRng;
        Random(rand_xoshiro::SplitMix64::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        use rand_xoshiro::rand_core::RngCore;
        self.0.next_u64()
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

fn vocabulary() -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "sen", "dar", "pel", "gri", "zu", "fa", "bo",
        "ter", "ish", "an", "el", "or", "qua", "ment", "ing", "ed", "ly",
    ];
    let mut random = Random::seeded(7);
    (0..4000)
        .map(|_| {
            let syllables = 1 + random.below(3);
            (0..syllables)
                .map(|_| SYLLABLES[random.below(SYLLABLES.len())])
                .collect::<String>()
        })
        .collect()
}

fn text(vocabulary: &[String], seed: u64) -> Vec<String> {
    let mut random = Random::seeded(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0xbe1);
    let length = 10 + random.below(31);
    (0..length)
        .map(|_| vocabulary[random.below(vocabulary.len())].clone())
        .collect()
}

/// A near-duplicate: upper-cased first word, one word replaced, punctuation and emoji added.
fn variant(vocabulary: &[String], words: &[String], seed: u64) -> String {
    let mut random = Random::seeded(seed ^ 0x5eed);
    let mut words = words.to_vec();
    let position = random.below(words.len());
    words[position] = vocabulary[random.below(vocabulary.len())].clone();
    words[0] = words[0].to_uppercase();
    format!("🔥 {}!!", words.join(", "))
}

fn lookups(criterion: &mut Criterion) {
    let vocabulary = vocabulary();
    let started = Instant::now();
    let fingerprints: Vec<Fingerprint> = (0..1_000_000u64)
        .map(|seed| fingerprint(&text(&vocabulary, seed).join(" ")).unwrap())
        .collect();
    eprintln!(
        "fingerprinted 10^6 synthetic texts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Hits are near-duplicates of the first 1000 texts, present at every size;
    // misses are texts never inserted.
    let hits: Vec<Fingerprint> = (0..1000u64)
        .map(|seed| fingerprint(&variant(&vocabulary, &text(&vocabulary, seed), seed)).unwrap())
        .collect();
    let misses: Vec<Fingerprint> = (0..1000u64)
        .map(|seed| fingerprint(&text(&vocabulary, 2_000_000 + seed).join(" ")).unwrap())
        .collect();

    for size in [10_000usize, 100_000, 1_000_000] {
        let started = Instant::now();
        let mut index = ActionedIndex::new();
        index.reserve(size);
        for (number, fingerprint) in fingerprints[..size].iter().enumerate() {
            index
                .insert(fingerprint, &format!("decision-{number}"), "remove")
                .unwrap();
        }
        let found = hits
            .iter()
            .filter(|hit| index.lookup(hit).is_some())
            .count();
        let false_matches = misses
            .iter()
            .filter(|miss| index.lookup(miss).is_some())
            .count();
        eprintln!(
            "index of {size}: built in {:.2} s; {found}/1000 variants found, {false_matches}/1000 unrelated matched",
            started.elapsed().as_secs_f64()
        );
        let mut next = 0;
        criterion.bench_function(&format!("neardup_lookup/hit/{size}"), |bencher| {
            bencher.iter(|| {
                next = (next + 1) % hits.len();
                black_box(index.lookup(black_box(&hits[next])))
            })
        });
        criterion.bench_function(&format!("neardup_lookup/miss/{size}"), |bencher| {
            bencher.iter(|| {
                next = (next + 1) % misses.len();
                black_box(index.lookup(black_box(&misses[next])))
            })
        });
    }

    let sample = "Drinking bleach cures the virus, share this before they delete it! 🙏 My cousin's doctor told her and she is fine now";
    criterion.bench_function("neardup_fingerprint/20_words", |bencher| {
        bencher.iter(|| black_box(fingerprint(black_box(sample))))
    });
}

criterion_group!(benches, lookups);
criterion_main!(benches);
