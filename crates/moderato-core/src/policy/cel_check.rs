//! CEL glue: the variables a condition sees, and static checks of conditions.
//!
//! cel-rust has no type checker yet, so conditions are checked here: every
//! `signals.*`, `author.*`, `metrics.*` and `content.*` path must exist. This
//! module must never evaluate anything outside the variables built here.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::objects::{Key, Map};
use cel::{Context, Value};

use crate::content::{Author, ContentItem, ContentKind, Metrics, PublicRole};

/// Fields of `author` visible to conditions.
pub const AUTHOR_FIELDS: &[&str] = &[
    "id",
    "handle",
    "followers",
    "verified",
    "public_role",
    "is_public_figure",
    "prior_strikes",
    "account_age_days",
];
/// Fields of `metrics` visible to conditions.
pub const METRICS_FIELDS: &[&str] = &["views", "reposts", "replies", "velocity_per_hour"];
/// Fields of `content` visible to conditions.
pub const CONTENT_FIELDS: &[&str] = &["id", "kind", "lang", "region", "text_length", "has_url"];
/// Top-level variables.
pub const VARIABLES: &[&str] = &["signals", "author", "metrics", "content"];

/// Finds paths a condition uses that do not exist, as messages.
pub(crate) fn check_references(
    program: &cel::Program,
    known_signals: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bound = Vec::new();
    walk(
        program.expression(),
        known_signals,
        &mut bound,
        &mut problems,
    );
    problems.sort();
    problems.dedup();
    problems
}

/// The signals a condition reads (`signals.a.b` gives `a.b`), from its syntax tree:
/// comprehension variables are not signals, and a name that only contains another
/// (`signals.model.hater` for `model.hate`) is never confused with it.
pub(crate) fn signals_used(program: &cel::Program) -> BTreeSet<String> {
    fn collect<'a>(expr: &'a IdedExpr, bound: &mut Vec<&'a str>, used: &mut BTreeSet<String>) {
        match &expr.expr {
            Expr::Select(select) => match select_path(expr) {
                Some(path) if !bound.contains(&path[0]) => {
                    if path[0] == "signals" && path.len() > 1 {
                        used.insert(path[1..].join("."));
                    }
                }
                Some(_) => {}
                None => collect(&select.operand, bound, used),
            },
            Expr::Call(call) => {
                if let Some(target) = &call.target {
                    collect(target, bound, used);
                }
                for argument in &call.args {
                    collect(argument, bound, used);
                }
            }
            Expr::List(list) => {
                for element in &list.elements {
                    collect(element, bound, used);
                }
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(entry) = &entry.expr {
                        collect(&entry.key, bound, used);
                        collect(&entry.value, bound, used);
                    }
                }
            }
            Expr::Comprehension(comprehension) => {
                collect(&comprehension.iter_range, bound, used);
                collect(&comprehension.accu_init, bound, used);
                let depth = bound.len();
                bound.push(comprehension.iter_var.as_str());
                if let Some(second) = &comprehension.iter_var2 {
                    bound.push(second.as_str());
                }
                bound.push(comprehension.accu_var.as_str());
                collect(&comprehension.loop_cond, bound, used);
                collect(&comprehension.loop_step, bound, used);
                collect(&comprehension.result, bound, used);
                bound.truncate(depth);
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Struct(_) | Expr::Unspecified => {}
        }
    }
    let mut used = BTreeSet::new();
    collect(program.expression(), &mut Vec::new(), &mut used);
    used
}

fn select_path(expr: &IdedExpr) -> Option<Vec<&str>> {
    match &expr.expr {
        Expr::Ident(name) => Some(vec![name.as_str()]),
        Expr::Select(select) => {
            let mut path = select_path(&select.operand)?;
            path.push(select.field.as_str());
            Some(path)
        }
        _ => None,
    }
}

