package bench

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
)

// Defaults of the measured loop: long enough for a stable median on a
// quiet machine, short enough to run every scenario in a few minutes.
const (
	DefaultDuration    = 10 * time.Second
	DefaultConcurrency = 16
	DefaultTimeout     = 10 * time.Second
)

// clientSecretEnv carries the client-credentials secret, so that it never
// shows in a process list.
const clientSecretEnv = "SIGNET_BENCH_CLIENT_SECRET"

// Command returns `signet bench` and its `seed` subcommand. cmd/signet
// adds it to the root command:
//
//	root.AddCommand(bench.Command(bench.Env{Stdout: a.stdout, Stderr: a.stderr, Getenv: a.getenv, Rand: a.rand, Clock: a.clock}))
func Command(env Env) *cobra.Command {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Rand == nil {
		env.Rand = rand.Reader
	}
	if env.Clock == nil {
		env.Clock = signet.SystemClock{}
	}
	if env.Executable == nil {
		env.Executable = os.Executable
	}
	o := runOptions{
		Limits: Limits{Duration: DefaultDuration, Concurrency: DefaultConcurrency},
		Runs:   1, Timeout: DefaultTimeout, Progress: true,
		Soak: soakOptions{Interval: DefaultSoakInterval, PeakProbe: DefaultPeakProbe},
	}
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Load-test signet with real flows and report throughput and latency",
		Long: `Drive real flows over HTTP against a signet and report, per scenario:
iterations/s, HTTP requests/s, p50/p90/p99/max latency, errors by type, the
ratio to the "ceiling" scenario (a bare net/http JSON handler in this process,
measuring the machine in the same run), and the server's CPU-ms, store
operations and RSS from its /metrics.

By default each scenario runs closed loop: --concurrency workers, each
sending its next iteration when the previous one answered; that measures
the peak. With --rate R each scenario runs open loop instead: iterations
are due at R per second whatever the server does, latency is measured from
the time each was due, --concurrency caps the iterations in flight, and
the report counts iterations that started late (every worker busy) or were
dropped (never sent before the end). --half-peak measures the peak of each
scenario, then runs it open loop at half that rate, and reports both.

Without --target, a server is started: this binary's "serve --dev
--dev-auto-approve" on a temporary SQLite file, or on --database-url, with
a confidential client for client-credentials created first by "signet
admin client create" (against --target, give --client-id).
Only loopback targets are accepted unless --allow-remote.

role-credentials-sts measures GetRoleCredentials for an assignment backed
by an IAM role: each step is a web identity token and one STS
AssumeRoleWithWebIdentity. It runs after sts-direct, the same STS call sent
straight to the STS, and the report states what signet adds: the
differences of their p50s and of their p99s. The STS is --aws-sts-endpoint,
or moto's server (python3 -m moto.server) started for the run; a server
this command starts gets that STS and a binding of its dev assignment
(000000000000/Developer) to ` + benchRoleARN + `.

With --soak DURATION, the scenarios of --mix run round-robin at a fixed
open-loop --rate (0: half the peak of the mix, measured first for
--peak-probe) for DURATION, with a sample every --interval: iterations,
errors by type, p50/p99, and the server's RSS, goroutines and open files.

Scenarios: ` + strings.Join(scenarioNames(), ", ") + `, or all.
The method and the measured numbers: docs/performance.md.`,
		Example: `  signet bench --scenario ceiling,sso-refresh --duration 10s --runs 5
  signet bench --scenario all --json results.json --plot results.svg
  signet bench --target http://127.0.0.1:8080 --scenario sso-authcode --requests 10000
  signet bench --scenario sso-refresh,signin-refresh --half-peak --duration 10s
  signet bench --scenario sso-refresh --rate 2000 --concurrency 64
  signet bench --soak 30m --interval 10s --json soak.json --plot soak.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.ClientSecret = env.Getenv(clientSecretEnv)
			r := &runner{env: env, opts: o}
			if o.Soak.Duration > 0 {
				rep, err := r.soak(cmd.Context())
				if rep != nil {
					if werr := r.writeSoakOutputs(rep); err == nil {
						err = werr
					}
				}
				return err
			}
			rep, err := r.run(cmd.Context())
			if err != nil {
				return err
			}
			return r.writeOutputs(rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "base URL of a running signet (default: start one)")
	f.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a --target that is not on loopback")
	f.StringVar(&o.DatabaseURL, "database-url", "", "postgres:// URL for the server this command starts (default: temporary SQLite)")
	f.StringSliceVar(&o.ServerArgs, "server-arg", nil, "extra flag for the server this command starts (repeatable)")
	f.StringSliceVarP(&o.Scenarios, "scenario", "s", []string{"ceiling", "sso-refresh"}, "scenarios to run, in order, or all")
	f.Int64VarP(&o.Limits.Requests, "requests", "n", 0, "stop each run after this many iterations (0: only --duration)")
	f.DurationVarP(&o.Limits.Duration, "duration", "d", DefaultDuration, "stop each run after this long (0: only --requests)")
	f.IntVarP(&o.Limits.Concurrency, "concurrency", "c", DefaultConcurrency, "simulated clients running at once")
	f.IntVar(&o.Runs, "runs", 1, "runs per scenario; the report shows the median by throughput")
	f.DurationVar(&o.Timeout, "timeout", DefaultTimeout, "per-request timeout")
	f.StringVar(&o.JSONFile, "json", "", `write the report as JSON to this file ("-": to stdout instead of the table)`)
	f.StringVar(&o.PlotFile, "plot", "", "draw latency percentiles and throughput per scenario into this SVG file")
	f.BoolVar(&o.Progress, "progress", true, "show progress on stderr")
	f.StringVar(&o.ClientID, "client-id", "", "client-credentials: a confidential client with that grant (secret in "+clientSecretEnv+")")
	f.StringVar(&o.BrokerProvider, "broker-provider", "", "broker-exchange against --target: the provider whose token_url is this command's upstream")
	f.StringVar(&o.STSEndpoint, "aws-sts-endpoint", "", "sts-direct, role-credentials-sts: the STS to use (default: start moto's server; a server this command starts is given it)")
	f.StringVar(&o.UpstreamAddr, "upstream-addr", "127.0.0.1:0", "where broker-exchange's upstream token endpoint listens")
	f.DurationVar(&o.Soak.Duration, "soak", 0, "soak for this long at --rate instead of benchmarking (at most 24h)")
	f.Float64Var(&o.Rate, "rate", 0, "run each scenario open loop at this many iterations/s (0: closed loop); soak: iterations/s across the mix (0: half the measured peak)")
	f.BoolVar(&o.HalfPeak, "half-peak", false, "run each scenario closed loop, then open loop at half the peak it measured, and report both")
	f.DurationVar(&o.Soak.Interval, "interval", DefaultSoakInterval, "soak: how often to take a sample")
	f.StringSliceVar(&o.Soak.Mix, "mix", defaultSoakMix, "soak: the scenarios run in turn")
	f.DurationVar(&o.Soak.PeakProbe, "peak-probe", DefaultPeakProbe, "soak with --rate 0: how long to measure the peak of the mix")
	cmd.AddCommand(seedCommand(env))
	return cmd
}

func seedCommand(env Env) *cobra.Command {
	o := seedOptions{Lifetime: 90 * 24 * time.Hour}
	cmd := &cobra.Command{
		Use:   "seed --sessions N (--data-dir DIR | --database-url URL)",
		Short: "Bulk-create N live filler sessions, to measure at scale",
		Long: `Write N live sessions, each with a current token generation, straight into
a store: SQLite in --data-dir (the file signet serve uses) or PostgreSQL at
--database-url. Their token digests are random, so no token exists that could
use them. Run it before starting the server, or while it runs: both stores
take concurrent writers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			s := &seeder{rand: env.Rand, now: env.Clock.Now(), life: o.Lifetime}
			err := seed(cmd.Context(), o, s, func(done int64) {
				el := time.Since(start).Seconds()
				fmt.Fprintf(env.Stderr, "\r%d/%d sessions  %.0f/s ", done, o.Sessions, float64(done)/max(el, 1e-9))
			})
			fmt.Fprintln(env.Stderr)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "seeded %d sessions in %s\n", o.Sessions, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.Sessions, "sessions", 0, "how many sessions to create")
	f.StringVar(&o.DataDir, "data-dir", "", "SQLite: the server's data directory")
	f.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL: postgres:// URL")
	f.IntVar(&o.Batch, "batch", 0, "sessions per transaction (default 250000 on SQLite, 10000 on PostgreSQL)")
	f.IntVar(&o.CacheMiB, "cache-mib", 0, "SQLite: the seeding connection's page cache in MiB, an upper bound (default 6144)")
	f.DurationVar(&o.Lifetime, "lifetime", o.Lifetime, "how long the seeded sessions stay live")
	cmd.MarkFlagRequired("sessions")
	return cmd
}
