//! Lexicons of a policy pack: the word classes the language layer of the detectors reads.
//!
//! A pack's `lexicons/*.toml` files map word classes (violent acts, weapons, protected groups,
//! praise, negation cues, voting falsehood categories, …) to terms. They are data, so a team can
//! add a locale's group terms or a new euphemism without code; they are part of the pack digest
//! and of `policy diff`. This module parses and validates them (unknown class, malformed or
//! duplicate terms, terms in two classes that contradict each other, each with file and line).
//! It must never match text: matching is the detectors' job.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::PolicyDiagnostic;

/// The folder of a pack that holds lexicon files.
pub const LEXICON_DIR: &str = "lexicons/";

/// How the detectors expand a term into its inflected forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inflection {
    /// The term is matched as written.
    None,
    /// A verb: the first word takes -s, -ed, -ing (with the usual spelling changes).
    Verb,
    /// A noun: the last word takes the plural and the possessive.
    Noun,
}

macro_rules! word_classes {
    ($( $variant:ident = $name:literal, $inflection:ident, $doc:literal; )+) => {
        /// A word class of the language layer. Its name is the table name in a lexicon file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum WordClass {
            $( #[doc = $doc] $variant, )+
        }

        impl WordClass {
            /// Every class, in declaration order.
            pub const ALL: &'static [WordClass] = &[$(WordClass::$variant),+];

            /// The class's name in lexicon files.
            pub fn name(self) -> &'static str {
                match self { $(WordClass::$variant => $name,)+ }
            }

            /// What the class holds.
            pub fn description(self) -> &'static str {
                match self { $(WordClass::$variant => $doc,)+ }
            }

            /// How terms of the class are inflected.
            pub fn inflection(self) -> Inflection {
                match self { $(WordClass::$variant => Inflection::$inflection,)+ }
            }

            /// The class with this lexicon name.
            pub fn from_name(name: &str) -> Option<WordClass> {
                match name { $($name => Some(WordClass::$variant),)+ _ => None }
            }
        }
    };
}

