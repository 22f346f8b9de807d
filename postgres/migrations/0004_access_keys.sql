-- Long-term AWS access keys (AKIA…) of service principals. The secret
-- access key is sealed with the server's AEAD key, bound to the key id; the
-- plain secret is shown once, at creation.
CREATE TABLE access_keys (
	id            TEXT PRIMARY KEY,
	principal_arn TEXT NOT NULL,
	sealed_secret BYTEA NOT NULL,
	created_at    BIGINT NOT NULL,
	disabled      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX access_keys_principal ON access_keys (principal_arn, created_at);
