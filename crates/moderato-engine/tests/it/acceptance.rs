//! Issue 3 §6: the acceptance list, as tests against the embedded default pack.

use moderato_core::{AccountAction, Action, ContentAction, ContentItem, Decision};
use moderato_engine::Engine;

const LOOTING: &str = "These THUGS are dishonoring the memory of George Floyd, and I won't let that happen. \
Any difficulty and we will assume control but, when the looting starts, the shooting starts!";

fn engine() -> Engine {
    Engine::with_default_policy().unwrap()
}

fn item(json: serde_json::Value) -> ContentItem {
    moderato_core::parse_content(&json.to_string(), Default::default()).unwrap()
}

fn check(json: serde_json::Value) -> Decision {
    engine().decide_with(
        &item(json),
        "01JDECISION0000000000000000",
        "2026-11-25T12:00:00Z",
    )
}

fn head_of_state() -> serde_json::Value {
    serde_json::json!({"id": "hos-1", "handle": "president", "followers": 30_000_000, "verified": true, "public_role": "head_of_state"})
}

#[test]
fn issue_3_head_of_state_glorifying_violence_gets_public_interest_notice() {
    let decision = check(serde_json::json!({
        "id": "a1", "text": LOOTING, "author": head_of_state(),
        "metrics": {"views": 2_000_000, "velocity_per_hour": 150_000.0}
    }));
    assert_eq!(decision.action, ContentAction::PublicInterestNotice);
    let assessment = decision.public_interest.as_ref().unwrap();
    assert!(assessment.eligible && assessment.applied, "{assessment:?}");
    assert!(!assessment.harm.imminent);
    let effects = &decision.effects;
    assert!(effects.visible, "reachable by direct link");
    assert!(
        !effects.interactions.reply && !effects.interactions.like && !effects.interactions.repost
    );
    assert!(effects.interactions.quote);
    assert!(!effects.recommendable);
    let interstitial = effects.interstitial.as_ref().unwrap();
    assert!(
        interstitial.contains("Glorification of violence"),
        "{interstitial}"
    );
    assert!(
        decision.account.is_none(),
        "no strike when the exception applies"
    );
    assert!(
        decision.review.required,
        "a person confirms every exception"
    );
    insta::assert_json_snapshot!("head_of_state_public_interest_notice", decision, {".policy.digest" => "[digest]"});
}

#[test]
fn issue_3_same_text_from_ordinary_account_is_removed_with_strike() {
    let decision = check(serde_json::json!({
        "id": "a2", "text": LOOTING,
        "author": {"id": "u-2", "handle": "someone", "followers": 300, "verified": false, "public_role": "none"}
    }));
    assert_eq!(decision.action, ContentAction::Remove);
    assert!(
        decision
            .actions
            .contains(&Action::Account(AccountAction::Strike))
    );
    let assessment = decision.public_interest.as_ref().unwrap();
    assert!(!assessment.eligible && !assessment.applied);
    let account = decision.account.as_ref().unwrap();
    assert_eq!(account.strikes_added, 1);
    assert!(!decision.effects.visible);
    let notice = decision.notice.as_ref().unwrap();
    assert!(notice.author.contains("appeal"), "{}", notice.author);
    assert!(notice.author.contains("violence.glorification"));
    assert!(
        notice.author.contains(&decision.policy.version),
        "{}",
        notice.author
    );
    insta::assert_json_snapshot!("ordinary_account_removed", decision, {".policy.digest" => "[digest]"});
}

#[test]
fn issue_3_imminent_harm_overrides_public_interest() {
    let decision = check(serde_json::json!({
        "id": "a3",
        "text": "Patriots, grab your rifles and go to the State House tomorrow at 6 pm. Shoot Governor Whitmer when she walks out.",
        "author": head_of_state()
    }));
    assert_eq!(decision.action, ContentAction::Remove);
    let assessment = decision.public_interest.as_ref().unwrap();
    assert!(assessment.eligible, "{assessment:?}");
    assert!(!assessment.applied);
    assert!(assessment.harm.imminent);
    assert!(
        assessment.reason.contains("imminent"),
        "{}",
        assessment.reason
    );
    let indicators = assessment.harm.indicators.join(" | ");
    for needed in ["time", "place", "call to act"] {
        assert!(indicators.contains(needed), "{indicators}");
    }
}

#[test]
fn issue_3_mail_in_ballot_claim_gets_context_note_and_stays_interactive() {
    let decision = check(serde_json::json!({
        "id": "a4",
        "text": "There is NO WAY (ZERO!) that Mail-In Ballots will be anything less than substantially fraudulent. Mail boxes will be robbed, ballots will be forged & even illegally printed out & fraudulently signed.",
        "author": head_of_state()
    }));
    assert!(
        matches!(
            decision.action,
            ContentAction::Label | ContentAction::ContextNote
        ),
        "{:?}",
        decision.action
    );
    let label = decision.effects.label.as_ref().unwrap();
    assert!(label.text.contains("mail"), "{}", label.text);
    assert!(label.link.as_ref().unwrap().starts_with("https://"));
    assert!(decision.effects.visible && decision.effects.recommendable);
    let interactions = decision.effects.interactions;
    assert!(interactions.reply && interactions.like && interactions.repost && interactions.quote);
    assert!(decision.public_interest.is_none());
    insta::assert_json_snapshot!("mail_in_ballots_context_note", decision, {".policy.digest" => "[digest]"});
}

