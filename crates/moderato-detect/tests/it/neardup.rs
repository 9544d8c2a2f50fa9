//! Recall and false matches of the near-duplicate index on a deterministic
//! generated set: actioned texts, variants of them (re-cased, re-punctuated,
//! padded with emoji or zero-width characters, leetspeak, Cyrillic lookalikes,
//! stretched letters, a few words changed, inserted or deleted) and unrelated
//! texts on the same topics, built from the same topic words and slogans.
//!
//! The figures are printed (`cargo test -p moderato-detect --test it --
//! --nocapture neardup`) and asserted; this module must never depend on
//! anything but the seed, so the figures are the same on every run.

use moderato_detect::neardup::{ActionedIndex, MIN_WORDS, fingerprint};

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

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "is", "are", "was", "they", "we", "you", "this", "that",
    "it", "for", "on", "with", "not", "all", "our", "their", "be", "will", "just", "so", "now",
    "people", "everyone", "again", "really", "very", "still", "why", "what", "who",
];

struct Topic {
    words: &'static [&'static str],
    phrases: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        words: &[
            "election",
            "ballots",
            "vote",
            "votes",
            "fraud",
            "rigged",
            "stolen",
            "mail",
            "count",
            "counted",
            "machines",
            "polls",
            "voters",
            "dead",
            "county",
            "officials",
            "audit",
            "recount",
            "candidate",
            "win",
            "lost",
            "precinct",
            "dominion",
            "signatures",
            "fake",
        ],
        phrases: &[
            "the election was stolen",
            "mail in ballots",
            "count every legal vote",
            "dead people voted",
            "stop the steal",
            "the machines flipped votes",
            "go to the polls",
            "election officials",
        ],
    },
    Topic {
        words: &[
            "vaccine",
            "vaccines",
            "shot",
            "jab",
            "autism",
            "children",
            "doctors",
            "pharma",
            "side",
            "effects",
            "immune",
            "virus",
            "covid",
            "mask",
            "masks",
            "cure",
            "bleach",
            "natural",
            "hospital",
            "died",
            "injury",
            "microchip",
            "trial",
            "dose",
            "booster",
        ],
        phrases: &[
            "vaccines cause autism",
            "big pharma",
            "do your own research",
            "natural immunity",
            "the jab is poison",
            "drink bleach",
            "side effects",
            "the hospital is empty",
        ],
    },
    Topic {
        words: &[
            "immigrants",
            "border",
            "invasion",
            "criminals",
            "country",
            "illegals",
            "jobs",
            "welfare",
            "crime",
            "deport",
            "send",
            "back",
            "flood",
            "culture",
            "replace",
            "gangs",
            "streets",
            "city",
            "police",
            "attack",
            "protect",
            "homes",
            "families",
            "march",
            "fight",
        ],
        phrases: &[
            "send them back",
            "close the border",
            "protect our families",
            "they are taking our jobs",
            "take back our streets",
            "the great replacement",
            "fight for our country",
        ],
    },
    Topic {
        words: &[
            "crypto",
            "bitcoin",
            "giveaway",
            "wallet",
            "send",
            "double",
            "free",
            "money",
            "profit",
            "invest",
            "link",
            "click",
            "limited",
            "offer",
            "guaranteed",
            "returns",
            "signal",
            "group",
            "join",
            "today",
            "income",
            "daily",
            "trading",
            "coins",
            "airdrop",
        ],
        phrases: &[
            "click the link in bio",
            "double your bitcoin",
            "limited time offer",
            "guaranteed daily returns",
            "join our trading group",
            "send to this wallet",
            "free crypto giveaway",
        ],
    },
    Topic {
        words: &[
            "kill", "shoot", "hurt", "find", "house", "know", "live", "coming", "tonight",
            "tomorrow", "regret", "gun", "knife", "watch", "back", "dead", "family", "pay",
            "blood", "waiting", "outside", "school", "office", "friends", "soon",
        ],
        phrases: &[
            "i know where you live",
            "you will regret this",
            "watch your back",
            "we are coming for you",
            "you will pay",
            "see you tomorrow",
            "outside your house",
        ],
    },
    Topic {
        words: &[
            "loser",
            "stupid",
            "ugly",
            "pathetic",
            "idiot",
            "nobody",
            "likes",
            "fat",
            "clown",
            "worthless",
            "shut",
            "up",
            "embarrassing",
            "disgusting",
            "trash",
            "dumb",
            "fake",
            "liar",
            "coward",
            "creep",
            "joke",
            "face",
            "video",
            "account",
            "blocked",
        ],
        phrases: &[
            "nobody likes you",
            "shut up",
            "you are a joke",
            "delete your account",
            "what a pathetic loser",
            "everyone laughs at you",
            "go cry somewhere",
        ],
    },
];