fn check_path(path: &[&str], known: &BTreeSet<String>, problems: &mut Vec<String>) {
    let Some((root, rest)) = path.split_first() else {
        return;
    };
    let fields: &[&str] = match *root {
        "author" => AUTHOR_FIELDS,
        "metrics" => METRICS_FIELDS,
        "content" => CONTENT_FIELDS,
        "signals" => {
            if rest.is_empty() {
                return;
            }
            let name = rest.join(".");
            let prefix = format!("{name}.");
            if !known.contains(&name) && !known.iter().any(|signal| signal.starts_with(&prefix)) {
                problems.push(format!(
                    "unknown signal `{name}`; known signals: {}",
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            return;
        }
        other => {
            problems.push(format!(
                "unknown variable `{other}`; conditions may use {}",
                VARIABLES.join(", ")
            ));
            return;
        }
    };
    if let Some(field) = rest.first()
        && !fields.contains(field)
    {
        problems.push(format!(
            "unknown field `{root}.{field}`; `{root}` has {}",
            fields.join(", ")
        ));
    }
}

fn walk<'a>(
    expr: &'a IdedExpr,
    known: &BTreeSet<String>,
    bound: &mut Vec<&'a str>,
    problems: &mut Vec<String>,
) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(&name.as_str()) {
                check_path(&[name.as_str()], known, problems);
            }
        }
        Expr::Select(select) => {
            if let Some(path) = select_path(expr) {
                if !bound.contains(&path[0]) {
                    check_path(&path, known, problems);
                }
            } else {
                walk(&select.operand, known, bound, problems);
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                walk(target, known, bound, problems);
            }
            for argument in &call.args {
                walk(argument, known, bound, problems);
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                walk(element, known, bound, problems);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    walk(&entry.key, known, bound, problems);
                    walk(&entry.value, known, bound, problems);
                }
            }
        }
        Expr::Comprehension(comprehension) => {
            walk(&comprehension.iter_range, known, bound, problems);
            walk(&comprehension.accu_init, known, bound, problems);
            let depth = bound.len();
            bound.push(comprehension.iter_var.as_str());
            if let Some(second) = &comprehension.iter_var2 {
                bound.push(second.as_str());
            }
            bound.push(comprehension.accu_var.as_str());
            walk(&comprehension.loop_cond, known, bound, problems);
            walk(&comprehension.loop_step, known, bound, problems);
            walk(&comprehension.result, known, bound, problems);
            bound.truncate(depth);
        }
        Expr::Literal(_) | Expr::Struct(_) | Expr::Unspecified => {}
    }
}

