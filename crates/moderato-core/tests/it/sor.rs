//! Statements of reasons built from hand-made decisions (tests/data/sor): golden files, and
//! every statement passes the port of the Transparency Database's submission rules.

use moderato_core::Decision;
use moderato_core::sor::{AccountType, SorContext, SorSource, Statement, statement_for, validate};

const VIOLENCE_DEFINITION: &str = "Praising, celebrating or promising violence, or praising its perpetrators, in a way that could inspire others to commit it.";

fn decision(name: &str) -> Decision {
    let path = format!("{}/tests/data/sor/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn context() -> SorContext<'static> {
    SorContext {
        content_date: "2026-11-24",
        application_date: "2026-11-25",
        content_language: Some("en"),
        policy_url: Some("https://moderato.example/policies/moderato-default/2026.11.25"),
        rule_definition: Some(VIOLENCE_DEFINITION),
        ..SorContext::default()
    }
}

/// Builds the statement for fixture `name`, checks it is valid and matches its golden file.
fn check(name: &str, context: &SorContext<'_>) -> Statement {
    let statement = statement_for(&decision(name), context)
        .unwrap_or_else(|| panic!("{name}: expected a statement"));
    assert_eq!(validate(&statement), vec![], "{name}");
    insta::assert_json_snapshot!(name, statement);
    statement
}

#[test]
fn removal_with_temporary_suspension_ends_after_its_duration() {
    let statement = check("removal_suspension", &context());
    assert_eq!(
        statement.decision_visibility,
        ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    );
    assert_eq!(
        statement.decision_account.as_deref(),
        Some("DECISION_ACCOUNT_SUSPENDED")
    );
    assert_eq!(
        statement.end_date_account_restriction.as_deref(),
        Some("2026-12-02")
    );
    assert_eq!(
        statement.incompatible_content_ground.as_deref(),
        Some("moderato-default 2026.11.25, rule violence.glorification")
    );
    assert_eq!(statement.automated_decision, "AUTOMATED_DECISION_FULLY");
    assert_eq!(statement.puid, "moderato-01JSOR0REMOVAL0SUSPENSION01");
    assert_eq!(statement.territorial_scope.len(), 30);
}

#[test]
fn permanent_termination_has_no_end_date() {
    let statement = check("removal_termination", &context());
    assert_eq!(
        statement.decision_account.as_deref(),
        Some("DECISION_ACCOUNT_TERMINATED")
    );
    assert_eq!(statement.end_date_account_restriction, None);
}

#[test]
fn public_interest_notice_is_labelled_restricted_demoted_and_other() {
    let reviewed = SorContext {
        human_reviewed: true,
        ..context()
    };
    let statement = check("public_interest_notice", &reviewed);
    assert_eq!(
        statement.decision_visibility,
        [
            "DECISION_VISIBILITY_CONTENT_DEMOTED",
            "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
            "DECISION_VISIBILITY_CONTENT_LABELLED",
            "DECISION_VISIBILITY_OTHER"
        ]
    );
    assert_eq!(
        statement.decision_visibility_other.as_deref(),
        Some("Placed behind a warning interstitial naming the rule")
    );
    assert_eq!(statement.automated_decision, "AUTOMATED_DECISION_PARTIALLY");
    assert_eq!(statement.end_date_visibility_restriction, None);
}

#[test]
fn geo_restriction_lists_the_blocked_european_countries() {
    let illegal = SorContext {
        content_language: Some("de-AT"),
        rule_definition: Some("Denying or grossly trivialising the Holocaust."),
        legal_ground: Some(
            "§ 130(3) StGB (DE); § 3h Verbotsgesetz (AT); Art. 24 bis, loi du 29 juillet 1881 (FR)",
        ),
        ..context()
    };
    let statement = check("geo_restrict", &illegal);
    assert_eq!(statement.territorial_scope, ["AT", "DE", "FR"]);
    assert_eq!(statement.decision_ground, "DECISION_GROUND_ILLEGAL_CONTENT");
    assert_eq!(statement.incompatible_content_ground, None);
    assert_eq!(statement.content_language.as_deref(), Some("DE"));
}

#[test]
fn geo_restriction_outside_europe_needs_no_statement() {
    assert_eq!(
        statement_for(&decision("geo_restrict_outside_europe"), &context()),
        None
    );
}

#[test]
fn context_note_on_a_user_report() {
    let reported = SorContext {
        content_language: Some("en-US"),
        source: SorSource::Notice,
        rule_definition: Some("False claims about when, where or how to vote."),
        incompatible_content_illegal: Some(false),
        ..context()
    };
    let statement = check("context_note", &reported);
    assert_eq!(
        statement.decision_visibility,
        ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    );
    assert_eq!(statement.source_type, "SOURCE_TYPE_OTHER_NOTIFICATION");
    assert_eq!(statement.automated_detection, "No");
    assert_eq!(statement.content_language.as_deref(), Some("EN"));
}

#[test]
fn limit_account_is_a_partial_suspension_of_the_service() {
    let statement = check(
        "limit_account",
        &SorContext {
            rule_definition: Some("Posting many links to promote or deceive."),
            ..context()
        },
    );
    assert!(statement.decision_visibility.is_empty());
    assert_eq!(
        statement.decision_provision.as_deref(),
        Some("DECISION_PROVISION_PARTIAL_SUSPENSION")
    );
    assert_eq!(
        statement.end_date_service_restriction.as_deref(),
        Some("2026-11-28")
    );
}

#[test]
fn hold_for_review_flagged_by_a_trusted_flagger() {
    let flagged = SorContext {
        source: SorSource::TrustedFlagger,
        source_identity: Some("Example Trusted Flagger Association"),
        rule_definition: Some("Threatening to hurt or kill a person."),
        account_type: Some(AccountType::Private),
        category_addition: &[
            "STATEMENT_CATEGORY_VIOLENCE",
            "STATEMENT_CATEGORY_CYBER_VIOLENCE",
            "STATEMENT_CATEGORY_VIOLENCE",
        ],
        ..context()
    };
    let statement = check("hold_for_review", &flagged);
    assert_eq!(
        statement.decision_visibility,
        ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    );
    assert_eq!(
        statement.end_date_visibility_restriction.as_deref(),
        Some("2026-12-02")
    );
    assert_eq!(statement.category_addition, ["STATEMENT_CATEGORY_VIOLENCE"]);
    assert_eq!(
        statement.category_specification,
        ["KEYWORD_CYBER_HARASSMENT", "KEYWORD_CYBER_INCITEMENT"]
    );
    assert_eq!(statement.source_type, "SOURCE_TRUSTED_FLAGGER");
}

#[test]
fn allow_and_strike_only_need_no_statement() {
    assert_eq!(statement_for(&decision("allow"), &context()), None);
    assert_eq!(statement_for(&decision("strike_only"), &context()), None);
}

#[test]
fn voluntary_detection_never_names_a_notifier() {
    let context = SorContext {
        source_identity: Some("Someone"),
        ..context()
    };
    let statement = statement_for(&decision("removal_suspension"), &context).unwrap();
    assert_eq!(statement.source_identity, None);
}

#[test]
fn personal_data_in_policy_text_is_scrubbed() {
    let careless = SorContext {
        rule_definition: Some(
            "Threats like the ones @victim_42 got; write to abuse@moderato.example or call +1 555 010 9999, see https://moderato.example/u/victim",
        ),
        ..context()
    };
    let statement = statement_for(&decision("removal_suspension"), &careless).unwrap();
    let explanation = statement.incompatible_content_explanation.clone().unwrap();
    assert!(
        explanation.ends_with("Threats like the ones [redacted] got; write to [redacted] or call [redacted], see [redacted]"),
        "{explanation}"
    );
    assert_eq!(validate(&statement), vec![]);
}
