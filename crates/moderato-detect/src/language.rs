//! The language layer under every rule detector: sentences, clauses and tokens with offsets,
//! tagged with the word classes of the pack's lexicons.
//!
//! Tokens are cut from the normalised text (so evasions are already undone) and keep their byte
//! offsets, which map back to the original characters through [`Normalized::original_span`].
//! Lexicon terms (one or more words, inflected as their class asks) are found with one hash
//! lookup per token and term length. Where terms overlap, a token keeps the classes of the longest
//! term that covers it, so `kill time` (an idiom) hides the violent `kill` inside it and
//! `won't wake up` (a harm outcome) is not a negation. This module must never judge a text: it
//! only says which words are where.

use std::collections::{BTreeMap, HashMap};

use moderato_core::policy::{CivicCategory, Inflection, Lexicons, WordClass};

use crate::normalize::{Normalized, normalize};

/// A set of word classes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassSet(u128);

/// Set on a term found only in an inflected form (`shoots`, `immigrants`), not as written.
const INFLECTED_BIT: u32 = 127;

impl ClassSet {
    /// Whether the set holds `class`.
    pub fn has(self, class: WordClass) -> bool {
        self.0 & (1u128 << class as u32) != 0
    }
    /// Whether the set holds any of `classes`.
    pub fn any(self, classes: &[WordClass]) -> bool {
        classes.iter().any(|class| self.has(*class))
    }
    fn insert(&mut self, class: WordClass) {
        self.0 |= 1u128 << class as u32;
    }
    fn remove(&mut self, class: WordClass) {
        self.0 &= !(1u128 << class as u32);
    }
    /// Whether the term was found only in an inflected form.
    pub fn inflected(self) -> bool {
        self.0 & (1u128 << INFLECTED_BIT) != 0
    }
    fn union(self, other: ClassSet) -> ClassSet {
        ClassSet(self.0 | other.0)
    }
    fn classes_only(self) -> ClassSet {
        ClassSet(self.0 & !(1u128 << INFLECTED_BIT))
    }
    /// Whether no class is set.
    pub fn is_empty(self) -> bool {
        self.classes_only().0 == 0
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// The same harm said of someone else: a violent phrase written with `you`/`your` (`meet your
/// maker`, `put you in the ground`) also matches with him, her, them and their, so that a
/// lexicon need not list every pronoun.
fn person_variants(class: WordClass, words: &[String]) -> Vec<Vec<String>> {
    if words.len() < 2
        || !matches!(
            class,
            WordClass::ViolentAct
                | WordClass::LethalAct
                | WordClass::HarmOutcome
                | WordClass::VeiledThreat
                | WordClass::DeathWish
        )
    {
        return Vec::new();
    }
    let replace = |from: &str, to: &str| -> Option<Vec<String>> {
        words.iter().any(|word| word == from).then(|| {
            words
                .iter()
                .map(|word| {
                    if word == from {
                        to.to_string()
                    } else {
                        word.clone()
                    }
                })
                .collect()
        })
    };
    ["his", "her", "their"]
        .iter()
        .filter_map(|to| replace("your", to))
        .chain(
            ["him", "her", "them"]
                .iter()
                .filter_map(|to| replace("you", to)),
        )
        .collect()
}

fn hash_word(mut hash: u64, word: &str) -> u64 {
    if hash != FNV_OFFSET {
        hash ^= u64::from(b' ');
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    for byte in word.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Regular verb forms of `word` (over-generation is harmless: unused forms never occur).
fn verb_forms(word: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let mut forms = Vec::new();
    if bytes.len() < 2 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return forms;
    }
    let last = bytes[bytes.len() - 1];
    let before = bytes[bytes.len() - 2];
    if let Some(stem) = word.strip_suffix('e') {
        forms.extend([format!("{word}s"), format!("{word}d"), format!("{stem}ing")]);
    } else if last == b'y' && !is_vowel(before) {
        let stem = &word[..word.len() - 1];
        forms.extend([
            format!("{stem}ies"),
            format!("{stem}ied"),
            format!("{word}ing"),
        ]);
    } else {
        let plural =
            if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
                format!("{word}es")
            } else {
                format!("{word}s")
            };
        forms.extend([plural, format!("{word}ed"), format!("{word}ing")]);
        // Consonant-vowel-consonant endings double the consonant (stab, stabbed, stabbing).
        if bytes.len() >= 3
            && !is_vowel(last)
            && is_vowel(before)
            && !is_vowel(bytes[bytes.len() - 3])
            && !matches!(last, b'w' | b'x' | b'y')
        {
            let doubled = last as char;
            forms.extend([format!("{word}{doubled}ed"), format!("{word}{doubled}ing")]);
        }
    }
    forms
}

/// Plural and possessive forms of a noun.
fn noun_forms(word: &str) -> Vec<String> {
    if word.is_empty() || !word.chars().all(|c| c.is_alphanumeric() || c == '-') {
        return Vec::new();
    }
    let bytes = word.as_bytes();
    let mut forms = vec![format!("{word}'s")];
    if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
        forms.push(format!("{word}es"));
    } else if word.ends_with('y') && bytes.len() > 1 && !is_vowel(bytes[bytes.len() - 2]) {
        forms.push(format!("{}ies", &word[..word.len() - 1]));
    } else if let Some(stem) = word.strip_suffix("man") {
        forms.push(format!("{stem}men"));
        forms.push(format!("{word}s"));
    } else {
        forms.push(format!("{word}s"));
    }
    forms
}

/// The compiled lexicons of a pack: term hashes to word classes.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    terms: HashMap<u64, ClassSet>,
    /// Two-word violent verbs that can be split by their object (`ran those protesters down`):
    /// verb form hash -> (particle, classes).
    separable: HashMap<u64, Vec<(String, ClassSet)>>,
    max_words: usize,
    civic: BTreeMap<WordClass, CivicCategory>,
    /// One-word slurs and insults in every form, for reading words written with a letter masked
    /// (`f*ggot`, `r*tards`): a `*` stands for one letter.
    maskable: Vec<(Vec<char>, ClassSet)>,
}

