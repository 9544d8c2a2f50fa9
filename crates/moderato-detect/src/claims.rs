//! Matching of known false claims from the policy pack's claims file.
//!
//! A claim is a set of phrase groups; one phrase from every group must occur
//! within a window of words. Matching runs on normalised text, so re-casing,
//! homoglyphs and leetspeak do not hide a claim, and word order is free.
//! Debunking and negation near the match lower the score. This module must
//! never hold claims of its own: they come from the pack.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use moderato_core::decision::{Correction, Evidence};
use moderato_core::policy::Claim;
use regex::Regex;

use crate::normalize::{Normalized, normalize};

static DEBUNK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(not|no|never|isn'?t|aren'?t|wasn'?t|weren'?t|false|myth|debunk\w*|hoax claim|no evidence|misinformation|disinformation|lie that|lies about|fact[- ]check\w*|baseless|untrue|wrong)\b")
        .unwrap_or_else(|error| panic!("invalid built-in pattern: {error}"))
});

struct Phrase {
    claim: usize,
    group: usize,
    prefix: bool,
}

/// A compiled set of claims.
pub struct ClaimMatcher {
    claims: Vec<Claim>,
    phrases: Vec<Phrase>,
    automaton: Option<AhoCorasick>,
}

/// A claim found in a text.
pub struct ClaimHit<'a> {
    /// The claim.
    pub claim: &'a Claim,
    /// Score after debunking discount.
    pub score: f64,
    /// Evidence with span and correction.
    pub evidence: Evidence,
}

impl ClaimMatcher {
    /// Compiles the claims of a pack.
    pub fn new(claims: &[Claim]) -> Result<ClaimMatcher, crate::DetectError> {
        let mut patterns = Vec::new();
        let mut phrases = Vec::new();
        for (claim_index, claim) in claims.iter().enumerate() {
            for (group_index, group) in claim.all.iter().enumerate() {
                for phrase in group {
                    let prefix = phrase.ends_with('*');
                    let text = normalize(phrase.trim_end_matches('*')).text;
                    if text.is_empty() {
                        continue;
                    }
                    patterns.push(text);
                    phrases.push(Phrase {
                        claim: claim_index,
                        group: group_index,
                        prefix,
                    });
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|error| crate::DetectError::Claims(error.to_string()))?,
            )
        };
        Ok(ClaimMatcher {
            claims: claims.to_vec(),
            phrases,
            automaton,
        })
    }

    /// Finds every claim in the text.
    pub fn find<'a>(&'a self, normalized: &Normalized, original: &[char]) -> Vec<ClaimHit<'a>> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let text = normalized.text.as_str();
        let bytes = text.as_bytes();
        let word_char = |byte: u8| byte.is_ascii_alphanumeric() || byte >= 0x80;
        // (claim, group, start byte, end byte, word index)
        let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
        for hit in automaton.find_overlapping_iter(text) {
            let phrase = &self.phrases[hit.pattern().as_usize()];
            let left_ok = hit.start() == 0 || !word_char(bytes[hit.start() - 1]);
            let right_ok =
                phrase.prefix || hit.end() == bytes.len() || !word_char(bytes[hit.end()]);
            if left_ok && right_ok {
                // A prefix phrase (`fraud*`) covers the whole word it starts.
                let end = if phrase.prefix {
                    hit.end()
                        + bytes[hit.end()..]
                            .iter()
                            .take_while(|byte| word_char(**byte))
                            .count()
                } else {
                    hit.end()
                };
                found.push((phrase.claim, phrase.group, hit.start(), end));
            }
        }
        let word_index = |byte: usize| text[..byte].matches(' ').count();
        let mut hits = Vec::new();
        for (claim_index, claim) in self.claims.iter().enumerate() {
            let mine: Vec<&(usize, usize, usize, usize)> =
                found.iter().filter(|f| f.0 == claim_index).collect();
            if mine.is_empty() {
                continue;
            }
            // Try each occurrence of group 0 as an anchor; take the tightest window containing all groups.
            let mut best: Option<(usize, usize)> = None;
            for anchor in mine.iter().filter(|f| f.1 == 0) {
                let anchor_word = word_index(anchor.2);
                let mut start = anchor.2;
                let mut end = anchor.3;
                let mut complete = true;
                for group in 1..claim.all.len() {
                    let nearest = mine
                        .iter()
                        .filter(|f| f.1 == group)
                        .filter(|f| word_index(f.2).abs_diff(anchor_word) <= claim.window)
                        .min_by_key(|f| word_index(f.2).abs_diff(anchor_word));
                    match nearest {
                        Some(f) => {
                            start = start.min(f.2);
                            end = end.max(f.3);
                        }
                        None => {
                            complete = false;
                            break;
                        }
                    }
                }
                // Prefer a window inside one sentence, then the tightest one.
                let key = |s: usize, e: usize| (text[s..e].contains(['.', '!', '?']), e - s);
                if complete && best.is_none_or(|(s, e)| key(start, end) < key(s, e)) {
                    best = Some((start, end));
                }
            }
            let Some((start, end)) = best else { continue };
            let sentence_start = text[..start]
                .rfind(['.', '!', '?'])
                .map(|index| index + 1)
                .unwrap_or(0);
            let sentence_end = text[end..]
                .find(['.', '!', '?'])
                .map(|index| end + index)
                .unwrap_or(text.len());
            let debunked = DEBUNK.is_match(&text[sentence_start..sentence_end]);
            let quoted = crate::context::assess(text, start, end);
            let mut score = 0.9 * quoted.factor;
            let mut notes: Vec<&str> = quoted.notes.clone();
            if debunked {
                score *= 0.15;
                notes.push("negated or debunked");
            }
            let span = normalized.original_span(start, end);
            hits.push(ClaimHit {
                claim,
                score,
                evidence: Evidence {
                    signal: claim.signal.clone(),
                    score: (score * 100.0).round() / 100.0,
                    span: Some(span),
                    excerpt: Some(original[span[0]..span[1]].iter().collect()),
                    note: Some(if notes.is_empty() {
                        format!("known false claim `{}`: {}", claim.id, claim.summary)
                    } else {
                        format!("known false claim `{}` ({})", claim.id, notes.join(", "))
                    }),
                    correction: Some(Correction {
                        claim: claim.id.clone(),
                        text: claim.correction.clone(),
                        link: claim.link.clone(),
                    }),
                },
            });
        }
        hits
    }
}
