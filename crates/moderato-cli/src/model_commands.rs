//! `moderato train` and `moderato eval`: the built-in text model's trainer and
//! its evaluation on held-out data, both reading the labelled data sets from a folder;
//! and `moderato eval --suite` / `--public`, which score the whole engine's decisions on a
//! labelled suite or on the public sets' test rows.
//!
//! This module parses, calls moderato-model and moderato-engine and prints; it must never
//! hold training, scoring or metric logic, and never copy the data sets anywhere.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use moderato_engine::suite::{self, SuiteError, SuiteOptions};
use moderato_engine::{Engine, load_pack_from};
use moderato_model::{ModelError, TextModel, TrainConfig, data, eval, train};

use crate::exit;

/// Arguments of `moderato train`.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Folder with the labelled data sets (see its README).
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    data: PathBuf,
    /// Where to write the weights (default `models/moderato-text-v1.bin`, or
    /// `models/moderato-suite-v1.bin` with --suite).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Train the rule-category model (`model.threat`, `model.incitement`, …) on these labelled
    /// suites instead of the public data sets; repeat for each file. Never name a suite you report.
    #[arg(long = "suite", value_name = "FILE.jsonl")]
    suites: Vec<PathBuf>,
    /// Seed of the row order; the same seed and data give the same weights.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Passes over the training rows.
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    epochs: usize,
}

/// Arguments of `moderato eval`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("engine_mode").args(["suite", "public"]).multiple(false)))]
pub struct EvalArgs {
    /// Folder with the labelled data sets (see its README), for the text model's evaluation.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/data",
        conflicts_with = "engine_mode"
    )]
    data: PathBuf,
    /// Weights to evaluate; the built-in weights when omitted.
    #[arg(long, value_name = "FILE", conflicts_with = "engine_mode")]
    model: Option<PathBuf>,
    /// Run a labelled JSONL suite through the whole engine and score its decisions.
    #[arg(long, value_name = "FILE.jsonl")]
    suite: Option<PathBuf>,
    /// Run the whole engine over the test rows of the public labelled data sets in DIR.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "../shared/data")]
    public: Option<PathBuf>,
    /// With --public: which held-out rows to decide (`test` is what is reported; `validation`
    /// is what a pack's thresholds may be chosen on).
    #[arg(long, value_enum, default_value_t = PublicSplit::Test, requires = "public")]
    split: PublicSplit,
    /// With --public --split validation: list this many flagged ordinary posts (OLID `NOT`,
    /// Davidson `neither`) with their rules. Never offered for the test rows.
    #[arg(long, value_name = "N", requires = "public")]
    show_flagged: Option<usize>,
    /// With --public --split validation: list this many calls for violence and threats (GHC
    /// `cv`, Implicit Hate `threatening`) the pack did not flag. Never offered for the test rows.
    #[arg(long, value_name = "N", requires = "public")]
    show_missed: Option<usize>,
    /// Policy pack for --suite or --public (`default` or omitted: the embedded pack).
    #[arg(long, value_name = "DIR", requires = "engine_mode")]
    policy: Option<PathBuf>,
    /// With --suite: exit 1 when the overall accuracy is below this (0 to 1).
    #[arg(long, value_name = "ACCURACY", requires = "suite")]
    min: Option<f64>,
    /// With --suite: how many misses to list (0 lists all).
    #[arg(long, value_name = "N", default_value_t = SuiteOptions::default().misses, requires = "suite")]
    misses: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The held-out rows `eval --public` decides.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PublicSplit {
    /// The test rows: the figures to report.
    Test,
    /// The validation rows: where thresholds may be chosen.
    Validation,
}

/// Reads the labelled data sets; `flag` names the option they came from, for the message.
fn load_data(folder: &std::path::Path, flag: &str) -> anyhow::Result<Vec<data::Example>> {
    data::load(folder).map_err(|error| match error {
        ModelError::ReadData { .. } | ModelError::DataFormat { .. } => exit::InputError(format!(
            "{error} (the labelled data sets are read from {flag}, default ../shared/data)"
        ))
        .into(),
        other => anyhow::Error::from(other),
    })
}