/// Classes whose words are commonly written with a letter masked.
const MASKABLE: &[WordClass] = &[WordClass::Slur, WordClass::AmbiguousSlur, WordClass::Insult];

impl Lexicon {
    /// Compiles a pack's lexicons (terms are normalised like text, then inflected by class).
    pub fn new(lexicons: &Lexicons) -> Lexicon {
        let mut lexicon = Lexicon {
            terms: HashMap::new(),
            separable: HashMap::new(),
            max_words: 1,
            civic: lexicons.civic.clone(),
            maskable: Vec::new(),
        };
        for (class, terms) in &lexicons.classes {
            for term in terms {
                let normalized = normalize(&term.term);
                let words: Vec<String> = tokenize(&normalized.text)
                    .tokens
                    .iter()
                    .map(|token| normalized.text[token.start..token.end].to_string())
                    .collect();
                if words.is_empty() {
                    continue;
                }
                for words in std::iter::once(words.clone()).chain(person_variants(*class, &words)) {
                    lexicon.add_inflected(&words, *class);
                }
            }
        }
        lexicon
    }

    /// The classes of a word written with letters masked by `*` (`sp*cs`): the classes of every
    /// maskable word of the same length that agrees on each letter written. One letter may be
    /// masked, or two in a word of six letters or more (`f**got`), so that `s**t` (which could
    /// be several words) or `***` match nothing. (The normaliser shortens longer runs of `*`.)
    fn masked(&self, word: &str) -> Option<ClassSet> {
        let chars: Vec<char> = word.chars().collect();
        let masked = chars.iter().filter(|c| **c == '*').count();
        if masked == 0 || chars.len() < 4 || (masked > 1 && (masked > 2 || chars.len() < 6)) {
            return None;
        }
        let mut found: Option<ClassSet> = None;
        for (term, classes) in &self.maskable {
            if term.len() == chars.len()
                && term.iter().zip(&chars).all(|(t, c)| *c == '*' || t == c)
            {
                found = Some(found.unwrap_or_default().union(*classes));
            }
        }
        found
    }

    /// Adds a term and, as its class asks, its inflected forms.
    fn add_inflected(&mut self, words: &[String], class: WordClass) {
        self.add(words, class, false);
        let (index, forms) = match class.inflection() {
            Inflection::None => return,
            Inflection::Verb => (0, verb_forms(&words[0])),
            Inflection::Noun => (words.len() - 1, noun_forms(&words[words.len() - 1])),
        };
        if matches!(
            class,
            WordClass::ViolentAct | WordClass::Exterminate | WordClass::Exclusion
        ) && words.len() == 2
        {
            let mut classes = ClassSet::default();
            classes.insert(class);
            for form in std::iter::once(words[0].clone()).chain(forms.iter().cloned()) {
                let hash = hash_word(FNV_OFFSET, &form);
                self.separable
                    .entry(hash)
                    .or_default()
                    .push((words[1].clone(), classes));
            }
        }
        for form in forms {
            let mut variant = words.to_vec();
            variant[index] = form;
            self.add(&variant, class, true);
        }
    }

    fn add(&mut self, words: &[String], class: WordClass, inflected: bool) {
        if words.len() == 1 && MASKABLE.contains(&class) {
            let mut classes = ClassSet::default();
            classes.insert(class);
            self.maskable.push((words[0].chars().collect(), classes));
        }
        let hash = words
            .iter()
            .fold(FNV_OFFSET, |hash, word| hash_word(hash, word));
        let entry = self.terms.entry(hash).or_default();
        let was_new = entry.is_empty();
        entry.insert(class);
        if inflected && was_new {
            entry.0 |= 1u128 << INFLECTED_BIT;
        } else if !inflected {
            entry.0 &= !(1u128 << INFLECTED_BIT);
        }
        self.max_words = self.max_words.max(words.len());
    }

    /// The correction of a civic category, if the pack gives one.
    pub fn civic(&self, class: WordClass) -> Option<&CivicCategory> {
        self.civic.get(&class)
    }