word_classes! {
    ViolentAct = "violent_act", Verb, "verbs of physical violence against people (kill, shoot, stab, gun down, …)";
    LethalAct = "lethal_act", Verb, "violent verbs that only take living targets, so any noun after them is a target (behead, lynch, strangle, …)";
    Exterminate = "exterminate", Verb, "verbs of destroying a whole group (exterminate, wipe out, gas, …)";
    Weapon = "weapon", Noun, "weapons, ammunition and their slang";
    HarmOutcome = "harm_outcome", None, "outcomes of violence and their euphemisms (dead, in a body bag, fished out of the canal, …)";
    VeiledThreat = "veiled_threat", None, "set phrases of veiled threat (watch your back, your days are numbered, …)";
    ThreatHint = "threat_hint", None, "weak hints of a threat that count only beside violent words (see you soon, tick tock, …)";
    DeathWish = "death_wish", None, "wishes of death on a target (death to, must die, should hang, …)";
    NoSurvivors = "no_survivors", None, "calls to leave nobody alive (no survivors, leave none standing, …)";
    Escape = "escape", Verb, "verbs of getting away alive, read after `don't let` (walk out, get away, survive, …)";
    Perpetrator = "perpetrator", Noun, "perpetrators of violence (shooter, gunman, bomber, …)";
    UnrestTarget = "unrest_target", Noun, "people and acts of unrest that violence is promised against (looters, rioters, looting, …)";
    ProtectedGroup = "protected_group", Noun, "groups by a protected characteristic (immigrants, Muslims, Jews, gay men, …)";
    GroupAdjective = "group_adjective", None, "adjectives of a protected characteristic, read before a person noun (black, muslim, gay, …)";
    PersonNoun = "person_noun", Noun, "person nouns that make a group after a group adjective (people, men, women, folks, …)";
    GroupReference = "group_reference", None, "expressions that stand for a group (you people, their kind, these people, …)";
    Slur = "slur", Noun, "slurs against a protected group; see slurs.toml for the note on their use";
    AmbiguousSlur = "ambiguous_slur", Noun, "slurs that are also ordinary words or reclaimed in-group terms (monkey, cracker, nip, …): a slur only where aimed at people";
    Target = "target", Noun, "non-protected targets (politicians, cops, journalists, protesters, …)";
    Official = "official", Noun, "office holders and professions that name a specific person (governor, judge, reporter, …)";
    SecondPerson = "second_person", None, "the addressee (you, your, u, y'all, …)";
    FirstPerson = "first_person", None, "the speaker as subject (i, we, i'm, me and the boys, …)";
    ThirdPerson = "third_person", None, "pronouns that refer to people (them, him, her, they, …)";
    Future = "future", None, "markers of future or intent (will, 'll, gonna, going to, about to, …)";
    Dehumanising = "dehumanising", Noun, "dehumanising nouns and adjectives (vermin, parasites, subhuman, a plague, …)";
    DehumanisingVerb = "dehumanising_verb", Verb, "verbs that dehumanise a group as subject (breed like, infest, swarm, …)";
    DerogatoryAttribute = "derogatory_attribute", Noun, "derogatory attributes generalised to a group (thieves, liars, lazy, filthy, …)";
    NegativeEmotion = "negative_emotion", Verb, "hostile emotions about a group (hate, despise, can't stand, sick of, …)";
    HarmfulAction = "harmful_action", Verb, "harm a group is said to do (ruin, destroy, invade, take over, …)";
    Exclusion = "exclusion", Verb, "acts of exclusion that need a call or obligation (deport, ban, kick out, round up, …)";
    ExclusionState = "exclusion_state", None, "exclusion stated outright (don't belong, belong in cages, not welcome, never hire, …)";
    Link = "link", None, "words that link a group to a predicate (are, is, like, nothing but, bunch of, …)";
    Generaliser = "generaliser", None, "words that generalise to a whole group (all, every, always, every single one, …)";
    Praise = "praise", None, "praise, approval and celebration (proud, about time, hero, good riddance, 👏, …)";
    Approval = "approval", None, "weak approval that endorses violence only right beside it (good, glad, love it, lol, …)";
    Disclaimer = "disclaimer", None, "hedges that introduce a generalisation (i'm not racist but, just saying, …)";
    Deserve = "deserve", None, "said to deserve harm (had it coming, got what they deserved, deserved it, …)";
    CallToAct = "call_to_act", None, "calls on others to act (let's, time to, we need to, someone should, …)";
    Obligation = "obligation", None, "obligation and desire (should, must, need to, deserve to, ought to, …)";
    ArmVerb = "arm_verb", None, "verbs of arming, read before a weapon (bring, grab, load, pack, …)";
    Time = "time", None, "time expressions (tonight, tomorrow, at noon, on friday, …)";
    Place = "place", Noun, "places people gather (city hall, depot, square, mosque, …)";
    Negation = "negation", None, "negation cues (not, never, don't, nobody, …)";
    Reporting = "reporting", None, "news reporting cues (police said, according to, was arrested, …)";
    Quotation = "quotation", None, "reporting of someone else's words (sent me, told me, wrote, …)";
    Condemnation = "condemnation", None, "condemnation and counter-speech (condemn, unacceptable, this is disgusting, …)";
    Hypothetical = "hypothetical", None, "hypothetical framing (what if, imagine, suppose, …)";
    Fiction = "fiction", Noun, "fiction, games and their targets (movie, novel, my character, zombies, boss fight, …)";
    Sports = "sports", Noun, "sport (match, league, goal, playoffs, …)";
    History = "history", None, "history and remembrance (in 1944, centuries ago, historians, never forget, …)";
    Joke = "joke", None, "markers of joking (😂, lol, jk, haha, …)";
    Idiom = "idiom", None, "idioms that use violent words harmlessly (killing it, kill time, my feet are killing me, …)";
    Insult = "insult", Noun, "insults aimed at a person (idiot, loser, waste of space, …)";
    Sexual = "sexual", None, "sexual remarks and solicitations, harassment where aimed at a person (send nudes, grope, nice tits, …)";
    Coercion = "coercion", None, "conditions that coerce the person addressed (or i'll, until you, you don't get a choice, …)";
    Surveillance = "surveillance", None, "watching, following and knowing a person's whereabouts and accounts (followed you home, your address, new account, every place you, …): intimidation where the speaker says it of a person";
    CodedHate = "coded_hate", None, "codes and slogans of hate movements that name their target themselves (1488, the goyim know, 14 words, …)";
    Backhanded = "backhanded", None, "qualities praised as a surprise in a member of a group, read before `for a <group>` (smart, clean, well-spoken, not like other, …)";
    HarassAct = "harass_act", Verb, "acts of a pile-on against a person, read with a call to act and a person (flood her replies, mass-report, dogpile, let him know, …)";
    SelfHarm = "self_harm", None, "encouragement of self-harm (kys, go die, nobody would miss you, …)";
    VotingAct = "voting_act", Noun, "voting (vote, ballot, polling place, election day, …)";
    PoliticalSide = "political_side", Noun, "parties and their voters (democrats, republicans, labour voters, …)";
    CivicMethod = "civic_method", None, "false methods of voting (by text, reply, retweet, by phone, …)";
    RemoteAction = "remote_action", Verb, "acts on a platform or a phone (reply, retweet, comment, dm, text, scan, …): a false method of voting only with a vote effect beside them";
    VoteEffect = "vote_effect", None, "what makes an act a vote (counts as your vote, is counted, valid ballot, official ballot, …)";
    CivicDate = "civic_date", None, "claims that the election date moved or differs by side (postponed, the day after, …)";
    CivicPlace = "civic_place", None, "claims that polling places moved or closed";
    CivicEligibility = "civic_eligibility", None, "false conditions of eligibility (unpaid parking tickets, child support, …)";
    CivicDenial = "civic_denial", None, "denial of the vote (can't vote, will be turned away, ballot rejected, …)";
    CivicPenalty = "civic_penalty", None, "invented penalties or checks at the polls (ICE agents, warrant checks, arrested, …)";
    CivicCount = "civic_count", Verb, "delegitimising claims about the count (counted twice, thrown away, flipped, …)";
    Correction = "correction", None, "cues that a claim is being corrected (myth, false, hoax, fact check, …)";
}

