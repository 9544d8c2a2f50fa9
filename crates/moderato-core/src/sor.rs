//! DSA statements of reasons (Art. 17 and 24(5)) for the EU Transparency Database:
//! building them from decisions, validating them against the database's
//! `StatementStoreRequest` rules, and batching them for submission.
//!
//! Field names, enum keys and validation rules follow
//! ../shared/reference/policy-frameworks.md §3.4–3.8. Everything here is pure:
//! dates come in as `Y-m-d` strings and nothing reads the clock.
//! This module must never send a label instead of a key, a v1 value of §3.7,
//! or personal data: every free-text field is templated and then scrubbed.
//!
//! Mapping choices (the DSA vocabulary leaves these open, so we fix them here):
//!
//! * `territorial_scope` lists every EEA country (the decision applies
//!   everywhere), except when the most severe content action is `geo_restrict`
//!   and there is no account measure: then it lists the blocked European
//!   countries. A geo restriction with no European country does not restrict
//!   anything in the Union, so its `DECISION_VISIBILITY_CONTENT_DISABLED` is
//!   dropped (and no statement is made when nothing else remains).
//! * `hold_for_review` gets `end_date_visibility_restriction` =
//!   application date + [`DEFAULT_HOLD_FOR_REVIEW_DAYS`] (or the caller's
//!   review deadline), but only when the hold is the only visibility measure:
//!   the database wants the longest restriction, and labels or removals are
//!   indefinite. The review then produces a new decision with its own statement.
//! * Account and service end dates are application date + the measure's
//!   duration; permanent measures have none (indefinite). End dates are capped
//!   at the database's upper bound, 2038-01-01.
//! * `automated_detection` is `Yes` when Moderato's detectors found the content
//!   on the provider's own initiative, and `No` when a notice brought it.
//! * `automated_decision` is `AUTOMATED_DECISION_FULLY` for an engine decision
//!   no person reviewed, `AUTOMATED_DECISION_PARTIALLY` once a person has;
//!   `AUTOMATED_DECISION_NOT_AUTOMATED` is never produced, since every Moderato
//!   decision rests on automated assessment.
//! * The validator is stricter than the database in two ways: fields the
//!   database would silently exclude (`exclude_unless`) are reported, and end
//!   dates before `application_date` are reported (the docs require it).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::action::{AccountAction, Action, ContentAction, DSA_INTERSTITIAL_OTHER};
use crate::decision::{AccountMeasure, Decision};
use crate::dsa;

/// `DECISION_VISIBILITY_*` keys (policy-frameworks.md §3.5).
pub const DECISION_VISIBILITIES: &[&str] = &[
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
];

/// `DECISION_MONETARY_*` keys.
pub const DECISION_MONETARIES: &[&str] = &[
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
];

/// `DECISION_PROVISION_*` keys.
pub const DECISION_PROVISIONS: &[&str] = &[
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
];

/// `DECISION_ACCOUNT_*` keys.
pub const DECISION_ACCOUNTS: &[&str] =
    &["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"];

/// `ACCOUNT_TYPE_*` keys.
pub const ACCOUNT_TYPES: &[&str] = &["ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"];

/// `CONTENT_TYPE_*` keys.
pub const CONTENT_TYPES: &[&str] = &[
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
];

/// `SOURCE_*` keys.
pub const SOURCE_TYPES: &[&str] = &[
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
];

/// `AUTOMATED_DECISION_*` keys.
pub const AUTOMATED_DECISIONS: &[&str] = &[
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
];

/// The literal values of `automated_detection` and `incompatible_content_illegal`.
pub const YES_NO: &[&str] = &["Yes", "No"];

/// `territorial_scope` codes: the EEA-30 (Greece is `GR`).
#[rustfmt::skip]
pub const EUROPEAN_COUNTRY_CODES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS",
    "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// `content_language` codes: upper-case ISO 639-1, in the database's order.
#[rustfmt::skip]
pub const ALL_LANGUAGES: &[&str] = &[
    "AB", "AA", "AF", "AK", "SQ", "AM", "AR", "AN", "HY", "AS", "AV", "AE", "AY", "AZ", "BM", "BA",
    "EU", "BE", "BN", "BH", "BI", "BS", "BR", "BG", "MY", "CA", "KM", "CH", "CE", "NY", "ZH", "CU",
    "CV", "KW", "CO", "CR", "HR", "CS", "DA", "DV", "NL", "DZ", "EN", "EO", "ET", "EE", "FO", "FJ",
    "FI", "FR", "FF", "GD", "GL", "LG", "KA", "DE", "KI", "EL", "KL", "GN", "GU", "HT", "HA", "HE",
    "HZ", "HI", "HO", "HU", "IS", "IO", "IG", "ID", "IA", "IE", "IU", "IK", "GA", "IT", "JA", "JV",
    "KN", "KR", "KS", "KK", "RW", "KV", "KG", "KO", "KJ", "KU", "KY", "LO", "LA", "LV", "LB", "LI",
    "LN", "LT", "LU", "MK", "MG", "MS", "ML", "MT", "GV", "MI", "MR", "MH", "RO", "MN", "NA", "NV",
    "ND", "NG", "NE", "SE", "NO", "NB", "NN", "II", "OC", "OJ", "OR", "OM", "OS", "PI", "PA", "PS",
    "FA", "PL", "PT", "QU", "RM", "RN", "RU", "SM", "SG", "SA", "SC", "SR", "SN", "SD", "SI", "SK",
    "SL", "SO", "ST", "NR", "ES", "SU", "SW", "SS", "SV", "TL", "TY", "TG", "TA", "TT", "TE", "TH",
    "BO", "TI", "TO", "TS", "TN", "TR", "TK", "TW", "UG", "UK", "UR", "UZ", "VE", "VI", "VO", "WA",
    "CY", "FY", "WO", "XH", "YI", "YO", "ZA", "ZU",
];

/// Values withdrawn on 1 July 2025 (§3.7), with their replacement when there is one.
pub const V1_VALUES: &[(&str, Option<&str>)] = &[
    (
        "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
        Some("STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"),
    ),
    (
        "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
        Some("STATEMENT_CATEGORY_OTHER_VIOLATION_TC"),
    ),
    ("STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR", None),
    ("STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT", None),
    (
        "KEYWORD_ONLINE_BULLYING_INTIMIDATION",
        Some("KEYWORD_CYBER_BULLYING_INTIMIDATION"),
    ),
    (
        "KEYWORD_INSUFFICIENT_INFORMATION_TRADERS",
        Some("KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS"),
    ),
    (
        "KEYWORD_DISINFORMATION",
        Some("KEYWORD_MISINFORMATION_DISINFORMATION"),
    ),
    (
        "KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE",
        Some("KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE"),
    ),
    ("KEYWORD_MISINFORMATION", None),
    ("KEYWORD_FOREIGN_INFORMATION_MANIPULATION", None),
    ("KEYWORD_REGULATED_GOODS_SERVICES", None),
    ("KEYWORD_DANGEROUS_TOYS", None),
    ("KEYWORD_GENDER_BASED_VIOLENCE", None),
    ("KEYWORD_IMAGE_BASED_SEXUAL_ABUSE", None),
];

