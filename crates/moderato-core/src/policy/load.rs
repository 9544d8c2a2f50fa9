//! Parsing and validating a policy pack from in-memory TOML files.
//!
//! Every problem is collected with its file, line, column and field, so an
//! author fixes a pack in one pass. Conditions are compiled once here and
//! checked against the known signals and a synthetic context. This module must
//! never touch the file system: the caller reads the folder.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::cel_check::{check_references, synthetic_context};
use super::model::*;
use crate::action::{AccountAction, Action};
use crate::content::{
    ContentItem, ContentLimits, PublicRole, is_region_code, is_signal_name, validate_content,
};
use crate::dsa;
use crate::error::{PolicyDiagnostic, PolicyError};

/// The manifest file every pack has.
pub const MANIFEST_FILE: &str = "policy.toml";
/// The optional claims file.
pub const CLAIMS_FILE: &str = "claims.toml";

/// A signal that a built-in detector produces, offered to the loader.
#[derive(Debug, Clone)]
pub struct BuiltinSignal {
    /// Signal name.
    pub name: &'static str,
    /// What it measures.
    pub description: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: Spanned<String>,
    version: Spanned<String>,
    title: String,
    appeal_url: String,
    #[serde(default)]
    policy_url: Option<String>,
    #[serde(default = "default_appeal_window")]
    appeal_window_days: Spanned<u32>,
    public_interest: RawPublicInterest,
    strikes: RawStrikes,
    #[serde(default)]
    signal: Vec<RawSignal>,
    #[serde(default)]
    external: Vec<RawExternal>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

fn default_appeal_window() -> Spanned<u32> {
    Spanned::new(0..0, 180)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublicInterest {
    eligible_roles: Vec<Spanned<String>>,
    min_followers: u64,
    require_verified: bool,
    imminence_threshold: Spanned<f64>,
    max_severity: Spanned<u8>,
    harm_weight_per_severity: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStrikes {
    expiry_days: u32,
    #[serde(default)]
    ladder: Vec<RawStrikeStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStrikeStep {
    at: Spanned<u32>,
    action: Spanned<String>,
    #[serde(default)]
    duration_days: Option<u32>,
    #[serde(default)]
    permanent: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    name: Spanned<String>,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExternal {
    name: Spanned<String>,
    kind: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    api_key_env: Option<String>,
    #[serde(default = "default_timeout")]
    timeout_ms: u64,
    categories: Spanned<Vec<String>>,
}

fn default_timeout() -> u64 {
    1000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    definition: String,
    severity: Spanned<u8>,
    when: Spanned<String>,
    #[serde(default)]
    evidence: Vec<Spanned<String>>,
    actions: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    cases: Vec<RawCase>,
    public_interest_eligible: bool,
    #[serde(default)]
    strike_weight: u32,
    #[serde(default)]
    review: bool,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    dsa: RawDsa,
    #[serde(default)]
    examples: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    when: Spanned<String>,
    actions: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDsa {
    category: Spanned<String>,
    #[serde(default)]
    specification: Vec<Spanned<String>>,
    #[serde(default = "default_ground")]
    ground: Spanned<String>,
}

fn default_ground() -> Spanned<String> {
    Spanned::new(0..0, "DECISION_GROUND_INCOMPATIBLE_CONTENT".to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    name: String,
    item: ContentItem,
    expect: Spanned<String>,
    #[serde(default)]
    expect_public_interest: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaimsFile {
    #[serde(default)]
    claim: Vec<RawClaim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: Spanned<String>,
    signal: Spanned<String>,
    summary: String,
    all: Spanned<Vec<Vec<String>>>,
    #[serde(default = "default_window")]
    window: usize,
    correction: String,
    link: Spanned<String>,
}

fn default_window() -> usize {
    12
}

/// Computes the pack digest: SHA-256 over every file, sorted by name, each as
/// `name`, a newline, its length in bytes, a newline, then its bytes.
pub fn digest_files(files: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, text) in files {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
        hasher.update(text.len().to_string().as_bytes());
        hasher.update(b"\n");
        hasher.update(text.as_bytes());
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

struct Collector<'a> {
    file: &'a str,
    text: &'a str,
    diagnostics: Vec<PolicyDiagnostic>,
}

impl<'a> Collector<'a> {
    fn at(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        let (line, column) = if span == (0..0) {
            (None, None)
        } else {
            let (line, column) = line_column(self.text, span.start);
            (Some(line), Some(column))
        };
        self.diagnostics.push(PolicyDiagnostic {
            file: self.file.to_string(),
            line,
            column,
            field: Some(field.into()),
            message: message.into(),
        });
    }
}

/// Converts a byte offset into a 1-based line and character column.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|index| index + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn toml_error(file: &str, text: &str, error: &toml::de::Error) -> PolicyDiagnostic {
    let (line, column) = match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            (Some(line), Some(column))
        }
        None => (None, None),
    };
    PolicyDiagnostic {
        file: file.to_string(),
        line,
        column,
        field: None,
        message: error.message().trim().to_string(),
    }
}

/// Most files a pack may hold.
pub const MAX_PACK_FILES: usize = 256;
/// Most bytes a pack's files may hold together.
pub const MAX_PACK_BYTES: usize = 4 * 1024 * 1024;
/// Most rules in a pack.
pub const MAX_RULES: usize = 500;
/// Most claims in a pack's claims file (each is matched against every post).
pub const MAX_CLAIMS: usize = 2_000;
/// Most bytes in one rule condition.
pub const MAX_CONDITION_BYTES: usize = 4_096;
/// Deepest nesting of brackets and prefix operators in one condition.
pub const MAX_CONDITION_DEPTH: usize = 32;
/// Most tokens (operands and operators) in one condition.
pub const MAX_CONDITION_TOKENS: usize = 512;

/// A plain name: 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or
/// digit (so never `..` or a path).
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.contains("..")
}

/// A pack file's name: `NAME.toml` or `lexicons/NAME.toml` with a plain NAME.
fn is_pack_file_name(name: &str) -> bool {
    let file = name
        .strip_prefix(super::lexicon::LEXICON_DIR)
        .unwrap_or(name);
    file.strip_suffix(".toml").is_some_and(is_plain_name)
}

/// Refuses a pack too large to load safely, before anything is parsed.
fn check_pack_size(files: &BTreeMap<String, String>) -> Result<(), PolicyError> {
    let bytes: usize = files
        .iter()
        .map(|(name, text)| name.len() + text.len())
        .sum();
    let message = if files.len() > MAX_PACK_FILES {
        format!(
            "the pack holds {} files; a pack may hold at most {MAX_PACK_FILES}",
            files.len()
        )
    } else if bytes > MAX_PACK_BYTES {
        format!("the pack holds {bytes} bytes; a pack may hold at most {MAX_PACK_BYTES}")
    } else {
        return Ok(());
    };
    Err(PolicyError {
        diagnostics: vec![PolicyDiagnostic {
            file: String::new(),
            line: None,
            column: None,
            field: None,
            message,
        }],
    })
}

/// Bounds a condition before the CEL parser sees it: the parser and the evaluator recurse once
/// per nesting level and per chained operator, and a thread's stack is small (2 MiB on the
/// server's workers), so `1 + 1 + …` with 2,000 terms or `[[[…]]]` 10,000 deep would abort
/// the process instead of failing the upload. String literals are skipped.
pub(crate) fn condition_bounds(condition: &str) -> Option<String> {
    if condition.len() > MAX_CONDITION_BYTES {
        return Some(format!(
            "the condition is {} bytes; a condition may hold at most {MAX_CONDITION_BYTES}",
            condition.len()
        ));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut prefix_run = 0usize;
    let mut tokens = 0usize;
    let mut chars = condition.chars().peekable();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                // A string literal is one token; skip to its closing quote.
                tokens += 1;
                in_word = false;
                let mut escaped = false;
                for inner in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if inner == '\\' {
                        escaped = true;
                    } else if inner == c {
                        break;
                    }
                }
                prefix_run = 0;
            }
            '(' | '[' | '{' => {
                depth += 1;
                tokens += 1;
                in_word = false;
                deepest = deepest.max(depth + prefix_run);
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                tokens += 1;
                in_word = false;
                prefix_run = 0;
            }
            '!' | '-' if chars.peek() != Some(&'=') && !in_word => {
                prefix_run += 1;
                tokens += 1;
                deepest = deepest.max(depth + prefix_run);
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                if !in_word {
                    tokens += 1;
                    in_word = true;
                    prefix_run = 0;
                }
            }
            c if c.is_whitespace() => in_word = false,
            _ => {
                tokens += 1;
                in_word = false;
            }
        }
    }
    if deepest > MAX_CONDITION_DEPTH {
        Some(format!(
            "the condition nests {deepest} levels deep; a condition may nest at most {MAX_CONDITION_DEPTH}"
        ))
    } else if tokens > MAX_CONDITION_TOKENS {
        Some(format!(
            "the condition holds {tokens} tokens; a condition may hold at most {MAX_CONDITION_TOKENS}"
        ))
    } else {
        None
    }
}

/// Parses and validates a pack. `files` maps file names (e.g. `violence.toml`)
/// to their text; `builtin_signals` are the signals the detectors produce.
pub fn load_policy(
    files: &BTreeMap<String, String>,
    builtin_signals: &[BuiltinSignal],
) -> Result<Policy, PolicyError> {
    check_pack_size(files)?;
    let mut diagnostics = Vec::new();
    let Some(manifest_text) = files.get(MANIFEST_FILE) else {
        return Err(PolicyError {
            diagnostics: vec![PolicyDiagnostic {
                file: MANIFEST_FILE.into(),
                line: None,
                column: None,
                field: None,
                message: "the pack has no policy.toml".into(),
            }],
        });
    };
    let manifest: Option<RawManifest> = match toml::from_str(manifest_text) {
        Ok(manifest) => Some(manifest),
        Err(error) => {
            diagnostics.push(toml_error(MANIFEST_FILE, manifest_text, &error));
            None
        }
    };

    let mut raw_rules: Vec<(String, RawRule)> = Vec::new();
    let mut raw_claims: Vec<RawClaim> = Vec::new();
    for (name, text) in files {
        if !name.ends_with(".toml") {
            diagnostics.push(PolicyDiagnostic {
                file: name.clone(),
                line: None,
                column: None,
                field: None,
                message: "a pack holds only .toml files".into(),
            });
            continue;
        }
        if !is_pack_file_name(name) {
            diagnostics.push(PolicyDiagnostic {
                file: name.clone(),
                line: None,
                column: None,
                field: None,
                message: "a pack file is named `NAME.toml` or `lexicons/NAME.toml` (letters, digits, `.`, `_`, `-`); no other folders, no `..`".into(),
            });
            continue;
        }
        if name == MANIFEST_FILE || name.starts_with(super::lexicon::LEXICON_DIR) {
            continue;
        }
        if name == CLAIMS_FILE {
            match toml::from_str::<RawClaimsFile>(text) {
                Ok(file) => raw_claims = file.claim,
                Err(error) => diagnostics.push(toml_error(name, text, &error)),
            }
            continue;
        }
        match toml::from_str::<RawRuleFile>(text) {
            Ok(file) => raw_rules.extend(file.rule.into_iter().map(|rule| (name.clone(), rule))),
            Err(error) => diagnostics.push(toml_error(name, text, &error)),
        }
    }
    if raw_rules.len() > MAX_RULES {
        diagnostics.push(PolicyDiagnostic {
            file: String::new(),
            line: None,
            column: None,
            field: None,
            message: format!(
                "the pack holds {} rules; a pack may hold at most {MAX_RULES}",
                raw_rules.len()
            ),
        });
        return Err(PolicyError { diagnostics });
    }
    if raw_claims.len() > MAX_CLAIMS {
        diagnostics.push(PolicyDiagnostic {
            file: CLAIMS_FILE.into(),
            line: None,
            column: None,
            field: None,
            message: format!(
                "the claims file holds {} claims; a pack may hold at most {MAX_CLAIMS}",
                raw_claims.len()
            ),
        });
        return Err(PolicyError { diagnostics });
    }
    let Some(mut manifest) = manifest else {
        // Keep going so the author sees the rule files' problems too, with the
        // signals the manifest declares read loosely.
        let mut known: BTreeSet<String> = builtin_signals
            .iter()
            .map(|signal| signal.name.to_string())
            .collect();
        if let Ok(table) = manifest_text.parse::<toml::Table>()
            && let Some(toml::Value::Array(signals)) = table.get("signal")
        {
            known.extend(signals.iter().filter_map(|signal| {
                signal
                    .get("name")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            }));
        }
        let (_, _, rule_diagnostics) = validate_rules(raw_rules, files, &known);
        diagnostics.extend(rule_diagnostics);
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(PolicyError { diagnostics });
    };
    let manifest_rules = std::mem::take(&mut manifest.rule);
    raw_rules.splice(
        0..0,
        manifest_rules
            .into_iter()
            .map(|rule| (MANIFEST_FILE.to_string(), rule)),
    );

    let mut collector = Collector {
        file: MANIFEST_FILE,
        text: manifest_text,
        diagnostics: Vec::new(),
    };
    // Ids and versions name stored versions, URLs (`/v1/policies/{version}`) and exported
    // files: plain names only, never paths.
    for (field, value) in [("id", &manifest.id), ("version", &manifest.version)] {
        if !is_plain_name(value.get_ref()) {
            collector.at(
                value.span(),
                field,
                format!(
                    "`{}` is not a valid {field}: use 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
                    value.get_ref()
                ),
            );
        }
    }
    if *manifest.appeal_window_days.get_ref() < 180 {
        collector.at(
            manifest.appeal_window_days.span(),
            "appeal_window_days",
            "appeals must stay open for at least 180 days (DSA Art. 20)",
        );
    }
    let public_interest = validate_public_interest(&manifest.public_interest, &mut collector);
    let strikes = validate_strikes(&manifest.strikes, &mut collector);

    let mut known: BTreeSet<String> = builtin_signals
        .iter()
        .map(|signal| signal.name.to_string())
        .collect();
    let mut declared_signals = Vec::new();
    for (index, signal) in manifest.signal.iter().enumerate() {
        let name = signal.name.get_ref();
        let field = format!("signal[{index}].name");
        if !is_signal_name(name) {
            collector.at(
                signal.name.span(),
                field,
                format!("`{name}` is not a valid signal name"),
            );
        } else if !known.insert(name.clone()) {
            collector.at(
                signal.name.span(),
                field,
                format!("signal `{name}` is declared twice"),
            );
        } else {
            declared_signals.push(SignalDeclaration {
                name: name.clone(),
                description: signal.description.clone(),
            });
        }
    }
    let mut external = Vec::new();
    for (index, raw) in manifest.external.iter().enumerate() {
        let field = format!("external[{index}]");
        let name = raw.name.get_ref();
        let kind = match raw.kind.get_ref().as_str() {
            "openai_moderation" => Some(ExternalKind::OpenaiModeration),
            "llama_guard" => Some(ExternalKind::LlamaGuard),
            "webhook" => Some(ExternalKind::Webhook),
            other => {
                collector.at(
                    raw.kind.span(),
                    format!("{field}.kind"),
                    format!(
                        "unknown kind `{other}`; expected openai_moderation, llama_guard or webhook"
                    ),
                );
                None
            }
        };
        if !is_signal_name(name) || name.contains('.') {
            collector.at(
                raw.name.span(),
                format!("{field}.name"),
                "a lower-case word of a-z, 0-9 and _",
            );
        }
        let url = raw.url.get_ref();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            collector.at(
                raw.url.span(),
                format!("{field}.url"),
                "must be an http:// or https:// URL",
            );
        }
        if raw.timeout_ms == 0 || raw.timeout_ms > 30_000 {
            collector.at(
                raw.name.span(),
                format!("{field}.timeout_ms"),
                "must be between 1 and 30000",
            );
        }
        let categories = raw.categories.get_ref();
        if categories.is_empty() {
            collector.at(
                raw.categories.span(),
                format!("{field}.categories"),
                "list the categories that become signals",
            );
        }
        let config = ExternalClassifier {
            name: name.clone(),
            kind: kind.unwrap_or(ExternalKind::Webhook),
            url: url.clone(),
            model: raw.model.clone(),
            api_key_env: raw.api_key_env.clone(),
            timeout_ms: raw.timeout_ms,
            categories: categories.clone(),
        };
        for category in categories {
            let signal = config.signal_name(category);
            if !is_signal_name(&signal) {
                collector.at(
                    raw.categories.span(),
                    format!("{field}.categories"),
                    format!("`{category}` is not a valid signal word"),
                );
            } else if !known.insert(signal.clone()) {
                collector.at(
                    raw.categories.span(),
                    format!("{field}.categories"),
                    format!("signal `{signal}` is declared twice"),
                );
            }
        }
        external.push(config);
    }
    // A name that is also a namespace (`a` and `a.b`) cannot be a CEL map and a number at once.
    for name in &known {
        let prefix = format!("{name}.");
        if known.iter().any(|other| other.starts_with(&prefix)) {
            collector.at(
                0..0,
                "signal",
                format!("signal `{name}` is also used as a namespace"),
            );
        }
    }
    diagnostics.extend(collector.diagnostics);

