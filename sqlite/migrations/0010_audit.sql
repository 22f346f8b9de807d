-- The audit trail (catalogue AU-01..AU-03): one row per security event,
-- append-only. id orders the rows and is the export cursor; at is Unix
-- milliseconds. No column holds a token, code or secret. The trigger
-- refuses every UPDATE; the only DELETE is the prune by age.
CREATE TABLE audit_records (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         INTEGER NOT NULL,
	event      TEXT NOT NULL,
	actor      TEXT NOT NULL DEFAULT '',
	user_id    TEXT NOT NULL DEFAULT '',
	client_id  TEXT NOT NULL DEFAULT '',
	account_id TEXT NOT NULL DEFAULT '',
	role_name  TEXT NOT NULL DEFAULT '',
	surface    TEXT NOT NULL DEFAULT '',
	address    TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	outcome    TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_records_at ON audit_records (at);
CREATE INDEX audit_records_user ON audit_records (user_id, id);
CREATE INDEX audit_records_event ON audit_records (event, id);
CREATE TRIGGER audit_records_append_only BEFORE UPDATE ON audit_records
BEGIN
	SELECT RAISE(ABORT, 'audit records are append-only');
END;
