//! Labelled suites: run hand-labelled items through the whole engine and score the decisions.
//!
//! A suite is a JSONL file, one case per line:
//! `{"item": {<content item>}, "expect": {...}, "category": "rule.or.negative/subclass"}`.
//! `expect` may hold `flagged` (the content action is not `allow`), `rules` (the item is a
//! positive for these rules), `also_ok` (matching these is also fair), `action_in` (content
//! actions) and `signals` (`{"name": min_score}`). A case is correct when every expectation it
//! gives holds. [`read_suite`] checks every line before anything is decided, [`run`] decides
//! each item with a fixed decision id and time (so a run is deterministic) and [`score`] turns
//! the outcomes into a [`SuiteReport`]: accuracy and flag rate per category, recall, precision
//! and F1 per rule, and the misses with the evidence the detectors gave.
//!
//! [`public`] runs the engine over the test rows of the public labelled data sets.
//!
//! This module must never change an expectation, a decision or a threshold to make a suite
//! pass, never decide anything unless every line parsed, and never write files.

pub mod public;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use moderato_core::content::{ContentItem, ContentLimits, validate_content};
use moderato_core::{ContentAction, Decision};
use serde::{Deserialize, Serialize};

use crate::Engine;

/// The decision id every suite decision gets (decisions are compared, never stored).
pub const SUITE_DECISION_ID: &str = "00000000000000000000000000";
/// The decision time every suite decision gets.
pub const SUITE_DECIDED_AT: &str = "2026-01-01T00:00:00.000Z";
/// How many characters of a missed item's text a report keeps.
pub const MISS_TEXT_CHARS: usize = 160;
/// How many problems of an invalid suite the error message lists.
const PROBLEMS_SHOWN: usize = 20;

/// What a case expects of its decision. Every field is optional; at least one of `flagged`,
/// `rules`, `action_in` and `signals` must be given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Whether the content action is something other than `allow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    /// The item is a positive for these rules: at least one of them (or of `also_ok`) must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    /// Rules whose match is also fair for this item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_ok: Vec<String>,
    /// The content action must be one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_in: Option<Vec<ContentAction>>,
    /// Each signal must reach at least this score.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub signals: BTreeMap<String, f64>,
}

impl Expect {
    /// Whether matching `rule` is fair for this item (it is in `rules` or `also_ok`).
    pub fn allows_rule(&self, rule: &str) -> bool {
        self.rules.iter().flatten().any(|id| id == rule) || self.also_ok.iter().any(|id| id == rule)
    }

    /// The expectations in one line, e.g. `flagged=true rules=[violence.threat]`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(flagged) = self.flagged {
            parts.push(format!("flagged={flagged}"));
        }
        if let Some(rules) = &self.rules {
            parts.push(format!("rules=[{}]", rules.join(", ")));
        }
        if !self.also_ok.is_empty() {
            parts.push(format!("also_ok=[{}]", self.also_ok.join(", ")));
        }
        if let Some(actions) = &self.action_in {
            let names: Vec<&str> = actions.iter().map(|action| action.as_str()).collect();
            parts.push(format!("action_in=[{}]", names.join(", ")));
        }
        if !self.signals.is_empty() {
            let minima: Vec<String> = self
                .signals
                .iter()
                .map(|(name, min)| format!("{name}>={min}"))
                .collect();
            parts.push(format!("signals={{{}}}", minima.join(", ")));
        }
        parts.join(" ")
    }
}

/// One line of a suite.
#[derive(Debug, Clone)]
pub struct Case {
    /// Line in the suite file, 1-based.
    pub line: usize,
    /// The content item.
    pub item: ContentItem,
    /// What its decision must be.
    pub expect: Expect,
    /// `rule.or.negative/subclass`, for the per-category table.
    pub category: String,
}

/// A parsed suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Where it was read from (used in messages).
    pub name: String,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

/// One bad line of a suite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteProblem {
    /// The suite file.
    pub file: String,
    /// Line, 1-based.
    pub line: usize,
    /// Path of the offending field, e.g. `item.text` or `expect.action_in[0]`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SuiteProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}:{}: ", self.file, self.line)?;
        if let Some(field) = &self.field {
            write!(formatter, "`{field}`: ")?;
        }
        formatter.write_str(&self.message)
    }
}

