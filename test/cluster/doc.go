// Package cluster holds the tests that need more than one signet process
// (catalogue section 9, "Concurrency & crash safety", in
// docs/spec/security.md): three `signet serve` processes sharing one
// PostgreSQL database and one master key, driven by the real AWS SDK
// clients and plain HTTP for the pages, and one node on SQLite killed with
// SIGKILL under load and restarted on its data directory. The fail-point
// test (failpoint_test.go) kills one node, on SQLite and on PostgreSQL, at
// the named moments of a grant instead (SIGNET_FAILPOINTS, package
// internal/failpoint).
//
// The package has no code of its own. The tests build the signet binary
// once (with -race when the test binary has it, so the build cache the
// test run already filled is reused) and assert on HTTP results and on the
// database rows the nodes wrote.
//
// The PostgreSQL tests need SIGNET_TEST_POSTGRES_URL; without it they skip,
// except under CI=true, where they fail. Each run works in a fresh schema
// (the URL's search_path) that is dropped at the end. The one test that
// crashes the database (pgrestart_test.go) runs a PostgreSQL cluster of its
// own instead, so that the shared server stays up for everyone else; it
// needs the server binaries (initdb, pg_ctl, postgres; found through
// pg_config or in /usr/lib/postgresql/*/bin) and, as root, a postgres user
// to run them as, and skips or fails the same way without them.
package cluster
