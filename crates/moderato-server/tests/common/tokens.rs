//! The API tokens every server test app gets, shared by the in-process and
//! browser test binaries.

use moderato_server::{generate_token, now_ms};
use moderato_store::Store;

/// Names and roles of the tokens, in the order [`create_role_tokens`]
/// returns them: admin, ingest, two moderators, viewer.
pub const ROLE_TOKENS: [(&str, &str); 5] = [
    ("root", "admin"),
    ("platform", "ingest"),
    ("alice", "moderator"),
    ("bob", "moderator"),
    ("auditor", "viewer"),
];

/// Creates one token per entry of [`ROLE_TOKENS`] and returns them in order.
pub async fn create_role_tokens(store: &Store) -> Vec<String> {
    let mut tokens = Vec::new();
    for (name, role) in ROLE_TOKENS {
        let token = generate_token().expect("token");
        store
            .create_token(name, role, &token, now_ms())
            .await
            .expect("create token");
        tokens.push(token);
    }
    tokens
}