    /// Number of distinct term forms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// One token of the normalised text.
#[derive(Debug, Clone)]
pub struct Token {
    /// Byte offset in the normalised text.
    pub start: usize,
    /// End byte offset in the normalised text.
    pub end: usize,
    /// Sentence index.
    pub sentence: u32,
    /// Clause index (over the whole text).
    pub clause: u32,
    /// Inside double quotes.
    pub quoted: bool,
    /// An `@handle`.
    pub handle: bool,
    /// A handle of the reply prefix (the handles a post opens with, or that follow `rt`):
    /// whom the post answers or quotes, not someone it speaks of. Frames read a target or
    /// an addressee from [`Token::mention`], which leaves these out.
    pub reply: bool,
    /// A capitalised word inside a sentence in the original text: a name.
    pub name: bool,
    /// Word classes, from the longest lexicon terms that cover the token.
    pub classes: ClassSet,
    /// First token of the term that gave the classes.
    pub term_start: usize,
    /// One past the last token of that term.
    pub term_end: usize,
}

impl Token {
    /// An `@handle` inside the post, not in its reply prefix.
    pub fn mention(&self) -> bool {
        self.handle && !self.reply
    }
}

/// A tokenised, tagged text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// The normalised text the offsets refer to.
    pub text: String,
    /// Tokens in order.
    pub tokens: Vec<Token>,
    /// Whether a sentence ends in a question mark.
    pub questions: Vec<bool>,
    /// Token range of each sentence.
    pub sentences: Vec<(usize, usize)>,
    /// Token range of each clause.
    pub clauses: Vec<(usize, usize)>,
    /// Union of the classes over the whole text.
    pub all: ClassSet,
}

impl Analysis {
    /// The word of token `index`.
    pub fn word(&self, index: usize) -> &str {
        let token = &self.tokens[index];
        &self.text[token.start..token.end]
    }

    /// Whether token `index` has `class`.
    pub fn has(&self, index: usize, class: WordClass) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|token| token.classes.has(class))
    }

    /// Whether any token of the text has `class`.
    pub fn text_has(&self, class: WordClass) -> bool {
        self.all.has(class)
    }

    /// Token range of the clause of token `index`.
    pub fn clause_of(&self, index: usize) -> (usize, usize) {
        self.clauses[self.tokens[index].clause as usize]
    }

    /// Token range of the sentence of token `index`.
    pub fn sentence_of(&self, index: usize) -> (usize, usize) {
        self.sentences[self.tokens[index].sentence as usize]
    }

    /// Token range of the sentences from `before` sentences before to `after` after token `index`.
    pub fn window(&self, index: usize, before: usize, after: usize) -> (usize, usize) {
        let sentence = self.tokens[index].sentence as usize;
        let first = sentence.saturating_sub(before);
        let last = (sentence + after).min(self.sentences.len() - 1);
        (self.sentences[first].0, self.sentences[last].1)
    }

    /// First token in `range` with `class`.
    pub fn find(&self, range: (usize, usize), class: WordClass) -> Option<usize> {
        (range.0..range.1).find(|&index| self.tokens[index].classes.has(class))
    }

    /// Tokens in `range` with `class`.
    pub fn all_of(
        &self,
        range: (usize, usize),
        class: WordClass,
    ) -> impl Iterator<Item = usize> + '_ {
        (range.0..range.1).filter(move |&index| self.tokens[index].classes.has(class))
    }

    /// Token range of the term that covers token `index`.
    pub fn term(&self, index: usize) -> (usize, usize) {
        let token = &self.tokens[index];
        (token.term_start, token.term_end)
    }
}

