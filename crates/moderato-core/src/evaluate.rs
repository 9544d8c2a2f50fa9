//! Evaluation: content + signals + policy → decision.
//!
//! Pure and deterministic: the decision id and time come in as input, and the
//! same input always gives the same decision. Evaluation cannot fail: a rule
//! whose condition errors at run time is recorded and sends the item to
//! review, never silently treated as "no match". This module must never do IO.

use std::collections::BTreeMap;

use crate::action::{AccountAction, Action, ContentAction, DSA_INTERSTITIAL_OTHER};
use crate::content::ContentItem;
use crate::decision::*;
use crate::dsa;
use crate::policy::{Policy, Rule, content_action_of, item_context};

/// Name of the signal that measures imminence of harm.
pub const IMMINENCE_SIGNAL: &str = "violence.imminence";

/// Everything evaluation needs besides the policy.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationInput<'a> {
    /// The item.
    pub item: &'a ContentItem,
    /// Signals from built-in detectors (caller signals are read from the item).
    pub signals: &'a [Signal],
    /// Id to give the decision.
    pub decision_id: &'a str,
    /// Time of the decision, RFC 3339.
    pub decided_at: &'a str,
}

pub(crate) struct Matched<'p> {
    pub(crate) rule: &'p Rule,
    pub(crate) actions: Vec<Action>,
}

/// Evaluates one item. Never fails; see the module docs.
pub fn evaluate(policy: &Policy, input: EvaluationInput<'_>) -> Decision {
    evaluate_with_missing(policy, input, &[])
}

