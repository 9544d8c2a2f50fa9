//! `moderato train` and `moderato eval`: the built-in text model's trainer and
//! its evaluation on held-out data, both reading the labelled data sets from a folder.
//!
//! This module parses, calls moderato-model and prints; it must never hold
//! training or metric logic, and never copy the data sets anywhere.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use moderato_model::{ModelError, TextModel, TrainConfig, data, eval, train};

use crate::exit;

/// Arguments of `moderato train`.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Folder with the labelled data sets (see its README).
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    data: PathBuf,
    /// Where to write the weights.
    #[arg(short, long, default_value = "models/moderato-text-v1.bin")]
    output: PathBuf,
    /// Seed of the row order; the same seed and data give the same weights.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Passes over the training rows.
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    epochs: usize,
}

/// Arguments of `moderato eval`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Folder with the labelled data sets (see its README).
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    data: PathBuf,
    /// Weights to evaluate; the built-in weights when omitted.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn load_data(folder: &std::path::Path) -> anyhow::Result<Vec<data::Example>> {
    data::load(folder).map_err(|error| match error {
        ModelError::ReadData { .. } | ModelError::DataFormat { .. } => exit::InputError(format!(
            "{error} (the labelled data sets are read from --data, default ../shared/data)"
        ))
        .into(),
        other => anyhow::Error::from(other),
    })
}

/// Trains the model and writes its weights.
pub fn train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let examples = load_data(&args.data)?;
    let config = TrainConfig {
        seed: args.seed,
        epochs: args.epochs,
        ..TrainConfig::default()
    };
    let (model, summaries) = train::train(&examples, &config)?;
    let bytes = model.to_bytes();
    if let Some(parent) = args
        .output
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let temporary = args.output.with_extension("bin.tmp");
    std::fs::write(&temporary, &bytes)
        .with_context(|| format!("failed to write `{}`", temporary.display()))?;
    std::fs::rename(&temporary, &args.output)
        .with_context(|| format!("failed to write `{}`", args.output.display()))?;
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
        args.output.display(),
        bytes.len(),
        model.note
    );
    Ok(ExitCode::SUCCESS)
}

/// Evaluates weights on the held-out rows and prints the table.
pub fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
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
    let examples = load_data(&args.data)?;
    let report = eval::evaluate(&model, &examples);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(ExitCode::SUCCESS)
}