const EMOJI: &[&str] = &["🔥", "😂", "🙏", "💯", "🚨", "👇", "🇺🇸", "❤️", "😡", "✅"];
const PUNCTUATION: &[&str] = &[".", ",", "!", "!!", "?", "...", ":", ";", " -"];
const INVISIBLE: &[char] = &['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

fn generate_words(random: &mut Random, topic: &Topic, length: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    while words.len() < length {
        let roll = random.below(100);
        if roll < 25 {
            words.extend(random.pick(topic.phrases).split(' ').map(str::to_string));
        } else if roll < 60 {
            words.push(random.pick(FUNCTION_WORDS).to_string());
        } else {
            words.push(random.pick(topic.words).to_string());
        }
    }
    words.truncate(length);
    words
}

/// Word edits: one for fewer than 15 words, then one more per 15 words.
fn edit_words(random: &mut Random, topic: &Topic, words: &mut Vec<String>) -> usize {
    let edits = 1 + words.len() / 15;
    for _ in 0..edits {
        let position = random.below(words.len());
        let replacement = if random.chance(50) {
            random.pick(topic.words)
        } else {
            random.pick(FUNCTION_WORDS)
        };
        match random.below(3) {
            0 => words[position] = replacement.to_string(),
            1 => words.insert(position, replacement.to_string()),
            _ => {
                words.remove(position);
            }
        }
    }
    edits
}

/// Renders words with cosmetic changes: case, punctuation, emoji, zero-width characters.
fn render(random: &mut Random, words: &[String], cosmetic: bool) -> String {
    if !cosmetic {
        return words.join(" ");
    }
    let upper = random.chance(20);
    let mut text = String::new();
    if random.chance(40) {
        text.push_str(random.pick(EMOJI));
        text.push_str(random.pick(EMOJI));
        text.push(' ');
    }
    for (index, word) in words.iter().enumerate() {
        let mut word = if upper || random.chance(10) {
            word.to_uppercase()
        } else if index == 0 || random.chance(10) {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        } else {
            word.clone()
        };
        if random.chance(8) {
            word = word
                .chars()
                .map(|c| match c {
                    'e' => '3',
                    'a' => '4',
                    'o' => '0',
                    'i' => '1',
                    other => other,
                })
                .collect();
        } else if random.chance(5) {
            // Cyrillic lookalikes.
            word = word
                .chars()
                .map(|c| match c {
                    'a' => '\u{0430}',
                    'o' => '\u{043E}',
                    'e' => '\u{0435}',
                    'c' => '\u{0441}',
                    other => other,
                })
                .collect();
        } else if random.chance(5) {
            // Stretched last letter: `sooooo`.
            if let Some(last) = word.chars().last() {
                word.extend(std::iter::repeat_n(last, 4));
            }
        }
        if word.chars().count() > 3 && random.chance(15) {
            let split = word.char_indices().nth(2).map(|(at, _)| at).unwrap_or(0);
            word.insert(split, INVISIBLE[random.below(INVISIBLE.len())]);
        }
        if index > 0 {
            text.push(' ');
        }
        text.push_str(&word);
        if random.chance(12) {
            text.push_str(random.pick(PUNCTUATION));
        }
        if random.chance(5) {
            text.push(' ');
            text.push_str(random.pick(EMOJI));
        }
    }
    text.push_str(random.pick(&["", "!", "!!!", ".", " 🔥🔥", " 👇👇 #share"]));
    text
}

struct Case {
    text: String,
    words: usize,
    edits: usize,
}

struct Corpus {
    actioned: Vec<(String, usize, Vec<String>)>,
    variants: Vec<(usize, Case)>,
    unrelated: Vec<Case>,
}

const ACTIONED_PER_TOPIC: usize = 50;
const VARIANTS_PER_TEXT: usize = 3;
const UNRELATED_PER_TOPIC: usize = 100;

fn corpus() -> Corpus {
    let mut random = Random::seeded(20_261_125);
    let mut actioned = Vec::new();
    let mut variants = Vec::new();
    let mut unrelated = Vec::new();
    for (topic_index, topic) in TOPICS.iter().enumerate() {
        for _ in 0..ACTIONED_PER_TOPIC {
            let length = MIN_WORDS + 2 + random.below(35);
            let words = generate_words(&mut random, topic, length);
            let original = render(&mut random, &words, false);
            let id = actioned.len();
            for variant in 0..VARIANTS_PER_TEXT {
                let mut changed = words.clone();
                // The first variant of each text is only cosmetic.
                let edits = if variant == 0 {
                    0
                } else {
                    edit_words(&mut random, topic, &mut changed)
                };
                let text = render(&mut random, &changed, true);
                variants.push((
                    id,
                    Case {
                        text,
                        words: changed.len(),
                        edits,
                    },
                ));
            }
            actioned.push((original, topic_index, words));
        }
        for _ in 0..UNRELATED_PER_TOPIC {
            let length = MIN_WORDS + 2 + random.below(35);
            let words = generate_words(&mut random, topic, length);
            unrelated.push(Case {
                text: render(&mut random, &words, true),
                words: words.len(),
                edits: 0,
            });
        }
    }
    Corpus {
        actioned,
        variants,
        unrelated,
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

#[test]
fn near_duplicates_of_actioned_texts_are_found_and_unrelated_texts_are_not() {
    let corpus = corpus();
    let mut index = ActionedIndex::new();
    for (id, (text, _, _)) in corpus.actioned.iter().enumerate() {
        index
            .insert(&fingerprint(text).unwrap(), &format!("d-{id}"), "remove")
            .unwrap();
    }

    // Recall, split by what was done to the text and by its length.
    let mut cosmetic = (0, 0);
    let mut edited_short = (0, 0);
    let mut edited_long = (0, 0);
    let mut wrong_original = 0;
    let mut similarities = Vec::new();
    for (id, case) in &corpus.variants {
        let found = index.lookup(&fingerprint(&case.text).unwrap());
        let hit = found
            .as_ref()
            .is_some_and(|found| found.decision_id == format!("d-{id}"));
        if found.is_some() && !hit {
            wrong_original += 1;
        }
        if let Some(found) = &found {
            similarities.push(found.similarity);
        }
        let bucket = if case.edits == 0 {
            &mut cosmetic
        } else if case.words < 12 {
            &mut edited_short
        } else {
            &mut edited_long
        };
        bucket.1 += 1;
        if hit {
            bucket.0 += 1;
        }
    }
    let edited = (
        edited_short.0 + edited_long.0,
        edited_short.1 + edited_long.1,
    );

    let mut false_matches = 0;
    let mut highest_unrelated: f64 = 0.0;
    for case in &corpus.unrelated {
        let print = fingerprint(&case.text).unwrap();
        if let Some(found) = index.lookup(&print) {
            false_matches += 1;
            highest_unrelated = highest_unrelated.max(found.similarity);
        }
    }
    let mut lowest_variant = similarities.iter().copied().fold(1.0, f64::min);
    if similarities.is_empty() {
        lowest_variant = 0.0;
    }

    println!(
        "near-duplicates: {} actioned texts, threshold {:.2}",
        corpus.actioned.len(),
        index.threshold()
    );
    println!(
        "  recall, cosmetic variants only:       {}/{} = {:.3}",
        cosmetic.0,
        cosmetic.1,
        share(cosmetic.0, cosmetic.1)
    );
    println!(
        "  recall, word edits, < 12 words:       {}/{} = {:.3}",
        edited_short.0,
        edited_short.1,
        share(edited_short.0, edited_short.1)
    );
    println!(
        "  recall, word edits, >= 12 words:      {}/{} = {:.3}",
        edited_long.0,
        edited_long.1,
        share(edited_long.0, edited_long.1)
    );
    println!(
        "  recall, all variants:                 {}/{} = {:.3}",
        cosmetic.0 + edited.0,
        cosmetic.1 + edited.1,
        share(cosmetic.0 + edited.0, cosmetic.1 + edited.1)
    );
    println!("  variants matched to the wrong original: {wrong_original}");
    println!(
        "  false matches on unrelated same-topic texts: {}/{} = {:.4} (highest similarity {:.2}; lowest matched variant {:.2})",
        false_matches,
        corpus.unrelated.len(),
        share(false_matches, corpus.unrelated.len()),
        highest_unrelated,
        lowest_variant,
    );

    // What other thresholds would give (the policy can ask for a higher score).
    let mut loose = ActionedIndex::with_threshold(0.3);
    for (id, (text, _, _)) in corpus.actioned.iter().enumerate() {
        loose
            .insert(&fingerprint(text).unwrap(), &format!("d-{id}"), "remove")
            .unwrap();
    }
    let variant_scores: Vec<(usize, f64)> = corpus
        .variants
        .iter()
        .map(|(id, case)| {
            let found = loose.lookup(&fingerprint(&case.text).unwrap());
            let score = found
                .filter(|found| found.decision_id == format!("d-{id}"))
                .map_or(0.0, |found| found.similarity);
            (case.edits, score)
        })
        .collect();
    let unrelated_scores: Vec<f64> = corpus
        .unrelated
        .iter()
        .map(|case| {
            loose
                .lookup(&fingerprint(&case.text).unwrap())
                .map_or(0.0, |found| found.similarity)
        })
        .collect();
    println!("  threshold  recall(edited)  recall(all)  false-match");
    for threshold in [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        let edited_total = variant_scores
            .iter()
            .filter(|(edits, _)| *edits > 0)
            .count();
        let edited_found = variant_scores
            .iter()
            .filter(|(edits, score)| *edits > 0 && *score >= threshold)
            .count();
        let all_found = variant_scores
            .iter()
            .filter(|(_, score)| *score >= threshold)
            .count();
        let false_found = unrelated_scores
            .iter()
            .filter(|score| **score >= threshold)
            .count();
        println!(
            "  {threshold:>9.2}  {:>14.3}  {:>11.3}  {:>11.4}",
            share(edited_found, edited_total),
            share(all_found, variant_scores.len()),
            share(false_found, unrelated_scores.len()),
        );
    }

    assert_eq!(
        cosmetic.0, cosmetic.1,
        "cosmetic variants must match exactly"
    );
    assert!(share(edited_long.0, edited_long.1) >= 0.9);
    assert!(share(cosmetic.0 + edited.0, cosmetic.1 + edited.1) >= 0.9);
    assert_eq!(wrong_original, 0);
    assert!(share(false_matches, corpus.unrelated.len()) <= 0.01);
}
