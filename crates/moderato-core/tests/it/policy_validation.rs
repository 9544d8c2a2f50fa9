//! A pack that fails validation can never be used, and every problem is reported with its place.

use std::collections::BTreeMap;

use moderato_core::policy::{BuiltinSignal, digest_files, load_policy};
use moderato_core::{ContentAction, PolicyError};

const SIGNALS: &[BuiltinSignal] = &[
    BuiltinSignal {
        name: "violence.threat",
        description: "",
    },
    BuiltinSignal {
        name: "violence.imminence",
        description: "",
    },
    BuiltinSignal {
        name: "misinfo.civic",
        description: "",
    },
];

const MANIFEST: &str = r#"id = "test"
version = "1"
title = "Test policy"
appeal_url = "https://example.org/appeal"

[public_interest]
eligible_roles = ["head_of_state"]
min_followers = 100000
require_verified = true
imminence_threshold = 0.6
max_severity = 5
harm_weight_per_severity = 0.18

[strikes]
expiry_days = 90

[[strikes.ladder]]
at = 2
action = "suspend_account"
duration_days = 7
"#;

const RULES: &str = r#"[[rule]]
id = "violence.threat"
title = "Threats"
definition = "Threatening to hurt a person."
severity = 5
when = "signals.violence.threat >= 0.6"
evidence = ["violence.threat"]
actions = ["remove", "strike"]
public_interest_eligible = false
dsa = { category = "STATEMENT_CATEGORY_CYBER_VIOLENCE", specification = ["KEYWORD_CYBER_HARASSMENT"] }

[[rule.examples]]
name = "threat"
item = { id = "e1", text = "I will hurt you" }
expect = "remove"
"#;

fn pack(rules: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("policy.toml".to_string(), MANIFEST.to_string()),
        ("rules.toml".to_string(), rules.to_string()),
    ])
}

fn errors(rules: &str) -> PolicyError {
    load_policy(&pack(rules), SIGNALS).unwrap_err()
}

#[test]
fn valid_pack_loads_with_digest_and_examples() {
    let policy = load_policy(&pack(RULES), SIGNALS).unwrap();
    assert_eq!(policy.rules.len(), 1);
    assert_eq!(policy.rules[0].examples[0].expect, ContentAction::Remove);
    assert!(policy.digest.starts_with("sha256:") && policy.digest.len() == 7 + 64);
    assert_eq!(policy.digest, digest_files(&pack(RULES)));
    assert_ne!(
        policy.digest,
        digest_files(&pack(&RULES.replace("0.6", "0.7")))
    );
}

#[test]
fn every_problem_is_reported_with_file_line_column_and_field() {
    let broken = RULES
        .replace(
            "signals.violence.threat >= 0.6",
            "signals.violence.thret >= 0.6",
        )
        .replace(
            r#"actions = ["remove", "strike"]"#,
            r#"actions = ["delete", "strike"]"#,
        )
        .replace("KEYWORD_CYBER_HARASSMENT", "KEYWORD_DISINFORMATION")
        + &RULES.replace(
            "when = \"signals.violence.threat >= 0.6\"",
            "when = \"signals.violence.threat >= \"",
        );
    let error = errors(&broken);
    let text = error.to_string();
    insta::assert_snapshot!("every_problem_reported", text);
    assert!(
        text.contains(
            "rules.toml:6:8: `rule[violence.threat].when`: unknown signal `violence.thret`"
        ),
        "{text}"
    );
    assert!(text.contains("unknown action `delete`"), "{text}");
    assert!(text.contains("KEYWORD_DISINFORMATION"), "{text}");
    assert!(
        text.contains("duplicate rule id `violence.threat`"),
        "{text}"
    );
    assert!(text.contains("invalid CEL"), "{text}");
}

#[test]
fn unknown_keys_are_named_with_their_line() {
    let text = errors(&RULES.replace("severity = 5", "severity = 5\nseverty = 4")).to_string();
    assert!(text.contains("rules.toml:6:1"), "{text}");
    assert!(text.contains("unknown field `severty`"), "{text}");
}

