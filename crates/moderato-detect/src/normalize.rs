//! Text normalisation that defeats common evasions while keeping a map back
//! to the original characters, so evidence spans point at what the author wrote.
//!
//! Steps: drop zero-width and format characters; NFKC; case folding; strip
//! Latin diacritics; fold cross-script confusables (via `decancer`); leetspeak
//! inside words; join letters split by separators (`k.i.l.l`); shorten runs of
//! three or more identical characters to two; collapse whitespace. Words run together in a
//! CamelCase hashtag are separated by `_` (`#KillAllCops` is `#kill_all_cops`), so the language
//! layer can read them.
//! This module must never judge the text: it only rewrites it.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalised text with, for every byte of it, the index of the original character it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    origin: Vec<u32>,
    original_chars: usize,
}

impl Normalized {
    /// Maps a byte range of the normalised text to a `[start, end)` character span of the original.
    pub fn original_span(&self, start: usize, end: usize) -> [usize; 2] {
        if self.origin.is_empty() || start >= end {
            return [0, 0];
        }
        let start = start.min(self.origin.len() - 1);
        let last = (end - 1).min(self.origin.len() - 1);
        let begin = self.origin[start] as usize;
        let finish = (self.origin[last] as usize + 1).min(self.original_chars);
        [begin, finish.max(begin)]
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        _ => return None,
    })
}

/// Folds one character (already NFKC-normalised) into zero or more output characters.
fn fold_char(c: char, out: &mut Vec<char>) {
    // Turkish dotted capital I lower-cases to `i` plus a combining dot; the dot only disguises it.
    if c == '\u{0130}' {
        out.push('i');
        return;
    }
    for lower in c.to_lowercase() {
        if lower.is_ascii() {
            out.push(lower);
        } else if ('\u{00C0}'..='\u{024F}').contains(&lower) {
            // Latin letters with diacritics: strip the marks rather than guess a lookalike.
            let before = out.len();
            out.extend(
                lower
                    .to_string()
                    .nfkd()
                    .filter(|mark| !is_combining_mark(*mark)),
            );
            if out.len() == before || out[before..].iter().any(|folded| !folded.is_ascii()) {
                out.truncate(before);
                out.push(lower);
            }
        } else if lower.is_alphabetic() {
            match decancer::cure_char(lower, decancer::Options::default()) {
                decancer::Translation::Character(folded) if folded.is_ascii_alphabetic() => {
                    out.push(folded)
                }
                decancer::Translation::String(folded)
                    if folded.chars().all(|f| f.is_ascii_alphabetic()) =>
                {
                    out.extend(folded.chars())
                }
                _ => out.push(lower),
            }
        } else if lower.is_whitespace() {
            out.push(' ');
        } else {
            match lower {
                '\u{2018}' | '\u{2019}' | '\u{02BC}' => out.push('\''),
                '\u{201C}' | '\u{201D}' | '\u{00AB}' | '\u{00BB}' => out.push('"'),
                '\u{2010}'..='\u{2015}' => out.push('-'),
                _ => out.push(lower),
            }
        }
    }
}

/// Whether `c` starts a new word inside a CamelCase hashtag: `#KillAll` is `kill_all`,
/// `#BLMRiots` is `blm_riots`. (Lower-case hashtags are left whole: splitting them needs a
/// dictionary.)
fn hashtag_word_starts(previous: Option<char>, c: char, next: Option<char>) -> bool {
    let Some(previous) = previous else {
        return false;
    };
    c.is_uppercase()
        && (previous.is_lowercase()
            || (previous.is_uppercase() && next.is_some_and(char::is_lowercase)))
}

