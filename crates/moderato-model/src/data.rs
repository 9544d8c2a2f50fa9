//! Reading the labelled data sets of `../shared/data` into examples with
//! Moderato's labels and fixed train / validation / test splits.
//!
//! Label mapping (documented in `models/README.md`):
//! - `hate`: Davidson class 0; Implicit Hate stage 1 `explicit_hate` or `implicit_hate`;
//!   Stormfront label 1; GHC `hd` or `cv`. OLID has no hate label and is left out.
//! - `offensive`: OLID level A `OFF`; Davidson class 0 or 1; GHC `hd`, `cv` or `vo`.
//!   Stormfront and Implicit Hate have no such label and are left out.
//! - `violence`: GHC `cv`; Implicit Hate stage 2 `threatening` (as main or extra class)
//!   against every other stage-2 class and stage-1 `not_hate`. OLID level B `TIN` mixes
//!   insults with threats and is not used; Davidson and Stormfront have no such label.
//!
//! Splits: OLID and GHC use their official test files as test and a fixed tenth of their
//! training files (by a hash of the text) as validation. Davidson, Stormfront and Implicit
//! Hate are split by a fixed hash of the text: a tenth test, a tenth validation. The hash key
//! does not depend on the training seed, so the held-out rows never change. Any training or
//! validation row whose words equal those of a test row (in any data set) is dropped.
//! This module must never write anything: the data sets stay outside the repository.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::ModelError;
use crate::features::{hash_feature, tokenize};

/// Moderato's labels, in the order of [`Example::labels`] and of the model.
pub const LABELS: [&str; 3] = ["hate", "offensive", "violence"];

/// Index of `hate` in [`LABELS`].
pub const HATE: usize = 0;
/// Index of `offensive` in [`LABELS`].
pub const OFFENSIVE: usize = 1;
/// Index of `violence` in [`LABELS`].
pub const VIOLENCE: usize = 2;

/// A labelled data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// OLID / OffensEval 2019 (Zampieri et al. 2019).
    Olid,
    /// Gab Hate Corpus (Kennedy et al. 2022).
    Ghc,
    /// Davidson et al. 2017, hate speech and offensive language.
    Davidson,
    /// Stormfront sentences (de Gibert et al. 2018).
    Stormfront,
    /// Implicit Hate (ElSherief et al. 2021).
    ImplicitHate,
}

impl Dataset {
    /// Every data set, in report order.
    pub const ALL: [Dataset; 5] = [
        Dataset::Olid,
        Dataset::Ghc,
        Dataset::Davidson,
        Dataset::Stormfront,
        Dataset::ImplicitHate,
    ];

    /// Short name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Olid => "olid",
            Dataset::Ghc => "ghc",
            Dataset::Davidson => "davidson",
            Dataset::Stormfront => "stormfront",
            Dataset::ImplicitHate => "implicit_hate",
        }
    }

    /// Which rows are this data set's validation split, in words.
    pub fn validation_split(self) -> &'static str {
        match self {
            Dataset::Olid | Dataset::Ghc => "a fixed tenth of the training file, by text hash",
            _ => "fixed 10 % by text hash",
        }
    }

    /// Which rows are this data set's test split, in words.
    pub fn test_split(self) -> &'static str {
        match self {
            Dataset::Olid => "official test (testset-levela.tsv + labels-levela.csv)",
            Dataset::Ghc => "official test (ghc_test.tsv)",
            _ => "fixed 10 % held out by text hash",
        }
    }
}

/// Which part of the data a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Used to fit the weights.
    Train,
    /// Used for calibration and thresholds.
    Validation,
    /// Used only for evaluation.
    Test,
}