fn map_value(entries: Vec<(&str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(key, value)| (Key::String(Arc::new(key.to_string())), value))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn optional_string(value: &Option<String>) -> Value {
    Value::String(Arc::new(value.clone().unwrap_or_default()))
}

/// Builds the `signals` variable: dotted names become nested maps, every known
/// signal present (0 when no detector produced it), so `NoSuchKey` cannot happen.
pub(crate) fn signals_value(known: &[String], score_of: impl Fn(&str) -> f64) -> Value {
    #[derive(Default)]
    struct Node {
        leaf: Option<f64>,
        children: std::collections::BTreeMap<String, Node>,
    }
    fn into_value(node: Node) -> Value {
        match node.leaf {
            Some(score) => Value::Float(score),
            None => {
                let map: HashMap<Key, Value> = node
                    .children
                    .into_iter()
                    .map(|(key, child)| (Key::String(Arc::new(key)), into_value(child)))
                    .collect();
                Value::Map(Map { map: Arc::new(map) })
            }
        }
    }
    let mut root = Node::default();
    for name in known {
        let mut node = &mut root;
        for part in name.split('.') {
            node = node.children.entry(part.to_string()).or_default();
        }
        node.leaf = Some(score_of(name));
    }
    into_value(root)
}

/// Builds the full evaluation context for an item.
pub(crate) fn item_context(
    env: &Arc<cel::Env>,
    item: &ContentItem,
    known: &[String],
    score_of: impl Fn(&str) -> f64,
) -> Context<'static, 'static> {
    let mut context = Context::with_env(env.clone());
    context.add_variable_from_value("signals", signals_value(known, score_of));
    context.add_variable_from_value("author", author_value(&item.author));
    context.add_variable_from_value("metrics", metrics_value(&item.metrics));
    context.add_variable_from_value(
        "content",
        map_value(vec![
            ("id", Value::String(Arc::new(item.id.clone()))),
            (
                "kind",
                Value::String(Arc::new(item.kind.as_str().to_string())),
            ),
            ("lang", optional_string(&item.lang)),
            ("region", optional_string(&item.region)),
            ("text_length", Value::Int(item.text.chars().count() as i64)),
            (
                "has_url",
                Value::Bool(item.url.is_some() || item.text.contains("http")),
            ),
        ]),
    );
    context
}

fn saturating_int(value: u64) -> Value {
    Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

fn author_value(author: &Author) -> Value {
    map_value(vec![
        ("id", optional_string(&author.id)),
        ("handle", optional_string(&author.handle)),
        ("followers", saturating_int(author.followers)),
        ("verified", Value::Bool(author.verified)),
        (
            "public_role",
            Value::String(Arc::new(author.public_role.as_str().to_string())),
        ),
        (
            "is_public_figure",
            Value::Bool(author.public_role != PublicRole::None),
        ),
        ("prior_strikes", Value::Int(i64::from(author.prior_strikes))),
        (
            "account_age_days",
            saturating_int(author.account_age_days.unwrap_or(0)),
        ),
    ])
}

fn metrics_value(metrics: &Metrics) -> Value {
    map_value(vec![
        ("views", saturating_int(metrics.views)),
        ("reposts", saturating_int(metrics.reposts)),
        ("replies", saturating_int(metrics.replies)),
        ("velocity_per_hour", Value::Float(metrics.velocity_per_hour)),
    ])
}

/// A context with every field populated, used to check that conditions evaluate to a bool.
pub(crate) fn synthetic_context(
    env: &Arc<cel::Env>,
    known: &[String],
) -> Context<'static, 'static> {
    let item = ContentItem {
        id: "synthetic".into(),
        text: "synthetic".into(),
        kind: ContentKind::Post,
        lang: Some("en".into()),
        created_at: None,
        region: Some("US".into()),
        url: None,
        author: Author {
            id: Some("a".into()),
            handle: Some("a".into()),
            followers: 1000,
            verified: true,
            public_role: PublicRole::ElectedOfficial,
            prior_strikes: 1,
            account_age_days: Some(100),
        },
        metrics: Metrics {
            views: 100,
            reposts: 10,
            replies: 10,
            velocity_per_hour: 10.0,
        },
        signals: Vec::new(),
    };
    item_context(env, &item, known, |_| 0.5)
}

#[cfg(test)]
mod signal_tests {
    use super::*;

    fn used(condition: &str) -> Vec<String> {
        cel::Program::compile(condition)
            .map(|program| signals_used(&program).into_iter().collect())
            .unwrap_or_default()
    }

    #[test]
    fn signals_are_read_from_the_syntax_tree_not_the_text() {
        assert_eq!(
            used("signals.model.hater >= 0.7 || author.followers > 10"),
            vec!["model.hater"],
            "`model.hate` is not read by a condition that reads `model.hater`"
        );
        assert_eq!(
            used("signals.violence.threat >= 0.6 && signals.hate.threat < 0.6"),
            vec!["hate.threat", "violence.threat"]
        );
        assert_eq!(
            used("[1, 2].exists(signals, signals > 1) || signals.spam.links > 0.5"),
            vec!["spam.links"],
            "a comprehension variable named `signals` is not the signals map"
        );
        assert!(used("author.followers > 100000 && 'signals.x' == 'y'").is_empty());
    }
}
