-- The history page lists one item's audit entries, newest first, a page at a
-- time; without this index each view scanned the whole log.
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
