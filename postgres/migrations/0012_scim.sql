-- SCIM 2.0 provisioning: bearer tokens (by keyed digest only), the SCIM
-- attributes of provisioned users (the users row holds name, display name
-- and active) and provisioned groups. Group memberships are user_groups
-- rows under the source 'scim:<tenant>', so group_rules apply to them.
CREATE TABLE scim_tokens (
	id         TEXT PRIMARY KEY,
	digest     BYTEA NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	tenant     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL
);

CREATE TABLE scim_users (
	id          TEXT PRIMARY KEY,
	tenant      TEXT NOT NULL,
	user_id     TEXT NOT NULL UNIQUE,
	external_id TEXT NOT NULL,
	email       TEXT NOT NULL,
	given_name  TEXT NOT NULL,
	family_name TEXT NOT NULL,
	-- version counts the writes: a write based on an older read is refused.
	version     BIGINT NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_users_external ON scim_users (tenant, external_id) WHERE external_id <> '';
CREATE INDEX scim_users_tenant ON scim_users (tenant, created_at);

CREATE TABLE scim_groups (
	id           TEXT PRIMARY KEY,
	tenant       TEXT NOT NULL,
	display_name TEXT NOT NULL,
	external_id  TEXT NOT NULL,
	version      BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	UNIQUE (tenant, display_name)
);
