//! The content item contract: what a platform sends Moderato for one post.
//!
//! This module parses and validates items (size limit, unknown fields, enums,
//! dates, region codes, signal scores). It must never read files or clocks:
//! callers hand it bytes and limits.

use serde::{Deserialize, Serialize};

use crate::error::ContentError;

/// Default maximum size of `text`, in bytes (64 KiB).
pub const DEFAULT_MAX_TEXT_BYTES: usize = 64 * 1024;

/// What kind of surface the text was posted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// A top-level post.
    #[default]
    Post,
    /// A reply to another post.
    Reply,
    /// A comment under an article or media item.
    Comment,
    /// A direct message.
    Message,
    /// A profile biography.
    Bio,
}

impl ContentKind {
    /// The snake_case name used in JSON and CEL.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Post => "post",
            ContentKind::Reply => "reply",
            ContentKind::Comment => "comment",
            ContentKind::Message => "message",
            ContentKind::Bio => "bio",
        }
    }
}

/// The public office an author holds, which matters for the public-interest test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PublicRole {
    /// Head of state.
    HeadOfState,
    /// Head of government.
    HeadOfGovernment,
    /// Appointed or career government official.
    GovernmentOfficial,
    /// Holder of an elected office.
    ElectedOfficial,
    /// Candidate or nominee for public office.
    Candidate,
    /// Official account of a government body.
    GovernmentAccount,
    /// No public role.
    #[default]
    None,
}

impl PublicRole {
    /// The snake_case name used in JSON, CEL and policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicRole::HeadOfState => "head_of_state",
            PublicRole::HeadOfGovernment => "head_of_government",
            PublicRole::GovernmentOfficial => "government_official",
            PublicRole::ElectedOfficial => "elected_official",
            PublicRole::Candidate => "candidate",
            PublicRole::GovernmentAccount => "government_account",
            PublicRole::None => "none",
        }
    }
}

/// Who posted the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// Platform account id.
    #[serde(default)]
    pub id: Option<String>,
    /// Handle shown to users.
    #[serde(default)]
    pub handle: Option<String>,
    /// Follower count.
    #[serde(default)]
    pub followers: u64,
    /// Whether the platform verified the account's identity.
    #[serde(default)]
    pub verified: bool,
    /// Public office held, if any.
    #[serde(default)]
    pub public_role: PublicRole,
    /// Strikes still in force before this item.
    #[serde(default)]
    pub prior_strikes: u32,
    /// Age of the account in days.
    #[serde(default)]
    pub account_age_days: Option<u64>,
}

/// Reach and velocity of the item when it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Views so far.
    #[serde(default)]
    pub views: u64,
    /// Reposts so far.
    #[serde(default)]
    pub reposts: u64,
    /// Replies so far.
    #[serde(default)]
    pub replies: u64,
    /// Current views (or interactions) per hour.
    #[serde(default)]
    pub velocity_per_hour: f64,
}

/// A score computed by a system outside Moderato and passed with the item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalSignal {
    /// Signal name, e.g. `external.toxicity`.
    pub name: String,
    /// Score between 0 and 1.
    pub score: f64,
    /// Which system produced it.
    #[serde(default)]
    pub source: Option<String>,
}

/// One piece of content to moderate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentItem {
    /// Platform id of the content; required.
    pub id: String,
    /// The text; required.
    pub text: String,
    /// Surface kind; `post` when omitted.
    #[serde(default)]
    pub kind: ContentKind,
    /// Language code (BCP 47 or ISO 639-1), as the platform knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// When the content was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Region of the author or post, ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Public link to the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Author context.
    #[serde(default)]
    pub author: Author,
    /// Reach and velocity.
    #[serde(default)]
    pub metrics: Metrics,
    /// Scores from external systems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<ExternalSignal>,
}

/// Limits applied when parsing items.
#[derive(Debug, Clone, Copy)]
pub struct ContentLimits {
    /// Maximum size of `text` in bytes.
    pub max_text_bytes: usize,
}

impl Default for ContentLimits {
    fn default() -> Self {
        ContentLimits {
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
        }
    }
}

impl ContentItem {
    /// The account the item is attributed to, for strikes and restrictions: the author id,
    /// else the handle; a blank one (empty or only spaces) names no account. Every part of
    /// Moderato that counts strikes or reads restrictions goes through here.
    pub fn account_id(&self) -> Option<&str> {
        [self.author.id.as_deref(), self.author.handle.as_deref()]
            .into_iter()
            .flatten()
            .find(|account| !account.trim().is_empty())
    }
}