/// Evaluates one item when some signals could not be obtained: they count as 0, are
/// recorded in the decision, and every rule whose conditions use one sends the item to review.
pub fn evaluate_with_missing(
    policy: &Policy,
    input: EvaluationInput<'_>,
    missing: &[MissingSignal],
) -> Decision {
    let item = input.item;
    let signal_scores = collect_scores(item, input.signals);
    let score_of = |name: &str| {
        signal_scores
            .get(name)
            .map(|(score, _)| *score)
            .unwrap_or(0.0)
    };
    let context = item_context(&policy.cel_env.0, item, &policy.known_signals, score_of);

    let mut errors = Vec::new();
    let mut matched: Vec<Matched<'_>> = Vec::new();
    for rule in &policy.rules {
        match rule.program.execute(&context) {
            Ok(cel::Value::Bool(true)) => {
                let mut actions = rule.actions.clone();
                for case in &rule.cases {
                    match case.program.execute(&context) {
                        Ok(cel::Value::Bool(true)) => {
                            actions = case.actions.clone();
                            break;
                        }
                        Ok(cel::Value::Bool(false)) => {}
                        Ok(other) => errors.push(RuleError {
                            rule: rule.id.clone(),
                            message: format!("case `{}` gave {other:?}, not a bool", case.when),
                        }),
                        Err(error) => errors.push(RuleError {
                            rule: rule.id.clone(),
                            message: format!("case `{}`: {error}", case.when),
                        }),
                    }
                }
                matched.push(Matched { rule, actions });
            }
            Ok(cel::Value::Bool(false)) => {}
            Ok(other) => errors.push(RuleError {
                rule: rule.id.clone(),
                message: format!("condition gave {other:?}, not a bool"),
            }),
            Err(error) => errors.push(RuleError {
                rule: rule.id.clone(),
                message: error.to_string(),
            }),
        }
    }

    let imminence_evidence: Vec<Evidence> = input
        .signals
        .iter()
        .filter(|signal| signal.name == IMMINENCE_SIGNAL)
        .flat_map(|signal| signal.evidence.iter().cloned())
        .collect();
    let public_interest = assess_public_interest(
        policy,
        item,
        &mut matched,
        score_of(IMMINENCE_SIGNAL),
        &imminence_evidence,
    );

    // Account: one post earns at most the largest strike weight of its rules.
    let strikes_added = matched
        .iter()
        .filter(|m| m.actions.contains(&Action::Account(AccountAction::Strike)))
        .map(|m| m.rule.strike_weight.max(1))
        .max()
        .unwrap_or(0);
    let account = account_outcome(policy, item.author.prior_strikes, strikes_added);

    let mut actions: Vec<Action> = matched
        .iter()
        .flat_map(|m| m.actions.iter().copied())
        .collect();
    if let Some(measure) = account
        .as_ref()
        .and_then(|outcome| outcome.measure.as_ref())
    {
        actions.push(Action::Account(measure.action));
    }
    actions.sort();
    actions.dedup();
    let action = content_action_of(&actions);
    if actions.is_empty() {
        actions.push(Action::Content(ContentAction::Allow));
    }

    // The primary rule is the one that drives the most severe content action, then the highest severity.
    matched.sort_by(|a, b| {
        content_action_of(&b.actions)
            .cmp(&content_action_of(&a.actions))
            .then(b.rule.severity.cmp(&a.rule.severity))
    });
    let primary = matched.first().map(|m| m.rule);

    let all_evidence: Vec<&Evidence> = input
        .signals
        .iter()
        .flat_map(|signal| signal.evidence.iter())
        .collect();
    let rules: Vec<RuleMatch> = matched
        .iter()
        .map(|m| RuleMatch {
            id: m.rule.id.clone(),
            title: m.rule.title.clone(),
            severity: m.rule.severity,
            actions: m.actions.clone(),
            evidence: all_evidence
                .iter()
                .filter(|evidence| m.rule.evidence.contains(&evidence.signal))
                .map(|evidence| (*evidence).clone())
                .collect(),
        })
        .collect();

    let effects = build_effects(
        policy,
        &matched,
        &actions,
        primary,
        &rules,
        public_interest.as_ref(),
    );
    let notice = primary
        .filter(|_| action != ContentAction::Allow || account.is_some())
        .map(|rule| {
            build_notice(
                policy,
                item,
                input.decision_id,
                rule,
                action,
                account.as_ref(),
                public_interest.as_ref(),
            )
        });

    let mut review_reasons = Vec::new();
    if actions.contains(&Action::Content(ContentAction::HoldForReview)) {
        review_reasons.push("held for review by the policy".to_string());
    }
    for m in &matched {
        if m.rule.review {
            review_reasons.push(format!("rule `{}` requires human review", m.rule.id));
        }
    }
    if public_interest
        .as_ref()
        .is_some_and(|assessment| assessment.eligible)
    {
        review_reasons.push(
            "the public-interest exception was considered for an eligible speaker".to_string(),
        );
    }
    if !errors.is_empty() {
        review_reasons.push("a rule failed to evaluate".to_string());
    }
    for gap in missing {
        for rule in &policy.rules {
            if rule.signals_used.contains(&gap.name) {
                review_reasons.push(format!(
                    "rule `{}` needs signal `{}`, which is missing ({}: {})",
                    rule.id, gap.name, gap.source, gap.reason
                ));
            }
        }
    }
    let missing_changed_review = review_reasons
        .iter()
        .any(|reason| reason.contains("which is missing"));
    let max_severity = matched.iter().map(|m| m.rule.severity).max().unwrap_or(0);
    let review = Review {
        required: !review_reasons.is_empty(),
        priority: round2(
            f64::from(max_severity.max(u8::from(!errors.is_empty() || missing_changed_review)))
                * reach_factor(item),
        ),
        reasons: review_reasons,
    };

    let dsa = primary
        .filter(|_| {
            action != ContentAction::Allow
                || account
                    .as_ref()
                    .is_some_and(|outcome| outcome.measure.is_some())
        })
        .map(|rule| build_dsa(rule, &actions, account.as_ref(), &effects));

    let cited: Vec<&str> = rules
        .iter()
        .flat_map(|rule| {
            rule.evidence
                .iter()
                .map(|evidence| evidence.signal.as_str())
        })
        .collect();
    let mut signals: Vec<SignalScore> = signal_scores
        .into_iter()
        .map(|(name, (score, source))| {
            let evidence = if score >= 0.3 && !cited.contains(&name.as_str()) {
                input
                    .signals
                    .iter()
                    .filter(|signal| signal.name == name)
                    .flat_map(|signal| signal.evidence.iter().cloned())
                    .take(5)
                    .collect()
            } else {
                Vec::new()
            };
            SignalScore {
                name,
                score,
                source,
                evidence,
            }
        })
        .collect();
    signals.sort_by(|a, b| a.name.cmp(&b.name));

    Decision {
        decision_id: input.decision_id.to_string(),
        content_id: item.id.clone(),
        decided_at: input.decided_at.to_string(),
        policy: PolicyRef {
            id: policy.id.clone(),
            version: policy.version.clone(),
            digest: policy.digest.clone(),
        },
        action,
        actions,
        rules,
        public_interest,
        effects,
        notice,
        review,
        account,
        signals,
        automated: true,
        dsa,
        errors,
        missing_signals: missing.to_vec(),
    }
}

