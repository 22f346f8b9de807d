-- Upstream identity providers, the identities they vouch for, their groups,
-- the rules that turn groups into assignments, and logins waiting for an
-- upstream callback. No upstream client secret is stored: client_secret_ref
-- names an environment variable or a file.
CREATE TABLE identity_providers (
	name              TEXT PRIMARY KEY,
	kind              TEXT NOT NULL,
	display_name      TEXT NOT NULL,
	issuer            TEXT NOT NULL,
	client_id         TEXT NOT NULL,
	client_secret_ref TEXT NOT NULL,
	scopes            TEXT NOT NULL,
	claims            TEXT NOT NULL,
	domains           TEXT NOT NULL,
	allowed_groups    TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);

-- Keyed by (idp, subject), never by e-mail (catalogue FD-03).
CREATE TABLE federated_identities (
	idp           TEXT NOT NULL,
	subject       TEXT NOT NULL,
	user_id       TEXT NOT NULL,
	email         TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	last_login_at INTEGER NOT NULL,
	PRIMARY KEY (idp, subject)
);
CREATE INDEX federated_identities_user ON federated_identities (user_id);

-- A user's groups as each provider last stated them.
CREATE TABLE user_groups (
	user_id    TEXT NOT NULL,
	idp        TEXT NOT NULL,
	group_name TEXT NOT NULL,
	PRIMARY KEY (user_id, idp, group_name)
);
CREATE INDEX user_groups_group ON user_groups (group_name);

CREATE TABLE group_rules (
	group_name TEXT NOT NULL,
	account_id TEXT NOT NULL,
	role_name  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (group_name, account_id, role_name)
);

-- Pending upstream logins, by the digest of their state; used once.
CREATE TABLE upstream_logins (
	digest      BLOB PRIMARY KEY,
	idp         TEXT NOT NULL,
	binding     BLOB NOT NULL,
	return_to   TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
);
CREATE INDEX upstream_logins_expires ON upstream_logins (expires_at);