#[test]
fn conditions_must_be_boolean_and_reference_known_fields() {
    let text = errors(&RULES.replace("signals.violence.threat >= 0.6", "author.folowers > 10"))
        .to_string();
    assert!(text.contains("unknown field `author.folowers`"), "{text}");
    let text = errors(&RULES.replace(
        "signals.violence.threat >= 0.6",
        "signals.violence.threat + 1.0",
    ))
    .to_string();
    assert!(text.contains("must be true or false"), "{text}");
}

#[test]
fn account_restrictions_need_an_end_or_permanence() {
    let manifest = MANIFEST.replace("duration_days = 7\n", "");
    let files = BTreeMap::from([
        ("policy.toml".to_string(), manifest),
        ("rules.toml".to_string(), RULES.to_string()),
    ]);
    let text = load_policy(&files, SIGNALS).unwrap_err().to_string();
    assert!(text.contains("duration_days"), "{text}");
}

#[test]
fn missing_manifest_is_reported() {
    let files = BTreeMap::from([("rules.toml".to_string(), RULES.to_string())]);
    assert!(
        load_policy(&files, SIGNALS)
            .unwrap_err()
            .to_string()
            .contains("no policy.toml")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    #[test]
    fn loader_never_panics_on_mangled_files(position in 0usize..RULES.len(), insert in "\\PC{0,8}", cut in 0usize..20) {
        let mut text = RULES.to_string();
        let position = (0..=position).rev().find(|index| text.is_char_boundary(*index)).unwrap_or(0);
        let end = (position + cut).min(text.len());
        let end = (end..=text.len()).find(|index| text.is_char_boundary(*index)).unwrap_or(text.len());
        text.replace_range(position..end, &insert);
        let _ = load_policy(&pack(&text), SIGNALS);
    }
}

/// Loads a pack on a thread with the stack of a server worker (2 MiB): a condition that
/// recursed too deep would abort the process here instead of failing the test.
fn load_on_small_stack(files: BTreeMap<String, String>) -> Result<(), PolicyError> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || load_policy(&files, SIGNALS).map(|_| ()))
        .unwrap()
        .join()
        .unwrap()
}

/// Issue 12 §1: `1 + 1 + …` with 2,000 terms, or brackets 10,000 deep, overflowed the stack in
/// the CEL parser. Conditions are bounded before parsing, with the place of the condition.
#[test]
fn oversized_and_deeply_nested_conditions_are_refused_not_crashed_on() {
    let chained = format!(
        "signals.violence.threat >= 0.6 && {} > 0",
        vec!["1"; 2_000].join(" + ")
    );
    let nested = format!("{}0{} in [0]", "[".repeat(10_000), "]".repeat(10_000));
    let negated = format!("{}true", "!".repeat(3_000));
    for (condition, expected) in [
        (chained.as_str(), "bytes"),
        (nested.as_str(), "bytes"),
        (negated.as_str(), "nest"),
    ] {
        let rules = RULES.replace("signals.violence.threat >= 0.6", condition);
        let error = load_on_small_stack(pack(&rules)).unwrap_err();
        let diagnostic = &error.diagnostics[0];
        assert_eq!(diagnostic.file, "rules.toml");
        assert_eq!(diagnostic.line, Some(6), "{diagnostic:?}");
        assert!(diagnostic.message.contains(expected), "{diagnostic:?}");
    }
    // Under the byte limit, the token and depth limits still hold.
    let many = format!("{} > 0", vec!["1"; 400].join("+"));
    let deep = format!("{}1{} > 0", "(".repeat(40), ")".repeat(40));
    for (condition, expected) in [(many.as_str(), "tokens"), (deep.as_str(), "nest")] {
        let rules = RULES.replace("signals.violence.threat >= 0.6", condition);
        let error = load_on_small_stack(pack(&rules)).unwrap_err();
        assert!(
            error.diagnostics[0].message.contains(expected),
            "{:?}",
            error.diagnostics
        );
    }
    // At the limits, a condition still parses and runs on the small stack.
    let widest = format!(
        "signals.violence.threat >= 0.6 || {} > 0",
        vec!["1"; 200].join(" + ")
    );
    let deepest = format!(
        "signals.violence.threat >= 0.6 || {}1{} > 0",
        "(".repeat(30),
        ")".repeat(30)
    );
    for condition in [widest, deepest] {
        let rules = RULES.replace("signals.violence.threat >= 0.6", &condition);
        load_on_small_stack(pack(&rules)).expect("a condition at the limits loads");
    }
}

