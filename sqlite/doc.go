// Package sqlite is signet's embedded storage backend: every store interface
// of package signet over one SQLite file, through the pure-Go driver
// modernc.org/sqlite (so CGO_ENABLED=0 builds work).
//
// The file runs in WAL mode with synchronous=NORMAL. All writes go through
// one connection and start with BEGIN IMMEDIATE, so a write transaction holds
// the database's write lock from its first statement: write transactions
// never deadlock or fail to upgrade a read lock, and every single-use
// decision (a code, a device code, a refresh token) sees the latest commit,
// also when several processes share the file. Reads use a separate pool of
// query_only connections and never wait for writers.
//
// Write transactions that queue up behind a commit are group-committed: the
// writer runs them in order in one SQLite transaction, each inside its own
// SAVEPOINT (so each stays all-or-nothing), commits once, and only then
// answers them (writer.go).
//
// Times are stored as unix milliseconds, digests as BLOBs and lists as JSON;
// the schema is in migrations/, applied and recorded at Open. See
// docs/design.md, "Storage".
package sqlite
