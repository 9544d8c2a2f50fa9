-- Exactly-once effects under at-least-once delivery (stream workers).
--
-- An automated decision carries an idempotency key: SHA-256 over the content
-- id, its text and the decision it replaces. A redelivered or duplicated item
-- (same id, same text) maps to the same key, so the database itself refuses a
-- second decision for it -- and with it a second strike and a second audit
-- entry, which are written in the same transaction. Reviewers' decisions have
-- no key (NULL, which a unique index does not compare).
ALTER TABLE decisions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX decisions_idempotency_key ON decisions (idempotency_key);

-- A decision adds at most one strike.
CREATE UNIQUE INDEX strikes_one_per_decision ON strikes (decision_id);
