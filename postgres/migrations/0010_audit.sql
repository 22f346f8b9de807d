-- The audit trail (catalogue AU-01..AU-03): one row per security event,
-- append-only. id orders the rows and is the export cursor; at is Unix
-- milliseconds. No column holds a token, code or secret. Triggers refuse
-- every UPDATE and TRUNCATE, and every DELETE outside the prune by age,
-- which sets signet.audit_prune for its own transaction.
CREATE TABLE audit_records (
	id         BIGSERIAL PRIMARY KEY,
	at         BIGINT NOT NULL,
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

CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND current_setting('signet.audit_prune', true) = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit records are append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
	FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
	FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
