-- Moderato schema, version 1. Timestamps are BIGINT milliseconds since the
-- Unix epoch, JSON is TEXT, hashes are lowercase hex TEXT and flags are BIGINT
-- 0/1, so that the same queries work on SQLite and PostgreSQL.

CREATE TABLE content_items (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    item_json TEXT NOT NULL,
    author_id TEXT,
    -- The account the item is attributed to: author.id, else author.handle.
    account_id TEXT,
    submitted_at BIGINT NOT NULL,
    current_decision_id TEXT
);

CREATE TABLE decisions (
    decision_id TEXT PRIMARY KEY,
    content_id TEXT NOT NULL,
    previous_decision_id TEXT,
    policy_id TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_digest TEXT NOT NULL,
    action TEXT NOT NULL,
    review_required BIGINT NOT NULL,
    decision_json TEXT NOT NULL,
    -- 'system' for automated decisions, else the reviewer.
    decided_by TEXT NOT NULL,
    account_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX decisions_content_id ON decisions (content_id);
CREATE INDEX decisions_created_at ON decisions (created_at);
CREATE INDEX decisions_account_id ON decisions (account_id, created_at);

CREATE TABLE policy_versions (
    version TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    files_json TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);

-- One-row pointer to the active policy version.
CREATE TABLE active_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL,
    activated_at BIGINT NOT NULL,
    activated_by TEXT NOT NULL
);

-- reporter_contact is personal data: it is never copied into the audit log.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    rule TEXT,
    text TEXT,
    reporter_contact TEXT,
    priority REAL NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    task_id BIGINT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX reports_content_id ON reports (content_id);
CREATE INDEX reports_task_id ON reports (task_id);

CREATE TABLE review_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    queue TEXT NOT NULL,
    -- 'decision', 'report' or 'appeal'.
    kind TEXT NOT NULL,
    appeal_id BIGINT,
    priority REAL NOT NULL,
    status TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_tasks_queue ON review_tasks (queue, status, priority);
CREATE INDEX review_tasks_content_id ON review_tasks (content_id, status);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id BIGINT NOT NULL,
    reviewer TEXT NOT NULL,
    outcome TEXT NOT NULL,
    actions_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    dissent TEXT,
    public_interest_json TEXT,
    reviewed_decision_id TEXT NOT NULL,
    new_decision_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX reviews_created_at ON reviews (created_at);
CREATE INDEX reviews_task_id ON reviews (task_id);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id TEXT NOT NULL,
    content_id TEXT NOT NULL,
    appellant TEXT NOT NULL,
    statement TEXT NOT NULL,
    status TEXT NOT NULL,
    original_decider TEXT NOT NULL,
    reviewer TEXT,
    outcome TEXT,
    reason TEXT,
    task_id BIGINT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX appeals_decision_id ON appeals (decision_id);

CREATE TABLE strikes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    weight BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    withdrawn BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX strikes_account_id ON strikes (account_id, expires_at);
CREATE INDEX strikes_decision_id ON strikes (decision_id);

-- ends_at is NULL only for a permanent restriction. A restriction lifted on
-- review gets ends_at = lifted_at and permanent = 0.
CREATE TABLE account_restrictions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    decision_id TEXT,
    action TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    permanent BIGINT NOT NULL,
    lifted_at BIGINT,
    CHECK ((permanent = 1 AND ends_at IS NULL) OR (permanent = 0 AND ends_at IS NOT NULL))
);
CREATE INDEX account_restrictions_account_id ON account_restrictions (account_id);
CREATE INDEX account_restrictions_decision_id ON account_restrictions (decision_id);

-- Only the SHA-256 of a token is stored, never the token.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);

-- The append-only, hash-chained audit log.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- One row holding the chain head. Appending starts by updating this row, which
-- serialises concurrent writers on PostgreSQL (row lock) as SQLite does anyway.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