/// A suite could not be read or run, or fell short of its minimum.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The suite file could not be read.
    #[error("failed to read suite `{path}`")]
    Read {
        /// The path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Some lines are not valid cases; nothing was decided.
    #[error("suite `{suite}` is invalid ({} problem{}):{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list_problems(problems))]
    Invalid {
        /// The suite's name.
        suite: String,
        /// Every bad line, in file order.
        problems: Vec<SuiteProblem>,
    },
    /// The suite holds no cases.
    #[error("suite `{suite}` has no items")]
    Empty {
        /// The suite's name.
        suite: String,
    },
    /// The overall accuracy is below the minimum asked for.
    #[error(
        "accuracy {accuracy:.3} ({correct} of {items} items correct) is below the minimum {minimum:.3}"
    )]
    BelowMinimum {
        /// Overall accuracy.
        accuracy: f64,
        /// The minimum.
        minimum: f64,
        /// Correct items.
        correct: usize,
        /// All items.
        items: usize,
    },
    /// The training split was asked for; the engine is only measured on held-out rows.
    #[error("the training rows are never decided for a report (choose `test` or `validation`)")]
    Split,
    /// A labelled row could not be made into a content item.
    #[error("row `{id}` is not a valid content item: {message}")]
    Item {
        /// The id given to the row.
        id: String,
        /// What was wrong.
        message: String,
    },
}

fn list_problems(problems: &[SuiteProblem]) -> String {
    let mut out = String::new();
    for problem in problems.iter().take(PROBLEMS_SHOWN) {
        out.push_str(&format!("\n  {problem}"));
    }
    if problems.len() > PROBLEMS_SHOWN {
        out.push_str(&format!(
            "\n  … and {} more",
            problems.len() - PROBLEMS_SHOWN
        ));
    }
    out
}

/// The shape of one line, checked by serde (unknown fields are errors).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    item: ContentItem,
    expect: Expect,
    category: String,
}

/// Reads and checks a suite file. Every bad line is reported, with its field.
pub fn read_suite(path: &Path, limits: ContentLimits) -> Result<Suite, SuiteError> {
    let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_suite(&path.display().to_string(), &text, limits)
}

/// Parses and checks suite text; `name` is used in messages (normally the file path).
pub fn parse_suite(name: &str, text: &str, limits: ContentLimits) -> Result<Suite, SuiteError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let problem = |field: Option<String>, message: String| SuiteProblem {
            file: name.to_string(),
            line: number,
            field,
            message,
        };
        let case = match parse_line(line.trim(), limits) {
            Ok(case) => case,
            Err((field, message)) => {
                problems.push(problem(field, message));
                continue;
            }
        };
        let mut line_problems = check_case(&case);
        if let Some(first) = first_line_of_id.get(&case.item.id) {
            line_problems.push((
                Some("item.id".to_string()),
                format!("id `{}` is already used on line {first}", case.item.id),
            ));
        } else {
            first_line_of_id.insert(case.item.id.clone(), number);
        }
        if line_problems.is_empty() {
            cases.push(Case {
                line: number,
                item: case.item,
                expect: case.expect,
                category: case.category,
            });
        }
        problems.extend(
            line_problems
                .into_iter()
                .map(|(field, message)| problem(field, message)),
        );
    }
    if !problems.is_empty() {
        return Err(SuiteError::Invalid {
            suite: name.to_string(),
            problems,
        });
    }
    if cases.is_empty() {
        return Err(SuiteError::Empty {
            suite: name.to_string(),
        });
    }
    Ok(Suite {
        name: name.to_string(),
        cases,
    })
}

/// Deserialises one line; on error, the field's path and the message.
fn parse_line(line: &str, limits: ContentLimits) -> Result<RawCase, (Option<String>, String)> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let case: RawCase = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = strip_position(&inner.to_string());
        let parent = (path != "." && path != "?").then_some(path);
        // serde names a missing field in the message, at the path of the object that lacks it.
        let field = match missing_field(&message) {
            Some(missing) => Some(match parent {
                Some(parent) => format!("{parent}.{missing}"),
                None => missing.to_string(),
            }),
            None => parent,
        };
        (field, message)
    })?;
    deserializer
        .end()
        .map_err(|error| (None, strip_position(&error.to_string())))?;
    validate_content(&case.item, limits).map_err(|error| {
        let field = error.field().map(|field| format!("item.{field}"));
        let message = match &error {
            moderato_core::ContentError::Json { message, .. } => message.clone(),
            moderato_core::ContentError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        };
        (field, message)
    })?;
    Ok(case)
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.find('`').map(|end| &rest[..end])
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// Checks what serde cannot: a case must expect something, and be satisfiable.
fn check_case(case: &RawCase) -> Vec<(Option<String>, String)> {
    let mut problems = Vec::new();
    let field = |name: &str| Some(name.to_string());
    if case.category.trim().is_empty() {
        problems.push((field("category"), "must not be empty".to_string()));
    }
    let expect = &case.expect;
    if expect.flagged.is_none()
        && expect.rules.is_none()
        && expect.action_in.is_none()
        && expect.signals.is_empty()
    {
        problems.push((
            field("expect"),
            "expects nothing; give at least one of `flagged`, `rules`, `action_in`, `signals`"
                .to_string(),
        ));
    }
    if expect.rules.as_ref().is_some_and(Vec::is_empty) {
        problems.push((
            field("expect.rules"),
            "is empty; name at least one rule or leave it out".to_string(),
        ));
    }
    if let Some(actions) = &expect.action_in {
        if actions.is_empty() {
            problems.push((
                field("expect.action_in"),
                "is empty; name at least one action or leave it out".to_string(),
            ));
        } else if let Some(flagged) = expect.flagged
            && !actions
                .iter()
                .any(|action| (*action != ContentAction::Allow) == flagged)
        {
            problems.push((
                field("expect.action_in"),
                format!(
                    "no action in it agrees with `flagged: {flagged}`, so the item can never be correct"
                ),
            ));
        }
    }
    for (name, minimum) in &expect.signals {
        if !(0.0..=1.0).contains(minimum) {
            problems.push((
                Some(format!("expect.signals.{name}")),
                format!("{minimum} is outside 0..1"),
            ));
        }
    }
    problems
}