/// Trains the model and writes its weights.
pub fn train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let config = TrainConfig {
        seed: args.seed,
        epochs: args.epochs,
        ..TrainConfig::default()
    };
    let (model, summaries, default_output) = if args.suites.is_empty() {
        let examples = load_data(&args.data, "--data")?;
        let (model, summaries) = train::train(&examples, &config)?;
        (model, summaries, "models/moderato-text-v1.bin")
    } else {
        let mut rows = Vec::new();
        for path in &args.suites {
            rows.extend(
                moderato_model::suites::load_suite(path).map_err(|error| match error {
                    ModelError::ReadData { .. } => anyhow::Error::from(exit::InputError(format!(
                        "--suite: cannot read `{}`",
                        path.display()
                    ))),
                    other => anyhow::Error::from(exit::InputError(other.to_string())),
                })?,
            );
        }
        // Ordinary posts of the public sets (rows labelled neither hateful, offensive nor
        // violent) are negatives for every rule: without them the model reads any post unlike
        // the suites' as harmful. Their test rows are dropped, as in `train`.
        let public = load_data(&args.data, "--data")?;
        let ordinary = moderato_model::suites::ordinary_rows(&public);
        let mut labelled: Vec<train::LabelledText<'_>> = rows
            .iter()
            .map(|row| train::LabelledText {
                normalized: &row.normalized,
                labels: row.labels.clone(),
                validation: row.validation,
            })
            .collect();
        labelled.extend(ordinary);
        let names: Vec<&str> = moderato_model::suites::SUITE_LABELS
            .iter()
            .map(|(name, _)| *name)
            .collect();
        let (model, summaries) = train::train_labels(&names, &labelled, &config)?;
        (model, summaries, "models/moderato-suite-v1.bin")
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_output));
    let bytes = model.to_bytes();
    if let Some(parent) = output
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let temporary = output.with_extension("bin.tmp");
    std::fs::write(&temporary, &bytes)
        .with_context(|| format!("failed to write `{}`", temporary.display()))?;
    std::fs::rename(&temporary, &output)
        .with_context(|| format!("failed to write `{}`", output.display()))?;
    println!(
        "| label | train rows | positives | validation rows | positives | threshold | validation F1 | validation PR-AUC |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for summary in &summaries {
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.3} | {:.3} |",
            summary.label,
            summary.train_rows,
            summary.train_positives,
            summary.validation_rows,
            summary.validation_positives,
            summary.threshold,
            summary.validation_f1,
            summary.validation_pr_auc
        );
    }
    println!(
        "wrote {} ({} bytes): {}",
        output.display(),
        bytes.len(),
        model.note
    );
    Ok(ExitCode::SUCCESS)
}

/// Evaluates weights on the held-out rows and prints the table; or, with `--suite` or
/// `--public`, the whole engine.
pub fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.suite {
        return eval_suite(&args, path);
    }
    if let Some(folder) = &args.public {
        return eval_public(&args, folder);
    }
    let model: Arc<TextModel> = match &args.model {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|error| {
                exit::InputError(format!("failed to read `{}`: {error}", path.display()))
            })?;
            Arc::new(
                TextModel::from_bytes(&bytes)
                    .map_err(|error| exit::InputError(format!("{}: {error}", path.display())))?,
            )
        }
        None => moderato_engine::builtin_model()?,
    };
    let examples = load_data(&args.data, "--data")?;
    let report = eval::evaluate(&model, &examples);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(ExitCode::SUCCESS)
}

fn engine_for(policy: Option<&Path>) -> anyhow::Result<Engine> {
    Ok(Engine::new(load_pack_from(policy)?)?)
}

/// `moderato eval --suite FILE`: decides every case, prints the report, enforces `--min`.
fn eval_suite(args: &EvalArgs, path: &Path) -> anyhow::Result<ExitCode> {
    if let Some(minimum) = args.min
        && !(0.0..=1.0).contains(&minimum)
    {
        return Err(exit::InputError(format!("--min {minimum} is outside 0..1")).into());
    }
    let engine = engine_for(args.policy.as_deref())?;
    let suite = suite::read_suite(path, engine.limits()).map_err(|error| match error {
        SuiteError::Read { path, source } => exit::InputError(format!(
            "failed to read suite `{}`: {source}",
            path.display()
        )),
        other => exit::InputError(other.to_string()),
    })?;
    let report = suite::run(
        &engine,
        &suite,
        SuiteOptions {
            misses: args.misses,
        },
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    if let Some(minimum) = args.min
        && let Err(error) = report.check_minimum(minimum)
    {
        eprintln!("error: {error} (--min)");
        return Ok(ExitCode::from(exit::PROBLEMS_FOUND));
    }
    Ok(ExitCode::SUCCESS)
}

/// `moderato eval --public DIR`: the whole engine on the public sets' test rows.
fn eval_public(args: &EvalArgs, folder: &Path) -> anyhow::Result<ExitCode> {
    if (args.show_flagged.is_some() || args.show_missed.is_some())
        && matches!(args.split, PublicSplit::Test)
    {
        return Err(exit::InputError(
            "--show-flagged and --show-missed list validation rows only (add --split validation): the test rows are reported, never inspected for tuning".to_string(),
        )
        .into());
    }
    if !folder.is_dir() {
        return Err(exit::InputError(format!(
            "data folder `{}` does not exist or is not a folder (give the labelled data sets with --public DIR)",
            folder.display()
        ))
        .into());
    }
    let engine = engine_for(args.policy.as_deref())?;
    let examples = load_data(folder, "--public DIR")?;
    let classes = data::implicit_hate_classes(folder).map_err(|error| {
        exit::InputError(format!(
            "{error} (the labelled data sets are read from --public DIR)"
        ))
    })?;
    let split = match args.split {
        PublicSplit::Test => data::Split::Test,
        PublicSplit::Validation => data::Split::Validation,
    };
    let mut report = suite::public::evaluate(&engine, &examples, &classes, split)?;
    report
        .flagged_ordinary
        .truncate(args.show_flagged.unwrap_or(0));
    report
        .missed_violence
        .truncate(args.show_missed.unwrap_or(0));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(ExitCode::SUCCESS)
}
