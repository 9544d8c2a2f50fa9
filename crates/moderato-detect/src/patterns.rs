//! Pattern tables of the rule-based detectors, over normalised text: commercial spam.
//!
//! Violence, hate and harassment are read by the language layer (`language.rs`) and its frames
//! (`frames.rs`), not by patterns. Each pattern names its signal and base weight and describes the
//! harm in general terms, not particular example posts. This module must never hold anything but
//! data and its compilation.

/// One pattern: signal, base score, regex over normalised (lower-case) text, and a note.
pub struct PatternSpec {
    /// Signal the pattern raises.
    pub signal: &'static str,
    /// Score of a clear, undiscounted match.
    pub weight: f64,
    /// Regex over normalised text.
    pub pattern: &'static str,
    /// What the pattern looks for, shown as evidence.
    pub note: &'static str,
}

macro_rules! spec {
    ($signal:expr, $weight:expr, $note:expr, $($part:expr),+) => {
        PatternSpec { signal: $signal, weight: $weight, note: $note, pattern: concat!($($part),+) }
    };
}

/// Every built-in pattern.
pub const PATTERNS: &[PatternSpec] = &[
    // Violence, hate and harassment are read by the language layer and its frames (frames.rs).
    spec!(
        "spam.promotional",
        0.6,
        "commercial call to action",
        r"\b(buy now|click (here|the link|link in bio)|limited (time )?offer|act now|order now|promo code|discount code|100% free|risk free|dm me for|check my bio|sign up now)\b"
    ),
    spec!(
        "spam.promotional",
        0.8,
        "get-rich-quick or giveaway scam",
        r"\b(earn \$?\d+[k]? (a|per) (day|week|hour)|work from home (and|to) (earn|make)|make money fast|free money|crypto giveaway|double your (btc|bitcoin|eth|crypto|money)|send (btc|bitcoin|eth) to|guaranteed (returns|profit)|investment opportunity|passive income)\b"
    ),
];

/// Expands placeholders of a pattern (none are left; kept so packs of patterns stay one format).
pub fn expand(pattern: &str) -> String {
    pattern.to_string()
}