impl Split {
    /// `train`, `validation` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// One labelled row.
#[derive(Debug, Clone)]
pub struct Example {
    /// Where it comes from.
    pub dataset: Dataset,
    /// The original text.
    pub text: String,
    /// The text after `moderato_detect::normalize` (filled in by [`load`]).
    pub normalized: String,
    /// `Some(true/false)` per label of [`LABELS`] where the data set labels it, `None` where not.
    pub labels: [Option<bool>; 3],
    /// Train, validation or test.
    pub split: Split,
}

/// Fixed salts of the split hashes; changing them would change the held-out rows.
const SPLIT_SALT: &[u8] = b"moderato-split-v1";
const VALIDATION_SALT: &[u8] = b"moderato-validation-v1";

fn bucket_of(salt: &[u8], text: &str) -> u64 {
    hash_feature(0, &[salt, text.trim().as_bytes()]) % 10
}

fn hashed_split(text: &str) -> Split {
    match bucket_of(SPLIT_SALT, text) {
        0 => Split::Test,
        1 => Split::Validation,
        _ => Split::Train,
    }
}

fn validation_or_train(text: &str) -> Split {
    if bucket_of(VALIDATION_SALT, text) == 0 {
        Split::Validation
    } else {
        Split::Train
    }
}

/// Reads delimited records: quoted fields with doubled quotes, newlines allowed inside quotes.
pub fn parse_records(content: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_field_start = true;
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            c if c == delimiter => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn read(path: &Path, delimiter: char) -> Result<Vec<Vec<String>>, ModelError> {
    let content = std::fs::read_to_string(path).map_err(|source| ModelError::ReadData {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse_records(&content, delimiter))
}

/// Reads a file and finds the named columns of its header row.
struct Table {
    path: PathBuf,
    records: Vec<Vec<String>>,
    columns: Vec<usize>,
}

impl Table {
    fn open(path: PathBuf, delimiter: char, wanted: &[&str]) -> Result<Table, ModelError> {
        let records = read(&path, delimiter)?;
        let header = records.first().cloned().unwrap_or_default();
        let mut columns = Vec::new();
        for name in wanted {
            let index = header
                .iter()
                .position(|column| column.trim() == *name)
                .ok_or_else(|| ModelError::DataFormat {
                    path: path.clone(),
                    record: 1,
                    reason: format!("no column `{name}` in the header"),
                })?;
            columns.push(index);
        }
        Ok(Table {
            path,
            records,
            columns,
        })
    }

    /// The wanted fields of each data row, with its 1-based record number.
    fn rows(&self) -> impl Iterator<Item = Result<(usize, Vec<&str>), ModelError>> + '_ {
        self.records
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, record)| !(record.len() == 1 && record[0].is_empty()))
            .map(|(index, record)| {
                let fields: Option<Vec<&str>> = self
                    .columns
                    .iter()
                    .map(|column| record.get(*column).map(String::as_str))
                    .collect();
                fields
                    .map(|fields| (index + 1, fields))
                    .ok_or_else(|| ModelError::DataFormat {
                        path: self.path.clone(),
                        record: index + 1,
                        reason: format!("{} fields, fewer than expected", record.len()),
                    })
            })
    }

    fn bad(&self, record: usize, reason: String) -> ModelError {
        ModelError::DataFormat {
            path: self.path.clone(),
            record,
            reason,
        }
    }
}

fn flag(table: &Table, record: usize, value: &str) -> Result<bool, ModelError> {
    match value.trim() {
        "0" => Ok(false),
        "1" => Ok(true),
        other => Err(table.bad(record, format!("expected 0 or 1, found `{other}`"))),
    }
}

/// The files every data set needs, relative to the data folder.
pub const REQUIRED_FILES: &[&str] = &[
    "olid/olid-training-v1.0.tsv",
    "olid/testset-levela.tsv",
    "olid/labels-levela.csv",
    "gab-hate-corpus/ghc_train.tsv",
    "gab-hate-corpus/ghc_test.tsv",
    "davidson-hate-offensive/labeled_data.csv",
    "stormfront/data_stormfront_nonHate_hate.tsv",
    "implicit-hate/implicit_hate_v1_stg1_posts.tsv",
    "implicit-hate/implicit_hate_v1_stg2_posts.tsv",
];

/// Checks that every required file exists, naming the first one that does not.
pub fn check_files(folder: &Path) -> Result<(), ModelError> {
    for file in REQUIRED_FILES {
        let path = folder.join(file);
        if !path.is_file() {
            return Err(ModelError::ReadData {
                path,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
            });
        }
    }
    Ok(())
}

