//! Imminence of harm, assessed from the text (Rabat factor f: likelihood and imminence).
//!
//! Looks for a specific target, a time, a place, a call to act and means,
//! near violent language. The caller cannot assert imminence; it is computed
//! here and recorded with each indicator as evidence. This module must never
//! decide whether the public-interest exception applies.

use std::sync::LazyLock;

use moderato_core::decision::Evidence;
use regex::Regex;

use crate::normalize::Normalized;

/// The signal this module produces.
pub const SIGNAL: &str = "violence.imminence";

struct Indicator {
    name: &'static str,
    weight: f64,
    regex: Regex,
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|error| panic!("invalid built-in pattern: {error}"))
}

static INDICATORS: LazyLock<Vec<Indicator>> = LazyLock::new(|| {
    vec![
        Indicator {
            name: "call to act",
            weight: 0.3,
            regex: compile(
                r"\b(let'?s|go|come|meet|gather|show up|be there|bring|grab|we (must|will|should)|everyone (must|should|needs to)|all of you|patriots|followers|time to)\b",
            ),
        },
        Indicator {
            name: "time",
            weight: 0.25,
            regex: compile(
                r"\b(tonight|tomorrow|today|right now|this (morning|afternoon|evening|weekend|week)|at (noon|midnight|dawn|sunrise|sunset)|at \d{1,2}(:\d{2})? ?(am|pm|o'?clock)?|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(monday|tuesday|wednesday|thursday|friday|saturday|sunday) (night|morning)|in \d+ (minutes|hours))\b",
            ),
        },
        Indicator {
            name: "place",
            weight: 0.25,
            regex: compile(
                r"\b((at|to|outside|in front of|inside) (the )?(city hall|capitol|state house|statehouse|courthouse|parliament|town hall|governor'?s (mansion|office|house)|mosque|synagogue|church|temple|school|clinic|polling (place|station)|rally|office|headquarters|\w+ (street|st|avenue|ave|road|rd|square|park|plaza|building|center|centre))|\d+ \w+ (street|st|avenue|ave|road|rd))\b",
            ),
        },
        Indicator {
            name: "specific target",
            weight: 0.2,
            regex: compile(
                r"(@\w+|\b(the )?(governor|mayor|senator|judge|journalist|reporter|congressman|congresswoman|sheriff|president|prime minister|minister|councilman|councilwoman|principal|doctor) \w+|\b(governor|mayor|senator|judge) (of|in) \w+)",
            ),
        },
        Indicator {
            name: "means",
            weight: 0.1,
            regex: compile(
                r"\b(guns?|rifles?|ar-?15s?|weapons?|ammo|ammunition|knives|knife|bombs?|explosives?|molotovs?|pipe bombs?|rope)\b",
            ),
        },
    ]
});

static VIOLENCE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(kill|murder|shoot|shot|stab|hang|lynch|burn|attack|bomb|slaughter|execute|massacre|gun down|storm|hunt (them|him|her) down|take (them|him|her) out)\w*\b",
    )
});

/// Scores imminence; returns the score and one evidence item per indicator found.
pub fn assess(normalized: &Normalized, original: &[char]) -> (f64, Vec<Evidence>) {
    let text = normalized.text.as_str();
    if !VIOLENCE.is_match(text) {
        return (0.0, Vec::new());
    }
    let mut score = 0.0;
    let mut evidence = Vec::new();
    for indicator in INDICATORS.iter() {
        if let Some(found) = indicator.regex.find(text) {
            score += indicator.weight;
            let span = normalized.original_span(found.start(), found.end());
            evidence.push(Evidence {
                signal: SIGNAL.to_string(),
                score: indicator.weight,
                span: Some(span),
                excerpt: Some(original[span[0]..span[1]].iter().collect()),
                note: Some(indicator.name.to_string()),
                correction: None,
            });
        }
    }
    // Without a call to act, a time or a place, the text describes rather than mobilises.
    let concrete = evidence
        .iter()
        .any(|item| matches!(item.note.as_deref(), Some("call to act")))
        && evidence.iter().any(|item| {
            matches!(
                item.note.as_deref(),
                Some("time" | "place" | "specific target")
            )
        });
    if !concrete {
        score *= 0.5;
    }
    (((score * 100.0f64).round() / 100.0).min(1.0), evidence)
}
