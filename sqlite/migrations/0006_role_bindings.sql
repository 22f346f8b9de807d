-- Real IAM roles behind (account, role) assignments: credentials for a
-- bound pair come from STS AssumeRoleWithWebIdentity on role_arn, with a
-- web identity token signet signs. A pair without a row keeps local
-- credentials. max_duration_seconds 0: the operator's default.
CREATE TABLE role_bindings (
	account_id           TEXT NOT NULL,
	role_name            TEXT NOT NULL,
	role_arn             TEXT NOT NULL,
	max_duration_seconds INTEGER NOT NULL DEFAULT 0,
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL,
	PRIMARY KEY (account_id, role_name)
);