    let (rules, cel_env, rule_diagnostics) = validate_rules(raw_rules, files, &known);
    diagnostics.extend(rule_diagnostics);
    let known_list: Vec<String> = known.iter().cloned().collect();

    let claims_text = files
        .get(CLAIMS_FILE)
        .map(String::as_str)
        .unwrap_or_default();
    let mut collector = Collector {
        file: CLAIMS_FILE,
        text: claims_text,
        diagnostics: Vec::new(),
    };
    let claims = validate_claims(raw_claims, &known, &mut collector);
    diagnostics.extend(collector.diagnostics);
    let lexicons = super::lexicon::load_lexicons(files, &mut diagnostics);

    if !diagnostics.is_empty() {
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(PolicyError { diagnostics });
    }
    Ok(Policy {
        id: manifest.id.into_inner(),
        version: manifest.version.into_inner(),
        digest: digest_files(files),
        title: manifest.title,
        appeal_url: manifest.appeal_url,
        policy_url: manifest.policy_url,
        appeal_window_days: manifest.appeal_window_days.into_inner(),
        public_interest: public_interest.unwrap_or_else(unreachable_config),
        strikes: strikes.unwrap_or(StrikeConfig {
            expiry_days: 0,
            ladder: Vec::new(),
        }),
        declared_signals,
        known_signals: known_list,
        external,
        rules,
        claims,
        lexicons,
        files: files.clone(),
        cel_env: CelEnv(cel_env),
    })
}