/// Days a hold for review is declared to last when the caller gives no deadline.
pub const DEFAULT_HOLD_FOR_REVIEW_DAYS: u32 = 7;

/// Most statements the batch endpoint accepts in one call.
pub const MAX_BATCH_SIZE: usize = 100;

/// Prefix of every `puid`; the rest is the decision id, so a puid is never reused.
pub const PUID_PREFIX: &str = "moderato-";

/// What the scrubber puts in place of personal data.
pub const REDACTED: &str = "[redacted]";

const VISIBILITY_OTHER: &str = "DECISION_VISIBILITY_OTHER";
const VISIBILITY_DISABLED: &str = "DECISION_VISIBILITY_CONTENT_DISABLED";
const MONETARY_OTHER: &str = "DECISION_MONETARY_OTHER";
const CONTENT_TYPE_OTHER: &str = "CONTENT_TYPE_OTHER";
const CONTENT_TYPE_TEXT: &str = "CONTENT_TYPE_TEXT";
const GROUND_ILLEGAL: &str = "DECISION_GROUND_ILLEGAL_CONTENT";
const GROUND_INCOMPATIBLE: &str = "DECISION_GROUND_INCOMPATIBLE_CONTENT";
const SOURCE_VOLUNTARY: &str = "SOURCE_VOLUNTARY";
const AUTOMATED_FULLY: &str = "AUTOMATED_DECISION_FULLY";
const AUTOMATED_PARTIALLY: &str = "AUTOMATED_DECISION_PARTIALLY";

const SHORT_TEXT: usize = 500;
const EXPLANATION_TEXT: usize = 2000;
const FACTS_TEXT: usize = 5000;

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

const EARLIEST_CONTENT_DATE: NaiveDate = date(2000, 1, 1);
const EARLIEST_APPLICATION_DATE: NaiveDate = date(2020, 1, 1);
const LATEST_DATE: NaiveDate = date(2038, 1, 1);

/// One statement of reasons, exactly as the database's submission fields.
///
/// `None` and empty optional arrays are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Statement {
    /// `DECISION_VISIBILITY_*` keys, sorted and de-duplicated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decision_visibility: Vec<String>,
    /// Required iff `decision_visibility` holds `DECISION_VISIBILITY_OTHER`; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility_other: Option<String>,
    /// `DECISION_MONETARY_*` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_monetary: Option<String>,
    /// Required iff `decision_monetary` is `DECISION_MONETARY_OTHER`; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_monetary_other: Option<String>,
    /// `DECISION_PROVISION_*` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_provision: Option<String>,
    /// `DECISION_ACCOUNT_*` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<String>,
    /// `ACCOUNT_TYPE_*` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// `DECISION_GROUND_*` key; required.
    pub decision_ground: String,
    /// Link to the exact policy version or law relied on; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_ground_reference_url: Option<String>,
    /// Required iff the ground is illegal content; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    /// Required iff the ground is illegal content; ≤ 2000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    /// Required iff the ground is incompatible content: the rule cited; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    /// Required iff the ground is incompatible content: why it breaks the rule; ≤ 2000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    /// `Yes` or `No`; only with the incompatible-content ground.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_illegal: Option<String>,
    /// `CONTENT_TYPE_*` keys, sorted and de-duplicated; required.
    pub content_type: Vec<String>,
    /// Required iff `content_type` holds `CONTENT_TYPE_OTHER`; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type_other: Option<String>,
    /// `STATEMENT_CATEGORY_*` key; required.
    pub category: String,
    /// Further `STATEMENT_CATEGORY_*` keys, never repeating `category`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category_addition: Vec<String>,
    /// `KEYWORD_*` keys, sorted and de-duplicated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category_specification: Vec<String>,
    /// Free text for `KEYWORD_OTHER`; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_specification_other: Option<String>,
    /// EEA country codes, sorted and de-duplicated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub territorial_scope: Vec<String>,
    /// Upper-case ISO 639-1 code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// `Y-m-d`, 2000-01-01 to 2038-01-01; required.
    pub content_date: String,
    /// `Y-m-d`, 2020-01-01 to 2038-01-01; required.
    pub application_date: String,
    /// `Y-m-d`; absent means indefinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_account_restriction: Option<String>,
    /// `Y-m-d`; absent means indefinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_monetary_restriction: Option<String>,
    /// `Y-m-d`; absent means indefinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_service_restriction: Option<String>,
    /// `Y-m-d`, the longest visibility restriction; absent means indefinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_visibility_restriction: Option<String>,
    /// Templated facts with no personal data; ≤ 5000; required.
    pub decision_facts: String,
    /// `SOURCE_*` key; required.
    pub source_type: String,
    /// The notifier, only where strictly necessary; never with `SOURCE_VOLUNTARY`; ≤ 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// `Yes` or `No`; required.
    pub automated_detection: String,
    /// `AUTOMATED_DECISION_*` key; required.
    pub automated_decision: String,
    /// Platform's unique id for the statement, `^[a-zA-Z0-9-_]+$`, ≤ 500; required.
    pub puid: String,
    /// EAN-13 of a product, 13 digits (never set by Moderato, which handles text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id_ean: Option<String>,
}

/// How the content came to the provider's attention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SorSource {
    /// Moderato's own detectors, on the provider's initiative.
    #[default]
    Voluntary,
    /// A user report that is not an Art. 16 illegal-content notice.
    Notice,
    /// An Art. 16 illegal-content notice.
    Article16,
    /// A notice from a trusted flagger (Art. 22).
    TrustedFlagger,
}

impl SorSource {
    /// The `source_type` key.
    pub fn source_type(self) -> &'static str {
        match self {
            SorSource::Voluntary => SOURCE_VOLUNTARY,
            SorSource::Notice => "SOURCE_TYPE_OTHER_NOTIFICATION",
            SorSource::Article16 => "SOURCE_ARTICLE_16",
            SorSource::TrustedFlagger => "SOURCE_TRUSTED_FLAGGER",
        }
    }
}

