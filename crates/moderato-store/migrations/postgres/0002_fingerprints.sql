-- Fingerprints of actioned content, so the near-duplicate index survives
-- restarts. One row per decision whose action was at least
-- reduce_distribution; the decision itself carries the audit entry.
-- `scheme` names the fingerprint algorithm, so rows made by an older one can
-- be told apart; `minhash_hex` is empty for texts too short for a signature.
CREATE TABLE content_fingerprints (
    decision_id TEXT PRIMARY KEY REFERENCES decisions (decision_id),
    content_id TEXT NOT NULL,
    scheme TEXT NOT NULL,
    exact_sha256 TEXT NOT NULL,
    minhash_hex TEXT NOT NULL,
    action TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX content_fingerprints_created_at ON content_fingerprints (created_at, decision_id);
CREATE INDEX content_fingerprints_content_id ON content_fingerprints (content_id);