/// What a decision says, as far as a suite looks at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The most severe content action.
    pub action: ContentAction,
    /// Ids of the matched rules.
    pub rules: Vec<String>,
    /// Every signal score of the decision (the highest per name).
    pub signals: BTreeMap<String, f64>,
}

impl Outcome {
    /// The parts of a decision a suite scores.
    pub fn from_decision(decision: &Decision) -> Outcome {
        let mut signals = BTreeMap::new();
        for signal in &decision.signals {
            let score: &mut f64 = signals.entry(signal.name.clone()).or_insert(0.0);
            *score = score.max(signal.score);
        }
        Outcome {
            action: decision.action,
            rules: decision.rules.iter().map(|rule| rule.id.clone()).collect(),
            signals,
        }
    }

    /// Whether the content action is anything but `allow`.
    pub fn flagged(&self) -> bool {
        self.action != ContentAction::Allow
    }

    /// Whether the content action is more severe than `context_note` on the ladder.
    pub fn above_context_note(&self) -> bool {
        self.action > ContentAction::ContextNote
    }

    /// Whether `rule` matched.
    pub fn matched(&self, rule: &str) -> bool {
        self.rules.iter().any(|id| id == rule)
    }

    /// The score of a signal, 0 when the decision does not carry it.
    pub fn signal(&self, name: &str) -> f64 {
        self.signals.get(name).copied().unwrap_or(0.0)
    }
}

/// The expectations an outcome fails, each described; empty when the case is correct.
pub fn failures(expect: &Expect, outcome: &Outcome) -> Vec<String> {
    let mut failed = Vec::new();
    if let Some(flagged) = expect.flagged
        && outcome.flagged() != flagged
    {
        failed.push(format!(
            "flagged: expected {flagged}, got {} ({})",
            outcome.flagged(),
            outcome.action
        ));
    }
    if let Some(rules) = &expect.rules {
        let fair = rules.iter().chain(&expect.also_ok);
        if !fair.clone().any(|rule| outcome.matched(rule)) {
            let names: Vec<&str> = fair.map(String::as_str).collect();
            failed.push(format!("rules: none of [{}] matched", names.join(", ")));
        }
    }
    if let Some(actions) = &expect.action_in
        && !actions.contains(&outcome.action)
    {
        let names: Vec<&str> = actions.iter().map(|action| action.as_str()).collect();
        failed.push(format!(
            "action_in: `{}` is not one of [{}]",
            outcome.action,
            names.join(", ")
        ));
    }
    for (name, minimum) in &expect.signals {
        let score = outcome.signal(name);
        if score < *minimum {
            failed.push(format!("signals: {name} {score:.3} < {minimum}"));
        }
    }
    failed
}

/// Accuracy and flag rate of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRow {
    /// The category.
    pub category: String,
    /// Items.
    pub n: usize,
    /// Correct items.
    pub correct: usize,
    /// Correct / n.
    pub accuracy: f64,
    /// Items whose action is not `allow`.
    pub flagged: usize,
    /// Flagged / n.
    pub flag_rate: f64,
}

/// Recall, precision and F1 of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRow {
    /// The rule id.
    pub rule: String,
    /// Items that list the rule in `expect.rules`.
    pub positives: usize,
    /// Positives where the rule or one of the item's `also_ok` rules matched.
    pub found: usize,
    /// Found / positives; `None` without positives.
    pub recall: Option<f64>,
    /// Items where the rule matched.
    pub matched: usize,
    /// Of those, items whose `rules` or `also_ok` name the rule.
    pub fair: usize,
    /// Fair / matched; `None` when the rule never matched.
    pub precision: Option<f64>,
    /// Harmonic mean of precision and recall; `None` when either is.
    pub f1: Option<f64>,
}

/// A share with its count and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Items counted.
    pub count: usize,
    /// Items considered.
    pub n: usize,
    /// Count / n; `None` when n is 0.
    pub rate: Option<f64>,
}

impl Rate {
    /// `count / n`.
    pub fn new(count: usize, n: usize) -> Rate {
        Rate {
            count,
            n,
            rate: ratio(count, n),
        }
    }
}

fn ratio(count: usize, n: usize) -> Option<f64> {
    (n > 0).then(|| count as f64 / n as f64)
}