/// Tokenises normalised text into words, handles, symbols, sentences and clauses (no tagging).
pub fn tokenize(text: &str) -> Analysis {
    let mut analysis = Analysis {
        text: text.to_string(),
        ..Analysis::default()
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut sentence = 0u32;
    let mut clause = 0u32;
    let mut quoted = false;
    let mut quote_opened_at = 0usize;
    let mut single_quoted = false;
    let mut hashtag = false;
    let mut sentence_start = 0usize;
    let mut clause_start = 0usize;
    let mut index = 0;
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let end_clause = |analysis: &mut Analysis, clause: &mut u32, clause_start: &mut usize| {
        let count = analysis.tokens.len();
        if count > *clause_start {
            analysis.clauses.push((*clause_start, count));
            *clause += 1;
            *clause_start = count;
        }
    };
    while index < chars.len() {
        let (offset, c) = chars[index];
        let next = chars.get(index + 1).map(|&(_, next)| next);
        if c == '#' && next.is_some_and(is_word) {
            // A hashtag is a clause of its own (its words split by `_`).
            end_clause(&mut analysis, &mut clause, &mut clause_start);
            hashtag = true;
            index += 1;
            continue;
        }
        if c == '\'' && (index == 0 || !is_word(chars[index - 1].1)) && next.is_some_and(is_word) {
            single_quoted = true;
            index += 1;
            continue;
        }
        if c == '\'' && single_quoted && !next.is_some_and(is_word) {
            single_quoted = false;
            index += 1;
            continue;
        }
        if is_word(c) || (c == '@' && next.is_some_and(is_word)) {
            let handle = c == '@';
            let start = offset;
            let mut stars_seen = false;
            // A word right after a `*` is the next word of `kill*all*cops`, not a masked one.
            let after_star = index > 0 && chars[index - 1].1 == '*';
            index += 1;
            while index < chars.len() {
                let (_, c) = chars[index];
                // A masked letter joins too (`f*ggot`, `f**got`): the one run of `*` in a word,
                // with letters on both sides; `kill*all*cops` stays three words.
                if c == '*' && !stars_seen && !after_star {
                    let run = chars[index..]
                        .iter()
                        .take_while(|&&(_, c)| c == '*')
                        .count();
                    let rest = &chars[index + run..];
                    let word_after = rest.first().is_some_and(|&(_, c)| is_word(c));
                    let single = rest
                        .iter()
                        .take_while(|&&(_, c)| is_word(c) || c == '*')
                        .all(|&(_, c)| c != '*');
                    if word_after && single {
                        stars_seen = true;
                        index += run;
                        continue;
                    }
                }
                let joins = matches!(c, '\'' | '-' | ':' | '.')
                    && index > 0
                    && is_word(chars[index - 1].1)
                    && chars.get(index + 1).is_some_and(|&(_, next)| {
                        if matches!(c, ':' | '.') {
                            chars[index - 1].1.is_ascii_digit() && next.is_ascii_digit()
                        } else {
                            is_word(next)
                        }
                    });
                // Inside a hashtag `_` separates words (`#kill_all_cops`, see the normaliser).
                if (is_word(c) && !(hashtag && c == '_')) || joins {
                    index += 1;
                } else {
                    break;
                }
            }
            let end = chars
                .get(index)
                .map(|&(offset, _)| offset)
                .unwrap_or(text.len());
            analysis.tokens.push(Token {
                start,
                end,
                sentence,
                clause,
                quoted: quoted || single_quoted,
                handle,
                reply: false,
                name: false,
                classes: ClassSet::default(),
                term_start: 0,
                term_end: 0,
            });
            if hashtag {
                if chars.get(index).is_some_and(|&(_, c)| c == '_')
                    && chars.get(index + 1).is_some_and(|&(_, c)| is_word(c))
                {
                    // The hashtag's next word.
                    index += 1;
                    continue;
                }
                hashtag = false;
                end_clause(&mut analysis, &mut clause, &mut clause_start);
            }
            continue;
        }
        match c {
            '"' => {
                quoted = !quoted;
                quote_opened_at = analysis.tokens.len();
            }
            '.' | '!' | '?' | '\n' | '…' => {
                end_clause(&mut analysis, &mut clause, &mut clause_start);
                let count = analysis.tokens.len();
                if count > sentence_start {
                    analysis.sentences.push((sentence_start, count));
                    analysis.questions.push(c == '?');
                    sentence += 1;
                    sentence_start = count;
                    clause_start = count;
                    single_quoted = false;
                    // Tokens already pushed keep their indices; later ones get the new numbers.
                } else if c == '?'
                    && let Some(last) = analysis.questions.last_mut()
                {
                    *last = true;
                }
            }
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '—' | '–' => {
                end_clause(&mut analysis, &mut clause, &mut clause_start);
            }
            '#' | '\'' | '-' | '*' | '/' | '&' | '+' | '%' | '$' | '<' | '>' | '~' | '`' | '^'
            | '|' | '\\' | '{' | '}' => {}
            c if c.is_whitespace() => {}
            _ => {
                // A symbol or emoji is a token of its own.
                let end = offset + c.len_utf8();
                analysis.tokens.push(Token {
                    start: offset,
                    end,
                    sentence,
                    clause,
                    quoted,
                    handle: false,
                    reply: false,
                    name: false,
                    classes: ClassSet::default(),
                    term_start: 0,
                    term_end: 0,
                });
            }
        }
        index += 1;
    }
    end_clause(&mut analysis, &mut clause, &mut clause_start);
    // A quotation mark that never closes quotes nothing.
    if quoted {
        for token in &mut analysis.tokens[quote_opened_at..] {
            token.quoted = false;
        }
    }
    let count = analysis.tokens.len();
    if count > sentence_start || analysis.sentences.is_empty() {
        analysis.sentences.push((sentence_start, count));
        analysis.questions.push(false);
    }
    if analysis.clauses.is_empty() {
        analysis.clauses.push((0, count));
    }
    // Renumber sentence and clause indices from the ranges (robust to the order of pushes).
    for (number, &(start, end)) in analysis.sentences.iter().enumerate() {
        for token in &mut analysis.tokens[start..end] {
            token.sentence = number as u32;
        }
    }
    for (number, &(start, end)) in analysis.clauses.iter().enumerate() {
        for token in &mut analysis.tokens[start..end] {
            token.clause = number as u32;
        }
    }
    mark_reply_prefix(&mut analysis);
    analysis
}

/// Marks the handles a post opens with (`@a @b you…`) and those after a retweet marker
/// (`rt @a:`): the people it answers or quotes.
fn mark_reply_prefix(analysis: &mut Analysis) {
    let mut opening = true;
    for index in 0..analysis.tokens.len() {
        let word = analysis.word(index);
        let after_rt = index > 0 && analysis.word(index - 1) == "rt";
        if analysis.tokens[index].handle && (opening || after_rt) {
            analysis.tokens[index].reply = true;
        } else if word != "rt" && word.chars().any(char::is_alphanumeric) {
            opening = false;
        }
    }
}

fn is_clock(word: &str) -> bool {
    let digits = word.trim_end_matches("am").trim_end_matches("pm");
    let has_suffix = digits.len() != word.len();
    let mut parts = digits.split(':');
    let hour = parts.next().unwrap_or("");
    let minutes = parts.next();
    let hour_ok = !hour.is_empty() && hour.len() <= 2 && hour.chars().all(|c| c.is_ascii_digit());
    let minutes_ok = minutes.is_none_or(|m| m.len() == 2 && m.chars().all(|c| c.is_ascii_digit()));
    hour_ok && minutes_ok && (has_suffix || minutes.is_some())
}

fn is_past_year(word: &str) -> bool {
    let digits = word.trim_end_matches('s');
    digits.len() == 4
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits
            .parse::<u32>()
            .is_ok_and(|year| (1000..=2015).contains(&year))
}

/// Tokenises and tags `normalized` with the lexicon's classes. `original` (the text before
/// normalisation) tells names: capitalised words inside a sentence.
pub fn analyse(normalized: &Normalized, lexicon: &Lexicon) -> Analysis {
    analyse_with_original(normalized, lexicon, None)
}

/// [`analyse`], marking names from the original characters.
pub fn analyse_with_original(
    normalized: &Normalized,
    lexicon: &Lexicon,
    original: Option<&[char]>,
) -> Analysis {
    let mut analysis = tokenize(&normalized.text);
    // Capitalised words that open a sentence (or follow a colon): names only where what
    // follows says so (see `mark_initial_names`), once the lexicon has tagged them.
    let mut initial_capitals = Vec::new();
    if let Some(original) = original {
        for index in 0..analysis.tokens.len() {
            let token = &analysis.tokens[index];
            let first_of_sentence = analysis.sentences[token.sentence as usize].0 == index;
            let span = normalized.original_span(token.start, token.end);
            let word = &original[span[0].min(original.len())..span[1].min(original.len())];
            let capitalised = word.first().is_some_and(|c| c.is_uppercase())
                && word
                    .iter()
                    .skip(1)
                    .all(|c| c.is_lowercase() || *c == '\'' || *c == '-')
                && word.len() > 1;
            let after_colon = index > 0
                && analysis.tokens[index - 1].clause != token.clause
                && analysis.text[analysis.tokens[index - 1].end..token.start].contains(':');
            if capitalised && !first_of_sentence && !after_colon {
                analysis.tokens[index].name = true;
            } else if capitalised {
                initial_capitals.push(index);
            }
        }
    }
    let count = analysis.tokens.len();
    let mut best_len = vec![0usize; count];
    // Classes of shorter terms under a longer one; they are kept except negation and
    // condemnation, which the longer term overrides (`won't wake up`, `call me racist`).
    let mut shorter = vec![ClassSet::default(); count];
    for start in 0..count {
        let sentence = analysis.tokens[start].sentence;
        let mut hash = FNV_OFFSET;
        for length in 1..=lexicon.max_words {
            let index = start + length - 1;
            if index >= count || analysis.tokens[index].sentence != sentence {
                break;
            }
            let token = &analysis.tokens[index];
            hash = hash_word(hash, &analysis.text[token.start..token.end]);
            let Some(&classes) = lexicon.terms.get(&hash) else {
                continue;
            };
            for covered in start..=index {
                let slot = &mut analysis.tokens[covered];
                if length > best_len[covered] {
                    best_len[covered] = length;
                    shorter[covered] = shorter[covered].union(slot.classes);
                    slot.classes = classes;
                    slot.term_start = start;
                    slot.term_end = index + 1;
                } else if length == best_len[covered] {
                    slot.classes = slot.classes.union(classes);
                } else {
                    shorter[covered] = shorter[covered].union(classes);
                }
            }
        }
    }
    // Words written with a letter masked, where no term matched.
    for (index, best) in best_len.iter_mut().enumerate() {
        if *best > 0 {
            continue;
        }
        let token = &analysis.tokens[index];
        if let Some(classes) = lexicon.masked(&analysis.text[token.start..token.end]) {
            let slot = &mut analysis.tokens[index];
            slot.classes = classes;
            slot.term_start = index;
            slot.term_end = index + 1;
            *best = 1;
        }
    }
    // Separable violent verbs: the verb and its particle around the object.
    for index in 0..count {
        let token = &analysis.tokens[index];
        let hash = hash_word(FNV_OFFSET, &analysis.text[token.start..token.end]);
        let Some(particles) = lexicon.separable.get(&hash) else {
            continue;
        };
        let clause_end = analysis.clauses[token.clause as usize].1;
        for (particle, classes) in particles {
            let found = (index + 2..(index + 5).min(clause_end))
                .find(|&j| analysis.word(j) == particle.as_str());
            if let Some(particle_index) = found {
                for covered in [index, particle_index] {
                    let slot = &mut analysis.tokens[covered];
                    slot.classes = slot.classes.union(*classes);
                }
                break;
            }
        }
    }
    for index in 0..count {
        let word = analysis.word(index).to_string();
        let token = &mut analysis.tokens[index];
        let mut kept = shorter[index];
        // Cues of stance belong to the longer term only (`play stupid games` is no game).
        for cue in [
            WordClass::Negation,
            WordClass::Condemnation,
            WordClass::Fiction,
            WordClass::Sports,
            WordClass::History,
            WordClass::Reporting,
            WordClass::Quotation,
            WordClass::Hypothetical,
            WordClass::Joke,
            WordClass::Correction,
            WordClass::Idiom,
        ] {
            kept.remove(cue);
        }
        if !token.classes.has(WordClass::Idiom) {
            token.classes = token.classes.union(kept.classes_only());
        }
        if best_len[index] == 0 {
            token.term_start = index;
            token.term_end = index + 1;
        }
        // Contractions: `i'll`, `they'd` carry a future or conditional; `n't` negates.
        if word.ends_with("'ll") || word.ends_with("'d") {
            token.classes.insert(WordClass::Future);
        }
        // A negated verb inside a longer term keeps its negation where the term corrects a
        // claim (`don't believe …` still negates what follows), not where it calls to act
        // (`don't let …`).
        if word.ends_with("n't")
            && (best_len[index] <= 1 || token.classes.has(WordClass::Correction))
        {
            token.classes.insert(WordClass::Negation);
        }
        if is_clock(&word) {
            token.classes.insert(WordClass::Time);
        }
        // A code of a hate movement written as a number (`1488`) is not a year.
        if is_past_year(&word) && !token.classes.has(WordClass::CodedHate) {
            token.classes.insert(WordClass::History);
        }
        if token.handle {
            token.classes.insert(WordClass::Official);
        }
        if token.classes.has(WordClass::Idiom) {
            for class in [
                WordClass::ViolentAct,
                WordClass::LethalAct,
                WordClass::Exterminate,
                WordClass::HarmOutcome,
                WordClass::Weapon,
                WordClass::Perpetrator,
                WordClass::Praise,
            ] {
                token.classes.remove(class);
            }
        }
        analysis.all = analysis.all.union(token.classes.classes_only());
    }
    drop_noun_uses(&mut analysis);
    drop_abbreviations(&mut analysis);
    if analysis.all.has(WordClass::AmbiguousSlur) {
        resolve_ambiguous_slurs(&mut analysis);
    }
    // After the slur pass: a name read off a sentence's first word is weak evidence of a
    // person, enough to address an insult to, not to make an ordinary word a slur.
    mark_initial_names(&mut analysis, &initial_capitals);
    analysis
}

/// Titles before a name: the capitalised word after one is a name even where it opens a
/// sentence (`Mr. Harmon`, `Coach Brennan`).
const TITLES: &[&str] = &[
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr", "dr.", "prof", "prof.", "coach", "sir",
    "madam", "uncle", "aunt", "auntie",
];

/// Marks as names the capitalised words that open a sentence where the lexicon knows no other
/// reading of them and the sentence goes on to say something of a person: `Kevin is …`,
/// `Tasha's a …`, `Kevin from accounting is …`; and any capitalised word after a title. A
/// sentence-initial capital alone proves nothing (`Politics is …` has no class either, so the
/// insult frame still asks for an insulting noun after the link).
fn mark_initial_names(analysis: &mut Analysis, initial_capitals: &[usize]) {
    for &index in initial_capitals {
        let word = analysis.word(index);
        let after_title =
            index > 0 && TITLES.contains(&analysis.word(index - 1).trim_end_matches(':'));
        if !after_title
            && (!analysis.tokens[index].classes.is_empty() || FUNCTION_WORDS.contains(&word))
        {
            continue;
        }
        let sentence_end = analysis.sentences[analysis.tokens[index].sentence as usize].1;
        let next =
            |offset: usize| (index + offset < sentence_end).then(|| analysis.word(index + offset));
        let is_link = |word: Option<&str>| matches!(word, Some("is" | "was" | "'s" | "s"));
        let names_a_person = after_title
            || is_link(next(1))
            || (word.ends_with("'s") && matches!(next(1), Some("a" | "an" | "such" | "so")))
            || (matches!(next(1), Some("from" | "at" | "in")) && is_link(next(3)));
        if names_a_person {
            analysis.tokens[index].name = true;
        }
    }
}

/// Capitalised function words that open sentences: never names.
const FUNCTION_WORDS: &[&str] = &[
    "this",
    "that",
    "it",
    "there",
    "here",
    "what",
    "who",
    "which",
    "everything",
    "nothing",
    "something",
    "anything",
    "life",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    "he",
    "she",
    "everyone",
    "everybody",
    "nobody",
    "someone",
    "somebody",
    "one",
    "mine",
    "yours",
    "his",
    "hers",
    "that's",
    "it's",
    "he's",
    "she's",
    "there's",
    "here's",
    "what's",
    "who's",
];

/// Determiners and possessives: a verb form right after one is a noun (`her skin`, `a club`,
/// `the end`), not an act.
const NOUN_MARKERS: &[&str] = &[
    "a", "an", "the", "my", "your", "ur", "his", "her", "its", "our", "their", "this", "that",
    "these", "those", "every", "each", "no", "some", "any", "clean", "dry", "soft", "smooth",
];

/// Removes the act classes from one-word violent verbs used as nouns: after a determiner or a
/// possessive, unless a gerund (`the shooting`) or an event with its victim or place (`the
/// attack on …`, `the massacre was …`), which stay acts.
fn drop_noun_uses(analysis: &mut Analysis) {
    if !analysis
        .all
        .any(&[WordClass::ViolentAct, WordClass::LethalAct])
    {
        return;
    }
    for index in 1..analysis.tokens.len() {
        let token = &analysis.tokens[index];
        if !token
            .classes
            .any(&[WordClass::ViolentAct, WordClass::LethalAct])
            || token.term_start != index
            || token.term_end != index + 1
            || analysis.tokens[index - 1].sentence != token.sentence
        {
            continue;
        }
        let word = analysis.word(index);
        // An event with its victim or place stays violence (`the attack on`, `the massacre at`).
        let event = index + 1 < analysis.tokens.len()
            && matches!(
                analysis.word(index + 1),
                "on" | "of" | "at" | "in" | "against" | "was" | "were"
            );
        // `a tea club`, `my book club`, `a MAGA cap`: a determiner, a modifier that is no person,
        // call or verb, and the word at the end of its clause or before a word that is no person
        // (not `the cops beat him`).
        let compound = index >= 2
            && analysis.tokens[index - 2].clause == token.clause
            && analysis.tokens[index - 1].clause == token.clause
            && NOUN_MARKERS.contains(&analysis.word(index - 2))
            && !analysis.tokens[index - 1].classes.any(&[
                WordClass::FirstPerson,
                WordClass::SecondPerson,
                WordClass::ThirdPerson,
                WordClass::ProtectedGroup,
                WordClass::GroupReference,
                WordClass::Target,
                WordClass::Official,
                WordClass::Slur,
                WordClass::UnrestTarget,
                WordClass::Negation,
                WordClass::CallToAct,
                WordClass::Obligation,
                WordClass::Future,
                WordClass::Link,
                WordClass::ViolentAct,
                WordClass::LethalAct,
            ])
            && !token.classes.inflected()
            && analysis.tokens.get(index + 1).is_none_or(|next| {
                next.clause != token.clause
                    || !(next.handle
                        || next.classes.any(&[
                            WordClass::SecondPerson,
                            WordClass::ThirdPerson,
                            WordClass::ProtectedGroup,
                            WordClass::Target,
                            WordClass::Official,
                            WordClass::GroupReference,
                            WordClass::UnrestTarget,
                        ]))
            });
        if word.ends_with("ing")
            || event
            || token.classes.has(WordClass::HarmOutcome)
            || !(NOUN_MARKERS.contains(&analysis.word(index - 1)) || compound)
        {
            continue;
        }
        let token = &mut analysis.tokens[index];
        token.classes.remove(WordClass::ViolentAct);
        token.classes.remove(WordClass::LethalAct);
    }
}

/// Clears the classes of a one-letter word written as an abbreviation with a slash (`w/`
/// for "with", `b/c`): the slang `W` (a win) is praise, `w/` is not.
fn drop_abbreviations(analysis: &mut Analysis) {
    for index in 0..analysis.tokens.len() {
        let token = &analysis.tokens[index];
        if token.end - token.start == 1
            && analysis.text.as_bytes().get(token.end) == Some(&b'/')
            && !token.classes.is_empty()
        {
            analysis.tokens[index].classes = ClassSet::default();
        }
    }
}

/// Words just before an ambiguous slur that aim it at people (`you …`, `those …`, `dirty …`).
const AIMING_WORDS: &[&str] = &[
    "you", "u", "ya", "ur", "your", "yo", "those", "these", "them", "dem", "dirty", "filthy",
    "fucking", "fuckin", "stupid", "lazy", "bunch", "typical", "bloody", "damn", "dumb", "ugly",
];

/// Word classes that, in the same clause, make a plural ambiguous slur hostile (`I hate …s`).
const HOSTILE_CONTEXT: &[WordClass] = &[
    WordClass::NegativeEmotion,
    WordClass::Exclusion,
    WordClass::ExclusionState,
    WordClass::DerogatoryAttribute,
    WordClass::Dehumanising,
    WordClass::DehumanisingVerb,
    WordClass::DeathWish,
    WordClass::ViolentAct,
    WordClass::LethalAct,
    WordClass::Exterminate,
];

/// Gives an ambiguous slur the slur class where the text aims it at people: after an aiming
/// word, predicated of a person or group (`he is a …`, `they're …`), or plural beside
/// hostility. Elsewhere it stays an ordinary word.
fn resolve_ambiguous_slurs(analysis: &mut Analysis) {
    for index in 0..analysis.tokens.len() {
        let token = &analysis.tokens[index];
        if token.term_start != index || !token.classes.has(WordClass::AmbiguousSlur) {
            continue;
        }
        let clause = analysis.clauses[token.clause as usize];
        let before = |back: usize| {
            index
                .checked_sub(back)
                .filter(|&at| at >= clause.0)
                .map(|at| analysis.word(at))
        };
        // The word before aims it (`you …`, `those …`, `dirty …`).
        let aimed_word = before(1).is_some_and(|word| AIMING_WORDS.contains(&word));
        let predicated = (clause.0.max(index.saturating_sub(4))..index).any(|link| {
            // The subject stands right before the link (`he is a …`, `you're just a …`), not
            // somewhere earlier in the clause (`@club at night for a real …`).
            analysis.has(link, WordClass::Link)
                && (clause.0.max(link.saturating_sub(2))..link).any(|subject| {
                    let subject = &analysis.tokens[subject];
                    subject.classes.any(&[
                        WordClass::SecondPerson,
                        WordClass::ThirdPerson,
                        WordClass::PersonNoun,
                        WordClass::ProtectedGroup,
                        WordClass::GroupReference,
                    ]) || subject.name
                        || subject.mention()
                })
        });
        let term_end = token.term_end.max(index + 1);
        let hostile_plural = token.classes.inflected()
            && (clause.0..clause.1)
                .filter(|at| !(index..term_end).contains(at))
                .any(|at| analysis.tokens[at].classes.any(HOSTILE_CONTEXT));
        if aimed_word || predicated || hostile_plural {
            for at in index..term_end {
                analysis.tokens[at].classes.insert(WordClass::Slur);
            }
            analysis.all.insert(WordClass::Slur);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderato_core::policy::LexiconTerm;

    fn lexicon(entries: &[(WordClass, &[&str])]) -> Lexicon {
        let mut lexicons = Lexicons::default();
        for (class, terms) in entries {
            lexicons.classes.insert(
                *class,
                terms
                    .iter()
                    .map(|term| LexiconTerm {
                        term: term.to_string(),
                        file: "t".into(),
                        line: 1,
                    })
                    .collect(),
            );
        }
        Lexicon::new(&lexicons)
    }

    #[test]
    fn verbs_and_nouns_are_inflected() {
        let forms = verb_forms("stab");
        assert!(forms.contains(&"stabbed".to_string()) && forms.contains(&"stabbing".to_string()));
        assert!(verb_forms("hate").contains(&"hating".to_string()));
        assert!(verb_forms("bury").contains(&"buried".to_string()));
        assert!(noun_forms("gypsy").contains(&"gypsies".to_string()));
        assert!(noun_forms("gunman").contains(&"gunmen".to_string()));
    }

    #[test]
    fn tokens_sentences_clauses_and_quotes() {
        let analysis = tokenize("meet at 6:30pm, bring @bob. \"kill them\" he said? ok");
        let words: Vec<&str> = (0..analysis.tokens.len())
            .map(|i| analysis.word(i))
            .collect();
        assert_eq!(
            words,
            [
                "meet", "at", "6:30pm", "bring", "@bob", "kill", "them", "he", "said", "ok"
            ]
        );
        assert_eq!(analysis.sentences.len(), 3);
        assert!(analysis.questions[1]);
        assert!(analysis.tokens[5].quoted && !analysis.tokens[7].quoted);
        assert!(analysis.tokens[4].handle);
        assert_eq!(analysis.clauses[0], (0, 3));
    }

    #[test]
    fn longest_term_wins_and_idioms_hide_violence() {
        let lexicon = lexicon(&[
            (WordClass::ViolentAct, &["kill", "shoot"]),
            (WordClass::Idiom, &["kill time"]),
            (WordClass::Negation, &["won't"]),
            (WordClass::HarmOutcome, &["won't wake up"]),
        ]);
        let analysis = analyse(
            &normalize("Kill time, then I'll SHOOT. You won't wake up"),
            &lexicon,
        );
        let class_of = |word: &str| {
            let index = (0..analysis.tokens.len())
                .find(|&i| analysis.word(i) == word)
                .expect(word);
            analysis.tokens[index].classes
        };
        assert!(!class_of("kill").has(WordClass::ViolentAct));
        assert!(class_of("shoot").has(WordClass::ViolentAct));
        assert!(class_of("i'll").has(WordClass::Future));
        assert!(class_of("won't").has(WordClass::HarmOutcome));
        assert!(!class_of("won't").has(WordClass::Negation));
        assert!(lexicon.len() > 4);
    }

    #[test]
    fn clock_times_and_past_years() {
        assert!(is_clock("6pm") && is_clock("18:30") && !is_clock("2024") && !is_clock("6"));
        assert!(is_past_year("1944") && is_past_year("1930s") && !is_past_year("2030"));
    }
}
