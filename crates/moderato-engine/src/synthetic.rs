//! Synthetic corpora for benchmarks and load tests: deterministic for a seed.
//!
//! The posts mix ordinary chatter with each kind of harm the default pack
//! covers, and authors from private accounts to heads of state. This module
//! must never be used to measure detector quality: the texts come from a few
//! templates, so scores on them say nothing about real data.

use serde_json::json;

const ORDINARY: &[&str] = &[
    "Lovely morning for a walk by the river, the ducks are back",
    "Does anyone know a good bakery near the station? Asking for a friend",
    "Our team finally shipped the new release after months of work",
    "Reading a great book about the history of the printing press",
    "The match last night was incredible, what a comeback in the second half",
    "Reminder: the library closes early on Friday for the holiday",
    "Just voted at my local polling station, the queue was short",
    "Police say the road will reopen tomorrow after the repairs",
];
const HARMFUL: &[&str] = &[
    "when the looting starts, the shooting starts",
    "I know where you live and I'm going to kill you",
    "Let's kill them all, every last one",
    "Immigrants are vermin",
    "you are a pathetic loser, kys",
    "Mail-in ballots are totally fraudulent and rigged",
    "Drinking bleach cures covid",
    "Crypto giveaway! Double your bitcoin, click here",
    "He wrote \"I will kill you\" and that is disgusting",
];
const ROLES: &[&str] = &[
    "none",
    "none",
    "none",
    "none",
    "elected_official",
    "head_of_state",
    "candidate",
];

/// SplitMix64 (from `rand_xoshiro`) with a pick from a list.
struct SplitMix(rand_xoshiro::SplitMix64);

impl SplitMix {
    fn new(seed: u64) -> SplitMix {
        use rand_xoshiro::rand_core::SeedableRng;
        SplitMix(rand_xoshiro::SplitMix64::seed_from_u64(seed))
    }
    fn next(&mut self) -> u64 {
        use rand_xoshiro::rand_core::RngCore;
        self.0.next_u64()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Generates `count` JSON items, one per line, without the trailing newline.
pub fn generate(seed: u64, count: usize) -> impl Iterator<Item = String> {
    let mut random = SplitMix::new(seed);
    (0..count).map(move |index| {
        let mut text = format!("{}. {}", random.pick(ORDINARY), random.pick(ORDINARY));
        if random.next() % 100 < 15 {
            text = format!("{} {}", random.pick(ORDINARY), random.pick(HARMFUL));
        }
        let followers = 10u64.pow((random.next() % 8) as u32) + random.next() % 1000;
        let role = random.pick(ROLES);
        json!({
            "id": format!("syn-{seed}-{index}"),
            "text": text,
            "kind": "post",
            "lang": "en",
            "created_at": "2026-11-25T12:00:00Z",
            "author": {
                "id": format!("user-{}", random.next() % 5000),
                "followers": followers,
                "verified": role != "none",
                "public_role": role,
                "prior_strikes": random.next() % 3,
                "account_age_days": random.next() % 2000,
            },
            "metrics": {"views": random.next() % 100_000, "reposts": random.next() % 500, "replies": random.next() % 300, "velocity_per_hour": (random.next() % 10_000) as f64},
        })
        .to_string()
    })
}