// Only reached when diagnostics were empty, so the config parsed; kept total anyway.
fn unreachable_config() -> PublicInterestConfig {
    PublicInterestConfig {
        eligible_roles: Vec::new(),
        min_followers: u64::MAX,
        require_verified: true,
        imminence_threshold: 0.0,
        max_severity: 0,
        harm_weight_per_severity: 1.0,
    }
}

fn validate_public_interest(
    raw: &RawPublicInterest,
    collector: &mut Collector<'_>,
) -> Option<PublicInterestConfig> {
    let start = collector.diagnostics.len();
    let mut roles = Vec::new();
    for (index, role) in raw.eligible_roles.iter().enumerate() {
        match serde_json::from_value::<PublicRole>(serde_json::Value::String(role.get_ref().clone())) {
            Ok(PublicRole::None) | Err(_) => collector.at(
                role.span(),
                format!("public_interest.eligible_roles[{index}]"),
                format!(
                    "`{}` is not a public role; expected head_of_state, head_of_government, government_official, elected_official, candidate or government_account",
                    role.get_ref()
                ),
            ),
            Ok(parsed) => roles.push(parsed),
        }
    }
    let threshold = *raw.imminence_threshold.get_ref();
    if !(0.0..=1.0).contains(&threshold) {
        collector.at(
            raw.imminence_threshold.span(),
            "public_interest.imminence_threshold",
            "must be between 0 and 1",
        );
    }
    if !(1..=5).contains(raw.max_severity.get_ref()) {
        collector.at(
            raw.max_severity.span(),
            "public_interest.max_severity",
            "must be 1 to 5",
        );
    }
    let weight = *raw.harm_weight_per_severity.get_ref();
    if !(0.0..=1.0).contains(&weight) {
        collector.at(
            raw.harm_weight_per_severity.span(),
            "public_interest.harm_weight_per_severity",
            "must be between 0 and 1",
        );
    }
    (collector.diagnostics.len() == start).then(|| PublicInterestConfig {
        eligible_roles: roles,
        min_followers: raw.min_followers,
        require_verified: raw.require_verified,
        imminence_threshold: threshold,
        max_severity: *raw.max_severity.get_ref(),
        harm_weight_per_severity: weight,
    })
}

