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

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Generates `count` JSON items, one per line, without the trailing newline.
pub fn generate(seed: u64, count: usize) -> impl Iterator<Item = String> {
    let mut random = SplitMix(seed);
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