/// One piece of evidence of a missed item's signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceNote {
    /// Score this piece contributed.
    pub score: f64,
    /// The matched text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// What the detector says about it (frames, slots, discounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A signal that scored on a missed item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissSignal {
    /// Signal name.
    pub name: String,
    /// Score.
    pub score: f64,
    /// The detector's evidence.
    pub evidence: Vec<EvidenceNote>,
}

/// An item whose decision failed an expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// Line in the suite.
    pub line: usize,
    /// Content id.
    pub id: String,
    /// Category.
    pub category: String,
    /// What was expected.
    pub expected: Expect,
    /// Which expectations failed, and how.
    pub failed: Vec<String>,
    /// The content action obtained.
    pub action: ContentAction,
    /// Rules that matched.
    pub rules: Vec<String>,
    /// The text, cut to [`MISS_TEXT_CHARS`] characters.
    pub text: String,
    /// Every signal that scored above 0, highest first, with its evidence.
    pub signals: Vec<MissSignal>,
}

/// The scored suite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteReport {
    /// The suite's name.
    pub suite: String,
    /// `id@version (digest)` of the pack.
    pub policy: String,
    /// Items.
    pub items: usize,
    /// Correct items.
    pub correct: usize,
    /// Correct / items.
    pub accuracy: f64,
    /// Flag rate of the items that expect `flagged: false`.
    pub negatives_flag_rate: Rate,
    /// Allow rate of the benign controls (category starting `negative/ordinary`).
    pub benign_allow_rate: Rate,
    /// Per category, sorted by name.
    pub categories: Vec<CategoryRow>,
    /// Per rule named in some `expect.rules` or matched on some item, sorted by id.
    pub rules: Vec<RuleRow>,
    /// Rules the suite names that the pack does not have.
    pub unknown_rules: Vec<String>,
    /// Signals the suite expects that the pack does not know.
    pub unknown_signals: Vec<String>,
    /// All misses.
    pub misses_total: usize,
    /// The first misses, in suite order.
    pub misses: Vec<Miss>,
}

impl SuiteReport {
    /// `Err(BelowMinimum)` when the overall accuracy is below `minimum`.
    pub fn check_minimum(&self, minimum: f64) -> Result<(), SuiteError> {
        if self.accuracy < minimum {
            return Err(SuiteError::BelowMinimum {
                accuracy: self.accuracy,
                minimum,
                correct: self.correct,
                items: self.items,
            });
        }
        Ok(())
    }
}

/// How a run reports.
#[derive(Debug, Clone, Copy)]
pub struct SuiteOptions {
    /// How many misses to list; 0 lists all.
    pub misses: usize,
}

impl Default for SuiteOptions {
    fn default() -> Self {
        SuiteOptions { misses: 50 }
    }
}

/// The category prefix of the benign controls.
pub const BENIGN_CONTROLS: &str = "negative/ordinary";

/// Scores outcomes (one per case, in order) against the suite's expectations.
///
/// The report's `policy`, `unknown_*` and the misses' `signals` are left empty; [`run`] fills
/// them from the engine.
pub fn score(suite: &Suite, outcomes: &[Outcome], options: SuiteOptions) -> SuiteReport {
    #[derive(Default)]
    struct Tally {
        n: usize,
        correct: usize,
        flagged: usize,
    }
    #[derive(Default)]
    struct RuleTally {
        positives: usize,
        found: usize,
        matched: usize,
        fair: usize,
    }
    let mut categories: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut rules: BTreeMap<&str, RuleTally> = BTreeMap::new();
    let (mut correct, mut negatives, mut negatives_flagged) = (0, 0, 0);
    let (mut benign, mut benign_allowed) = (0, 0);
    let mut misses = Vec::new();
    let mut misses_total = 0;
    for (case, outcome) in suite.cases.iter().zip(outcomes) {
        let failed = failures(&case.expect, outcome);
        let tally = categories.entry(case.category.as_str()).or_default();
        tally.n += 1;
        tally.flagged += usize::from(outcome.flagged());
        if failed.is_empty() {
            correct += 1;
            tally.correct += 1;
        } else {
            misses_total += 1;
            if options.misses == 0 || misses.len() < options.misses {
                misses.push(Miss {
                    line: case.line,
                    id: case.item.id.clone(),
                    category: case.category.clone(),
                    expected: case.expect.clone(),
                    failed,
                    action: outcome.action,
                    rules: outcome.rules.clone(),
                    text: truncate(&case.item.text, MISS_TEXT_CHARS),
                    signals: Vec::new(),
                });
            }
        }
        if case.expect.flagged == Some(false) {
            negatives += 1;
            negatives_flagged += usize::from(outcome.flagged());
        }
        if case.category.starts_with(BENIGN_CONTROLS) {
            benign += 1;
            benign_allowed += usize::from(!outcome.flagged());
        }
        let positives: BTreeSet<&str> = case
            .expect
            .rules
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let also_ok_matched = case.expect.also_ok.iter().any(|rule| outcome.matched(rule));
        for rule in &positives {
            let tally = rules.entry(rule).or_default();
            tally.positives += 1;
            tally.found += usize::from(outcome.matched(rule) || also_ok_matched);
        }
        let matched: BTreeSet<&str> = outcome.rules.iter().map(String::as_str).collect();
        for rule in matched {
            let tally = rules.entry(rule).or_default();
            tally.matched += 1;
            tally.fair += usize::from(case.expect.allows_rule(rule));
        }
    }
    let items = suite.cases.len().min(outcomes.len());
    SuiteReport {
        suite: suite.name.clone(),
        policy: String::new(),
        items,
        correct,
        accuracy: ratio(correct, items).unwrap_or(0.0),
        negatives_flag_rate: Rate::new(negatives_flagged, negatives),
        benign_allow_rate: Rate::new(benign_allowed, benign),
        categories: categories
            .into_iter()
            .map(|(category, tally)| CategoryRow {
                category: category.to_string(),
                n: tally.n,
                correct: tally.correct,
                accuracy: ratio(tally.correct, tally.n).unwrap_or(0.0),
                flagged: tally.flagged,
                flag_rate: ratio(tally.flagged, tally.n).unwrap_or(0.0),
            })
            .collect(),
        rules: rules
            .into_iter()
            .map(|(rule, tally)| {
                let recall = ratio(tally.found, tally.positives);
                let precision = ratio(tally.fair, tally.matched);
                RuleRow {
                    rule: rule.to_string(),
                    positives: tally.positives,
                    found: tally.found,
                    recall,
                    matched: tally.matched,
                    fair: tally.fair,
                    precision,
                    f1: f1(precision, recall),
                }
            })
            .collect(),
        unknown_rules: Vec::new(),
        unknown_signals: Vec::new(),
        misses_total,
        misses,
    }
}