impl WordClass {
    /// Civic classes carry a correction and an authoritative link.
    pub fn is_civic_category(self) -> bool {
        matches!(
            self,
            WordClass::CivicMethod
                | WordClass::CivicDate
                | WordClass::CivicPlace
                | WordClass::CivicEligibility
                | WordClass::CivicPenalty
                | WordClass::CivicCount
        )
    }
}

/// Pairs of classes that must not share a term: one term cannot both praise and condemn,
/// negate and affirm, or name a protected group and a non-protected target.
pub const CONFLICTING_CLASSES: &[(WordClass, WordClass)] = &[
    (WordClass::Praise, WordClass::Condemnation),
    (WordClass::ProtectedGroup, WordClass::Target),
    (WordClass::Idiom, WordClass::ViolentAct),
    (WordClass::Idiom, WordClass::HarmOutcome),
    (WordClass::Correction, WordClass::CivicMethod),
    (WordClass::Fiction, WordClass::ProtectedGroup),
    (WordClass::Joke, WordClass::Condemnation),
    (WordClass::Slur, WordClass::AmbiguousSlur),
    (WordClass::Sexual, WordClass::Idiom),
];

/// One term of a lexicon with where it was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LexiconTerm {
    /// The term, lower case, words separated by single spaces.
    pub term: String,
    /// File it came from.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

/// The correction shown with a civic falsehood category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CivicCategory {
    /// What the category covers.
    pub summary: String,
    /// Correction shown in the label.
    pub correction: String,
    /// Authoritative link.
    pub link: String,
}

/// Every lexicon of a pack, validated.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lexicons {
    /// Terms per class.
    pub classes: BTreeMap<WordClass, Vec<LexiconTerm>>,
    /// Corrections per civic category.
    pub civic: BTreeMap<WordClass, CivicCategory>,
}

impl Lexicons {
    /// The terms of one class.
    pub fn terms(&self, class: WordClass) -> impl Iterator<Item = &str> {
        self.classes
            .get(&class)
            .into_iter()
            .flatten()
            .map(|term| term.term.as_str())
    }

