//! Finding policy packs: the embedded default pack and packs on disk.
//!
//! This is the one place that reads pack files; validation itself is done by
//! the core. This module must never accept a pack without validating it.

use std::collections::BTreeMap;
use std::path::Path;

use moderato_core::Policy;

use crate::error::EngineError;

/// The default pack, embedded in the binary so it works with no files around.
pub const DEFAULT_PACK: &[(&str, &str)] = &[
    (
        "policy.toml",
        include_str!("../../../policies/default/policy.toml"),
    ),
    (
        "claims.toml",
        include_str!("../../../policies/default/claims.toml"),
    ),
    (
        "harassment.toml",
        include_str!("../../../policies/default/harassment.toml"),
    ),
    (
        "hate.toml",
        include_str!("../../../policies/default/hate.toml"),
    ),
    (
        "matches.toml",
        include_str!("../../../policies/default/matches.toml"),
    ),
    (
        "misinfo.toml",
        include_str!("../../../policies/default/misinfo.toml"),
    ),
    (
        "spam.toml",
        include_str!("../../../policies/default/spam.toml"),
    ),
    (
        "violence.toml",
        include_str!("../../../policies/default/violence.toml"),
    ),
    (
        "lexicons/civic.toml",
        include_str!("../../../policies/default/lexicons/civic.toml"),
    ),
    (
        "lexicons/groups.toml",
        include_str!("../../../policies/default/lexicons/groups.toml"),
    ),
    (
        "lexicons/hate.toml",
        include_str!("../../../policies/default/lexicons/hate.toml"),
    ),
    (
        "lexicons/slurs.toml",
        include_str!("../../../policies/default/lexicons/slurs.toml"),
    ),
    (
        "lexicons/speech.toml",
        include_str!("../../../policies/default/lexicons/speech.toml"),
    ),
    (
        "lexicons/violence.toml",
        include_str!("../../../policies/default/lexicons/violence.toml"),
    ),
];

/// The files of the embedded default pack.
pub fn default_pack_files() -> BTreeMap<String, String> {
    DEFAULT_PACK
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect()
}

/// Reads every `.toml` file of a pack folder (or a single `policy.toml`'s folder), and those of
/// its `lexicons/` folder (named `lexicons/<file>.toml`).
pub fn read_pack_files(path: &Path) -> Result<BTreeMap<String, String>, EngineError> {
    let folder = if path.is_file() {
        path.parent().unwrap_or(Path::new("."))
    } else {
        path
    };
    let mut files = read_toml_files(folder, "")?;
    let lexicons = folder.join(moderato_core::policy::LEXICON_DIR.trim_end_matches('/'));
    if lexicons.is_dir() {
        files.extend(read_toml_files(
            &lexicons,
            moderato_core::policy::LEXICON_DIR,
        )?);
    }
    Ok(files)
}

fn read_toml_files(folder: &Path, prefix: &str) -> Result<BTreeMap<String, String>, EngineError> {
    let read_error = |source| EngineError::ReadPack {
        path: folder.to_path_buf(),
        source,
    };
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let file_path = entry.path();
        if file_path
            .extension()
            .is_some_and(|extension| extension == "toml")
            && file_path.is_file()
        {
            let text =
                std::fs::read_to_string(&file_path).map_err(|source| EngineError::ReadPack {
                    path: file_path.clone(),
                    source,
                })?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            files.insert(name, text);
        }
    }
    Ok(files)
}

/// Validates a pack's files against the built-in signals.
pub fn load_pack(files: &BTreeMap<String, String>) -> Result<Policy, EngineError> {
    Ok(moderato_core::load_policy(
        files,
        &crate::builtin_signals(),
    )?)
}

/// Reads and validates the pack at `path`, or the embedded default when `None` or `default`.
pub fn load_pack_from(path: Option<&Path>) -> Result<Policy, EngineError> {
    match path {
        Some(path) if path == Path::new("default") && !path.exists() => {
            load_pack(&default_pack_files())
        }
        Some(path) => load_pack(&read_pack_files(path)?),
        None => load_pack(&default_pack_files()),
    }
}