/// The account type, when the platform knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// A business user under Regulation (EU) 2019/1150.
    Business,
    /// A private user.
    Private,
}

impl AccountType {
    /// The `account_type` key.
    pub fn key(self) -> &'static str {
        match self {
            AccountType::Business => "ACCOUNT_TYPE_BUSINESS",
            AccountType::Private => "ACCOUNT_TYPE_PRIVATE",
        }
    }
}

/// What a statement needs beyond the decision. Dates are passed in: this module reads no clock.
#[derive(Debug, Clone, Default)]
pub struct SorContext<'a> {
    /// When the content was posted, `Y-m-d`.
    pub content_date: &'a str,
    /// When the restriction applied, `Y-m-d`; end dates count from it.
    pub application_date: &'a str,
    /// The item's language tag (`en`, `en-US`); sent only when it starts with a known ISO 639-1 code.
    pub content_language: Option<&'a str>,
    /// URL of the exact published policy version.
    pub policy_url: Option<&'a str>,
    /// How the content came to the provider.
    pub source: SorSource,
    /// The notifier, only where strictly necessary; ignored for voluntary detection.
    pub source_identity: Option<&'a str>,
    /// A person has reviewed the decision.
    pub human_reviewed: bool,
    /// Definition of the primary rule (the first in `decision.rules`); its title is used otherwise.
    pub rule_definition: Option<&'a str>,
    /// The law relied on, for the illegal-content ground; the rule is cited otherwise.
    pub legal_ground: Option<&'a str>,
    /// Whether content found incompatible with the terms is also considered illegal.
    pub incompatible_content_illegal: Option<bool>,
    /// The account type, when known.
    pub account_type: Option<AccountType>,
    /// Days within which a held item will be reviewed; [`DEFAULT_HOLD_FOR_REVIEW_DAYS`] when `None`.
    pub hold_for_review_days: Option<u32>,
    /// Categories of other matched rules, for `category_addition`.
    pub category_addition: &'a [&'a str],
}

/// A rule of the database's submission request that a statement breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SorViolation {
    /// The submission field.
    pub field: String,
    /// What is wrong, as a lowercase fragment.
    pub message: String,
}

impl std::fmt::Display for SorViolation {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "field `{}`: {}", self.field, self.message)
    }
}

/// The body of `POST /api/v1/statements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSubmission {
    /// One to [`MAX_BATCH_SIZE`] statements, stored all or nothing.
    pub statements: Vec<Statement>,
}

/// Builds the statement of reasons for `decision`, or `None` when nothing was restricted
/// (an allow, or a strike with no account measure).
pub fn statement_for(decision: &Decision, context: &SorContext<'_>) -> Option<Statement> {
    let fields = decision.dsa.as_ref()?;
    let measure = decision
        .account
        .as_ref()
        .and_then(|outcome| outcome.measure.as_ref())
        .filter(|measure| measure.action != AccountAction::Strike);
    if decision.action == ContentAction::Allow && measure.is_none() {
        return None;
    }

    let mut decision_visibility = sorted_unique(fields.decision_visibility.iter().cloned());
    let blocked_in_europe = european_countries(&fields.territorial_scope);
    let regional = decision.action == ContentAction::GeoRestrict && measure.is_none();
    let territorial_scope = if regional && !blocked_in_europe.is_empty() {
        blocked_in_europe
    } else {
        if decision.action == ContentAction::GeoRestrict && blocked_in_europe.is_empty() {
            // Blocked only outside the Union: no restriction for an EU statement.
            decision_visibility.retain(|key| key != VISIBILITY_DISABLED);
        }
        EUROPEAN_COUNTRY_CODES
            .iter()
            .map(|code| code.to_string())
            .collect()
    };
    let territorial_scope = sorted_unique(territorial_scope);
    let decision_account = fields.decision_account.clone();
    let decision_provision = fields.decision_provision.clone();
    if decision_visibility.is_empty() && decision_account.is_none() && decision_provision.is_none()
    {
        return None;
    }

    let decision_visibility_other = decision_visibility
        .iter()
        .any(|key| key == VISIBILITY_OTHER)
        .then(|| {
            let text = fields
                .decision_visibility_other
                .as_deref()
                .unwrap_or(DSA_INTERSTITIAL_OTHER);
            clean_text(text, SHORT_TEXT)
        });

    let application = parse_date(context.application_date);
    let end_after = |days: u32| {
        application
            .and_then(|start| start.checked_add_days(Days::new(u64::from(days))))
            .map(|end| end.min(LATEST_DATE).format("%Y-%m-%d").to_string())
    };
    let timed = |measure: &AccountMeasure| match (measure.permanent, measure.duration_days) {
        (false, Some(days)) => end_after(days),
        _ => None,
    };
    let end_date_account_restriction = measure
        .filter(|measure| measure.action == AccountAction::SuspendAccount)
        .and_then(timed);
    let end_date_service_restriction = measure
        .filter(|measure| measure.action == AccountAction::LimitAccount)
        .and_then(timed);
    let mut content_actions = decision
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::Content(ContentAction::Allow) | Action::Account(_) => None,
            Action::Content(content) => Some(*content),
        })
        .peekable();
    let only_held = content_actions.peek().is_some()
        && content_actions.all(|action| action == ContentAction::HoldForReview);
    let end_date_visibility_restriction = if only_held {
        end_after(
            context
                .hold_for_review_days
                .unwrap_or(DEFAULT_HOLD_FOR_REVIEW_DAYS),
        )
    } else {
        None
    };

    let policy = &decision.policy;
    let primary = decision.rules.first();
    let rule_citation = match primary {
        Some(rule) => format!("{} {}, rule {}", policy.id, policy.version, rule.id),
        None => format!("{} {}", policy.id, policy.version),
    };
    let explanation = match primary {
        Some(rule) => format!(
            "The content breaks the rule “{}” ({}) of {} version {}: {}",
            rule.title,
            rule.id,
            policy.id,
            policy.version,
            context.rule_definition.unwrap_or(&rule.title)
        ),
        None => format!(
            "The content breaks the policy {} version {}.",
            policy.id, policy.version
        ),
    };
    let ground = fields.decision_ground.as_str();
    let illegal = ground == GROUND_ILLEGAL;
    let incompatible = ground == GROUND_INCOMPATIBLE;
    let illegal_content_legal_ground =
        illegal.then(|| clean_text(context.legal_ground.unwrap_or(&rule_citation), SHORT_TEXT));
    let illegal_content_explanation = illegal.then(|| clean_text(&explanation, EXPLANATION_TEXT));
    let incompatible_content_ground = incompatible.then(|| clean_text(&rule_citation, SHORT_TEXT));
    let incompatible_content_explanation =
        incompatible.then(|| clean_text(&explanation, EXPLANATION_TEXT));
    let incompatible_content_illegal = context
        .incompatible_content_illegal
        .filter(|_| incompatible)
        .map(|is_illegal| if is_illegal { "Yes" } else { "No" }.to_string());

    let category = fields.category.clone();
    let category_addition = sorted_unique(
        context
            .category_addition
            .iter()
            .filter(|addition| **addition != category)
            .map(|addition| addition.to_string()),
    );

    let automated_decision = if decision.automated && !context.human_reviewed {
        AUTOMATED_FULLY
    } else {
        AUTOMATED_PARTIALLY
    };
    let voluntary = context.source == SorSource::Voluntary;

    Some(Statement {
        decision_visibility,
        decision_visibility_other,
        decision_monetary: None,
        decision_monetary_other: None,
        decision_provision,
        decision_account,
        account_type: context.account_type.map(|kind| kind.key().to_string()),
        decision_ground: fields.decision_ground.clone(),
        decision_ground_reference_url: context.policy_url.map(str::to_string),
        illegal_content_legal_ground,
        illegal_content_explanation,
        incompatible_content_ground,
        incompatible_content_explanation,
        incompatible_content_illegal,
        content_type: vec![CONTENT_TYPE_TEXT.to_string()],
        content_type_other: None,
        category,
        category_addition,
        category_specification: sorted_unique(fields.category_specification.iter().cloned()),
        category_specification_other: None,
        territorial_scope,
        content_language: content_language(context.content_language),
        content_date: context.content_date.to_string(),
        application_date: context.application_date.to_string(),
        end_date_account_restriction,
        end_date_monetary_restriction: None,
        end_date_service_restriction,
        end_date_visibility_restriction,
        decision_facts: clean_text(
            &decision_facts(decision, measure, context, automated_decision),
            FACTS_TEXT,
        ),
        source_type: context.source.source_type().to_string(),
        source_identity: context
            .source_identity
            .filter(|_| !voluntary)
            .map(|identity| clean_text(identity, SHORT_TEXT)),
        automated_detection: if voluntary { "Yes" } else { "No" }.to_string(),
        automated_decision: automated_decision.to_string(),
        puid: format!("{PUID_PREFIX}{}", decision.decision_id),
        content_id_ean: None,
    })
}

