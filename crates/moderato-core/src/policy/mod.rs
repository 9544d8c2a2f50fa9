//! Policy packs: the model, the loader and validator, and CEL glue.
//!
//! This module turns TOML text into a [`Policy`] that evaluation can trust.
//! It must never read files or decide actions for items.

mod cel_check;
mod lexicon;
mod load;
mod model;

pub(crate) use cel_check::item_context;
pub use cel_check::{AUTHOR_FIELDS, CONTENT_FIELDS, METRICS_FIELDS, VARIABLES};
pub use lexicon::{
    CONFLICTING_CLASSES, CivicCategory, Inflection, LEXICON_DIR, LexiconTerm, Lexicons,
    MAX_LEXICON_TERMS, WordClass, load_lexicons,
};
pub use load::{
    BuiltinSignal, CLAIMS_FILE, MANIFEST_FILE, MAX_CLAIMS, MAX_CONDITION_BYTES,
    MAX_CONDITION_DEPTH, MAX_CONDITION_TOKENS, MAX_PACK_BYTES, MAX_PACK_FILES, MAX_RULES,
    digest_files, line_column, load_policy,
};
pub use model::*;
