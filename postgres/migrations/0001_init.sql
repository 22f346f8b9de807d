-- Times are unix milliseconds in BIGINT (0: none; portable to CockroachDB);
-- digests are 32-byte BYTEA (NULL: none); lists are JSON arrays as TEXT. The
-- same shape as the SQLite schema, so both backends share their row encoding.

CREATE TABLE users (
	id                     TEXT PRIMARY KEY,
	name                   TEXT NOT NULL UNIQUE,
	display_name           TEXT NOT NULL,
	password_hash          TEXT NOT NULL,
	disabled               BOOLEAN NOT NULL,
	credentials_changed_at BIGINT NOT NULL,
	assignments            TEXT NOT NULL,
	created_at             BIGINT NOT NULL,
	updated_at             BIGINT NOT NULL
);

CREATE TABLE clients (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	type              TEXT NOT NULL,
	secret_digest     BYTEA,
	secret_expires_at BIGINT NOT NULL,
	grant_types       TEXT NOT NULL,
	redirect_uris     TEXT NOT NULL,
	scopes            TEXT NOT NULL,
	issuer_url        TEXT NOT NULL,
	dynamic           BOOLEAN NOT NULL,
	created_at        BIGINT NOT NULL,
	expires_at        BIGINT NOT NULL
);
CREATE INDEX clients_created ON clients (created_at);
CREATE INDEX clients_dynamic_expiry ON clients (expires_at) WHERE dynamic;

CREATE TABLE codes (
	digest                BYTEA PRIMARY KEY,
	client_id             TEXT NOT NULL,
	user_id               TEXT NOT NULL,
	protocol              TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	nonce                 TEXT NOT NULL,
	dpop_jkt              TEXT NOT NULL,
	account_id            TEXT NOT NULL,
	role_name             TEXT NOT NULL,
	auth_time             BIGINT NOT NULL,
	created_at            BIGINT NOT NULL,
	expires_at            BIGINT NOT NULL,
	used_at               BIGINT NOT NULL,
	session_id            TEXT NOT NULL
);
CREATE INDEX codes_expiry ON codes (expires_at);

CREATE TABLE device_authorizations (
	digest           BYTEA PRIMARY KEY,
	user_code_digest BYTEA NOT NULL UNIQUE,
	client_id        TEXT NOT NULL,
	protocol         TEXT NOT NULL,
	scopes           TEXT NOT NULL,
	status           TEXT NOT NULL,
	user_id          TEXT NOT NULL,
	auth_time        BIGINT NOT NULL,
	interval_ms      BIGINT NOT NULL,
	last_polled_at   BIGINT NOT NULL,
	created_at       BIGINT NOT NULL,
	expires_at       BIGINT NOT NULL,
	session_id       TEXT NOT NULL
);
CREATE INDEX device_authorizations_expiry ON device_authorizations (expires_at);

CREATE TABLE sessions (
	id            TEXT PRIMARY KEY,
	client_id     TEXT NOT NULL,
	user_id       TEXT NOT NULL,
	protocol      TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	account_id    TEXT NOT NULL,
	role_name     TEXT NOT NULL,
	dpop_jkt      TEXT NOT NULL,
	nonce         TEXT NOT NULL,
	auth_time     BIGINT NOT NULL,
	created_at    BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	revoked_at    BIGINT NOT NULL,
	revoke_reason TEXT NOT NULL,
	generation    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_client ON sessions (client_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at > 0;

CREATE TABLE token_generations (
	session_id         TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	generation         BIGINT NOT NULL,
	refresh_digest     BYTEA UNIQUE,
	access_digest      BYTEA UNIQUE,
	issued_at          BIGINT NOT NULL,
	access_expires_at  BIGINT NOT NULL,
	refresh_expires_at BIGINT NOT NULL,
	rotated_at         BIGINT NOT NULL,
	PRIMARY KEY (session_id, generation)
);

CREATE TABLE replay_marks (
	digest     BYTEA PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX replay_marks_expiry ON replay_marks (expires_at);

CREATE TABLE server_keys (
	id         TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	algorithm  TEXT NOT NULL,
	sealed     BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	active_at  BIGINT NOT NULL,
	retired_at BIGINT NOT NULL
);
