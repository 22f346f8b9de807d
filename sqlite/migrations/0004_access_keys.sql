-- Long-term AWS access keys (AKIA…) of service principals. The secret
-- access key is sealed with the server's AEAD key, bound to the key id; the
-- plain secret is shown once, at creation.
CREATE TABLE access_keys (
	id            TEXT PRIMARY KEY,
	principal_arn TEXT NOT NULL,
	sealed_secret BLOB NOT NULL,
	created_at    INTEGER NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_keys_principal ON access_keys (principal_arn, created_at);