/// Standard wording for the facts: the action, the rule, the policy version, strikes and
/// how automation was used. It names no person and quotes no content.
fn decision_facts(
    decision: &Decision,
    measure: Option<&AccountMeasure>,
    context: &SorContext<'_>,
    automated_decision: &str,
) -> String {
    let policy = &decision.policy;
    let mut sentences = Vec::new();
    let rule = decision
        .rules
        .first()
        .map(|rule| format!("the rule “{}” ({})", rule.title, rule.id))
        .unwrap_or_else(|| "the policy".to_string());
    let policy_name = format!("{} version {}", policy.id, policy.version);
    if decision.action == ContentAction::Allow {
        sentences.push(format!(
            "No measure was taken against the text content itself; the account measure below was taken under {rule} of {policy_name}."
        ));
    } else {
        sentences.push(format!(
            "The text content {}, under {rule} of {policy_name}.",
            decision.action.describe()
        ));
    }
    let others: Vec<&str> = decision
        .rules
        .iter()
        .skip(1)
        .map(|rule| rule.id.as_str())
        .collect();
    if !others.is_empty() {
        sentences.push(format!("Other rules that matched: {}.", others.join(", ")));
    }
    if decision.action == ContentAction::GeoRestrict && !decision.effects.blocked_regions.is_empty()
    {
        let regions = sorted_unique(decision.effects.blocked_regions.iter().cloned());
        sentences.push(format!("It is blocked in: {}.", regions.join(", ")));
    }
    if decision
        .public_interest
        .as_ref()
        .is_some_and(|assessment| assessment.applied)
    {
        sentences.push(
            "The public-interest exception was applied: the content stays available behind a notice naming the rule."
                .to_string(),
        );
    }
    if let Some(measure) = measure {
        let duration = match (measure.permanent, measure.duration_days) {
            (false, Some(days)) => format!("for {days} {}", plural(days, "day", "days")),
            _ => "permanently".to_string(),
        };
        let sentence = match measure.action {
            AccountAction::SuspendAccount => format!("The account was suspended {duration}."),
            AccountAction::TerminateAccount => "The account was terminated.".to_string(),
            AccountAction::LimitAccount => {
                format!("Posting and other account features were limited {duration}.")
            }
            AccountAction::Strike => String::new(),
        };
        if !sentence.is_empty() {
            sentences.push(sentence);
        }
    }
    if let Some(outcome) = decision.account.as_ref().filter(|o| o.strikes_added > 0) {
        sentences.push(format!(
            "The account received {} {} ({} active; strikes expire after {} days).",
            outcome.strikes_added,
            plural(outcome.strikes_added, "strike", "strikes"),
            outcome.strikes_total,
            outcome.strike_expiry_days
        ));
    }
    sentences.push(match context.source {
        SorSource::Voluntary => {
            "The content was detected by automated means on the provider's own initiative."
                .to_string()
        }
        SorSource::Notice => {
            "The content was reported in a notice and assessed by automated means.".to_string()
        }
        SorSource::Article16 => {
            "The content was reported in a notice under Article 16 DSA and assessed by automated means."
                .to_string()
        }
        SorSource::TrustedFlagger => {
            "The content was reported by a trusted flagger and assessed by automated means."
                .to_string()
        }
    });
    sentences.push(if automated_decision == AUTOMATED_FULLY {
        "The decision was taken by automated means without human review.".to_string()
    } else {
        "A human reviewer took part in the decision.".to_string()
    });
    sentences.join(" ")
}

fn plural(count: u32, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// Scrubs personal data, then truncates to `max` characters.
fn clean_text(text: &str, max: usize) -> String {
    truncate_chars(&scrub_personal_data(text), max)
}

fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut truncated: String = text.chars().take(max.saturating_sub(1)).collect();
    truncated.push('…');
    truncated
}

fn sorted_unique(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.into_iter().collect();
    values.sort();
    values.dedup();
    values
}

/// The blocked regions that are EEA countries, upper-cased (`EL` is sent as `GR`).
fn european_countries(regions: &[String]) -> Vec<String> {
    regions
        .iter()
        .map(|region| match region.to_ascii_uppercase().as_str() {
            "EL" => "GR".to_string(),
            other => other.to_string(),
        })
        .filter(|code| EUROPEAN_COUNTRY_CODES.contains(&code.as_str()))
        .collect()
}