/// Scores by name; the higher score wins when a name appears twice, and its source is kept.
fn collect_scores(item: &ContentItem, signals: &[Signal]) -> BTreeMap<String, (f64, String)> {
    let mut scores: BTreeMap<String, (f64, String)> = BTreeMap::new();
    let external = item.signals.iter().map(|signal| {
        (
            signal.name.as_str(),
            signal.score,
            signal
                .source
                .clone()
                .unwrap_or_else(|| "caller".to_string()),
        )
    });
    let builtin = signals
        .iter()
        .map(|signal| (signal.name.as_str(), signal.score, signal.source.clone()));
    for (name, score, source) in builtin.chain(external) {
        let entry = scores
            .entry(name.to_string())
            .or_insert((score, source.clone()));
        if score > entry.0 {
            *entry = (score, source);
        }
    }
    scores
}

/// The account outcome of `strikes_added` new strikes on top of `prior_strikes`, through the
/// pack's ladder; none without new strikes. Engine decisions and reviews share it.
pub(crate) fn account_outcome(
    policy: &Policy,
    prior_strikes: u32,
    strikes_added: u32,
) -> Option<AccountOutcome> {
    (strikes_added > 0).then(|| {
        let total = prior_strikes.saturating_add(strikes_added);
        let measure = policy
            .strikes
            .ladder
            .iter()
            .rev()
            .find(|step| step.at <= total)
            .map(|step| AccountMeasure {
                action: step.action,
                duration_days: step.duration_days,
                permanent: step.duration_days.is_none(),
            });
        AccountOutcome {
            strikes_added,
            strikes_total: total,
            strike_expiry_days: policy.strikes.expiry_days,
            measure,
        }
    })
}

pub(crate) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Reach multiplier for review priority: 1 plus the orders of magnitude of followers, views and velocity.
pub fn reach_factor(item: &ContentItem) -> f64 {
    1.0 + (1.0 + item.author.followers as f64).log10()
        + (1.0 + item.metrics.views as f64).log10()
        + (1.0 + item.metrics.velocity_per_hour).log10()
}