/// Parses one JSON item and validates it.
pub fn parse_content(json: &str, limits: ContentLimits) -> Result<ContentItem, ContentError> {
    // A byte-order mark from a Windows editor is not part of the JSON.
    let json = json.strip_prefix('\u{FEFF}').unwrap_or(json);
    if json.trim_start().starts_with('[') {
        return Err(ContentError::Json {
            path: None,
            message: "expected one JSON object, found an array (use `moderato run` for many items, one per line)".into(),
            line: 1,
            column: 1,
        });
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let item: ContentItem =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            ContentError::Json {
                path: if path == "." || path == "?" {
                    None
                } else {
                    Some(path)
                },
                message: strip_position(&inner.to_string()),
                line: inner.line(),
                column: inner.column(),
            }
        })?;
    deserializer.end().map_err(|error| ContentError::Json {
        path: None,
        message: strip_position(&error.to_string()),
        line: error.line(),
        column: error.column(),
    })?;
    validate_content(&item, limits)?;
    Ok(item)
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// Checks the rules serde cannot express: sizes, formats and ranges.
pub fn validate_content(item: &ContentItem, limits: ContentLimits) -> Result<(), ContentError> {
    // A NUL character means nothing in a post and PostgreSQL cannot store it in text: it is
    // refused on every backend alike, naming the field.
    // The field's name is built only when one holds a NUL: this runs for every item.
    let fields = [
        ("id", Some(&item.id)),
        ("text", Some(&item.text)),
        ("lang", item.lang.as_ref()),
        ("created_at", item.created_at.as_ref()),
        ("region", item.region.as_ref()),
        ("url", item.url.as_ref()),
        ("author.id", item.author.id.as_ref()),
        ("author.handle", item.author.handle.as_ref()),
    ];
    let named = fields
        .iter()
        .find(|(_, value)| value.is_some_and(|value| value.contains('\0')))
        .map(|(field, _)| field.to_string());
    let in_signal = || {
        item.signals.iter().enumerate().find_map(|(index, signal)| {
            if signal.name.contains('\0') {
                Some(format!("signals[{index}].name"))
            } else if signal
                .source
                .as_ref()
                .is_some_and(|source| source.contains('\0'))
            {
                Some(format!("signals[{index}].source"))
            } else {
                None
            }
        })
    };
    if let Some(field) = named.or_else(in_signal) {
        return Err(ContentError::Invalid {
            field,
            message: "contains a NUL character (U+0000), which is not allowed".into(),
        });
    }
    if item.id.trim().is_empty() {
        return Err(ContentError::Invalid {
            field: "id".into(),
            message: "must not be empty".into(),
        });
    }
    if item.id.len() > 256 {
        return Err(ContentError::Invalid {
            field: "id".into(),
            message: format!("is {} bytes; at most 256 are allowed", item.id.len()),
        });
    }
    if item.text.len() > limits.max_text_bytes {
        return Err(ContentError::TextTooLong {
            bytes: item.text.len(),
            limit: limits.max_text_bytes,
        });
    }
    if let Some(created_at) = &item.created_at
        && chrono::DateTime::parse_from_rfc3339(created_at).is_err()
    {
        return Err(ContentError::Invalid {
            field: "created_at".into(),
            message: format!("`{created_at}` is not an RFC 3339 date-time"),
        });
    }
    if let Some(region) = &item.region
        && !is_region_code(region)
    {
        return Err(ContentError::Invalid {
            field: "region".into(),
            message: format!(
                "`{region}` is not an ISO 3166-1 alpha-2 code (two upper-case letters)"
            ),
        });
    }
    if item.metrics.velocity_per_hour.is_nan() || item.metrics.velocity_per_hour < 0.0 {
        return Err(ContentError::Invalid {
            field: "metrics.velocity_per_hour".into(),
            message: "must be a number at or above 0".into(),
        });
    }
    for (index, signal) in item.signals.iter().enumerate() {
        if !(0.0..=1.0).contains(&signal.score) {
            return Err(ContentError::Invalid {
                field: format!("signals[{index}].score"),
                message: format!("{} is outside 0..1", signal.score),
            });
        }
        if !is_signal_name(&signal.name) {
            return Err(ContentError::Invalid {
                field: format!("signals[{index}].name"),
                message: format!(
                    "`{}` is not a signal name (lower-case words of a-z, 0-9 and _ joined by dots)",
                    signal.name
                ),
            });
        }
    }
    Ok(())
}

/// Sources the engine writes itself; a caller may not claim them.
const RESERVED_SOURCES: &[&str] = &[
    "builtin", "model", "external", "engine", "moderato", "system",
];