/// `en-US` → `EN`; anything that does not start with a known two-letter code → `None`.
fn content_language(tag: Option<&str>) -> Option<String> {
    let primary = tag?.split(['-', '_']).next()?;
    if primary.len() != 2 || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let code = primary.to_ascii_uppercase();
    ALL_LANGUAGES.contains(&code.as_str()).then_some(code)
}

/// A strict `Y-m-d` date.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Replaces @handles, e-mail addresses, URLs and phone-number-like digit runs with
/// [`REDACTED`]. Dates and calendar versions (`2026.11.25`) are kept.
///
/// This is a safety net over templated text, not a substitute for templating.
pub fn scrub_personal_data(text: &str) -> String {
    scrub_phone_numbers(&scrub_tokens(text))
}

fn scrub_tokens(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut token = String::new();
    for character in text.chars() {
        if character.is_whitespace() {
            output.push_str(&scrub_token(&token));
            token.clear();
            output.push(character);
        } else {
            token.push(character);
        }
    }
    output.push_str(&scrub_token(&token));
    output
}

fn is_edge_punctuation(character: char) -> bool {
    matches!(
        character,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '"'
            | '\''
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '«'
            | '»'
    )
}

/// Replaces the token's core (without surrounding punctuation) when it is personal data.
fn scrub_token(token: &str) -> String {
    let Some(start) = token.find(|c: char| !is_edge_punctuation(c)) else {
        return token.to_string();
    };
    let end = token
        .char_indices()
        .rev()
        .find(|(_, c)| !is_edge_punctuation(*c))
        .map(|(index, c)| index + c.len_utf8())
        .unwrap_or(token.len());
    let core = &token[start..end];
    if is_personal_token(core) {
        format!("{}{REDACTED}{}", &token[..start], &token[end..])
    } else {
        token.to_string()
    }
}

fn is_personal_token(core: &str) -> bool {
    let lower = core.to_lowercase();
    if lower.starts_with("www.") {
        return true;
    }
    if let Some(index) = lower.find("://") {
        let scheme = &lower[..index];
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        {
            return true;
        }
    }
    if let Some(at) = core.find('@') {
        let before = &core[..at];
        let after = &core[at + 1..];
        let starts_name = after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if before.is_empty() && starts_name {
            return true;
        }
        let labels: Vec<&str> = after.split('.').collect();
        if !before.is_empty() && labels.len() >= 2 && labels.iter().all(|label| !label.is_empty()) {
            return true;
        }
    }
    false
}

fn is_phone_separator(character: char) -> bool {
    matches!(character, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}')
}

fn scrub_phone_numbers(text: &str) -> String {
    let characters: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let next_is_digit = characters
            .get(index + 1)
            .is_some_and(|next| next.is_ascii_digit());
        let can_start =
            character.is_ascii_digit() || (matches!(character, '+' | '(') && next_is_digit);
        let after_word = index > 0 && characters[index - 1].is_alphanumeric();
        if !can_start || after_word {
            output.push(character);
            index += 1;
            continue;
        }
        // Extend over digits and single or double separators between digits.
        let mut cursor = index;
        let mut end = index;
        while cursor < characters.len() {
            let current = characters[cursor];
            if current.is_ascii_digit() {
                cursor += 1;
                end = cursor;
            } else if (current == '+' && cursor == index) || is_phone_separator(current) {
                let digit_follows = characters[cursor + 1..]
                    .iter()
                    .take(2)
                    .take_while(|c| !c.is_ascii_digit())
                    .all(|c| is_phone_separator(*c))
                    && characters[cursor + 1..]
                        .iter()
                        .take(3)
                        .any(|c| c.is_ascii_digit());
                if !digit_follows {
                    break;
                }
                cursor += 1;
            } else {
                break;
            }
        }
        let followed_by_word = characters.get(end).is_some_and(|c| c.is_alphanumeric());
        let run: String = characters[index..end].iter().collect();
        if end > index && !followed_by_word && is_phone_like(&run) {
            output.push_str(REDACTED);
        } else {
            output.push_str(&run);
        }
        index = end.max(index + 1);
    }
    output
}

/// At least seven digits, and no date or calendar version in it (`2026-11-25`, `2026.11.25.1`).
fn is_phone_like(run: &str) -> bool {
    let digits = run.chars().filter(char::is_ascii_digit).count();
    digits >= 7 && !run.split(char::is_whitespace).any(is_calendar_like)
}

/// A four-digit year from 19xx or 20xx followed by at least two groups of one or two digits.
fn is_calendar_like(chunk: &str) -> bool {
    let groups: Vec<&str> = chunk
        .split(|c: char| !c.is_ascii_digit())
        .filter(|group| !group.is_empty())
        .collect();
    groups.len() >= 3
        && groups[0].len() == 4
        && (groups[0].starts_with("19") || groups[0].starts_with("20"))
        && groups[1..].iter().all(|group| group.len() <= 2)
}

/// Splits statements into submissions of at most [`MAX_BATCH_SIZE`], keeping their order.
pub fn batches(statements: Vec<Statement>) -> Vec<Vec<Statement>> {
    let mut batches = Vec::with_capacity(statements.len().div_ceil(MAX_BATCH_SIZE));
    let mut remaining = statements.into_iter();
    loop {
        let batch: Vec<Statement> = remaining.by_ref().take(MAX_BATCH_SIZE).collect();
        if batch.is_empty() {
            return batches;
        }
        batches.push(batch);
    }
}

/// [`batches`] wrapped as `{"statements": [...]}` bodies.
pub fn batch_submissions(statements: Vec<Statement>) -> Vec<BatchSubmission> {
    batches(statements)
        .into_iter()
        .map(|statements| BatchSubmission { statements })
        .collect()
}

