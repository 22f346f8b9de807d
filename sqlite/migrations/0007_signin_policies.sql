-- The accounts' Sign-In resource-based policies (PutResourcePermissionStatement
-- and its siblings). A deleted statement stays as a tombstone (deleted_at
-- not 0) so that a retried Put or Delete with the same client token is
-- answered as the first one was. condition_key joins the conditions: two
-- live statements of an account never state the same ones.
CREATE TABLE signin_statements (
	account_id          TEXT NOT NULL,
	id                  TEXT NOT NULL,
	condition_key       TEXT NOT NULL,
	source_ip           TEXT NOT NULL DEFAULT '',
	excluded_principal  TEXT NOT NULL DEFAULT '',
	source_vpc          TEXT NOT NULL DEFAULT '',
	signin_source_vpce  TEXT NOT NULL DEFAULT '',
	console_source_vpce TEXT NOT NULL DEFAULT '',
	vpc_source_ip       TEXT NOT NULL DEFAULT '',
	requested_region    TEXT NOT NULL DEFAULT '',
	client_token        TEXT NOT NULL DEFAULT '',
	created_at          INTEGER NOT NULL,
	deleted_at          INTEGER NOT NULL DEFAULT 0,
	delete_token        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX signin_statements_token ON signin_statements (account_id, client_token) WHERE client_token <> '';
CREATE UNIQUE INDEX signin_statements_live ON signin_statements (account_id, condition_key) WHERE deleted_at = 0;
-- Tombstones are collected retention after their delete.
CREATE INDEX signin_statements_deleted ON signin_statements (deleted_at) WHERE deleted_at > 0;

-- How many live statements each account holds: one conditional upsert on
-- this row decides the quota, and serialises an account's Puts.
CREATE TABLE signin_statement_counts (
	account_id TEXT NOT NULL PRIMARY KEY,
	live       INTEGER NOT NULL
);

-- Targets (account ids) whose console authorization is on: their policy is
-- enforced at /v1/authorize and /v1/token.
CREATE TABLE console_authorizations (
	target_id  TEXT NOT NULL PRIMARY KEY,
	enabled_at INTEGER NOT NULL
);