fn f1(precision: Option<f64>, recall: Option<f64>) -> Option<f64> {
    let (precision, recall) = (precision?, recall?);
    Some(if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    })
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Decides every item with the fixed id and time, on all cores; outcomes in item order.
pub fn decide_all(engine: &Engine, items: &[&ContentItem]) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|item| {
                            Outcome::from_decision(&engine.decide_with(
                                item,
                                SUITE_DECISION_ID,
                                SUITE_DECIDED_AT,
                            ))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `id@version (digest)` of the engine's pack.
pub fn describe_policy(engine: &Engine) -> String {
    let policy = engine.policy();
    format!("{}@{} ({})", policy.id, policy.version, policy.digest)
}

/// Decides every case with the engine and scores the suite.
pub fn run(engine: &Engine, suite: &Suite, options: SuiteOptions) -> SuiteReport {
    let items: Vec<&ContentItem> = suite.cases.iter().map(|case| &case.item).collect();
    let outcomes = decide_all(engine, &items);
    let mut report = score(suite, &outcomes, options);
    report.policy = describe_policy(engine);

    let policy = engine.policy();
    let known_rules: BTreeSet<&str> = policy.rules.iter().map(|rule| rule.id.as_str()).collect();
    let known_signals: BTreeSet<&str> = policy.known_signals.iter().map(String::as_str).collect();
    let mut unknown_rules = BTreeSet::new();
    let mut unknown_signals = BTreeSet::new();
    for case in &suite.cases {
        for rule in case
            .expect
            .rules
            .iter()
            .flatten()
            .chain(&case.expect.also_ok)
        {
            if !known_rules.contains(rule.as_str()) {
                unknown_rules.insert(rule.clone());
            }
        }
        for signal in case.expect.signals.keys() {
            let external = case.item.signals.iter().any(|given| &given.name == signal);
            if !known_signals.contains(signal.as_str()) && !external {
                unknown_signals.insert(signal.clone());
            }
        }
    }
    report.unknown_rules = unknown_rules.into_iter().collect();
    report.unknown_signals = unknown_signals.into_iter().collect();

    let by_line: HashMap<usize, (&Case, &Outcome)> = suite
        .cases
        .iter()
        .zip(&outcomes)
        .map(|(case, outcome)| (case.line, (case, outcome)))
        .collect();
    for miss in &mut report.misses {
        if let Some((case, outcome)) = by_line.get(&miss.line) {
            miss.signals = miss_signals(engine, &case.item, outcome);
        }
    }
    report
}

/// Every signal above 0 for an item, highest first, with the detectors' evidence.
fn miss_signals(engine: &Engine, item: &ContentItem, outcome: &Outcome) -> Vec<MissSignal> {
    let mut signals: BTreeMap<String, MissSignal> = BTreeMap::new();
    for signal in engine.detect(item) {
        let entry = signals
            .entry(signal.name.clone())
            .or_insert_with(|| MissSignal {
                name: signal.name.clone(),
                score: 0.0,
                evidence: Vec::new(),
            });
        entry.score = entry.score.max(signal.score);
        entry
            .evidence
            .extend(signal.evidence.iter().map(|evidence| EvidenceNote {
                score: evidence.score,
                excerpt: evidence.excerpt.clone(),
                note: evidence.note.clone(),
            }));
    }
    for (name, score) in &outcome.signals {
        let entry = signals.entry(name.clone()).or_insert_with(|| MissSignal {
            name: name.clone(),
            score: 0.0,
            evidence: Vec::new(),
        });
        entry.score = entry.score.max(*score);
    }
    let mut signals: Vec<MissSignal> = signals
        .into_values()
        .filter(|signal| signal.score > 0.0)
        .collect();
    signals.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.name.cmp(&b.name)));
    signals
}