fn assess_public_interest(
    policy: &Policy,
    item: &ContentItem,
    matched: &mut [Matched<'_>],
    imminence: f64,
    imminence_evidence: &[Evidence],
) -> Option<PublicInterestAssessment> {
    let config = &policy.public_interest;
    let candidates: Vec<usize> = matched
        .iter()
        .enumerate()
        .filter(|(_, m)| content_action_of(&m.actions) > ContentAction::PublicInterestNotice)
        .map(|(index, _)| index)
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let author = &item.author;
    let role_ok = config.eligible_roles.contains(&author.public_role);
    let followers_ok = author.followers > config.min_followers;
    let verified_ok = author.verified || !config.require_verified;
    let ineligible_rules: Vec<&str> = candidates
        .iter()
        .map(|&index| matched[index].rule)
        .filter(|rule| !rule.public_interest_eligible || rule.severity > config.max_severity)
        .map(|rule| rule.id.as_str())
        .collect();
    let rules_ok = ineligible_rules.is_empty();
    let eligibility = vec![
        format!(
            "public role `{}`: {}",
            author.public_role.as_str(),
            if role_ok {
                "eligible"
            } else {
                "not an eligible role"
            }
        ),
        format!(
            "{} followers: {}",
            author.followers,
            if followers_ok {
                format!("more than {}", config.min_followers)
            } else {
                format!("not more than {}", config.min_followers)
            }
        ),
        format!(
            "verified: {}",
            if author.verified {
                "yes"
            } else if config.require_verified {
                "no (required)"
            } else {
                "no (not required)"
            }
        ),
        if rules_ok {
            "every rule involved allows the exception".to_string()
        } else {
            format!(
                "rules that never allow the exception: {}",
                ineligible_rules.join(", ")
            )
        },
    ];
    let eligible = role_ok && followers_ok && verified_ok && rules_ok;

    let speaker = match author.public_role {
        crate::content::PublicRole::HeadOfState | crate::content::PublicRole::HeadOfGovernment => {
            1.0
        }
        crate::content::PublicRole::Candidate | crate::content::PublicRole::ElectedOfficial => 0.8,
        crate::content::PublicRole::GovernmentOfficial
        | crate::content::PublicRole::GovernmentAccount => 0.7,
        crate::content::PublicRole::None => 0.0,
    };
    let reach = ((1.0 + author.followers as f64).log10() / 7.0).min(1.0);
    let attention = ((1.0 + item.metrics.views as f64).log10() / 7.0)
        .max((1.0 + item.metrics.velocity_per_hour).log10() / 5.0)
        .min(1.0);
    let newsworthiness = if speaker > 0.0 {
        0.5 + 0.5 * attention
    } else {
        0.5 * attention
    };
    let factors = vec![
        Factor {
            name: "speaker".into(),
            score: round2(speaker),
            basis: format!("public role `{}`", author.public_role.as_str()),
        },
        Factor {
            name: "reach".into(),
            score: round2(reach),
            basis: format!(
                "{} followers (10 million or more scores 1)",
                author.followers
            ),
        },
        Factor {
            name: "newsworthiness".into(),
            score: round2(newsworthiness),
            basis: format!(
                "statement by {} with {} views and {} views per hour",
                if speaker > 0.0 {
                    "a public official"
                } else {
                    "a private person"
                },
                item.metrics.views,
                item.metrics.velocity_per_hour
            ),
        },
    ];
    let value = round2((speaker + reach + newsworthiness) / 3.0);
    let severity = candidates
        .iter()
        .map(|&index| matched[index].rule.severity)
        .max()
        .unwrap_or(0);
    let weight = round2(f64::from(severity) * config.harm_weight_per_severity);
    let imminent = imminence >= config.imminence_threshold;
    let mut indicators: Vec<String> = imminence_evidence
        .iter()
        .map(|evidence| {
            format!(
                "{}: {}",
                evidence.note.clone().unwrap_or_else(|| "indicator".into()),
                evidence.excerpt.clone().unwrap_or_default()
            )
        })
        .collect();
    indicators.sort();
    indicators.dedup();
    let harm = Harm {
        severity,
        weight,
        imminence: round2(imminence),
        imminent,
        indicators,
    };
    let (applied, reason) = if !eligible {
        (
            false,
            "not eligible: the exception needs an eligible speaker and rules that allow it"
                .to_string(),
        )
    } else if imminent {
        (
            false,
            format!(
                "imminent harm overrides the public interest: imminence {:.2} is at or above {:.2}",
                imminence, config.imminence_threshold
            ),
        )
    } else if value < weight {
        (
            false,
            format!(
                "public-interest value {value:.2} does not outweigh the harm weight {weight:.2}"
            ),
        )
    } else {
        (
            true,
            format!(
                "public-interest value {value:.2} outweighs the harm weight {weight:.2} and the harm is not imminent (imminence {:.2} below {:.2}): kept up behind a notice",
                imminence, config.imminence_threshold
            ),
        )
    };
    let rules: Vec<String> = candidates
        .iter()
        .map(|&index| matched[index].rule.id.clone())
        .collect();
    if applied {
        for &index in &candidates {
            let actions = &mut matched[index].actions;
            actions.retain(|action| matches!(action, Action::Content(content) if *content < ContentAction::PublicInterestNotice));
            actions.push(Action::Content(ContentAction::PublicInterestNotice));
            actions.sort();
        }
    }
    Some(PublicInterestAssessment {
        rules,
        eligible,
        applied,
        eligibility,
        factors,
        value,
        harm,
        reason,
    })
}

pub(crate) fn build_effects(
    policy: &Policy,
    matched: &[Matched<'_>],
    actions: &[Action],
    primary: Option<&Rule>,
    rules: &[RuleMatch],
    public_interest: Option<&PublicInterestAssessment>,
) -> Effects {
    let has = |wanted: ContentAction| actions.contains(&Action::Content(wanted));
    let mut effects = Effects {
        visible: true,
        interstitial: None,
        label: None,
        interactions: Interactions {
            reply: true,
            like: true,
            repost: true,
            quote: true,
        },
        recommendable: true,
        age_restricted: false,
        blocked_regions: Vec::new(),
    };
    let Some(primary) = primary else {
        return effects;
    };
    let rule_name = format!("“{}” ({})", primary.title, primary.id);
    if has(ContentAction::Label) || has(ContentAction::ContextNote) {
        let correction = rules
            .iter()
            .flat_map(|rule| rule.evidence.iter())
            .find_map(|evidence| evidence.correction.clone());
        effects.label = Some(match (has(ContentAction::ContextNote), correction) {
            (true, Some(correction)) | (false, Some(correction)) => Label {
                text: correction.text,
                link: Some(correction.link),
            },
            _ => Label {
                text: matched
                    .iter()
                    .find_map(|m| m.rule.label.clone())
                    .unwrap_or_else(|| format!("This post may break the rule {rule_name}.")),
                link: policy.policy_url.clone(),
            },
        });
    }
    if has(ContentAction::WarningInterstitial) {
        effects.interstitial = Some(format!(
            "Warning: this post may break the rule {rule_name} of {}. You can choose to view it.",
            policy.title
        ));
    }
    if has(ContentAction::PublicInterestNotice) {
        // The notice names the most severe rule the exception was applied to.
        let pi_rule = public_interest
            .and_then(|assessment| {
                matched
                    .iter()
                    .filter(|m| assessment.rules.contains(&m.rule.id))
                    .max_by_key(|m| m.rule.severity)
            })
            .map(|m| format!("“{}” ({})", m.rule.title, m.rule.id))
            .unwrap_or(rule_name.clone());
        effects.interstitial = Some(format!(
            "This post broke the rule {pi_rule} of {}. It stays reachable because it may be in the public interest for people to see it. Replies, likes and reposts are turned off.",
            policy.title
        ));
        effects.interactions = Interactions {
            reply: false,
            like: false,
            repost: false,
            quote: true,
        };
        effects.recommendable = false;
    }
    if has(ContentAction::RestrictInteractions) {
        effects.interactions = Interactions {
            reply: false,
            like: false,
            repost: false,
            quote: false,
        };
    }
    if has(ContentAction::ReduceDistribution) {
        effects.recommendable = false;
    }
    if has(ContentAction::AgeRestrict) {
        effects.age_restricted = true;
    }
    if has(ContentAction::GeoRestrict) {
        let mut regions: Vec<String> = matched
            .iter()
            .filter(|m| {
                m.actions
                    .contains(&Action::Content(ContentAction::GeoRestrict))
            })
            .flat_map(|m| m.rule.regions.iter().cloned())
            .collect();
        regions.sort();
        regions.dedup();
        effects.blocked_regions = regions;
    }
    if has(ContentAction::HoldForReview) || has(ContentAction::Remove) {
        effects.visible = false;
        effects.recommendable = false;
        effects.interactions = Interactions {
            reply: false,
            like: false,
            repost: false,
            quote: false,
        };
    }
    effects
}

pub(crate) fn build_notice(
    policy: &Policy,
    item: &ContentItem,
    decision_id: &str,
    rule: &Rule,
    action: ContentAction,
    account: Option<&AccountOutcome>,
    public_interest: Option<&PublicInterestAssessment>,
) -> Notice {
    let version = format!("{} version {}", policy.id, policy.version);
    let viewer = match action {
        ContentAction::Remove => format!(
            "This content was removed because it broke the rule “{}” ({}) of {version}.",
            rule.title, rule.id
        ),
        ContentAction::HoldForReview => format!(
            "This content is hidden while a moderator checks it against the rule “{}” ({}) of {version}.",
            rule.title, rule.id
        ),
        ContentAction::PublicInterestNotice => format!(
            "This post broke the rule “{}” ({}) of {version}, but it stays reachable because it may be in the public interest. Replies, likes and reposts are off and it is not recommended.",
            rule.title, rule.id
        ),
        other => format!(
            "This content {} under the rule “{}” ({}) of {version}.",
            other.describe(),
            rule.title,
            rule.id
        ),
    };
    let mut author = format!(
        "Your {} `{}` {} under the rule “{}” ({}) of {version}. The rule: {}",
        item.kind.as_str(),
        item.id,
        action.describe(),
        rule.title,
        rule.id,
        rule.definition.trim()
    );
    if action == ContentAction::GeoRestrict && !rule.regions.is_empty() {
        author.push_str(&format!(" It is blocked in: {}.", rule.regions.join(", ")));
    }
    if let Some(assessment) = public_interest.filter(|assessment| assessment.eligible) {
        author.push_str(&format!(
            " Public-interest exception: {}.",
            assessment.reason
        ));
    }
    if let Some(outcome) = account {
        author.push_str(&format!(
            " Your account received {} strike{} ({} active; strikes expire after {} days).",
            outcome.strikes_added,
            if outcome.strikes_added == 1 { "" } else { "s" },
            outcome.strikes_total,
            outcome.strike_expiry_days
        ));
        if let Some(measure) = &outcome.measure {
            let what = match measure.action {
                AccountAction::LimitAccount => "limited (no posting, replying or live features)",
                AccountAction::SuspendAccount => "suspended",
                AccountAction::TerminateAccount => "terminated",
                AccountAction::Strike => "given a strike",
            };
            match measure.duration_days {
                Some(days) => author.push_str(&format!(
                    " Your account is {what} for {days} day{}.",
                    if days == 1 { "" } else { "s" }
                )),
                None => author.push_str(&format!(" Your account is {what} permanently.")),
            }
        }
    }
    author.push_str(&format!(
        " This was detected and decided automatically. You can appeal free of charge within {} days at {}, quoting decision {decision_id}; a person who did not make this decision will review it.",
        policy.appeal_window_days, policy.appeal_url
    ));
    Notice { viewer, author }
}

pub(crate) fn build_dsa(
    rule: &Rule,
    actions: &[Action],
    account: Option<&AccountOutcome>,
    effects: &Effects,
) -> DsaFields {
    let mut visibility: Vec<String> = actions
        .iter()
        .filter_map(|action| match action {
            Action::Content(content) => Some(content.dsa_visibility()),
            Action::Account(_) => None,
        })
        .flat_map(|keys| keys.iter().map(|key| key.to_string()))
        .collect();
    visibility.sort();
    visibility.dedup();
    let other = visibility
        .iter()
        .any(|key| key == "DECISION_VISIBILITY_OTHER")
        .then(|| DSA_INTERSTITIAL_OTHER.to_string());
    let measure = account.and_then(|outcome| outcome.measure.as_ref());
    let decision_account = measure.and_then(|measure| match measure.action {
        AccountAction::SuspendAccount => Some(dsa::ACCOUNT_SUSPENDED.to_string()),
        AccountAction::TerminateAccount => Some(dsa::ACCOUNT_TERMINATED.to_string()),
        _ => None,
    });
    let decision_provision = measure
        .filter(|measure| measure.action == AccountAction::LimitAccount)
        .map(|_| dsa::PROVISION_PARTIAL_SUSPENSION.to_string());
    DsaFields {
        decision_visibility: visibility,
        decision_visibility_other: other,
        decision_account,
        decision_provision,
        category: rule.dsa.category.clone(),
        category_specification: rule.dsa.category_specification.clone(),
        decision_ground: rule.dsa.decision_ground.clone(),
        territorial_scope: effects.blocked_regions.clone(),
        automated_detection: "Yes".into(),
        automated_decision: "AUTOMATED_DECISION_FULLY".into(),
        source_type: "SOURCE_VOLUNTARY".into(),
    }
}
