//! The whole engine on the public labelled data sets: how often the decisions of a pack
//! agree with the sets' labels on their **test rows** (what is reported), or on their
//! **validation rows** (what a pack's thresholds may be chosen on).
//!
//! The rows, labels and splits are moderato-model's ([`moderato_model::data::load`]); this
//! module decides the test rows of GHC, Implicit Hate, OLID (level A) and Davidson with the
//! full pipeline (detectors, model, rules) and counts. "Flagged" means a content action more
//! severe than `context_note` on the ladder, so labels and notes do not count as catching a
//! post. Label meanings (see `moderato_model::data`): GHC `hate` = `hd` or `cv`, `violence` =
//! `cv`, `offensive` = any of `hd`, `cv`, `vo`; Implicit Hate `violence` = stage-2
//! `threatening`; OLID `offensive` = `OFF`; Davidson class 0 = hate, 1 = offensive only,
//! 2 = neither.
//!
//! This module must never read a training row, never mix the splits in one report, never tune
//! anything itself, and never write the data anywhere.

use std::collections::{BTreeMap, HashMap};

use moderato_core::ContentItem;
use moderato_model::data::{Dataset, Example, HATE, OFFENSIVE, Split, VIOLENCE};
use moderato_model::eval::{AAE_MARKERS, has_marker};
use serde::Serialize;

use super::{Outcome, Rate, SuiteError, decide_all, describe_policy};
use crate::Engine;

/// The data sets this report decides, in report order.
pub const DATASETS: [Dataset; 4] = [
    Dataset::Ghc,
    Dataset::ImplicitHate,
    Dataset::Olid,
    Dataset::Davidson,
];

/// Prefix of the rules that count as catching a call for violence or a threat.
pub const VIOLENCE_RULES: &str = "violence.";

const DAVIDSON_NEITHER: &str = "flag rate on `neither` (class 2) rows";
const DAVIDSON_WITH_MARKERS: &str = "flag rate on `neither` rows with AAE markers";
const DAVIDSON_WITHOUT_MARKERS: &str = "flag rate on `neither` rows without AAE markers";

/// One measured share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// The data set.
    pub dataset: Dataset,
    /// What is counted, over which rows.
    pub measure: String,
    /// The count, its denominator and the share.
    #[serde(flatten)]
    pub rate: Rate,
}

/// What the engine did on one data set's test rows overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSummary {
    /// The data set.
    pub dataset: Dataset,
    /// Which split, in words.
    pub split: String,
    /// Rows decided.
    pub rows: usize,
    /// Rows flagged above `context_note`.
    pub flagged: Rate,
    /// Rows where any rule matched.
    pub any_rule: Rate,
    /// Rows per content action.
    pub actions: BTreeMap<String, usize>,
}

/// Flag rates on Davidson `neither` test rows with and without African-American English markers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DialectDisparity {
    /// The markers (moderato-model's [`AAE_MARKERS`]).
    pub markers: Vec<String>,
    /// Flagged above `context_note`, rows with a marker.
    pub with_markers: Rate,
    /// Flagged above `context_note`, rows without.
    pub without_markers: Rate,
    /// With / without; `None` when the rate without markers is 0 or undefined.
    pub ratio: Option<f64>,
}

/// The engine on the public sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicReport {
    /// `id@version (digest)` of the pack.
    pub policy: String,
    /// The split decided: `test` or `validation`.
    pub split: Split,
    /// Per data set.
    pub datasets: Vec<DatasetSummary>,
    /// The measures, grouped by data set.
    pub measures: Vec<Measure>,
    /// The dialect disparity on Davidson.
    pub dialect: DialectDisparity,
    /// Ordinary posts (OLID `NOT`, Davidson `neither`) flagged above `context_note`, with the
    /// rules that flagged them. Filled for the validation split only, so that nobody tunes a
    /// pack on the test rows it is reported on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged_ordinary: Vec<FlaggedRow>,
    /// Calls for violence and threats (GHC `cv`, Implicit Hate `threatening`) the pack did not
    /// flag. Filled for the validation split only, like `flagged_ordinary`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missed_violence: Vec<FlaggedRow>,
}

