//! The workspace's layering, read from `cargo metadata` (issue 13 §6): the pure crates
//! never pull in an async runtime, a database driver or a web framework; the application layer
//! (`moderato-service`) and the stream worker know no web framework or templates; and only the
//! store talks to the database driver (and the testkit, which only tests use).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Normal (not dev, not build) dependencies of each workspace package, by package name,
/// and the transitive closure of each.
struct Graph {
    direct: BTreeMap<String, BTreeSet<String>>,
    names: BTreeMap<String, String>,
    edges: BTreeMap<String, Vec<String>>,
    members: BTreeMap<String, String>,
}

fn graph() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(crate::workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let mut names = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        names.insert(
            package["id"].as_str().unwrap_or_default().to_string(),
            package["name"].as_str().unwrap_or_default().to_string(),
        );
    }
    let mut members = BTreeMap::new();
    for id in metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = id.as_str().unwrap_or_default().to_string();
        members.insert(names[&id].clone(), id);
    }
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = node["id"].as_str().unwrap_or_default().to_string();
        let normal: Vec<String> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|dep| {
                dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind["kind"].is_null())
            })
            .map(|dep| dep["pkg"].as_str().unwrap_or_default().to_string())
            .collect();
        edges.insert(id, normal);
    }
    let mut direct = BTreeMap::new();
    for (name, id) in &members {
        let deps = edges
            .get(id)
            .into_iter()
            .flatten()
            .map(|dep| names[dep].clone())
            .collect();
        direct.insert(name.clone(), deps);
    }
    Graph {
        direct,
        names,
        edges,
        members,
    }
}

impl Graph {
    fn closure(&self, member: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![self.members[member].clone()];
        while let Some(id) = stack.pop() {
            for dep in self.edges.get(&id).into_iter().flatten() {
                if seen.insert(self.names[dep].clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    }
}

#[test]
fn pure_crates_pull_in_no_runtime_driver_or_web_framework() {
    let graph = graph();
    // The graph is read right: the server does pull these in.
    let server = graph.closure("moderato-server");
    assert!(server.contains("axum") && server.contains("tokio") && server.contains("sqlx"));
    for member in [
        "moderato-core",
        "moderato-detect",
        "moderato-model",
        "moderato-engine",
    ] {
        let closure = graph.closure(member);
        for forbidden in ["tokio", "sqlx", "axum", "askama", "reqwest", "hyper"] {
            assert!(
                !closure.contains(forbidden),
                "{member} depends (perhaps through another crate) on {forbidden}"
            );
        }
    }
}

#[test]
fn the_application_layer_and_the_workers_know_no_web_framework() {
    let graph = graph();
    // The application layer is shared by the HTTP API and the workers: no web framework, no
    // templates, no broker client, and no front end above it.
    let service = graph.closure("moderato-service");
    // (`tower-http` comes in with the HTTP client of the external classifiers.)
    for forbidden in [
        "axum",
        "askama",
        "async-nats",
        "moderato-server",
        "moderato-worker",
    ] {
        assert!(
            !service.contains(forbidden),
            "moderato-service depends (perhaps through another crate) on {forbidden}"
        );
    }
    // Workers map the application layer to ack, retry and dead letters, not to HTTP.
    let worker = graph.closure("moderato-worker");
    assert!(worker.contains("moderato-service") && worker.contains("async-nats"));
    for forbidden in ["axum", "askama", "moderato-server"] {
        assert!(
            !worker.contains(forbidden),
            "moderato-worker depends (perhaps through another crate) on {forbidden}"
        );
    }
}

#[test]
fn only_the_store_depends_on_the_database_driver() {
    let graph = graph();
    let users: Vec<&String> = graph
        .direct
        .iter()
        .filter(|(_, deps)| deps.contains("sqlx"))
        .map(|(name, _)| name)
        .collect();
    // The testkit (PostgreSQL schemas for tests) is only ever a dev-dependency.
    assert_eq!(users, ["moderato-store", "moderato-testkit"]);
    for (name, deps) in &graph.direct {
        assert!(
            !deps.contains("moderato-testkit"),
            "{name} depends on the testkit outside its tests"
        );
    }
}