fn validate_strikes(raw: &RawStrikes, collector: &mut Collector<'_>) -> Option<StrikeConfig> {
    let start = collector.diagnostics.len();
    if raw.expiry_days == 0 {
        collector.at(
            0..0,
            "strikes.expiry_days",
            "strikes must expire: give a number of days above 0",
        );
    }
    let mut ladder = Vec::new();
    let mut previous_at = 0;
    for (index, step) in raw.ladder.iter().enumerate() {
        let field = format!("strikes.ladder[{index}]");
        let at = *step.at.get_ref();
        if at <= previous_at {
            collector.at(
                step.at.span(),
                format!("{field}.at"),
                "steps must be in strictly ascending order of `at`, starting above 0",
            );
        }
        previous_at = at;
        let action = match step.action.get_ref().parse::<Action>() {
            Ok(Action::Account(action)) if action != AccountAction::Strike => Some(action),
            Ok(_) => {
                collector.at(
                    step.action.span(),
                    format!("{field}.action"),
                    "must be an account measure: limit_account, suspend_account or terminate_account",
                );
                None
            }
            Err(error) => {
                collector.at(
                    step.action.span(),
                    format!("{field}.action"),
                    error.to_string(),
                );
                None
            }
        };
        let duration = match (step.duration_days, step.permanent) {
            (Some(days), false) if days > 0 => Some(Some(days)),
            (None, true) => Some(None),
            _ => {
                collector.at(
                    step.action.span(),
                    field.clone(),
                    "every account restriction needs `duration_days` (above 0) or `permanent = true`, not both",
                );
                None
            }
        };
        if let (Some(AccountAction::TerminateAccount), Some(Some(_))) = (action, duration) {
            collector.at(
                step.action.span(),
                field.clone(),
                "terminate_account is permanent: use `permanent = true`",
            );
        }
        if let (Some(action), Some(duration_days)) = (action, duration) {
            ladder.push(StrikeStep {
                at,
                action,
                duration_days,
            });
        }
    }
    (collector.diagnostics.len() == start).then_some(StrikeConfig {
        expiry_days: raw.expiry_days,
        ladder,
    })
}

