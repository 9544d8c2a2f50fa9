//! Bearer-token authentication and role checks.
//!
//! Tokens are random 256-bit values shown once; only their SHA-256 is stored.
//! Lookups are cached briefly so a busy ingest path does not query the token
//! table on every request. This module must never log or return a token.

use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Policies, tokens, audit, and everything else.
    Admin,
    /// Review queues, reviews and appeals; read access.
    Moderator,
    /// Read-only access.
    Viewer,
    /// Submitting content, reports and appeals on behalf of a platform; reading outcomes.
    Ingest,
}

impl Role {
    /// Parses a stored role name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "admin" => Some(Role::Admin),
            "moderator" => Some(Role::Moderator),
            "viewer" => Some(Role::Viewer),
            "ingest" => Some(Role::Ingest),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Viewer => "viewer",
            Role::Ingest => "ingest",
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token id.
    pub token_id: i64,
    /// Token name: the reviewer identity recorded on reviews.
    pub name: String,
    /// Role.
    pub role: Role,
}

impl Caller {
    /// Fails with 403 unless the caller has one of `roles` (admin always may).
    pub fn require(&self, roles: &[Role], action: &'static str) -> Result<(), ApiError> {
        if self.role == Role::Admin || roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                role: self.role.as_str().to_string(),
                action,
            })
        }
    }
}

/// A short-lived cache of token lookups, keyed by the token's SHA-256. At most
/// [`TOKEN_CACHE_CAPACITY`] entries; past it the least recently used are evicted.
pub struct TokenCache {
    entries: quick_cache::sync::Cache<String, (Caller, Instant)>,
}

const CACHE_TTL: Duration = Duration::from_secs(30);

/// Most token lookups held.
pub const TOKEN_CACHE_CAPACITY: usize = 10_000;

impl Default for TokenCache {
    fn default() -> TokenCache {
        TokenCache {
            entries: quick_cache::sync::Cache::new(TOKEN_CACHE_CAPACITY),
        }
    }
}

impl TokenCache {
    fn get(&self, key: &str) -> Option<Caller> {
        self.entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(caller, _)| caller)
    }

    /// Drops the cached lookups of a token, so a revocation through this process applies at
    /// once (other processes see it when their entry expires).
    pub fn forget(&self, token_id: i64) {
        self.entries
            .retain(|_, (caller, _)| caller.token_id != token_id);
    }

    fn put(&self, key: String, caller: Caller) {
        self.entries.insert(key, (caller, Instant::now()));
    }
}

/// Generates a new token: `mod_` followed by 64 hex characters.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("mod_{}", hex::encode(bytes)))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or(ApiError::Unauthenticated)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        lookup(State(state), token).await
    }
}

async fn lookup(State(state): State<&AppState>, token: &str) -> Result<Caller, ApiError> {
    let key = moderato_store::sha256_hex(token.as_bytes());
    if let Some(caller) = state.tokens.get(&key) {
        return Ok(caller);
    }
    let found = state
        .service
        .store
        .find_token(token)
        .await
        .map_err(|error| ApiError::internal("token lookup", error))?
        .ok_or(ApiError::Unauthenticated)?;
    let role = Role::parse(&found.role).ok_or(ApiError::Unauthenticated)?;
    let caller = Caller {
        token_id: found.id,
        name: found.name,
        role,
    };
    state.tokens.put(key, caller.clone());
    Ok(caller)
}
