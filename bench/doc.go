// Package bench is `signet bench`: a load generator that drives real flows
// over HTTP against a running signet (or one it starts itself on a
// temporary SQLite file or a given PostgreSQL database) and reports
// throughput, latency percentiles, errors by type, the ratio to a bare
// net/http ceiling measured in the same run, and the server's CPU time and
// store operations per request read from its /metrics.
//
// The command tree is built by Command; the production binary mounts it
// with one line in cmd/signet's root command:
//
//	root.AddCommand(bench.Command(bench.Env{Stdout: a.stdout, Stderr: a.stderr, Getenv: a.getenv, Rand: a.rand, Clock: a.clock}))
//
// Every scenario prepares its clients, users and sessions through the same
// public APIs a real client uses (and the server's --dev-auto-approve for
// the browser steps) before its measured loop starts; the loop itself is
// bounded by --requests and --duration. The loop is closed (drive: a
// worker's next iteration follows its last answer), or open at a fixed
// arrival rate with --rate and --half-peak (driveRate: latency from each
// iteration's due time). A server the command starts gets the
// client-credentials scenario's confidential client from `signet admin
// client create` before it starts. Only loopback targets are accepted
// unless --allow-remote says otherwise: a load generator pointed at someone
// else's server by a typo is an attack.
//
// `signet bench seed` writes filler sessions straight into a store so the
// refresh scenarios can be measured with millions of live sessions present;
// those rows carry random digests whose secrets never existed, so they
// grant nothing.
//
// The method and the measured numbers are in docs/performance.md.
package bench