#[test]
fn packs_are_bounded_in_files_bytes_rules_and_claims() {
    let mut files = pack(RULES);
    for index in 0..300 {
        files.insert(format!("extra{index}.toml"), String::new());
    }
    assert!(
        load_policy(&files, SIGNALS).unwrap_err().diagnostics[0]
            .message
            .contains("files")
    );
    let mut files = pack(RULES);
    files.insert(
        "big.toml".into(),
        format!("# {}", "x".repeat(5 * 1024 * 1024)),
    );
    assert!(
        load_policy(&files, SIGNALS).unwrap_err().diagnostics[0]
            .message
            .contains("bytes")
    );
    let many_rules: String = (0..501)
        .map(|index| {
            RULES
                .replace(
                    "id = \"violence.threat\"",
                    &format!("id = \"rule.r{index}\""),
                )
                .replace("name = \"threat\"", &format!("name = \"threat{index}\""))
        })
        .collect();
    let error = load_policy(&pack(&many_rules), SIGNALS).unwrap_err();
    assert!(
        error.diagnostics[0].message.contains("501 rules"),
        "{:?}",
        error.diagnostics[0]
    );
    let claims: String = (0..2_001)
        .map(|index| {
            format!(
                "[[claim]]\nid = \"c{index}\"\nsignal = \"misinfo.civic\"\nsummary = \"s\"\nall = [[\"claim\", \"n{index}\"]]\ncorrection = \"c\"\nlink = \"https://example.org\"\n"
            )
        })
        .collect();
    let mut files = pack(RULES);
    files.insert("claims.toml".into(), claims);
    let error = load_policy(&files, SIGNALS).unwrap_err();
    assert!(
        error
            .diagnostics
            .iter()
            .any(|d| d.message.contains("2001 claims")),
        "{:?}",
        error.diagnostics
    );
}

/// Issue 12 §9: versions and file names like `../../etc/passwd` were accepted.
#[test]
fn ids_versions_and_file_names_are_plain_names() {
    for version in ["../../etc/passwd", "a/b", "", "..", "v 1"] {
        let manifest = MANIFEST.replace("version = \"1\"", &format!("version = \"{version}\""));
        let files = BTreeMap::from([
            ("policy.toml".to_string(), manifest),
            ("rules.toml".to_string(), RULES.to_string()),
        ]);
        let error = load_policy(&files, SIGNALS).unwrap_err();
        assert!(
            error
                .diagnostics
                .iter()
                .any(|d| d.field.as_deref() == Some("version")),
            "{version:?}: {:?}",
            error.diagnostics
        );
    }
    for name in [
        "../../etc/passwd.toml",
        "sub/rules.toml",
        "lexicons/../x.toml",
        ".hidden.toml",
    ] {
        let mut files = pack(RULES);
        files.insert(name.to_string(), String::new());
        let error = load_policy(&files, SIGNALS).unwrap_err();
        assert!(
            error.diagnostics.iter().any(|d| d.file == name),
            "{name}: {:?}",
            error.diagnostics
        );
    }
    let mut files = pack(RULES);
    files.insert("lexicons/extra-terms.toml".into(), String::new());
    files.insert("more_rules.v2.toml".into(), String::new());
    load_policy(&files, SIGNALS).expect("plain names load");
}
