//! `moderato policy validate | test | diff`.
//!
//! This module must never accept an invalid pack or hide a failing example.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use moderato_engine::diff::diff;
use moderato_engine::examples::run_examples;
use moderato_engine::{Engine, load_pack_from};

use crate::exit;

/// Policy subcommands.
#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check a pack: every error with file, line, column and field.
    Validate {
        /// Pack folder (`default` for the embedded pack).
        path: PathBuf,
    },
    /// Run every rule's examples and show a diff for failures.
    Test {
        /// Pack folder (`default` for the embedded pack).
        path: PathBuf,
    },
    /// Evaluate a corpus under two packs and show what changes.
    Diff {
        /// Current pack (`default` for the embedded pack).
        old: PathBuf,
        /// Proposed pack.
        new: PathBuf,
        /// JSONL corpus of items.
        #[arg(long)]
        corpus: PathBuf,
        /// How many changed items to list.
        #[arg(long, default_value_t = 20)]
        show: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn load(path: &Path) -> anyhow::Result<moderato_core::Policy> {
    Ok(load_pack_from(Some(path))?)
}

/// Runs a policy subcommand.
pub fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Validate { path } => {
            let policy = load(&path)?;
            println!(
                "ok: {}@{} ({}) — {} rules, {} claims, {} examples",
                policy.id,
                policy.version,
                policy.digest,
                policy.rules.len(),
                policy.claims.len(),
                policy
                    .rules
                    .iter()
                    .map(|rule| rule.examples.len())
                    .sum::<usize>()
            );
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Test { path } => {
            let engine = Engine::new(load(&path)?)?;
            let results = run_examples(&engine);
            let failed: Vec<_> = results.iter().filter(|result| !result.passed()).collect();
            for result in &results {
                if result.passed() {
                    println!("ok    {} — {}", result.rule, result.name);
                }
            }
            for result in &failed {
                println!(
                    "FAIL  {} — {} ({})",
                    result.rule, result.name, result.location
                );
                println!("      - expected action: {}", result.expected);
                println!("      + actual action:   {}", result.actual);
                if let Some(expected) = result.expected_public_interest {
                    println!("      - expected public_interest.applied: {expected}");
                    println!(
                        "      + actual public_interest.applied:   {}",
                        result.actual_public_interest
                    );
                }
                println!(
                    "        matched rules: {}",
                    if result.matched_rules.is_empty() {
                        "none".to_string()
                    } else {
                        result.matched_rules.join(", ")
                    }
                );
                let signals: Vec<String> = result
                    .top_signals
                    .iter()
                    .map(|(name, score)| format!("{name}={score}"))
                    .collect();
                println!(
                    "        top signals: {}",
                    if signals.is_empty() {
                        "none".into()
                    } else {
                        signals.join(", ")
                    }
                );
            }
            println!(
                "{} passed, {} failed",
                results.len() - failed.len(),
                failed.len()
            );
            Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit::PROBLEMS_FOUND)
            })
        }
        PolicyCommand::Diff {
            old,
            new,
            corpus,
            show,
            json,
        } => {
            let old_engine = Engine::new(load(&old)?)?;
            let new_engine = Engine::new(load(&new)?)?;
            let file = std::fs::File::open(&corpus).map_err(|error| {
                exit::InputError(format!("failed to open `{}`: {error}", corpus.display()))
            })?;
            let mut items = Vec::new();
            for (index, line) in BufReader::new(file).lines().enumerate() {
                let line =
                    line.with_context(|| format!("failed to read `{}`", corpus.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let item = old_engine.parse(line.trim()).map_err(|error| {
                    exit::InputError(format!("{}:{}: {error}", corpus.display(), index + 1))
                })?;
                items.push((index + 1, item));
            }
            let report = diff(&old_engine, &new_engine, &items, show);
            let (old_policy, new_policy) = (old_engine.policy(), new_engine.policy());
            if old_policy.digest != new_policy.digest && old_policy.version == new_policy.version {
                eprintln!(
                    "warning: the packs differ but both say version `{}`; bump `version` in policy.toml so decisions tell them apart",
                    new_policy.version
                );
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("old: {}", report.old_policy);
                println!("new: {}", report.new_policy);
                println!("{} items, {} changed", report.items, report.changed);
                println!("\nby action                   old      new   change");
                for (action, counts) in &report.by_action {
                    println!(
                        "  {action:<24} {:>6}   {:>6}   {:>+6}",
                        counts.old,
                        counts.new,
                        counts.new as i64 - counts.old as i64
                    );
                }
                println!("\nby rule                     old      new   change");
                for (rule, counts) in &report.by_rule {
                    println!(
                        "  {rule:<24} {:>6}   {:>6}   {:>+6}",
                        counts.old,
                        counts.new,
                        counts.new as i64 - counts.old as i64
                    );
                }
                if !report.transitions.is_empty() {
                    println!("\ntransitions");
                    for (transition, count) in &report.transitions {
                        println!("  {transition:<44} {count}");
                    }
                }
                if !report.first_changes.is_empty() {
                    println!("\nfirst changed items");
                    for change in &report.first_changes {
                        println!(
                            "  line {:<6} {:<20} {} → {}   rules [{}] → [{}]",
                            change.line,
                            change.content_id,
                            change.old_action,
                            change.new_action,
                            change.old_rules.join(", "),
                            change.new_rules.join(", ")
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
