//! `moderato run`: decisions for a JSONL file, in input order, on all cores.
//!
//! Output and rejects are written to temporary files and renamed into place
//! at the end, so a reader never sees a partial line or a half-written file.
//! This module must never decide anything itself: it calls the engine.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use moderato_engine::Engine;
use rayon::prelude::*;

use crate::exit;

const CHUNK_LINES: usize = 4096;

struct Outcome {
    line: usize,
    result: Result<(String, String, Vec<String>), String>,
    input: String,
}

fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

fn decide_line(engine: &Engine, line: usize, bytes: Vec<u8>) -> Outcome {
    let input = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            return Outcome {
                line,
                result: Err(format!("line is not valid UTF-8: {error}")),
                input: String::from_utf8_lossy(error.as_bytes()).into_owned(),
            };
        }
    };
    let result = engine
        .parse(input.trim())
        .map_err(|error| error.to_string())
        .and_then(|item| {
            let decision = engine.decide(&item);
            let rules = decision.rules.iter().map(|rule| rule.id.clone()).collect();
            serde_json::to_string(&decision)
                .map(|json| (json, decision.action.to_string(), rules))
                .map_err(|error| format!("failed to serialise the decision: {error}"))
        });
    Outcome {
        line,
        result,
        input,
    }
}

/// Runs the batch; returns exit status 1 when any line was rejected. On failure no
/// temporary file is left behind.
pub fn run(
    engine: &Engine,
    input: &Path,
    output: &Path,
    rejects: Option<&Path>,
    threads: Option<usize>,
) -> anyhow::Result<ExitCode> {
    if input.is_dir() {
        return Err(exit::InputError(format!(
            "`{}` is a folder, not a JSONL file",
            input.display()
        ))
        .into());
    }
    let result = run_inner(engine, input, output, rejects, threads);
    if result.is_err() {
        let _ = std::fs::remove_file(partial_path(output));
        if let Some(rejects) = rejects {
            let _ = std::fs::remove_file(partial_path(rejects));
        }
    }
    result
}

fn run_inner(
    engine: &Engine,
    input: &Path,
    output: &Path,
    rejects: Option<&Path>,
    threads: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let file = File::open(input).map_err(|error| {
        exit::InputError(format!("failed to open `{}`: {error}", input.display()))
    })?;
    let total_bytes = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("failed to start worker threads")?;

    let output_partial = partial_path(output);
    let mut writer = BufWriter::with_capacity(
        1 << 20,
        File::create(&output_partial)
            .with_context(|| format!("failed to create `{}`", output_partial.display()))?,
    );
    let rejects_partial = rejects.map(partial_path);
    let mut rejects_writer = match &rejects_partial {
        Some(path) => {
            Some(BufWriter::new(File::create(path).with_context(|| {
                format!("failed to create `{}`", path.display())
            })?))
        }
        None => None,
    };

    let progress = ProgressBar::with_draw_target(
        Some(total_bytes),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    let started = Instant::now();
    let mut line_number = 0usize;
    let mut decided = 0u64;
    let mut rejected = 0u64;
    let mut by_action: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_reject: Option<String> = None;
    loop {
        let mut chunk: Vec<(usize, Vec<u8>)> = Vec::with_capacity(CHUNK_LINES);
        let mut chunk_bytes = 0u64;
        while chunk.len() < CHUNK_LINES {
            let mut buffer = Vec::new();
            let read = reader
                .read_until(b'\n', &mut buffer)
                .with_context(|| format!("failed to read `{}`", input.display()))?;
            if read == 0 {
                break;
            }
            chunk_bytes += read as u64;
            line_number += 1;
            while buffer
                .last()
                .is_some_and(|byte| *byte == b'\n' || *byte == b'\r')
            {
                buffer.pop();
            }
            if buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            chunk.push((line_number, buffer));
        }
        if chunk.is_empty() {
            break;
        }
        let outcomes: Vec<Outcome> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|(line, bytes)| decide_line(engine, line, bytes))
                .collect()
        });
        for outcome in outcomes {
            match outcome.result {
                Ok((json, action, rules)) => {
                    writer.write_all(json.as_bytes())?;
                    writer.write_all(b"\n")?;
                    decided += 1;
                    *by_action.entry(action).or_default() += 1;
                    for rule in rules {
                        *by_rule.entry(rule).or_default() += 1;
                    }
                }
                Err(reason) => {
                    rejected += 1;
                    if first_reject.is_none() {
                        first_reject = Some(format!("line {}: {reason}", outcome.line));
                    }
                    if let Some(rejects_writer) = rejects_writer.as_mut() {
                        let record = serde_json::json!({"line": outcome.line, "error": reason, "input": outcome.input});
                        writeln!(rejects_writer, "{record}")?;
                    }
                }
            }
        }
        progress.inc(chunk_bytes);
    }
    progress.finish_and_clear();
    writer.flush()?;
    drop(writer);
    std::fs::rename(&output_partial, output)
        .with_context(|| format!("failed to move output into `{}`", output.display()))?;
    if let (Some(mut rejects_writer), Some(partial), Some(path)) =
        (rejects_writer, rejects_partial, rejects)
    {
        rejects_writer.flush()?;
        drop(rejects_writer);
        std::fs::rename(&partial, path)
            .with_context(|| format!("failed to move rejects into `{}`", path.display()))?;
    }

    let seconds = started.elapsed().as_secs_f64();
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "decided {decided} items, rejected {rejected}, in {seconds:.2} s ({:.0} items/s)",
        decided as f64 / seconds.max(1e-9)
    )?;
    if !by_action.is_empty() {
        writeln!(stderr, "by action:")?;
    }
    for (action, count) in &by_action {
        writeln!(stderr, "  {action:<24} {count}")?;
    }
    if !by_rule.is_empty() {
        writeln!(stderr, "by rule:")?;
        for (rule, count) in &by_rule {
            writeln!(stderr, "  {rule:<24} {count}")?;
        }
    }
    if let Some(first) = first_reject {
        writeln!(
            stderr,
            "error: {rejected} line{} rejected (first: {first}){}",
            if rejected == 1 { "" } else { "s" },
            if rejects.is_some() {
                ""
            } else {
                "; pass --rejects FILE to keep them"
            }
        )?;
        return Ok(ExitCode::from(exit::PROBLEMS_FOUND));
    }
    Ok(ExitCode::SUCCESS)
}