/// Checks the signals a caller sent with an item against the pack: an item may carry only the
/// signals the pack declares (`[[signal]]`, e.g. `external.toxicity`), never a signal the engine
/// computes itself (`violence.threat`, `model.hate`, an external classifier's
/// `external.<name>.<category>`), and never under a source the engine uses for its own
/// (`builtin:…`, `model:…`). A caller who could assert `violence.imminence: 1` would decide the
/// public-interest test and the strikes instead of the engine.
pub fn check_caller_signals(
    item: &ContentItem,
    policy: &crate::policy::Policy,
) -> Result<(), ContentError> {
    for (index, signal) in item.signals.iter().enumerate() {
        if !policy
            .declared_signals
            .iter()
            .any(|declared| declared.name == signal.name)
        {
            let declared: Vec<&str> = policy
                .declared_signals
                .iter()
                .map(|declared| declared.name.as_str())
                .collect();
            return Err(ContentError::Invalid {
                field: format!("signals[{index}].name"),
                message: format!(
                    "`{}` is not a signal this pack accepts from callers (the engine computes its own signals); accepted: {}",
                    signal.name,
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                ),
            });
        }
        if let Some(source) = &signal.source {
            let head = source
                .split([':', '/', '.'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if RESERVED_SOURCES.contains(&head.as_str()) {
                return Err(ContentError::Invalid {
                    field: format!("signals[{index}].source"),
                    message: format!(
                        "`{source}` is a source the engine reserves for its own signals; name your own system"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Whether `code` looks like an ISO 3166-1 alpha-2 code.
pub fn is_region_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_uppercase())
}

/// Whether `name` is a well-formed signal name such as `violence.threat`.
pub fn is_signal_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ContentItem, ContentError> {
        parse_content(json, ContentLimits::default())
    }

    #[test]
    fn minimal_item_gets_defaults() {
        let item = parse(r#"{"id":"1","text":"hello"}"#).expect("valid");
        assert_eq!(item.kind, ContentKind::Post);
        assert_eq!(item.author.public_role, PublicRole::None);
    }

    #[test]
    fn the_account_is_the_first_non_blank_of_id_and_handle() {
        let account = |author: &str| {
            parse(&format!(r#"{{"id":"1","text":"x","author":{author}}}"#))
                .expect("valid")
                .account_id()
                .map(str::to_string)
        };
        assert_eq!(
            account(r#"{"id":"u1","handle":"@h"}"#).as_deref(),
            Some("u1")
        );
        assert_eq!(account(r#"{"handle":"@h"}"#).as_deref(), Some("@h"));
        assert_eq!(account(r#"{"id":"","handle":"@h"}"#).as_deref(), Some("@h"));
        assert_eq!(account(r#"{"id":"  ","handle":""}"#), None);
        assert_eq!(account("{}"), None);
    }

    #[test]
    fn unknown_field_is_named() {
        let error = parse(r#"{"id":"1","text":"x","author":{"folowers":3}}"#).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("author.folowers"), "{message}");
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn oversized_text_is_rejected_with_sizes() {
        let text = "a".repeat(70_000);
        let json = serde_json::json!({"id": "1", "text": text}).to_string();
        let message = parse(&json).unwrap_err().to_string();
        assert!(
            message.contains("70000") && message.contains("65536"),
            "{message}"
        );
    }

    #[test]
    fn bad_role_and_region_and_score_are_rejected() {
        assert!(parse(r#"{"id":"1","text":"x","author":{"public_role":"king"}}"#).is_err());
        assert!(parse(r#"{"id":"1","text":"x","region":"usa"}"#).is_err());
        let message = parse(r#"{"id":"1","text":"x","signals":[{"name":"a.b","score":1.5}]}"#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("signals[0].score"), "{message}");
    }

    #[test]
    fn missing_text_and_trailing_garbage_are_errors() {
        assert!(
            parse(r#"{"id":"1"}"#)
                .unwrap_err()
                .to_string()
                .contains("text")
        );
        assert!(parse(r#"{"id":"1","text":"x"} x"#).is_err());
        assert!(parse(r#"{"id":"1","text":"x","created_at":"yesterday"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(input in ".{0,200}") {
            let _ = parse(&input);
        }

        #[test]
        fn parser_never_panics_on_json_like_input(text in "\\PC{0,50}", id in "[a-z0-9]{0,5}") {
            let json = format!(r#"{{"id":"{id}","text":{}}}"#, serde_json::Value::String(text));
            let _ = parse(&json);
        }
    }
}
