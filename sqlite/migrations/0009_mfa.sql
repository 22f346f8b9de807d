-- Second factors of local accounts (catalogue MF-01, MF-04). The TOTP
-- secret is sealed with the keyring's AEAD key; last_step is the highest
-- RFC 6238 time step accepted, moved forward only by a conditional update
-- (no code is accepted twice). Recovery codes are kept as keyed digests;
-- used_at is 0 until spent. mfa_policies holds per-user overrides of the
-- operator's policy. Times are epoch milliseconds.
CREATE TABLE totp_factors (
	user_id       TEXT PRIMARY KEY,
	sealed_secret BLOB NOT NULL,
	last_step     INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	last_used     INTEGER NOT NULL
);
CREATE TABLE recovery_codes (
	user_id    TEXT NOT NULL,
	digest     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL,
	PRIMARY KEY (user_id, digest)
);
CREATE TABLE mfa_policies (
	user_id TEXT PRIMARY KEY,
	policy  TEXT NOT NULL
);
-- How the user authenticated for an approval (RFC 8176 amr, a JSON list),
-- carried from the code to its session for the ID token.
ALTER TABLE codes ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';
-- WebAuthn credentials (passkeys, security keys; catalogue MF-02): the
-- public key only; sign_count moves forward by a conditional update.
CREATE TABLE passkeys (
	id              BLOB PRIMARY KEY,
	user_id         TEXT NOT NULL,
	name            TEXT NOT NULL,
	public_key      BLOB NOT NULL,
	sign_count      INTEGER NOT NULL,
	transports      TEXT NOT NULL,
	aaguid          BLOB NOT NULL,
	backup_eligible INTEGER NOT NULL,
	backup_state    INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	last_used       INTEGER NOT NULL
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);