/// Reads every data set under `folder` (e.g. `../shared/data`).
pub fn load(folder: &Path) -> Result<Vec<Example>, ModelError> {
    check_files(folder)?;
    let mut examples = Vec::new();
    let none = [None, None, None];

    // OLID level A.
    let table = Table::open(
        folder.join("olid/olid-training-v1.0.tsv"),
        '\t',
        &["tweet", "subtask_a"],
    )?;
    for row in table.rows() {
        let (record, fields) = row?;
        let offensive = match fields[1].trim() {
            "OFF" => true,
            "NOT" => false,
            other => return Err(table.bad(record, format!("level A label `{other}`"))),
        };
        let mut labels = none;
        labels[OFFENSIVE] = Some(offensive);
        examples.push(Example {
            dataset: Dataset::Olid,
            text: fields[0].to_string(),
            labels,
            split: validation_or_train(fields[0]),
            normalized: String::new(),
        });
    }
    let gold = Table::open(folder.join("olid/labels-levela.csv"), ',', &["id", "label"])?;
    let mut gold_by_id = HashMap::new();
    for row in gold.rows() {
        let (record, fields) = row?;
        let offensive = match fields[1].trim() {
            "OFF" => true,
            "NOT" => false,
            other => return Err(gold.bad(record, format!("level A label `{other}`"))),
        };
        gold_by_id.insert(fields[0].trim().to_string(), offensive);
    }
    let table = Table::open(
        folder.join("olid/testset-levela.tsv"),
        '\t',
        &["id", "tweet"],
    )?;
    for row in table.rows() {
        let (record, fields) = row?;
        let offensive = *gold_by_id
            .get(fields[0].trim())
            .ok_or_else(|| table.bad(record, format!("no gold label for id `{}`", fields[0])))?;
        let mut labels = none;
        labels[OFFENSIVE] = Some(offensive);
        examples.push(Example {
            dataset: Dataset::Olid,
            text: fields[1].to_string(),
            labels,
            split: Split::Test,
            normalized: String::new(),
        });
    }

    // Gab Hate Corpus.
    for (file, test) in [("ghc_train.tsv", false), ("ghc_test.tsv", true)] {
        let table = Table::open(
            folder.join("gab-hate-corpus").join(file),
            '\t',
            &["text", "hd", "cv", "vo"],
        )?;
        for row in table.rows() {
            let (record, fields) = row?;
            let human_dignity = flag(&table, record, fields[1])?;
            let violence = flag(&table, record, fields[2])?;
            let vulgar = flag(&table, record, fields[3])?;
            examples.push(Example {
                dataset: Dataset::Ghc,
                text: fields[0].to_string(),
                labels: [
                    Some(human_dignity || violence),
                    Some(human_dignity || violence || vulgar),
                    Some(violence),
                ],
                split: if test {
                    Split::Test
                } else {
                    validation_or_train(fields[0])
                },
                normalized: String::new(),
            });
        }
    }

    // Davidson et al.
    let table = Table::open(
        folder.join("davidson-hate-offensive/labeled_data.csv"),
        ',',
        &["class", "tweet"],
    )?;
    for row in table.rows() {
        let (record, fields) = row?;
        let (hate, offensive) = match fields[0].trim() {
            "0" => (true, true),
            "1" => (false, true),
            "2" => (false, false),
            other => return Err(table.bad(record, format!("class `{other}`"))),
        };
        examples.push(Example {
            dataset: Dataset::Davidson,
            text: fields[1].to_string(),
            labels: [Some(hate), Some(offensive), None],
            split: hashed_split(fields[1]),
            normalized: String::new(),
        });
    }

    // Stormfront.
    let table = Table::open(
        folder.join("stormfront/data_stormfront_nonHate_hate.tsv"),
        '\t',
        &["text", "label"],
    )?;
    for row in table.rows() {
        let (record, fields) = row?;
        let hate = flag(&table, record, fields[1])?;
        examples.push(Example {
            dataset: Dataset::Stormfront,
            text: fields[0].to_string(),
            labels: [Some(hate), None, None],
            split: hashed_split(fields[0]),
            normalized: String::new(),
        });
    }

    // Implicit Hate: stage 1 for hate, stage 2 (joined by post text) for threats.
    let table = Table::open(
        folder.join("implicit-hate/implicit_hate_v1_stg2_posts.tsv"),
        '\t',
        &["post", "implicit_class", "extra_implicit_class"],
    )?;
    let mut threatening: HashMap<String, bool> = HashMap::new();
    for row in table.rows() {
        let (_, fields) = row?;
        let threat = fields[1].trim() == "threatening" || fields[2].trim() == "threatening";
        let entry = threatening.entry(fields[0].trim().to_string()).or_default();
        *entry = *entry || threat;
    }
    let table = Table::open(
        folder.join("implicit-hate/implicit_hate_v1_stg1_posts.tsv"),
        '\t',
        &["post", "class"],
    )?;
    for row in table.rows() {
        let (record, fields) = row?;
        let (hate, violence) = match fields[1].trim() {
            "explicit_hate" => (true, None),
            "implicit_hate" => (true, threatening.get(fields[0].trim()).copied()),
            "not_hate" => (false, Some(false)),
            other => return Err(table.bad(record, format!("class `{other}`"))),
        };
        examples.push(Example {
            dataset: Dataset::ImplicitHate,
            text: fields[0].to_string(),
            labels: [Some(hate), None, violence],
            split: hashed_split(fields[0]),
            normalized: String::new(),
        });
    }

    normalize_all(&mut examples);
    drop_test_duplicates(&mut examples);
    Ok(examples)
}