#[test]
fn issue_3_news_report_and_criticised_quote_are_allowed() {
    for text in [
        "BREAKING: Police say a gunman opened fire at a supermarket, killing three. The governor condemned the shooting as a senseless act of violence.",
        "This account wrote \"I will kill you and your family\" to a journalist. Threats like this are disgusting and must stop. Reported.",
        "My neighbour said \"we should shoot them all\" at the meeting; that kind of talk is never acceptable.",
    ] {
        let decision = check(serde_json::json!({"id": "a5", "text": text}));
        assert!(
            decision.action <= ContentAction::Label,
            "{text}: {:?} {:?}",
            decision.action,
            decision.rules
        );
    }
}

#[test]
fn same_test_applies_to_every_speaker() {
    // An eligible speaker below the follower threshold is not eligible either.
    let decision = check(serde_json::json!({
        "id": "a6", "text": LOOTING,
        "author": {"followers": 50_000, "verified": true, "public_role": "elected_official"}
    }));
    assert_eq!(decision.action, ContentAction::Remove);
    assert!(!decision.public_interest.unwrap().eligible);
}

#[test]
fn threats_never_get_the_exception() {
    let decision = check(serde_json::json!({
        "id": "a7", "text": "I will kill you, @journalist", "author": head_of_state()
    }));
    assert_eq!(decision.action, ContentAction::Remove);
    let assessment = decision.public_interest.unwrap();
    assert!(!assessment.eligible && !assessment.applied);
    assert!(
        assessment
            .eligibility
            .iter()
            .any(|line| line.contains("violence.threat"))
    );
}

#[test]
fn repeated_strikes_escalate_with_an_end_date() {
    let decision = check(serde_json::json!({
        "id": "a8", "text": "I know where you live and I'm going to kill you",
        "author": {"prior_strikes": 3}
    }));
    let account = decision.account.as_ref().unwrap();
    assert_eq!(account.strikes_total, 5);
    let measure = account.measure.as_ref().unwrap();
    assert_eq!(measure.action, AccountAction::SuspendAccount);
    assert_eq!(measure.duration_days, Some(30));
    assert!(!measure.permanent);
    let dsa = decision.dsa.as_ref().unwrap();
    assert_eq!(
        dsa.decision_account.as_deref(),
        Some("DECISION_ACCOUNT_SUSPENDED")
    );
    assert_eq!(dsa.category, "STATEMENT_CATEGORY_CYBER_VIOLENCE");
    assert!(decision.notice.unwrap().author.contains("for 30 days"));
}

/// Issue 12 §4: only the signals the pack declares, under a caller's own source.
#[test]
fn callers_may_send_only_declared_signals_under_their_own_source() {
    let engine = engine();
    let refused = |signals: &str| {
        engine
            .parse(&format!(r#"{{"id":"1","text":"x","signals":[{signals}]}}"#))
            .unwrap_err()
            .to_string()
    };
    let message = refused(r#"{"name":"violence.imminence","score":1,"source":"builtin:rules"}"#);
    assert!(message.contains("signals[0].name"), "{message}");
    assert!(message.contains("external.toxicity"), "{message}");
    assert!(refused(r#"{"name":"model.hate","score":1}"#).contains("model.hate"));
    let message = refused(r#"{"name":"external.toxicity","score":1,"source":"Builtin:rules"}"#);
    assert!(message.contains("signals[0].source"), "{message}");
    engine
        .parse(r#"{"id":"1","text":"x","signals":[{"name":"external.toxicity","score":0.4,"source":"acme"}]}"#)
        .expect("a declared signal under the caller's own source");
}

#[test]
fn caller_signals_are_used_and_recorded_with_their_source() {
    let decision = check(serde_json::json!({
        "id": "a9", "text": "a perfectly ordinary sentence",
        "signals": [{"name": "external.toxicity", "score": 0.97, "source": "perspective"}]
    }));
    assert_eq!(decision.rules[0].id, "harassment.abuse");
    let recorded = decision
        .signals
        .iter()
        .find(|signal| signal.name == "external.toxicity")
        .unwrap();
    assert_eq!(recorded.source, "perspective");
    assert_eq!(recorded.score, 0.97);
}

#[test]
fn allow_has_no_notice_and_full_effects() {
    let decision =
        check(serde_json::json!({"id": "a10", "text": "Lovely weather in Lisbon today."}));
    assert_eq!(decision.action, ContentAction::Allow);
    assert!(
        decision.notice.is_none() && decision.dsa.is_none() && decision.public_interest.is_none()
    );
    assert!(!decision.review.required);
    // Every reported signal is a known built-in one, and the model's three are among them.
    let known: Vec<&str> = moderato_engine::builtin_signals()
        .iter()
        .map(|signal| signal.name)
        .collect();
    assert!(
        decision
            .signals
            .iter()
            .all(|signal| known.contains(&signal.name.as_str()))
    );
    let model = decision
        .signals
        .iter()
        .filter(|signal| signal.source == "builtin:model-v1")
        .count();
    assert_eq!(model, 3);
}

#[test]
fn default_pack_examples_all_pass() {
    let results = moderato_engine::examples::run_examples(&engine());
    assert!(results.len() >= 15);
    let failed: Vec<_> = results
        .iter()
        .filter(|result| !result.passed())
        .map(|result| format!("{result:?}"))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn evaluation_is_deterministic() {
    let json = serde_json::json!({"id": "d", "text": LOOTING, "author": head_of_state()});
    assert_eq!(check(json.clone()), check(json));
}
