//! Signed checkpoints of the audit chain: the anchor outside the database.
//!
//! The hash chain proves that stored entries were not edited or reordered, but someone who
//! controls the database can cut the tail and move the stored head, or rewrite an entry and
//! re-hash everything after it. A checkpoint is the chain's `{seq, hash}` at a moment, signed
//! with an Ed25519 key kept outside the database and published or stored elsewhere; a chain
//! that no longer contains a checkpoint's entry with the same hash was rewritten or truncated.
//! This module must never read or write the key's file itself (callers pass its bytes) and
//! never log the key.

use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;

/// A signed checkpoint, one JSON object per line in a checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the chain's head when signed.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When it was signed (RFC 3339).
    pub time: String,
    /// The signer's Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature of [`Checkpoint::message`], hex.
    pub signature: String,
}

/// What went wrong with a key or a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The key file does not hold an Ed25519 PKCS#8 key.
    #[error(
        "the checkpoint key is not an Ed25519 PKCS#8 key (make one with `moderato audit keygen`)"
    )]
    BadKey,
    /// The system's random source failed.
    #[error("could not generate a key: the system's random source failed")]
    Random,
    /// The signature does not verify.
    #[error("the checkpoint's signature does not verify")]
    BadSignature,
    /// The checkpoint was signed by another key than the pinned one.
    #[error("the checkpoint was signed by key {found}, not the expected {expected}")]
    OtherKey {
        /// The key in the checkpoint.
        found: String,
        /// The pinned key.
        expected: String,
    },
    /// Hex in the checkpoint is malformed.
    #[error("the checkpoint's {field} is not hex")]
    NotHex {
        /// Which field.
        field: &'static str,
    },
}

impl Checkpoint {
    /// The exact bytes signed.
    pub fn message(seq: i64, hash: &str, time: &str) -> String {
        format!("moderato-audit-checkpoint/v1\n{seq}\n{hash}\n{time}\n")
    }

    /// Signs the head `{seq, hash}` at `time` with a PKCS#8 Ed25519 key.
    pub fn sign(
        pkcs8: &[u8],
        seq: i64,
        hash: &str,
        time: &str,
    ) -> Result<Checkpoint, CheckpointError> {
        let key = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CheckpointError::BadKey)?;
        let signature = key.sign(Checkpoint::message(seq, hash, time).as_bytes());
        Ok(Checkpoint {
            seq,
            hash: hash.to_string(),
            time: time.to_string(),
            public_key: hex::encode(key.public_key().as_ref()),
            signature: hex::encode(signature.as_ref()),
        })
    }

    /// The hex public key of a PKCS#8 Ed25519 key; fails on anything else (so it also checks
    /// a key file before it is used).
    pub fn public_key_of(pkcs8: &[u8]) -> Result<String, CheckpointError> {
        let key = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CheckpointError::BadKey)?;
        Ok(hex::encode(key.public_key().as_ref()))
    }

    /// Checks the signature, and that the signer is `pinned` (a hex public key) when given.
    pub fn verify_signature(&self, pinned: Option<&str>) -> Result<(), CheckpointError> {
        if let Some(expected) = pinned
            && !expected.eq_ignore_ascii_case(&self.public_key)
        {
            return Err(CheckpointError::OtherKey {
                found: self.public_key.clone(),
                expected: expected.to_string(),
            });
        }
        let public_key = hex::decode(&self.public_key).map_err(|_| CheckpointError::NotHex {
            field: "public_key",
        })?;
        let signature = hex::decode(&self.signature)
            .map_err(|_| CheckpointError::NotHex { field: "signature" })?;
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(
                Checkpoint::message(self.seq, &self.hash, &self.time).as_bytes(),
                &signature,
            )
            .map_err(|_| CheckpointError::BadSignature)
    }

    /// Whether `entries` (a whole chain, in order) still holds this checkpoint's entry with the
    /// same hash. A chain cut below it, or rewritten at or before it, does not.
    pub fn contained_in(&self, entries: &[AuditEntry]) -> bool {
        entries
            .iter()
            .any(|entry| entry.seq == self.seq && entry.hash == self.hash)
    }
}

/// A new Ed25519 key, PKCS#8 bytes, for `moderato audit keygen`.
pub fn generate_key() -> Result<Vec<u8>, CheckpointError> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map(|document| document.as_ref().to_vec())
        .map_err(|_| CheckpointError::Random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_and_any_change_breaks_it() {
        let key = generate_key().unwrap();
        let checkpoint = Checkpoint::sign(&key, 42, "ab12", "2026-12-01T00:00:00Z").unwrap();
        checkpoint.verify_signature(None).unwrap();
        checkpoint
            .verify_signature(Some(&checkpoint.public_key.to_uppercase()))
            .unwrap();
        let mut moved = checkpoint.clone();
        moved.seq = 41;
        assert!(moved.verify_signature(None).is_err());
        let mut rehashed = checkpoint.clone();
        rehashed.hash = "cd34".into();
        assert!(rehashed.verify_signature(None).is_err());
        let other =
            Checkpoint::sign(&generate_key().unwrap(), 42, "ab12", "2026-12-01T00:00:00Z").unwrap();
        assert!(matches!(
            other.verify_signature(Some(&checkpoint.public_key)),
            Err(CheckpointError::OtherKey { .. })
        ));
        assert!(matches!(
            Checkpoint::sign(b"not a key", 1, "x", "t"),
            Err(CheckpointError::BadKey)
        ));
        assert_eq!(
            Checkpoint::public_key_of(&key).unwrap(),
            checkpoint.public_key
        );
    }
}