    /// Number of terms over all classes.
    pub fn len(&self) -> usize {
        self.classes.values().map(Vec::len).sum()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    terms: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    correction: Option<Spanned<String>>,
    #[serde(default)]
    link: Option<Spanned<String>>,
}

/// Largest number of terms over all lexicon files of a pack.
pub const MAX_LEXICON_TERMS: usize = 20_000;
/// Longest term, in words.
pub const MAX_TERM_WORDS: usize = 8;

fn term_problem(term: &str) -> Option<&'static str> {
    if term.is_empty() {
        return Some("a term cannot be empty");
    }
    if term != term.trim() || term.contains("  ") || term.contains(['\t', '\n', '\r']) {
        return Some("words of a term are separated by single spaces, with none around it");
    }
    if term.chars().any(char::is_uppercase) {
        return Some("terms are written in lower case (text is case-folded before matching)");
    }
    if term.split(' ').count() > MAX_TERM_WORDS {
        return Some("a term has at most 8 words");
    }
    for word in term.split(' ') {
        let chars: Vec<char> = word.chars().collect();
        let wordlike = chars.iter().enumerate().all(|(index, &c)| {
            c.is_alphanumeric()
                || matches!(c, '\'' | '-' | '_')
                // `5.56`, `6:30`: a dot or colon between digits.
                || (matches!(c, '.' | ':')
                    && index > 0
                    && chars[index - 1].is_ascii_digit()
                    && chars.get(index + 1).is_some_and(char::is_ascii_digit))
        });
        let symbol = word.chars().count() == 1;
        if !(wordlike || symbol) {
            return Some(
                "a word of a term holds only letters, digits, ' - _ (and . or : between digits), or is a single symbol such as an emoji",
            );
        }
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    super::load::line_column(text, offset).0
}

/// Parses and validates the lexicon files among `files` (names under `lexicons/`).
pub fn load_lexicons(
    files: &BTreeMap<String, String>,
    diagnostics: &mut Vec<PolicyDiagnostic>,
) -> Lexicons {
    let mut lexicons = Lexicons::default();
    // term -> classes it is in, with where, for conflicts across files.
    let mut seen: BTreeMap<(WordClass, String), (String, usize)> = BTreeMap::new();
    let mut by_term: BTreeMap<String, BTreeSet<WordClass>> = BTreeMap::new();
    let mut total = 0usize;
    for (name, text) in files
        .iter()
        .filter(|(name, _)| name.starts_with(LEXICON_DIR))
    {
        let diagnostic = |line: Option<usize>, field: String, message: String| PolicyDiagnostic {
            file: name.clone(),
            line,
            column: None,
            field: Some(field),
            message,
        };
        let table: BTreeMap<String, RawClass> = match toml::from_str(text) {
            Ok(table) => table,
            Err(error) => {
                let line = error.span().map(|span| line_of(text, span.start));
                diagnostics.push(PolicyDiagnostic {
                    file: name.clone(),
                    line,
                    column: None,
                    field: None,
                    message: error.message().trim().to_string(),
                });
                continue;
            }
        };
        for (class_name, raw) in table {
            let terms_line = line_of(text, raw.terms.span().start);
            let Some(class) = WordClass::from_name(&class_name) else {
                let known: Vec<&str> = WordClass::ALL.iter().map(|c| c.name()).collect();
                diagnostics.push(diagnostic(
                    Some(terms_line),
                    class_name.clone(),
                    format!(
                        "unknown word class `{class_name}`; known: {}",
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if class.is_civic_category() {
                match (&raw.correction, &raw.link) {
                    (Some(_), Some(link)) if link.get_ref().starts_with("https://") => {
                        lexicons.civic.insert(
                            class,
                            CivicCategory {
                                summary: raw
                                    .summary
                                    .clone()
                                    .unwrap_or_else(|| class.description().to_string()),
                                correction: raw
                                    .correction
                                    .as_ref()
                                    .map(|c| c.get_ref().clone())
                                    .unwrap_or_default(),
                                link: link.get_ref().clone(),
                            },
                        );
                    }
                    (_, Some(link)) if !link.get_ref().starts_with("https://") => {
                        diagnostics.push(diagnostic(
                            Some(line_of(text, link.span().start)),
                            format!("{class_name}.link"),
                            "the authoritative link must be an https:// URL".into(),
                        ));
                    }
                    _ => diagnostics.push(diagnostic(
                        Some(terms_line),
                        class_name.clone(),
                        "a civic category needs a `correction` and an https:// `link`".into(),
                    )),
                }
            } else if raw.correction.is_some() || raw.link.is_some() {
                diagnostics.push(diagnostic(
                    Some(terms_line),
                    class_name.clone(),
                    "only civic_* categories take a correction and a link".into(),
                ));
            }
            for term in raw.terms.get_ref() {
                let line = line_of(text, term.span().start);
                let field = format!("{class_name}.terms");
                let value = term.get_ref();
                total += 1;
                if let Some(problem) = term_problem(value) {
                    diagnostics.push(diagnostic(
                        Some(line),
                        field,
                        format!("`{value}`: {problem}"),
                    ));
                    continue;
                }
                if let Some((file, first)) = seen.get(&(class, value.clone())) {
                    diagnostics.push(diagnostic(
                        Some(line),
                        field,
                        format!(
                            "duplicate term `{value}` (already in `{class_name}` at {file}:{first})"
                        ),
                    ));
                    continue;
                }
                let classes = by_term.entry(value.clone()).or_default();
                if let Some(other) = classes.iter().find(|other| {
                    CONFLICTING_CLASSES
                        .iter()
                        .any(|&(a, b)| (a == class && b == **other) || (b == class && a == **other))
                }) {
                    let (file, first) = seen
                        .get(&(*other, value.clone()))
                        .cloned()
                        .unwrap_or_default();
                    diagnostics.push(diagnostic(
                        Some(line),
                        field,
                        format!(
                            "`{value}` cannot be both `{class_name}` and `{}` (at {file}:{first})",
                            other.name()
                        ),
                    ));
                    continue;
                }
                classes.insert(class);
                seen.insert((class, value.clone()), (name.clone(), line));
                lexicons
                    .classes
                    .entry(class)
                    .or_default()
                    .push(LexiconTerm {
                        term: value.clone(),
                        file: name.clone(),
                        line,
                    });
            }
        }
    }
    if total > MAX_LEXICON_TERMS {
        diagnostics.push(PolicyDiagnostic {
            file: LEXICON_DIR.into(),
            line: None,
            column: None,
            field: None,
            message: format!(
                "the lexicons hold {total} terms; a pack may hold at most {MAX_LEXICON_TERMS}"
            ),
        });
    }
    lexicons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> (Lexicons, Vec<PolicyDiagnostic>) {
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        let mut diagnostics = Vec::new();
        let lexicons = load_lexicons(&files, &mut diagnostics);
        (lexicons, diagnostics)
    }

    #[test]
    fn terms_are_read_per_class() {
        let (lexicons, diagnostics) = load(&[(
            "lexicons/v.toml",
            "[violent_act]\nterms = [\"kill\", \"gun down\"]\n",
        )]);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let terms: Vec<&str> = lexicons.terms(WordClass::ViolentAct).collect();
        assert_eq!(terms, ["kill", "gun down"]);
        assert_eq!(lexicons.classes[&WordClass::ViolentAct][1].line, 2);
    }

    #[test]
    fn unknown_class_duplicates_and_conflicts_name_file_and_line() {
        let (_, diagnostics) = load(&[
            (
                "lexicons/a.toml",
                "[praise]\nterms = [\n  \"bravo\",\n  \"bravo\",\n]\n[violnt_act]\nterms = [\"x\"]\n",
            ),
            (
                "lexicons/b.toml",
                "[condemnation]\nterms = [\"bravo\", \"Shame\"]\n",
            ),
        ]);
        let text: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{}:{:?} {}", d.file, d.line, d.message))
            .collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("lexicons/a.toml:Some(4) duplicate term `bravo`")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("unknown word class `violnt_act`")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.starts_with(
                "lexicons/b.toml:Some(2) `bravo` cannot be both `condemnation` and `praise`"
            )),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("`Shame`: terms are written in lower case")),
            "{text:?}"
        );
    }

    #[test]
    fn civic_categories_need_a_correction_and_https_link() {
        let (_, diagnostics) = load(&[(
            "lexicons/c.toml",
            "[civic_method]\nterms = [\"by text\"]\n[civic_count]\nterms=[\"counted twice\"]\ncorrection = \"x\"\nlink = \"http://a\"\n",
        )]);
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        let (lexicons, diagnostics) = load(&[(
            "lexicons/c.toml",
            "[civic_method]\nterms = [\"by text\"]\ncorrection = \"You cannot vote by text.\"\nlink = \"https://vote.gov\"\n",
        )]);
        assert!(diagnostics.is_empty());
        assert_eq!(
            lexicons.civic[&WordClass::CivicMethod].link,
            "https://vote.gov"
        );
    }
}