/// Checks a statement against the database's submission rules (§3.4–3.5), reporting every
/// problem at once, in field order. An empty list means the database would accept it.
pub fn validate(statement: &Statement) -> Vec<SorViolation> {
    let mut check = Checker::default();
    let s = statement;

    // The four decision groups: at least one is required.
    let no_decision = s.decision_visibility.is_empty()
        && s.decision_monetary.is_none()
        && s.decision_provision.is_none()
        && s.decision_account.is_none();
    if no_decision {
        for field in [
            "decision_visibility",
            "decision_monetary",
            "decision_provision",
            "decision_account",
        ] {
            check.push(
                field,
                "required when none of decision_visibility, decision_monetary, decision_provision and decision_account is present",
            );
        }
    }
    check.keys(
        "decision_visibility",
        &s.decision_visibility,
        DECISION_VISIBILITIES,
    );
    check.sorted("decision_visibility", &s.decision_visibility);
    let has_other = s
        .decision_visibility
        .iter()
        .any(|key| key == VISIBILITY_OTHER);
    check.required_iff(
        "decision_visibility_other",
        &s.decision_visibility_other,
        has_other,
        "decision_visibility contains DECISION_VISIBILITY_OTHER",
    );
    check.text(
        "decision_visibility_other",
        &s.decision_visibility_other,
        SHORT_TEXT,
    );
    check.key(
        "decision_monetary",
        s.decision_monetary.as_deref(),
        DECISION_MONETARIES,
    );
    check.required_iff(
        "decision_monetary_other",
        &s.decision_monetary_other,
        s.decision_monetary.as_deref() == Some(MONETARY_OTHER),
        "decision_monetary is DECISION_MONETARY_OTHER",
    );
    check.text(
        "decision_monetary_other",
        &s.decision_monetary_other,
        SHORT_TEXT,
    );
    check.key(
        "decision_provision",
        s.decision_provision.as_deref(),
        DECISION_PROVISIONS,
    );
    check.key(
        "decision_account",
        s.decision_account.as_deref(),
        DECISION_ACCOUNTS,
    );
    check.key("account_type", s.account_type.as_deref(), ACCOUNT_TYPES);

    // The ground and its explanations.
    check.required_key("decision_ground", &s.decision_ground, dsa::GROUNDS);
    if let Some(url) = &s.decision_ground_reference_url {
        let is_url = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() > "https://".len()
            && !url.chars().any(char::is_whitespace);
        if !is_url {
            check.push(
                "decision_ground_reference_url",
                "must be an http or https URL",
            );
        }
        check.length("decision_ground_reference_url", url, SHORT_TEXT);
    }
    let illegal = s.decision_ground == GROUND_ILLEGAL;
    let incompatible = s.decision_ground == GROUND_INCOMPATIBLE;
    let illegal_reason = "decision_ground is DECISION_GROUND_ILLEGAL_CONTENT";
    let incompatible_reason = "decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT";
    check.required_iff(
        "illegal_content_legal_ground",
        &s.illegal_content_legal_ground,
        illegal,
        illegal_reason,
    );
    check.text(
        "illegal_content_legal_ground",
        &s.illegal_content_legal_ground,
        SHORT_TEXT,
    );
    check.required_iff(
        "illegal_content_explanation",
        &s.illegal_content_explanation,
        illegal,
        illegal_reason,
    );
    check.text(
        "illegal_content_explanation",
        &s.illegal_content_explanation,
        EXPLANATION_TEXT,
    );
    check.required_iff(
        "incompatible_content_ground",
        &s.incompatible_content_ground,
        incompatible,
        incompatible_reason,
    );
    check.text(
        "incompatible_content_ground",
        &s.incompatible_content_ground,
        SHORT_TEXT,
    );
    check.required_iff(
        "incompatible_content_explanation",
        &s.incompatible_content_explanation,
        incompatible,
        incompatible_reason,
    );
    check.text(
        "incompatible_content_explanation",
        &s.incompatible_content_explanation,
        EXPLANATION_TEXT,
    );
    if let Some(value) = &s.incompatible_content_illegal {
        if !incompatible {
            check.push(
                "incompatible_content_illegal",
                format!("excluded unless {incompatible_reason}"),
            );
        }
        check.key("incompatible_content_illegal", Some(value), YES_NO);
    }

    // Content and category.
    if s.content_type.is_empty() {
        check.push("content_type", "the field is required");
    }
    check.keys("content_type", &s.content_type, CONTENT_TYPES);
    check.sorted("content_type", &s.content_type);
    check.required_iff(
        "content_type_other",
        &s.content_type_other,
        s.content_type.iter().any(|key| key == CONTENT_TYPE_OTHER),
        "content_type contains CONTENT_TYPE_OTHER",
    );
    check.text("content_type_other", &s.content_type_other, SHORT_TEXT);
    check.required_key("category", &s.category, dsa::CATEGORIES);
    check.keys("category_addition", &s.category_addition, dsa::CATEGORIES);
    check.sorted("category_addition", &s.category_addition);
    if !s.category.is_empty() && s.category_addition.contains(&s.category) {
        check.push("category_addition", "must not repeat category");
    }
    check.keys(
        "category_specification",
        &s.category_specification,
        dsa::KEYWORDS,
    );
    check.sorted("category_specification", &s.category_specification);
    check.text(
        "category_specification_other",
        &s.category_specification_other,
        SHORT_TEXT,
    );
    check.keys(
        "territorial_scope",
        &s.territorial_scope,
        EUROPEAN_COUNTRY_CODES,
    );
    check.sorted("territorial_scope", &s.territorial_scope);
    check.key(
        "content_language",
        s.content_language.as_deref(),
        ALL_LANGUAGES,
    );
    if let Some(ean) = &s.content_id_ean
        && (ean.len() != 13 || !ean.chars().all(|c| c.is_ascii_digit()))
    {
        check.push("content_id_ean", "must be 13 digits (EAN-13)");
    }

    // Dates.
    check.date("content_date", &s.content_date, EARLIEST_CONTENT_DATE);
    let application = check.date(
        "application_date",
        &s.application_date,
        EARLIEST_APPLICATION_DATE,
    );
    for (field, value) in [
        (
            "end_date_account_restriction",
            &s.end_date_account_restriction,
        ),
        (
            "end_date_monetary_restriction",
            &s.end_date_monetary_restriction,
        ),
        (
            "end_date_service_restriction",
            &s.end_date_service_restriction,
        ),
        (
            "end_date_visibility_restriction",
            &s.end_date_visibility_restriction,
        ),
    ] {
        let Some(value) = value else { continue };
        match parse_date(value) {
            None => check.push(field, format!("`{value}` is not a Y-m-d date")),
            Some(end) => {
                if end > LATEST_DATE {
                    check.push(field, format!("`{value}` is after 2038-01-01"));
                }
                if application.is_some_and(|start| end < start) {
                    check.push(field, format!("`{value}` is before application_date"));
                }
            }
        }
    }

    // Facts and provenance.
    if s.decision_facts.trim().is_empty() {
        check.push("decision_facts", "the field is required");
    }
    check.length("decision_facts", &s.decision_facts, FACTS_TEXT);
    check.personal_data("decision_facts", &s.decision_facts);
    check.required_key("source_type", &s.source_type, SOURCE_TYPES);
    if let Some(identity) = &s.source_identity {
        if s.source_type == SOURCE_VOLUNTARY {
            check.push(
                "source_identity",
                "excluded when source_type is SOURCE_VOLUNTARY",
            );
        }
        check.length("source_identity", identity, SHORT_TEXT);
        check.personal_data("source_identity", identity);
    }
    check.required_key("automated_detection", &s.automated_detection, YES_NO);
    check.required_key(
        "automated_decision",
        &s.automated_decision,
        AUTOMATED_DECISIONS,
    );
    if s.puid.is_empty() {
        check.push("puid", "the field is required");
    } else {
        let allowed = s
            .puid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !allowed {
            check.push("puid", "must match ^[a-zA-Z0-9-_]+$");
        }
        check.length("puid", &s.puid, SHORT_TEXT);
    }
    check.violations
}

