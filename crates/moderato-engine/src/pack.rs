//! Finding policy packs: the embedded default pack and packs on disk.
//!
//! This is the one place that reads pack files; validation itself is done by
//! the core. This module must never accept a pack without validating it.

use std::collections::BTreeMap;
use std::path::Path;

use moderato_core::Policy;
use moderato_core::policy::MANIFEST_FILE;

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
        // Only the manifest stands for its folder: `violence.toml` alone is not a pack, and
        // reading its neighbours instead would validate something else than what was named.
        if path.file_name().is_none_or(|name| name != MANIFEST_FILE) {
            return Err(EngineError::ReadPack {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("a pack is a folder; give the folder or its {MANIFEST_FILE}"),
                ),
            });
        }
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
        // Every `.toml` entry is read, so a dangling symlink or a folder named `x.toml` is an
        // error naming it, never silently left out of the pack.
        if file_path
            .extension()
            .is_some_and(|extension| extension == "toml")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> std::path::PathBuf {
        let folder =
            std::env::temp_dir().join(format!("moderato-pack-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for (name, text) in default_pack_files() {
            let path = folder.join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        folder
    }

    /// Issue 12 §9: a dangling symlink was skipped silently, and a file argument read its
    /// whole folder.
    #[test]
    fn dangling_links_and_file_arguments_are_errors_not_silence() {
        let folder = scratch("links");
        std::os::unix::fs::symlink(folder.join("missing.toml"), folder.join("extra.toml")).unwrap();
        let error = read_pack_files(&folder).unwrap_err();
        assert!(error.to_string().contains("extra.toml"), "{error}");
        std::fs::remove_file(folder.join("extra.toml")).unwrap();
        assert!(read_pack_files(&folder).is_ok());
        assert!(read_pack_files(&folder.join("policy.toml")).is_ok());
        let error = read_pack_files(&folder.join("violence.toml")).unwrap_err();
        assert!(
            format!("{error}: {:?}", std::error::Error::source(&error))
                .contains("a pack is a folder"),
            "{error}"
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