/// One ordinary post the pack flagged (validation rows only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlaggedRow {
    /// The data set.
    pub dataset: Dataset,
    /// The post.
    pub text: String,
    /// The content action.
    pub action: String,
    /// The matched rules.
    pub rules: Vec<String>,
    /// The signals above 0.5.
    pub signals: BTreeMap<String, f64>,
}

/// Decides the rows of [`DATASETS`] in `split` and measures them. `implicit_classes` is
/// [`moderato_model::data::implicit_hate_classes`] (explicit vs implicit hate).
///
/// # Errors
/// [`SuiteError::Split`] for the training split, which is never decided here.
pub fn evaluate(
    engine: &Engine,
    examples: &[Example],
    implicit_classes: &HashMap<String, String>,
    split: Split,
) -> Result<PublicReport, SuiteError> {
    if split == Split::Train {
        return Err(SuiteError::Split);
    }
    let rows: Vec<&Example> = examples
        .iter()
        .filter(|example| example.split == split && DATASETS.contains(&example.dataset))
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for (index, example) in rows.iter().enumerate() {
        let id = format!("{}-{}-{index}", example.dataset.name(), split.name());
        let item: ContentItem = serde_json::from_value(
            serde_json::json!({ "id": id, "text": example.text }),
        )
        .map_err(|error| SuiteError::Item {
            id,
            message: error.to_string(),
        })?;
        items.push(item);
    }
    let references: Vec<&ContentItem> = items.iter().collect();
    let outcomes = decide_all(engine, &references);
    let mut report = tally(&rows, &outcomes, implicit_classes, split);
    report.policy = describe_policy(engine);
    if split == Split::Validation {
        let listed = |keep: &dyn Fn(&Example, &Outcome) -> bool| -> Vec<FlaggedRow> {
            rows.iter()
                .zip(&outcomes)
                .filter(|(example, outcome)| keep(example, outcome))
                .map(|(example, outcome)| FlaggedRow {
                    dataset: example.dataset,
                    text: example.text.clone(),
                    action: outcome.action.to_string(),
                    rules: outcome.rules.clone(),
                    signals: outcome
                        .signals
                        .iter()
                        .filter(|(_, score)| **score > 0.5)
                        .map(|(name, score)| (name.clone(), *score))
                        .collect(),
                })
                .collect()
        };
        report.flagged_ordinary =
            listed(&|example, outcome| ordinary(example) && outcome.above_context_note());
        report.missed_violence = listed(&|example, outcome| {
            example.labels[VIOLENCE] == Some(true) && !outcome.above_context_note()
        });
    }
    Ok(report)
}

/// An ordinary post: OLID `NOT` or Davidson `neither`.
fn ordinary(example: &Example) -> bool {
    match example.dataset {
        Dataset::Olid => example.labels[OFFENSIVE] == Some(false),
        Dataset::Davidson => {
            example.labels[HATE] == Some(false) && example.labels[OFFENSIVE] == Some(false)
        }
        _ => false,
    }
}