/// Normalises `original`; idempotent on its own output.
pub fn normalize(original: &str) -> Normalized {
    // Pass 1: per character, NFKC + folding, remembering the original index.
    let mut chars: Vec<(char, u32)> = Vec::with_capacity(original.len());
    let mut buffer = Vec::with_capacity(4);
    let mut original_chars = 0usize;
    let mut in_hashtag = false;
    let mut last: Option<char> = None;
    let mut source = original.chars().enumerate().peekable();
    while let Some((index, c)) = source.next() {
        original_chars = index + 1;
        let previous = last.replace(c);
        if c == '#' {
            in_hashtag = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_'));
        } else if !(c.is_alphanumeric() || c == '_') {
            in_hashtag = false;
        } else if in_hashtag
            && hashtag_word_starts(previous, c, source.peek().map(|&(_, next)| next))
        {
            chars.push(('_', u32::try_from(index).unwrap_or(u32::MAX)));
        }
        if is_invisible(c) || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        // Combining marks stacked on a Latin letter (`kill y\u{308}ou`) only disguise it.
        if is_combining_mark(c)
            && chars
                .last()
                .is_some_and(|(last, _)| last.is_ascii_alphabetic())
        {
            continue;
        }
        buffer.clear();
        if c.is_ascii() {
            fold_char(c, &mut buffer);
        } else {
            for normalized in std::iter::once(c).nfkc() {
                fold_char(normalized, &mut buffer);
            }
        }
        let origin = u32::try_from(index).unwrap_or(u32::MAX);
        for folded in &buffer {
            if is_combining_mark(*folded)
                && chars
                    .last()
                    .is_some_and(|(last, _)| last.is_ascii_alphabetic())
            {
                continue;
            }
            chars.push((*folded, origin));
        }
    }

    // Pass 2: leetspeak between letters (k1ll, h@te), not in numbers (2020, 4 people).
    // Repeated until nothing changes, since a folded character can make its neighbour foldable.
    loop {
        let mut changed = false;
        for index in 0..chars.len() {
            let Some(letter) = leet(chars[index].0) else {
                continue;
            };
            let letter_before = index
                .checked_sub(1)
                .is_some_and(|i| chars[i].0.is_ascii_alphabetic());
            let letter_after = chars
                .get(index + 1)
                .is_some_and(|next| next.0.is_ascii_alphabetic());
            // `@`, `$` and friends start handles and prices; fold them only inside words.
            let inside = if matches!(chars[index].0, '@' | '$' | '!' | '|' | '+') {
                letter_before && letter_after
            } else {
                letter_before || letter_after
            };
            if inside {
                chars[index].0 = letter;
                changed = true;
            }
        }
        // Folding a digit into a letter can leave a combining mark on a Latin letter; drop it too.
        let before = chars.len();
        let mut previous_is_letter = false;
        chars.retain(|(c, _)| {
            let drop = previous_is_letter && is_combining_mark(*c);
            if !drop {
                previous_is_letter = c.is_ascii_alphabetic();
            }
            !drop
        });
        if !changed && chars.len() == before {
            break;
        }
    }

    // Pass 3: join single letters split by one separator: k.i.l.l, k i l l, k-i-l-l.
    let mut joined: Vec<(char, u32)> = Vec::with_capacity(chars.len());
    let mut index = 0;
    while index < chars.len() {
        let is_boundary = |i: usize| i == 0 || !chars[i - 1].0.is_alphanumeric();
        if chars[index].0.is_ascii_alphabetic() && is_boundary(index) {
            // Collect letter, sep, letter, sep, ... where each letter stands alone.
            let mut end = index;
            let mut letters = 1;
            while end + 2 < chars.len()
                && matches!(chars[end + 1].0, '.' | '-' | '_' | '*' | ' ' | '/')
                && chars[end + 2].0.is_ascii_alphabetic()
                && chars
                    .get(end + 3)
                    .is_none_or(|next| !next.0.is_alphanumeric())
            {
                end += 2;
                letters += 1;
            }
            let single_first = chars
                .get(index + 1)
                .is_none_or(|next| !next.0.is_alphanumeric());
            if letters >= 3 && single_first {
                let mut position = index;
                while position <= end {
                    joined.push(chars[position]);
                    position += 2;
                }
                index = end + 1;
                continue;
            }
        }
        joined.push(chars[index]);
        index += 1;
    }

    // Pass 4: runs of 3+ identical characters become 2; whitespace collapses.
    let mut text = String::with_capacity(joined.len());
    let mut origin = Vec::with_capacity(joined.len());
    let mut previous: Option<char> = None;
    let mut run = 0;
    for (c, source) in joined {
        if c == ' ' && (previous == Some(' ') || previous.is_none()) {
            continue;
        }
        if Some(c) == previous {
            run += 1;
            if run >= 2 {
                continue;
            }
        } else {
            run = 0;
        }
        previous = Some(c);
        let mut encoded = [0u8; 4];
        let bytes = c.encode_utf8(&mut encoded).len();
        text.push(c);
        origin.extend(std::iter::repeat_n(source, bytes));
    }
    if text.ends_with(' ') {
        text.pop();
        origin.pop();
    }
    Normalized {
        text,
        origin,
        original_chars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(normalize(input).text, expected, "input {input:?}");
    }

    #[test]
    fn folds_common_evasions() {
        check("KILL them all", "kill them all");
        check("𝓴𝓲𝓵𝓵 them all", "kill them all");
        check("ｋｉｌｌ them all", "kill them all");
        check("kіll them all", "kill them all");
        check("k1ll th3m 4ll", "kill them all");
        check("k.i.l.l them all", "kill them all");
        check("k\u{200B}ill them all", "kill them all");
        check("kiiiiill them   all", "kiill them all");
        check("Café déjà vu", "cafe deja vu");
        check("LET'S KİLL THEM ALL", "let's kill them all");
        check("kill y\u{308}ou", "kill you");
        check("kill you\u{301}\u{301}\u{301}", "kill you");
    }

    #[test]
    fn camel_case_hashtags_are_split_into_words() {
        check("#KillAllCops tonight", "#kill_all_cops tonight");
        check("so true #BLMRiots", "so true #blm_riots");
        check("#BeatAGayDay", "#beat_a_gay_day");
        check("#lowercase and CamelCase", "#lowercase and camelcase");
        check("issue#FooBar", "issue#foobar");
        let original = "#GoHome";
        let normalized = normalize(original);
        let start = normalized.text.find("home").expect("found");
        assert_eq!(normalized.original_span(start, start + 4), [3, 7]);
    }

    #[test]
    fn keeps_numbers_and_handles() {
        check("meet at 5 pm on 2020-11-03", "meet at 5 pm on 2020-11-03");
        check("@alice paid $5", "@alice paid $5");
        check("I am a b", "i am a b");
    }

    #[test]
    fn spans_map_back_to_original_characters() {
        let original = "Go 𝓴𝓲𝓵𝓵 them";
        let normalized = normalize(original);
        let start = normalized.text.find("kill").expect("found");
        let span = normalized.original_span(start, start + 4);
        let excerpt: String = original
            .chars()
            .skip(span[0])
            .take(span[1] - span[0])
            .collect();
        assert_eq!(excerpt, "𝓴𝓲𝓵𝓵");
    }

    proptest::proptest! {
        #[test]
        fn normalisation_is_idempotent(input in "\\PC{0,60}") {
            let once = normalize(&input).text;
            let twice = normalize(&once).text;
            proptest::prop_assert_eq!(once, twice);
        }

        #[test]
        fn spans_stay_inside_the_original(input in "\\PC{0,60}") {
            let normalized = normalize(&input);
            let count = input.chars().count();
            for end in 1..=normalized.text.len() {
                let span = normalized.original_span(0, end);
                proptest::prop_assert!(span[0] <= span[1] && span[1] <= count);
            }
        }
    }
}