/// The stage-1 class of every Implicit Hate post (`explicit_hate`, `implicit_hate` or
/// `not_hate`), by its trimmed text, for reports that tell explicit from implicit hate
/// ([`Example::labels`] folds both into `hate`). A text listed twice keeps its first class.
///
/// This reads the same file as [`load`] and changes nothing that [`load`] returns: no label,
/// no split and no training row depends on it.
pub fn implicit_hate_classes(folder: &Path) -> Result<HashMap<String, String>, ModelError> {
    let table = Table::open(
        folder.join("implicit-hate/implicit_hate_v1_stg1_posts.tsv"),
        '\t',
        &["post", "class"],
    )?;
    let mut classes = HashMap::new();
    for row in table.rows() {
        let (record, fields) = row?;
        let class = fields[1].trim();
        if !matches!(class, "explicit_hate" | "implicit_hate" | "not_hate") {
            return Err(table.bad(record, format!("class `{class}`")));
        }
        classes
            .entry(fields[0].trim().to_string())
            .or_insert_with(|| class.to_string());
    }
    Ok(classes)
}

/// Normalises every example's text, on two threads (the order of results does not depend on them).
fn normalize_all(examples: &mut [Example]) {
    let half = examples.len().div_ceil(2).max(1);
    std::thread::scope(|scope| {
        for chunk in examples.chunks_mut(half) {
            scope.spawn(move || {
                for example in chunk {
                    example.normalized = moderato_detect::normalize(&example.text).text;
                }
            });
        }
    });
}

/// The words of a normalised text, for spotting the same post in two places.
fn duplicate_key(normalized: &str) -> String {
    tokenize(normalized)
        .into_iter()
        .map(|token| token.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Drops training and validation rows whose words equal a test row's, so no test text is learned.
fn drop_test_duplicates(examples: &mut Vec<Example>) {
    let test: HashSet<String> = examples
        .iter()
        .filter(|example| example.split == Split::Test)
        .map(|example| duplicate_key(&example.normalized))
        .collect();
    examples.retain(|example| {
        example.split == Split::Test || !test.contains(&duplicate_key(&example.normalized))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_quotes_and_newlines_parse() {
        let records = parse_records("a\tb\n\"x \"\"y\"\"\nz\"\t1\nplain\t0\n", '\t');
        assert_eq!(
            records,
            vec![
                vec!["a".to_string(), "b".to_string()],
                vec!["x \"y\"\nz".to_string(), "1".to_string()],
                vec!["plain".to_string(), "0".to_string()],
            ]
        );
    }

    #[test]
    fn a_missing_folder_names_the_first_missing_file() {
        let error = load(Path::new("/nonexistent/moderato-data")).unwrap_err();
        assert!(error.to_string().contains("olid/olid-training-v1.0.tsv"));
    }

    #[test]
    fn implicit_hate_classes_are_read_by_text_and_checked() {
        let folder =
            std::env::temp_dir().join(format!("moderato-ih-classes-{}", std::process::id()));
        let file = folder.join("implicit-hate/implicit_hate_v1_stg1_posts.tsv");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(
            &file,
            "post\tclass\n a post \timplicit_hate\nanother\tnot_hate\na post\texplicit_hate\n",
        )
        .unwrap();
        let classes = implicit_hate_classes(&folder).unwrap();
        assert_eq!(classes.len(), 2);
        assert_eq!(classes["a post"], "implicit_hate");
        assert_eq!(classes["another"], "not_hate");
        std::fs::write(&file, "post\tclass\nx\tsomething_else\n").unwrap();
        let error = implicit_hate_classes(&folder).unwrap_err().to_string();
        assert!(error.contains("record 2"), "{error}");
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn splits_are_fixed_by_text() {
        assert_eq!(hashed_split("some post"), hashed_split("some post  "));
        let tests = (0..1000)
            .filter(|index| hashed_split(&format!("post {index}")) == Split::Test)
            .count();
        assert!((60..140).contains(&tests), "{tests}");
    }
}