/// Counts the measures from the rows of `split` and their outcomes (in the same order).
pub fn tally(
    rows: &[&Example],
    outcomes: &[Outcome],
    implicit_classes: &HashMap<String, String>,
    split: Split,
) -> PublicReport {
    let pairs: Vec<(&Example, &Outcome)> = rows.iter().copied().zip(outcomes).collect();
    let of = |dataset: Dataset| -> Vec<(&Example, &Outcome)> {
        pairs
            .iter()
            .filter(|(example, _)| example.dataset == dataset)
            .copied()
            .collect()
    };
    // Predicates over a row: its labels, its decision, or both.
    type Row<'a> = (&'a Example, &'a Outcome);
    let violence_rule = |(_, outcome): Row| {
        outcome
            .rules
            .iter()
            .any(|rule| rule.starts_with(VIOLENCE_RULES))
    };
    let any_rule = |(_, outcome): Row| !outcome.rules.is_empty();
    let flagged = |(_, outcome): Row| outcome.above_context_note();
    let label =
        |index: usize, value: bool| move |(example, _): Row| example.labels[index] == Some(value);

    let mut measures = Vec::new();
    let mut datasets = Vec::new();
    // Among the rows `selected` picks, the share that `counted` picks.
    let mut add = |dataset: Dataset,
                   measure: &str,
                   rows: &[Row],
                   selected: &dyn Fn(Row) -> bool,
                   counted: &dyn Fn(Row) -> bool| {
        let considered: Vec<Row> = rows.iter().copied().filter(|row| selected(*row)).collect();
        let count = considered.iter().filter(|row| counted(**row)).count();
        measures.push(Measure {
            dataset,
            measure: measure.to_string(),
            rate: Rate::new(count, considered.len()),
        });
    };

    for dataset in DATASETS {
        let rows = of(dataset);
        let mut actions = BTreeMap::new();
        for (_, outcome) in &rows {
            *actions.entry(outcome.action.to_string()).or_insert(0) += 1;
        }
        let all = |_: Row| true;
        let share_of = |predicate: &dyn Fn(Row) -> bool| {
            Rate::new(
                rows.iter().filter(|row| predicate(**row)).count(),
                rows.len(),
            )
        };
        datasets.push(DatasetSummary {
            dataset,
            split: match split {
                Split::Validation => dataset.validation_split(),
                Split::Train | Split::Test => dataset.test_split(),
            }
            .to_string(),
            rows: rows.len(),
            flagged: share_of(&flagged),
            any_rule: share_of(&any_rule),
            actions,
        });
        match dataset {
            Dataset::Ghc => {
                let cv = label(VIOLENCE, true);
                let hate = label(HATE, true);
                add(
                    dataset,
                    "`cv` recall: a `violence.*` rule matched",
                    &rows,
                    &cv,
                    &violence_rule,
                );
                add(
                    dataset,
                    "`cv` recall: any rule matched",
                    &rows,
                    &cv,
                    &any_rule,
                );
                add(dataset, "`cv` recall: flagged", &rows, &cv, &flagged);
                add(
                    dataset,
                    "hate (`hd` or `cv`) recall: flagged",
                    &rows,
                    &hate,
                    &flagged,
                );
                add(
                    dataset,
                    "hate (`hd` or `cv`) precision: flagged rows that are hate",
                    &rows,
                    &flagged,
                    &hate,
                );
                add(
                    dataset,
                    "flag rate on rows with no `hd`, `cv` or `vo`",
                    &rows,
                    &label(OFFENSIVE, false),
                    &flagged,
                );
                add(dataset, "flag rate on all rows", &rows, &all, &flagged);
            }
            Dataset::ImplicitHate => {
                let threatening = label(VIOLENCE, true);
                let class = |name: &'static str| {
                    move |(example, _): Row| {
                        implicit_classes
                            .get(example.text.trim())
                            .is_some_and(|class| class == name)
                    }
                };
                add(
                    dataset,
                    "`threatening` recall: a `violence.*` rule matched",
                    &rows,
                    &threatening,
                    &violence_rule,
                );
                add(
                    dataset,
                    "`threatening` recall: flagged",
                    &rows,
                    &threatening,
                    &flagged,
                );
                add(
                    dataset,
                    "`explicit_hate` recall: flagged",
                    &rows,
                    &class("explicit_hate"),
                    &flagged,
                );
                add(
                    dataset,
                    "`implicit_hate` recall: flagged",
                    &rows,
                    &class("implicit_hate"),
                    &flagged,
                );
                add(
                    dataset,
                    "flag rate on `not_hate` rows",
                    &rows,
                    &class("not_hate"),
                    &flagged,
                );
            }
            Dataset::Olid => {
                let off = label(OFFENSIVE, true);
                add(dataset, "`OFF` recall: flagged", &rows, &off, &flagged);
                add(
                    dataset,
                    "`OFF` precision: flagged rows that are `OFF`",
                    &rows,
                    &flagged,
                    &off,
                );
                add(
                    dataset,
                    "flag rate on `NOT` rows",
                    &rows,
                    &|(example, _): Row| ordinary(example),
                    &flagged,
                );
            }
            Dataset::Davidson => {
                let class = |hate: bool, offensive: bool| {
                    move |(example, _): Row| {
                        example.labels[HATE] == Some(hate)
                            && example.labels[OFFENSIVE] == Some(offensive)
                    }
                };
                let neither = |(example, _): Row| ordinary(example);
                let marked = |row: Row| neither(row) && has_marker(&row.0.normalized);
                let unmarked = |row: Row| neither(row) && !has_marker(&row.0.normalized);
                add(
                    dataset,
                    "hate (class 0) recall: flagged",
                    &rows,
                    &class(true, true),
                    &flagged,
                );
                add(
                    dataset,
                    "offensive (class 1) recall: flagged",
                    &rows,
                    &class(false, true),
                    &flagged,
                );
                add(dataset, DAVIDSON_NEITHER, &rows, &neither, &flagged);
                add(dataset, DAVIDSON_WITH_MARKERS, &rows, &marked, &flagged);
                add(
                    dataset,
                    DAVIDSON_WITHOUT_MARKERS,
                    &rows,
                    &unmarked,
                    &flagged,
                );
            }
            Dataset::Stormfront => {}
        }
    }
    let find = |name: &str| {
        measures
            .iter()
            .find(|measure| measure.dataset == Dataset::Davidson && measure.measure == name)
            .map_or(Rate::new(0, 0), |measure| measure.rate)
    };
    let with_markers = find(DAVIDSON_WITH_MARKERS);
    let without_markers = find(DAVIDSON_WITHOUT_MARKERS);
    let ratio = match (with_markers.rate, without_markers.rate) {
        (Some(with), Some(without)) if without > 0.0 => Some(with / without),
        _ => None,
    };
    PublicReport {
        policy: String::new(),
        split,
        flagged_ordinary: Vec::new(),
        missed_violence: Vec::new(),
        datasets,
        measures,
        dialect: DialectDisparity {
            markers: AAE_MARKERS
                .iter()
                .map(|marker| marker.to_string())
                .collect(),
            with_markers,
            without_markers,
            ratio,
        },
    }
}