fn parse_actions(
    raw: &[Spanned<String>],
    field: &str,
    collector: &mut Collector<'_>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    for (index, name) in raw.iter().enumerate() {
        match name.get_ref().parse::<Action>() {
            Ok(Action::Account(account)) if account != AccountAction::Strike => collector.at(
                name.span(),
                format!("{field}[{index}]"),
                format!("`{}` comes from the strike ladder in policy.toml; a rule may only add `strike`", account.as_str()),
            ),
            Ok(action) => {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            Err(error) => collector.at(name.span(), format!("{field}[{index}]"), error.to_string()),
        }
    }
    actions.sort();
    actions
}

fn compile_condition(
    source: &Spanned<String>,
    field: &str,
    known: &BTreeSet<String>,
    synthetic: &cel::Context<'static, 'static>,
    collector: &mut Collector<'_>,
) -> Option<Arc<cel::Program>> {
    let span = source.span();
    if let Some(problem) = condition_bounds(source.get_ref()) {
        collector.at(span, field, problem);
        return None;
    }
    let program = match cel::Program::compile(source.get_ref()) {
        Ok(program) => program,
        Err(errors) => {
            for error in errors.errors {
                // CEL positions are 0-based lines and columns inside the condition; map them into the file.
                let (cel_line, cel_column) =
                    (error.pos.0.max(0) as usize, error.pos.1.max(0) as usize);
                let (line, column) = line_column(collector.text, span.start);
                // CEL positions are 1-based; the condition starts one column after the opening quote.
                let (line, column) = if cel_line <= 1 {
                    (line, column + cel_column.max(1))
                } else {
                    (line + cel_line - 1, cel_column.max(1))
                };
                collector.diagnostics.push(PolicyDiagnostic {
                    file: collector.file.to_string(),
                    line: Some(line),
                    column: Some(column),
                    field: Some(field.to_string()),
                    message: format!("invalid CEL: {}", error.msg),
                });
            }
            return None;
        }
    };
    let problems = check_references(&program, known);
    let had_problems = !problems.is_empty();
    for problem in problems {
        collector.at(span.clone(), field, problem);
    }
    if had_problems {
        return None;
    }
    match program.execute(synthetic) {
        Ok(cel::Value::Bool(_)) => Some(Arc::new(program)),
        Ok(other) => {
            collector.at(
                span,
                field,
                format!(
                    "condition must be true or false, but gives {}",
                    describe_value(&other)
                ),
            );
            None
        }
        Err(error) => {
            collector.at(
                span,
                field,
                format!("condition fails on a complete sample item: {error}"),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_rule(
    index: usize,
    file: &str,
    raw: RawRule,
    known: &BTreeSet<String>,
    synthetic: &cel::Context<'static, 'static>,
    seen_ids: &mut BTreeMap<String, String>,
    collector: &mut Collector<'_>,
) -> Option<Rule> {
    let start = collector.diagnostics.len();
    let id = raw.id.get_ref().clone();
    let prefix = if id.is_empty() {
        format!("rule[{index}]")
    } else {
        format!("rule[{id}]")
    };
    if !is_signal_name(&id) {
        collector.at(
            raw.id.span(),
            format!("{prefix}.id"),
            "rule ids are lower-case words joined by dots, e.g. `violence.threat`",
        );
    }
    let (id_line, _) = line_column(collector.text, raw.id.span().start);
    if let Some(other) = seen_ids.insert(id.clone(), format!("{file}:{id_line}")) {
        collector.at(
            raw.id.span(),
            format!("{prefix}.id"),
            format!("duplicate rule id `{id}` (first defined at {other})"),
        );
    }
    if !(1..=5).contains(raw.severity.get_ref()) {
        collector.at(
            raw.severity.span(),
            format!("{prefix}.severity"),
            "must be 1 to 5",
        );
    }
    if raw.definition.trim().is_empty() {
        collector.at(
            raw.id.span(),
            format!("{prefix}.definition"),
            "a rule must define the harm it addresses",
        );
    }
    let program = compile_condition(
        &raw.when,
        &format!("{prefix}.when"),
        known,
        synthetic,
        collector,
    );
    for (evidence_index, signal) in raw.evidence.iter().enumerate() {
        if !known.contains(signal.get_ref()) {
            collector.at(
                signal.span(),
                format!("{prefix}.evidence[{evidence_index}]"),
                format!("unknown signal `{}`", signal.get_ref()),
            );
        }
    }
    let actions = parse_actions(
        raw.actions.get_ref(),
        &format!("{prefix}.actions"),
        collector,
    );
    if raw.actions.get_ref().is_empty() {
        collector.at(
            raw.actions.span(),
            format!("{prefix}.actions"),
            "a rule needs at least one action",
        );
    }
    let mut cases = Vec::new();
    for (case_index, case) in raw.cases.iter().enumerate() {
        let field = format!("{prefix}.cases[{case_index}]");
        let case_program = compile_condition(
            &case.when,
            &format!("{field}.when"),
            known,
            synthetic,
            collector,
        );
        let case_actions = parse_actions(&case.actions, &format!("{field}.actions"), collector);
        if let Some(program) = case_program {
            cases.push(ActionCase {
                when: case.when.get_ref().clone(),
                actions: case_actions,
                program,
            });
        }
    }
    let mut regions = Vec::new();
    for (region_index, region) in raw.regions.iter().enumerate() {
        if is_region_code(region.get_ref()) {
            regions.push(region.get_ref().clone());
        } else {
            collector.at(
                region.span(),
                format!("{prefix}.regions[{region_index}]"),
                "must be an ISO 3166-1 alpha-2 code",
            );
        }
    }
    let uses_geo = actions.contains(&Action::Content(crate::action::ContentAction::GeoRestrict))
        || cases.iter().any(|case| {
            case.actions
                .contains(&Action::Content(crate::action::ContentAction::GeoRestrict))
        });
    if uses_geo && regions.is_empty() {
        collector.at(
            raw.actions.span(),
            format!("{prefix}.regions"),
            "geo_restrict needs `regions`",
        );
    }
    if !dsa::is_category(raw.dsa.category.get_ref()) {
        collector.at(
            raw.dsa.category.span(),
            format!("{prefix}.dsa.category"),
            format!(
                "`{}` is not a current DSA STATEMENT_CATEGORY_* key",
                raw.dsa.category.get_ref()
            ),
        );
    }
    for (spec_index, keyword) in raw.dsa.specification.iter().enumerate() {
        if !dsa::is_keyword(keyword.get_ref()) {
            collector.at(
                keyword.span(),
                format!("{prefix}.dsa.specification[{spec_index}]"),
                format!("`{}` is not a current DSA KEYWORD_* key", keyword.get_ref()),
            );
        }
    }
    if !dsa::is_ground(raw.dsa.ground.get_ref()) {
        collector.at(
            raw.dsa.ground.span(),
            format!("{prefix}.dsa.ground"),
            format!(
                "`{}` is not a DSA DECISION_GROUND_* key",
                raw.dsa.ground.get_ref()
            ),
        );
    }
    let mut examples = Vec::new();
    for (example_index, example) in raw.examples.into_iter().enumerate() {
        let span = example.span();
        let (line, _) = line_column(collector.text, span.start);
        let example = example.into_inner();
        let field = format!("{prefix}.examples[{example_index}]");
        if let Err(error) = validate_content(&example.item, ContentLimits::default()) {
            collector.at(span.clone(), format!("{field}.item"), error.to_string());
        }
        match example
            .expect
            .get_ref()
            .parse::<crate::action::ContentAction>()
        {
            Ok(expect) => examples.push(Example {
                name: example.name,
                item: example.item,
                expect,
                expect_public_interest: example.expect_public_interest,
                line,
            }),
            Err(error) => collector.at(
                example.expect.span(),
                format!("{field}.expect"),
                error.to_string(),
            ),
        }
    }
    let mut specification: Vec<String> = raw
        .dsa
        .specification
        .iter()
        .map(|keyword| keyword.get_ref().clone())
        .collect();
    specification.sort();
    specification.dedup();
    if collector.diagnostics.len() != start {
        return None;
    }
    let signals_used = program
        .iter()
        .map(|program| program.as_ref())
        .chain(cases.iter().map(|case| case.program.as_ref()))
        .flat_map(super::cel_check::signals_used)
        .collect();
    Some(Rule {
        id,
        title: raw.title,
        definition: raw.definition,
        severity: *raw.severity.get_ref(),
        when: raw.when.into_inner(),
        evidence: raw.evidence.into_iter().map(Spanned::into_inner).collect(),
        actions,
        cases,
        public_interest_eligible: raw.public_interest_eligible,
        strike_weight: raw.strike_weight,
        review: raw.review,
        label: raw.label,
        regions,
        dsa: DsaMapping {
            category: raw.dsa.category.into_inner(),
            category_specification: specification,
            decision_ground: raw.dsa.ground.into_inner(),
        },
        examples,
        file: file.to_string(),
        signals_used,
        program: program?,
    })
}

fn validate_claims(
    raw: Vec<RawClaim>,
    known: &BTreeSet<String>,
    collector: &mut Collector<'_>,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    let mut ids = BTreeSet::new();
    for (index, claim) in raw.into_iter().enumerate() {
        let start = collector.diagnostics.len();
        let field = format!("claim[{index}]");
        if !ids.insert(claim.id.get_ref().clone()) {
            collector.at(
                claim.id.span(),
                format!("{field}.id"),
                format!("duplicate claim id `{}`", claim.id.get_ref()),
            );
        }
        if !known.contains(claim.signal.get_ref()) {
            collector.at(
                claim.signal.span(),
                format!("{field}.signal"),
                format!("unknown signal `{}`", claim.signal.get_ref()),
            );
        }
        let groups = claim.all.get_ref();
        if groups.is_empty()
            || groups.iter().any(|group| {
                group.is_empty() || group.iter().any(|phrase| phrase.trim().is_empty())
            })
        {
            collector.at(
                claim.all.span(),
                format!("{field}.all"),
                "needs at least one group, and every group at least one non-empty phrase",
            );
        }
        if !claim.link.get_ref().starts_with("https://") {
            collector.at(
                claim.link.span(),
                format!("{field}.link"),
                "the authoritative link must be an https:// URL",
            );
        }
        if collector.diagnostics.len() == start {
            claims.push(Claim {
                id: claim.id.into_inner(),
                signal: claim.signal.into_inner(),
                summary: claim.summary,
                all: claim.all.into_inner(),
                window: claim.window.max(1),
                correction: claim.correction,
                link: claim.link.into_inner(),
            });
        }
    }
    claims
}

fn describe_value(value: &cel::Value) -> &'static str {
    match value {
        cel::Value::Int(_) | cel::Value::UInt(_) | cel::Value::Float(_) => "a number",
        cel::Value::String(_) => "a string",
        cel::Value::Map(_) => "a map (a signal namespace rather than a signal?)",
        cel::Value::List(_) => "a list",
        cel::Value::Null => "null",
        _ => "a value that is neither true nor false",
    }
}

/// Validates every rule against the known signals; returns the valid rules, the CEL
/// environment they were compiled in, and every problem found.
fn validate_rules(
    raw_rules: Vec<(String, RawRule)>,
    files: &BTreeMap<String, String>,
    known: &BTreeSet<String>,
) -> (Vec<Rule>, Arc<cel::Env>, Vec<PolicyDiagnostic>) {
    let cel_env = Arc::new(cel::Env::stdlib());
    let known_list: Vec<String> = known.iter().cloned().collect();
    let synthetic = synthetic_context(&cel_env, &known_list);
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    for (index, (file, raw)) in raw_rules.into_iter().enumerate() {
        let text = files.get(&file).map(String::as_str).unwrap_or_default();
        let mut collector = Collector {
            file: &file,
            text,
            diagnostics: Vec::new(),
        };
        let rule = validate_rule(
            index,
            &file,
            raw,
            known,
            &synthetic,
            &mut seen_ids,
            &mut collector,
        );
        diagnostics.extend(collector.diagnostics);
        rules.extend(rule);
    }
    (rules, cel_env, diagnostics)
}
