-- Browser sessions: a person's sign-in at the pages (catalogue BS-01). The
-- cookie holds a random 256-bit token; only its keyed digest is kept here.
-- Times are epoch milliseconds; revoked_at is 0 while live. Rows are
-- collected once they have expired or been revoked for the retention.
CREATE TABLE browser_sessions (
	id            TEXT PRIMARY KEY,
	digest        BYTEA NOT NULL UNIQUE,
	user_id       TEXT NOT NULL,
	auth_time     BIGINT NOT NULL,
	amr           TEXT NOT NULL,
	address       TEXT NOT NULL,
	user_agent    TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	last_seen_at  BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	revoked_at    BIGINT NOT NULL,
	revoke_reason TEXT NOT NULL
);
CREATE INDEX browser_sessions_user ON browser_sessions (user_id, created_at);
CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at);
CREATE INDEX browser_sessions_revoked ON browser_sessions (revoked_at) WHERE revoked_at > 0;