fn share(rate: &Rate) -> String {
    rate.rate
        .map_or_else(|| "—".to_string(), |value| format!("{value:.3}"))
}

impl PublicReport {
    /// The report as Markdown tables (for BENCHMARKS.md and the model card).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Policy {}; full engine (detectors, model, rules) on {} rows only; \"flagged\" = content action above `context_note`.\n\n",
            self.policy,
            self.split.name()
        ));
        out.push_str(&format!(
            "| data set | {0} split | {0} rows | flagged | any rule matched | actions |\n",
            self.split.name()
        ));
        out.push_str("|---|---|---:|---:|---:|---|\n");
        for summary in &self.datasets {
            let actions: Vec<String> = summary
                .actions
                .iter()
                .map(|(action, count)| format!("{action} {count}"))
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                summary.dataset.name(),
                summary.split,
                summary.rows,
                share(&summary.flagged),
                share(&summary.any_rule),
                actions.join(", ")
            ));
        }
        out.push_str("\n| data set | measure | count | n | share |\n");
        out.push_str("|---|---|---:|---:|---:|\n");
        for measure in &self.measures {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                measure.dataset.name(),
                measure.measure,
                measure.rate.count,
                measure.rate.n,
                share(&measure.rate)
            ));
        }
        let dialect = &self.dialect;
        out.push_str(&format!(
            "\nDialect disparity (Davidson `neither` {} rows, flagged above `context_note`): with AAE markers {} (n={}), without {} (n={}), ratio {}\n",
            self.split.name(),
            share(&dialect.with_markers),
            dialect.with_markers.n,
            share(&dialect.without_markers),
            dialect.without_markers.n,
            dialect
                .ratio
                .map_or_else(|| "—".to_string(), |ratio| format!("{ratio:.2}"))
        ));
        for (heading, listed) in [
            ("flagged ordinary post", &self.flagged_ordinary),
            ("missed call for violence or threat", &self.missed_violence),
        ] {
            if listed.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n| data set | {heading} | action | rules | signals > 0.5 |\n|---|---|---|---|---|\n"
            ));
            for row in listed {
                let signals: Vec<String> = row
                    .signals
                    .iter()
                    .map(|(name, score)| format!("{name} {score:.2}"))
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    row.dataset.name(),
                    row.text.replace(['\n', '\r'], " ").replace('|', "\\|"),
                    row.action,
                    row.rules.join(", "),
                    signals.join(", ")
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderato_core::ContentAction;

    fn example(dataset: Dataset, text: &str, labels: [Option<bool>; 3]) -> Example {
        Example {
            dataset,
            text: text.to_string(),
            normalized: text.to_string(),
            labels,
            split: Split::Test,
        }
    }

    fn outcome(action: ContentAction, rules: &[&str]) -> Outcome {
        Outcome {
            action,
            rules: rules.iter().map(|rule| rule.to_string()).collect(),
            signals: BTreeMap::new(),
        }
    }

    fn rate(report: &PublicReport, dataset: Dataset, prefix: &str) -> Rate {
        report
            .measures
            .iter()
            .find(|measure| measure.dataset == dataset && measure.measure.starts_with(prefix))
            .unwrap_or_else(|| panic!("no measure {prefix}"))
            .rate
    }

    #[test]
    fn flagged_ordinary_posts_are_listed_for_validation_rows_only() {
        let engine = Engine::with_default_policy().expect("default pack");
        let classes = HashMap::new();
        let threat = "I will shoot you tomorrow at the station, @ann";
        let mut rows = vec![
            // An ordinary Davidson row that the pack flags, and one it allows.
            example(Dataset::Davidson, threat, [Some(false), Some(false), None]),
            example(
                Dataset::Davidson,
                "lovely weather today",
                [Some(false), Some(false), None],
            ),
            // Flagged, but labelled offensive: not an ordinary post.
            example(Dataset::Olid, threat, [None, Some(true), None]),
            // A call for violence the pack misses, and one it flags.
            example(
                Dataset::Ghc,
                "the weather is nice",
                [None, None, Some(true)],
            ),
            example(Dataset::Ghc, threat, [None, None, Some(true)]),
        ];
        let test = evaluate(&engine, &rows, &classes, Split::Test).expect("test split");
        assert!(test.flagged_ordinary.is_empty());
        assert_eq!(test.split, Split::Test);

        for row in &mut rows {
            row.split = Split::Validation;
        }
        let validation = evaluate(&engine, &rows, &classes, Split::Validation).expect("validation");
        assert_eq!(validation.split, Split::Validation);
        assert!(test.missed_violence.is_empty());
        assert_eq!(validation.flagged_ordinary.len(), 1);
        assert_eq!(validation.flagged_ordinary[0].text, threat);
        assert!(!validation.flagged_ordinary[0].rules.is_empty());
        assert!(validation.to_markdown().contains("flagged ordinary post"));
        assert_eq!(validation.missed_violence.len(), 1);
        assert_eq!(validation.missed_violence[0].text, "the weather is nice");
        assert!(
            validation
                .to_markdown()
                .contains("missed call for violence or threat")
        );
        assert!(validation.to_markdown().contains("validation rows"));

        assert!(matches!(
            evaluate(&engine, &rows, &classes, Split::Train),
            Err(SuiteError::Split)
        ));
    }

    #[test]
    fn measures_count_the_right_rows() {
        let (t, f) = (Some(true), Some(false));
        let rows = vec![
            // GHC: [hate, offensive, cv]
            example(Dataset::Ghc, "cv caught", [t, t, t]),
            example(Dataset::Ghc, "cv labelled only", [t, t, t]),
            example(Dataset::Ghc, "hd flagged", [t, t, f]),
            example(Dataset::Ghc, "clean flagged", [f, f, f]),
            // Implicit Hate
            example(Dataset::ImplicitHate, "a threat", [t, None, t]),
            example(Dataset::ImplicitHate, "explicit", [t, None, None]),
            example(Dataset::ImplicitHate, "benign", [f, None, f]),
            // OLID
            example(Dataset::Olid, "off", [None, t, None]),
            example(Dataset::Olid, "not", [None, f, None]),
            // Davidson: neither, one with a marker
            example(Dataset::Davidson, "finna go home", [f, f, None]),
            example(Dataset::Davidson, "going home", [f, f, None]),
            example(Dataset::Davidson, "slur", [t, t, None]),
        ];
        let outcomes = vec![
            outcome(ContentAction::Remove, &["violence.incitement"]),
            outcome(ContentAction::ContextNote, &["misinfo.civic"]),
            outcome(ContentAction::HoldForReview, &["hate.dehumanization"]),
            outcome(ContentAction::Remove, &["harassment.insult"]),
            outcome(ContentAction::Label, &["violence.threat"]),
            outcome(ContentAction::Allow, &[]),
            outcome(ContentAction::Allow, &[]),
            outcome(ContentAction::Remove, &["harassment.insult"]),
            outcome(ContentAction::ReduceDistribution, &["spam.promotional"]),
            outcome(ContentAction::Remove, &["harassment.insult"]),
            outcome(ContentAction::Allow, &[]),
            outcome(ContentAction::Allow, &[]),
        ];
        let classes = HashMap::from([
            ("a threat".to_string(), "implicit_hate".to_string()),
            ("explicit".to_string(), "explicit_hate".to_string()),
            ("benign".to_string(), "not_hate".to_string()),
        ]);
        let refs: Vec<&Example> = rows.iter().collect();
        let report = tally(&refs, &outcomes, &classes, Split::Test);

        assert_eq!(
            rate(&report, Dataset::Ghc, "`cv` recall: a `violence"),
            Rate::new(1, 2)
        );
        assert_eq!(
            rate(&report, Dataset::Ghc, "`cv` recall: any rule"),
            Rate::new(2, 2)
        );
        // The context note is not above `context_note`.
        assert_eq!(
            rate(&report, Dataset::Ghc, "`cv` recall: flagged"),
            Rate::new(1, 2)
        );
        assert_eq!(
            rate(&report, Dataset::Ghc, "hate (`hd` or `cv`) recall"),
            Rate::new(2, 3)
        );
        assert_eq!(
            rate(&report, Dataset::Ghc, "hate (`hd` or `cv`) precision"),
            Rate::new(2, 3)
        );
        assert_eq!(
            rate(&report, Dataset::Ghc, "flag rate on rows with no"),
            Rate::new(1, 1)
        );
        assert_eq!(
            rate(
                &report,
                Dataset::ImplicitHate,
                "`threatening` recall: a `violence"
            ),
            Rate::new(1, 1)
        );
        assert_eq!(
            rate(
                &report,
                Dataset::ImplicitHate,
                "`threatening` recall: flagged"
            ),
            Rate::new(0, 1)
        );
        assert_eq!(
            rate(&report, Dataset::ImplicitHate, "`explicit_hate`"),
            Rate::new(0, 1)
        );
        assert_eq!(
            rate(&report, Dataset::ImplicitHate, "flag rate on `not_hate`"),
            Rate::new(0, 1)
        );
        assert_eq!(
            rate(&report, Dataset::Olid, "`OFF` recall"),
            Rate::new(1, 1)
        );
        assert_eq!(
            rate(&report, Dataset::Olid, "`OFF` precision"),
            Rate::new(1, 2)
        );
        assert_eq!(
            rate(&report, Dataset::Olid, "flag rate on `NOT`"),
            Rate::new(1, 1)
        );
        assert_eq!(
            rate(&report, Dataset::Davidson, "hate (class 0)"),
            Rate::new(0, 1)
        );
        assert_eq!(
            rate(
                &report,
                Dataset::Davidson,
                "flag rate on `neither` (class 2)"
            ),
            Rate::new(1, 2)
        );
        assert_eq!(report.dialect.with_markers, Rate::new(1, 1));
        assert_eq!(report.dialect.without_markers, Rate::new(0, 1));
        assert_eq!(report.dialect.ratio, None);
        let ghc = &report.datasets[0];
        assert_eq!((ghc.rows, ghc.flagged), (4, Rate::new(3, 4)));
        let markdown = report.to_markdown();
        assert!(
            markdown.contains(
                "| olid | `OFF` precision: flagged rows that are `OFF` | 1 | 2 | 0.500 |"
            ),
            "{markdown}"
        );
    }
}
