//! Speech-act context: is a match negated, quoted, reported or condemned?
//!
//! Negation, quotation, news reporting and counter-speech must not be treated
//! like the speech they describe. Each finding lowers a match's score and is
//! recorded as a note on the evidence. This module must never raise a score.

use std::sync::LazyLock;

use regex::Regex;

static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(don'?t|do not|never|no one should|nobody should|shouldn'?t|should not|won'?t|will not|would never|not going to|not gonna|refuse to|not)\s+(\w+\s+){0,2}$",
    )
});
static REPORTING: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(police|authorities|officials|prosecutors|reportedly|according to|witnesses|breaking|news|reported|charged with|was arrested|were arrested|arrested|sentenced|investigating|investigation|suspect|the gunman|court)\b",
    )
});
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(condemn\w*|disgusting|unacceptable|shameful|horrific|horrible|appalling|appalled|sickening|outrageous|must stop|needs to stop|is wrong|was wrong|not ok(ay)?|reported (this|him|her|them|it)|stand against|against violence|no place for|never acceptable|heartbroken|pray(ing)? for|rip\b|thoughts (are )?with|vile|hateful|this is hate|this is a threat|threatened me|threatening me|received (a )?threats?|got (a )?threats?|sent me|told me|said to me|stop the violence|end the violence|violence is never)\b",
    )
});

fn compile(pattern: &str) -> Regex {
    // The patterns are constants of this module; a failure is a programming error caught by the tests.
    Regex::new(pattern).unwrap_or_else(|error| panic!("invalid built-in pattern: {error}"))
}

/// How the surrounding text changes the weight of a match.
#[derive(Debug, Clone, PartialEq)]
pub struct Discount {
    /// Multiplier applied to the score, at most 1.
    pub factor: f64,
    /// Why, for the evidence note.
    pub notes: Vec<&'static str>,
}

/// Whether byte `at` of `text` lies inside a quotation.
fn inside_quotes(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    let after = &text[end.min(text.len())..];
    let open = before.matches('"').count();
    open % 2 == 1 && after.contains('"')
}

/// Assesses the context of the match at bytes `start..end` of normalised `text`.
pub fn assess(text: &str, start: usize, end: usize) -> Discount {
    let mut factor = 1.0;
    let mut notes = Vec::new();
    let window_start = text[..start]
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == ' ')
        .nth(5)
        .map(|(index, _)| index)
        .unwrap_or(0);
    let preceding = &text[window_start..start];
    // A negation right before the phrase, in the same clause.
    let clause = preceding
        .rsplit(['.', '!', '?', ',', ';'])
        .next()
        .unwrap_or(preceding);
    if NEGATION.is_match(clause) {
        factor *= 0.1;
        notes.push("negated");
    }
    let quoted = inside_quotes(text, start, end);
    if quoted {
        factor *= 0.4;
        notes.push("quoted");
    }
    if COUNTER.is_match(text) {
        factor *= if quoted { 0.25 } else { 0.3 };
        notes.push("counter-speech");
    }
    if REPORTING.is_match(text) {
        factor *= 0.35;
        notes.push("reporting");
    }
    Discount { factor, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(text: &str, phrase: &str) -> f64 {
        let start = text.find(phrase).expect("phrase present");
        assess(text, start, start + phrase.len()).factor
    }

    #[test]
    fn plain_speech_is_not_discounted() {
        assert_eq!(factor("i will kill you", "kill you"), 1.0);
    }

    #[test]
    fn negation_quotation_reporting_and_counter_speech_discount() {
        assert!(factor("i would never kill you", "kill you") < 0.2);
        assert!(
            factor(
                "he wrote \"i will kill you\" and that is disgusting",
                "kill you"
            ) < 0.2
        );
        assert!(factor("police say the suspect shot three people", "shot") < 0.5);
        assert!(factor("we condemn calls to kill them all", "kill them all") < 0.5);
    }
}