fn format_rate(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |value| format!("{value:.3}"))
}

/// Lays out rows under headers; the first column left-aligned, the others right-aligned.
fn aligned(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let pad = width - cell.chars().count();
            if index == 0 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

impl SuiteReport {
    /// The report as plain text with aligned tables.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("suite   {} ({} items)\n", self.suite, self.items));
        out.push_str(&format!("policy  {}\n\n", self.policy));

        let rows: Vec<Vec<String>> = self
            .categories
            .iter()
            .map(|row| {
                vec![
                    row.category.clone(),
                    row.n.to_string(),
                    format!("{:.3}", row.accuracy),
                    format!("{:.3}", row.flag_rate),
                ]
            })
            .collect();
        out.push_str(&aligned(&["category", "n", "accuracy", "flag rate"], &rows));
        out.push('\n');

        let rows: Vec<Vec<String>> = self
            .rules
            .iter()
            .map(|row| {
                vec![
                    row.rule.clone(),
                    row.positives.to_string(),
                    format_rate(row.recall),
                    row.matched.to_string(),
                    format_rate(row.precision),
                    format_rate(row.f1),
                ]
            })
            .collect();
        out.push_str(&aligned(
            &["rule", "positives", "recall", "matched", "precision", "F1"],
            &rows,
        ));
        out.push('\n');

        let rate =
            |rate: &Rate| format!("{} ({} of {})", format_rate(rate.rate), rate.count, rate.n);
        out.push_str(&format!(
            "overall accuracy                 {:.3} ({} of {})\n",
            self.accuracy, self.correct, self.items
        ));
        out.push_str(&format!(
            "negatives' flag rate             {}  (items with flagged: false)\n",
            rate(&self.negatives_flag_rate)
        ));
        out.push_str(&format!(
            "benign controls' allow rate      {}  (category {BENIGN_CONTROLS}*)\n",
            rate(&self.benign_allow_rate)
        ));
        if !self.unknown_rules.is_empty() {
            out.push_str(&format!(
                "warning: rules not in the pack: {}\n",
                self.unknown_rules.join(", ")
            ));
        }
        if !self.unknown_signals.is_empty() {
            out.push_str(&format!(
                "warning: signals the pack does not know (they score 0): {}\n",
                self.unknown_signals.join(", ")
            ));
        }

        if self.misses_total > 0 {
            out.push_str(&format!(
                "\nmisses: {} (showing {})\n",
                self.misses_total,
                self.misses.len()
            ));
        }
        for miss in &self.misses {
            out.push_str(&format!(
                "\n{}  line {}  [{}]\n",
                miss.id, miss.line, miss.category
            ));
            out.push_str(&format!("  expected  {}\n", miss.expected.describe()));
            for failed in &miss.failed {
                out.push_str(&format!("  failed    {failed}\n"));
            }
            let rules = if miss.rules.is_empty() {
                "no rule".to_string()
            } else {
                miss.rules.join(", ")
            };
            out.push_str(&format!("  got       {}; {rules}\n", miss.action));
            out.push_str(&format!(
                "  text      {}\n",
                miss.text.replace(['\n', '\r'], " ⏎ ")
            ));
            for signal in &miss.signals {
                out.push_str(&format!(
                    "  signal    {} {:.3}\n",
                    signal.name, signal.score
                ));
                for evidence in &signal.evidence {
                    let excerpt = evidence
                        .excerpt
                        .as_deref()
                        .map(|excerpt| format!(" “{}”", excerpt.replace(['\n', '\r'], " ")))
                        .unwrap_or_default();
                    let note = evidence
                        .note
                        .as_deref()
                        .map(|note| format!(" — {note}"))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "              {:.2}{excerpt}{note}\n",
                        evidence.score
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ContentLimits {
        ContentLimits::default()
    }

    fn outcome(action: ContentAction, rules: &[&str]) -> Outcome {
        Outcome {
            action,
            rules: rules.iter().map(|rule| rule.to_string()).collect(),
            signals: BTreeMap::new(),
        }
    }

    const SUITE: &str = r#"{"item": {"id": "a", "text": "positive found"}, "expect": {"flagged": true, "rules": ["r"]}, "category": "r/direct"}
{"item": {"id": "b", "text": "positive missed"}, "expect": {"flagged": true, "rules": ["r"]}, "category": "r/direct"}

{"item": {"id": "c", "text": "positive found by an also_ok rule"}, "expect": {"flagged": true, "rules": ["r"], "also_ok": ["q"]}, "category": "r/paraphrase"}
{"item": {"id": "d", "text": "negative, wrongly matched"}, "expect": {"flagged": false}, "category": "negative/ordinary"}
{"item": {"id": "e", "text": "negative where r is fair"}, "expect": {"flagged": false, "also_ok": ["r"]}, "category": "negative/counter_speech"}
"#;

    fn scored() -> SuiteReport {
        let suite = parse_suite("suite.jsonl", SUITE, limits()).unwrap();
        let outcomes = [
            outcome(ContentAction::Remove, &["r"]),
            outcome(ContentAction::Allow, &[]),
            outcome(ContentAction::HoldForReview, &["q"]),
            outcome(ContentAction::Remove, &["r"]),
            outcome(ContentAction::Allow, &["r"]),
        ];
        score(&suite, &outcomes, SuiteOptions::default())
    }

    #[test]
    fn a_rule_gets_its_known_recall_precision_and_f1() {
        let report = scored();
        let rule = report.rules.iter().find(|row| row.rule == "r").unwrap();
        // Positives a, b, c: a matched r, c matched its also_ok rule q, b nothing.
        assert_eq!((rule.positives, rule.found), (3, 2));
        // r matched on a (fair), d (not fair) and e (fair through also_ok).
        assert_eq!((rule.matched, rule.fair), (3, 2));
        assert!((rule.recall.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((rule.precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((rule.f1.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // q is listed because it matched: no positives, so no recall; precision 1.
        let q = report.rules.iter().find(|row| row.rule == "q").unwrap();
        assert_eq!(
            (q.positives, q.recall, q.precision, q.f1),
            (0, None, Some(1.0), None)
        );
    }

    #[test]
    fn accuracy_categories_and_rates() {
        let report = scored();
        // a, c and e are correct (e matched r but was allowed); b and d are not.
        assert_eq!((report.items, report.correct), (5, 3));
        assert!((report.accuracy - 0.6).abs() < 1e-12);
        assert_eq!(report.negatives_flag_rate, Rate::new(1, 2));
        assert_eq!(report.benign_allow_rate, Rate::new(0, 1));
        let direct = &report.categories[report
            .categories
            .iter()
            .position(|row| row.category == "r/direct")
            .unwrap()];
        assert_eq!((direct.n, direct.correct, direct.flagged), (2, 1, 1));
        let ids: Vec<&str> = report.misses.iter().map(|miss| miss.id.as_str()).collect();
        assert_eq!(ids, ["b", "d"]);
        assert_eq!(report.misses[0].line, 2);
        assert_eq!(report.misses[1].line, 5);
        assert_eq!(report.misses[0].failed.len(), 2, "{:?}", report.misses[0]);
        let text = report.to_text();
        assert!(text.contains("overall accuracy"), "{text}");
        assert!(text.contains("r/paraphrase"), "{text}");
    }

    #[test]
    fn misses_are_capped_unless_zero() {
        let suite = parse_suite("suite.jsonl", SUITE, limits()).unwrap();
        let outcomes = vec![outcome(ContentAction::Label, &["x"]); 5];
        let capped = score(&suite, &outcomes, SuiteOptions { misses: 1 });
        assert_eq!((capped.misses_total, capped.misses.len()), (5, 1));
        let all = score(&suite, &outcomes, SuiteOptions { misses: 0 });
        assert_eq!(all.misses.len(), 5);
    }

    #[test]
    fn action_in_and_signal_minima_are_checked() {
        let expect = Expect {
            action_in: Some(vec![ContentAction::HoldForReview, ContentAction::Remove]),
            signals: BTreeMap::from([("violence.threat".to_string(), 0.6)]),
            ..Expect::default()
        };
        let mut got = outcome(ContentAction::Remove, &[]);
        got.signals.insert("violence.threat".to_string(), 0.7);
        assert!(failures(&expect, &got).is_empty());
        got.signals.insert("violence.threat".to_string(), 0.5);
        got.action = ContentAction::Label;
        let failed = failures(&expect, &got);
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(failed[0].starts_with("action_in"), "{failed:?}");
        assert!(
            failed[1].contains("violence.threat 0.500 < 0.6"),
            "{failed:?}"
        );
    }

    #[test]
    fn the_minimum_accuracy_is_enforced() {
        let report = scored();
        assert!(report.check_minimum(0.6).is_ok());
        let error = report.check_minimum(0.9).unwrap_err();
        assert!(matches!(error, SuiteError::BelowMinimum { .. }));
        assert_eq!(
            error.to_string(),
            "accuracy 0.600 (3 of 5 items correct) is below the minimum 0.900"
        );
    }

    fn problems(text: &str) -> Vec<SuiteProblem> {
        match parse_suite("suite.jsonl", text, limits()) {
            Err(SuiteError::Invalid { problems, .. }) => problems,
            other => panic!("expected an invalid suite, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_field_names_file_line_and_field() {
        let text = "{\"item\": {\"id\": \"a\", \"text\": \"x\"}, \"expect\": {\"flagged\": false}, \"category\": \"negative/ordinary\"}\n\
                    {\"item\": {\"id\": \"b\"}, \"expect\": {\"flagged\": false}, \"category\": \"negative/ordinary\"}\n\
                    {\"item\": {\"id\": \"c\", \"text\": \"x\"}, \"expect\": {\"flagged\": false}}\n";
        let found = problems(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].to_string(),
            "suite.jsonl:2: `item.text`: missing field `text`"
        );
        assert_eq!(
            (found[1].line, found[1].field.as_deref()),
            (3, Some("category"))
        );
        let error = parse_suite("suite.jsonl", text, limits())
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "suite `suite.jsonl` is invalid (2 problems):\n  suite.jsonl:2: `item.text`"
            ),
            "{error}"
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        let line = |expect: &str| {
            format!(
                "{{\"item\": {{\"id\": \"a\", \"text\": \"x\"}}, \"expect\": {expect}, \"category\": \"c/d\"}}\n"
            )
        };
        let field_of = |expect: &str| {
            let found = problems(&line(expect));
            assert_eq!(found.len(), 1, "{found:?}");
            (
                found[0].field.clone().unwrap_or_default(),
                found[0].message.clone(),
            )
        };
        assert_eq!(
            field_of(r#"{"action_in": ["delete"]}"#).0,
            "expect.action_in[0]"
        );
        assert_eq!(field_of(r#"{"flagged": "yes"}"#).0, "expect.flagged");
        assert_eq!(field_of(r#"{}"#).0, "expect");
        assert_eq!(field_of(r#"{"rules": []}"#).0, "expect.rules");
        assert_eq!(
            field_of(r#"{"signals": {"violence.threat": 2}}"#).0,
            "expect.signals.violence.threat"
        );
        assert_eq!(
            field_of(r#"{"flagged": false, "action_in": ["remove"]}"#).0,
            "expect.action_in"
        );
        let (field, message) = field_of(r#"{"flaged": true}"#);
        assert!(
            message.contains("unknown field `flaged`"),
            "{field}: {message}"
        );
        let found = problems(
            "{\"item\": {\"id\": \"a\", \"text\": \"x\", \"region\": \"germany\"}, \"expect\": {\"flagged\": true}, \"category\": \"c\"}\nnot json\n",
        );
        assert_eq!(found[0].field.as_deref(), Some("item.region"));
        assert_eq!((found[1].line, found[1].field.as_deref()), (2, None));
    }

    #[test]
    fn duplicate_ids_and_empty_suites_are_refused() {
        let line = "{\"item\": {\"id\": \"a\", \"text\": \"x\"}, \"expect\": {\"flagged\": false}, \"category\": \"c\"}\n";
        let found = problems(&format!("{line}{line}"));
        assert_eq!(
            found[0].to_string(),
            "suite.jsonl:2: `item.id`: id `a` is already used on line 1"
        );
        assert!(matches!(
            parse_suite("suite.jsonl", "\n\n", limits()),
            Err(SuiteError::Empty { .. })
        ));
    }

    #[test]
    fn the_engine_decides_a_suite_deterministically() {
        let engine = Engine::with_default_policy().unwrap();
        let text = r#"{"item": {"id": "benign", "text": "Lovely morning for a walk by the river, the ducks are back."}, "expect": {"flagged": false}, "category": "negative/ordinary"}
{"item": {"id": "impossible", "text": "We had soup for lunch."}, "expect": {"action_in": ["geo_restrict"]}, "category": "negative/ordinary"}
{"item": {"id": "unknown", "text": "Nice weather."}, "expect": {"rules": ["no.such.rule"], "signals": {"no.such.signal": 0.1}}, "category": "no.such.rule/x"}
"#;
        let suite = parse_suite("suite.jsonl", text, limits()).unwrap();
        let first = run(&engine, &suite, SuiteOptions::default());
        assert_eq!(first, run(&engine, &suite, SuiteOptions::default()));
        assert!(first.policy.starts_with(&engine.policy().id));
        assert!(first.misses.iter().any(|miss| miss.id == "impossible"));
        assert!(first.misses.iter().any(|miss| miss.id == "unknown"));
        assert_eq!(first.unknown_rules, ["no.such.rule"]);
        assert_eq!(first.unknown_signals, ["no.such.signal"]);
    }

    #[test]
    fn texts_are_cut_by_characters() {
        assert_eq!(truncate("héllo", 3), "hél…");
        assert_eq!(truncate("hé", 3), "hé");
    }
}