#[derive(Default)]
struct Checker {
    violations: Vec<SorViolation>,
}

impl Checker {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.violations.push(SorViolation {
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn key(&mut self, field: &str, value: Option<&str>, keys: &[&str]) {
        let Some(value) = value else { return };
        if keys.contains(&value) {
            return;
        }
        let v1 = V1_VALUES.iter().find(|(old, _)| *old == value);
        let message = match v1 {
            Some((_, Some(replacement))) => {
                format!("`{value}` is a v1 value withdrawn on 1 July 2025; use `{replacement}`")
            }
            Some((_, None)) => {
                format!("`{value}` is a v1 value withdrawn on 1 July 2025, with no replacement")
            }
            None if value.chars().any(|c| c.is_lowercase() || c == ' ') => {
                format!("`{value}` looks like a label; send the key")
            }
            None => format!("`{value}` is not an accepted value"),
        };
        self.push(field, message);
    }

    fn required_key(&mut self, field: &str, value: &str, keys: &[&str]) {
        if value.is_empty() {
            self.push(field, "the field is required");
        } else {
            self.key(field, Some(value), keys);
        }
    }

    fn keys(&mut self, field: &str, values: &[String], keys: &[&str]) {
        for value in values {
            self.key(field, Some(value), keys);
        }
    }

    fn sorted(&mut self, field: &str, values: &[String]) {
        if values.windows(2).any(|pair| pair[0] >= pair[1]) {
            self.push(field, "must be sorted and de-duplicated");
        }
    }

    fn required_iff(&mut self, field: &str, value: &Option<String>, condition: bool, reason: &str) {
        match (value, condition) {
            (None, true) => self.push(field, format!("required when {reason}")),
            (Some(text), true) if text.trim().is_empty() => {
                self.push(field, format!("required when {reason}"));
            }
            (Some(_), false) => self.push(field, format!("excluded unless {reason}")),
            _ => {}
        }
    }

    fn length(&mut self, field: &str, value: &str, max: usize) {
        let length = value.chars().count();
        if length > max {
            self.push(field, format!("{length} characters; at most {max} allowed"));
        }
    }

    fn personal_data(&mut self, field: &str, value: &str) {
        if scrub_personal_data(value) != value {
            self.push(
                field,
                "contains personal data (an @handle, e-mail address, URL or phone number)",
            );
        }
    }

    fn text(&mut self, field: &str, value: &Option<String>, max: usize) {
        if let Some(value) = value {
            self.length(field, value, max);
            self.personal_data(field, value);
        }
    }

    fn date(&mut self, field: &str, value: &str, earliest: NaiveDate) -> Option<NaiveDate> {
        if value.is_empty() {
            self.push(field, "the field is required");
            return None;
        }
        let Some(date) = parse_date(value) else {
            self.push(field, format!("`{value}` is not a Y-m-d date"));
            return None;
        };
        if date < earliest || date > LATEST_DATE {
            self.push(
                field,
                format!("`{value}` is outside {earliest} to {LATEST_DATE}"),
            );
        }
        Some(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Statement {
        Statement {
            decision_visibility: vec!["DECISION_VISIBILITY_CONTENT_REMOVED".into()],
            decision_ground: GROUND_INCOMPATIBLE.into(),
            incompatible_content_ground: Some(
                "moderato-default 2026.11.25, rule spam.links".into(),
            ),
            incompatible_content_explanation: Some("The content breaks the rule.".into()),
            content_type: vec![CONTENT_TYPE_TEXT.into()],
            category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD".into(),
            category_specification: vec!["KEYWORD_PHISHING".into()],
            content_date: "2026-11-24".into(),
            application_date: "2026-11-25".into(),
            decision_facts: "The text content was removed.".into(),
            source_type: SOURCE_VOLUNTARY.into(),
            automated_detection: "Yes".into(),
            automated_decision: AUTOMATED_FULLY.into(),
            puid: "moderato-01JDECISION0000000000000000".into(),
            ..Statement::default()
        }
    }

    fn fields_of(statement: &Statement) -> Vec<String> {
        validate(statement)
            .into_iter()
            .map(|violation| violation.field)
            .collect()
    }

    #[test]
    fn a_complete_statement_is_valid() {
        assert_eq!(validate(&valid()), vec![]);
    }

    #[test]
    fn v1_category_is_rejected_with_its_replacement() {
        let statement = Statement {
            category: "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS".into(),
            ..valid()
        };
        let violations = validate(&statement);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].field, "category");
        assert!(
            violations[0]
                .message
                .contains("STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS")
        );
    }

    #[test]
    fn dangerous_toys_keyword_is_rejected() {
        let statement = Statement {
            category_specification: vec!["KEYWORD_DANGEROUS_TOYS".into()],
            ..valid()
        };
        assert_eq!(fields_of(&statement), ["category_specification"]);
    }

    #[test]
    fn visibility_other_requires_its_text_and_is_excluded_without_it() {
        let missing = Statement {
            decision_visibility: vec![
                "DECISION_VISIBILITY_CONTENT_LABELLED".into(),
                VISIBILITY_OTHER.into(),
            ],
            ..valid()
        };
        assert_eq!(fields_of(&missing), ["decision_visibility_other"]);
        let stray = Statement {
            decision_visibility_other: Some("Placed behind a screen".into()),
            ..valid()
        };
        assert_eq!(fields_of(&stray), ["decision_visibility_other"]);
    }

    #[test]
    fn source_identity_is_excluded_for_voluntary_detection() {
        let statement = Statement {
            source_identity: Some("Example Trusted Flagger".into()),
            ..valid()
        };
        assert_eq!(fields_of(&statement), ["source_identity"]);
        let notice = Statement {
            source_type: "SOURCE_TRUSTED_FLAGGER".into(),
            automated_detection: "No".into(),
            ..statement
        };
        assert_eq!(validate(&notice), vec![]);
    }

    #[test]
    fn end_date_before_application_date_is_rejected() {
        let statement = Statement {
            decision_account: Some("DECISION_ACCOUNT_SUSPENDED".into()),
            end_date_account_restriction: Some("2026-11-24".into()),
            end_date_visibility_restriction: Some("2038-01-02".into()),
            ..valid()
        };
        assert_eq!(
            fields_of(&statement),
            [
                "end_date_account_restriction",
                "end_date_visibility_restriction"
            ]
        );
    }

    #[test]
    fn unsorted_or_repeated_arrays_are_rejected() {
        let statement = Statement {
            decision_visibility: vec![
                "DECISION_VISIBILITY_CONTENT_REMOVED".into(),
                "DECISION_VISIBILITY_CONTENT_DEMOTED".into(),
            ],
            territorial_scope: vec!["DE".into(), "DE".into()],
            ..valid()
        };
        assert_eq!(
            fields_of(&statement),
            ["decision_visibility", "territorial_scope"]
        );
    }

    #[test]
    fn bad_puid_is_rejected() {
        for puid in ["moderato/01J", "with space", ""] {
            let statement = Statement {
                puid: puid.into(),
                ..valid()
            };
            assert_eq!(fields_of(&statement), ["puid"], "{puid}");
        }
        let long = Statement {
            puid: "a".repeat(501),
            ..valid()
        };
        assert_eq!(fields_of(&long), ["puid"]);
    }

    #[test]
    fn a_label_instead_of_a_key_is_rejected() {
        let statement = Statement {
            decision_visibility: vec!["Removal of content".into()],
            source_type: "Own voluntary initiative".into(),
            ..valid()
        };
        let violations = validate(&statement);
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["decision_visibility", "source_type"]);
        assert!(violations[0].message.contains("looks like a label"));
    }

    #[test]
    fn no_decision_group_reports_all_four() {
        let statement = Statement {
            decision_visibility: vec![],
            ..valid()
        };
        assert_eq!(
            fields_of(&statement),
            [
                "decision_visibility",
                "decision_monetary",
                "decision_provision",
                "decision_account"
            ]
        );
    }

    #[test]
    fn ground_explanations_follow_the_ground() {
        let statement = Statement {
            decision_ground: GROUND_ILLEGAL.into(),
            incompatible_content_illegal: Some("Maybe".into()),
            ..valid()
        };
        assert_eq!(
            fields_of(&statement),
            [
                "illegal_content_legal_ground",
                "illegal_content_explanation",
                "incompatible_content_ground",
                "incompatible_content_explanation",
                "incompatible_content_illegal",
                "incompatible_content_illegal"
            ]
        );
    }

    #[test]
    fn dates_lengths_and_other_texts_are_checked() {
        let statement = Statement {
            content_date: "1999-12-31".into(),
            application_date: "2026-1-5".into(),
            content_type: vec![CONTENT_TYPE_OTHER.into(), CONTENT_TYPE_TEXT.into()],
            decision_facts: "x".repeat(5001),
            automated_detection: "yes".into(),
            content_language: Some("en".into()),
            content_id_ean: Some("123".into()),
            ..valid()
        };
        assert_eq!(
            fields_of(&statement),
            [
                "content_type_other",
                "content_language",
                "content_id_ean",
                "content_date",
                "application_date",
                "decision_facts",
                "automated_detection"
            ]
        );
    }

    #[test]
    fn personal_data_in_free_text_is_rejected() {
        let statement = Statement {
            decision_facts: "Reported by @alice.".into(),
            ..valid()
        };
        assert_eq!(fields_of(&statement), ["decision_facts"]);
    }

    #[test]
    fn category_is_not_repeated_in_additions() {
        let statement = Statement {
            category_addition: vec!["STATEMENT_CATEGORY_SCAMS_AND_FRAUD".into()],
            ..valid()
        };
        assert_eq!(fields_of(&statement), ["category_addition"]);
    }

    #[test]
    fn scrubber_removes_handles_emails_urls_and_phone_numbers() {
        let text = "Posted by @alice_99 (mail: bob.smith+x@example.co.uk), see https://example.com/u/bob?id=7 or www.example.org. Call +44 20 7946 0958 or (555) 123-4567, or 0612345678; fediverse @carol@social.example!";
        assert_eq!(
            scrub_personal_data(text),
            "Posted by [redacted] (mail: [redacted]), see [redacted] or [redacted]. Call [redacted] or [redacted], or [redacted]; fediverse [redacted]!"
        );
    }

    #[test]
    fn scrubber_keeps_dates_versions_counts_and_rule_ids() {
        let text = "Rule violence.glorification of moderato-default version 2026.11.25 (2026.11.25.1), applied 2026-11-25; 3 strikes (12 active; strikes expire after 90 days). Decision 01JDECISION0000000000000000.";
        assert_eq!(scrub_personal_data(text), text);
    }

    #[test]
    fn content_language_is_upper_case_iso_639_1_only() {
        assert_eq!(content_language(Some("en-US")), Some("EN".to_string()));
        assert_eq!(content_language(Some("de")), Some("DE".to_string()));
        assert_eq!(content_language(Some("pt_BR")), Some("PT".to_string()));
        assert_eq!(content_language(Some("fil")), None);
        assert_eq!(content_language(Some("xx")), None);
        assert_eq!(content_language(None), None);
    }

    #[test]
    fn batches_hold_at_most_one_hundred() {
        let statements: Vec<Statement> = (0..250)
            .map(|index| Statement {
                puid: format!("moderato-{index}"),
                ..valid()
            })
            .collect();
        let sizes: Vec<usize> = batches(statements.clone()).iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let submissions = batch_submissions(statements);
        assert_eq!(submissions[2].statements[0].puid, "moderato-200");
        let json = serde_json::to_value(&submissions[0]).unwrap_or_default();
        assert_eq!(json["statements"].as_array().map(Vec::len), Some(100));
        assert!(batches(Vec::new()).is_empty());
    }

    #[test]
    fn enum_lists_match_the_reference() {
        assert_eq!(ALL_LANGUAGES.len(), 184);
        assert_eq!(EUROPEAN_COUNTRY_CODES.len(), 30);
        let mut sorted = EUROPEAN_COUNTRY_CODES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, EUROPEAN_COUNTRY_CODES);
        for (old, replacement) in V1_VALUES {
            assert!(!dsa::is_category(old) && !dsa::is_keyword(old), "{old}");
            if let Some(new) = replacement {
                assert!(dsa::is_category(new) || dsa::is_keyword(new), "{new}");
            }
        }
    }
}
