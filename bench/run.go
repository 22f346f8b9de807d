package bench

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/keyring"
)

// runOptions are the flags of `signet bench`.
type runOptions struct {
	Target      string // empty: start a server
	AllowRemote bool
	DatabaseURL string // for a started server: PostgreSQL instead of SQLite
	Scenarios   []string
	Limits      Limits
	Runs        int
	Timeout     time.Duration
	JSONFile    string // "-": stdout instead of the table
	PlotFile    string
	Progress    bool
	ServerArgs  []string // extra flags for a started server

	ClientID       string // client-credentials
	ClientSecret   string
	BrokerProvider string // broker-exchange against an external target
	UpstreamAddr   string // where the broker's upstream listens
	// STSEndpoint is the STS of sts-direct and role-credentials-sts;
	// empty: moto's server, started by this tool with the server.
	STSEndpoint string

	// Rate, if positive, runs every scenario open loop at this many
	// iterations/s instead of closed loop; with --soak it is the soak's
	// rate across the mix.
	Rate float64
	// HalfPeak runs every scenario closed loop, then open loop at half
	// the throughput it measured.
	HalfPeak bool

	Soak soakOptions // --soak: a paced soak instead of the benchmark
}

// runner carries what a run needs from the outside.
type runner struct {
	env  Env
	opts runOptions
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	o := r.opts
	if o.Limits.Requests <= 0 && o.Limits.Duration <= 0 {
		return nil, errUnbounded
	}
	if o.Limits.Concurrency < 1 {
		return nil, fmt.Errorf("--concurrency must be at least 1")
	}
	if o.Runs < 1 {
		return nil, fmt.Errorf("--runs must be at least 1")
	}
	if o.Rate != 0 {
		if err := checkRate(o.Rate); err != nil {
			return nil, err
		}
		if o.HalfPeak {
			return nil, fmt.Errorf("--rate and --half-peak: give one; --half-peak finds its rate itself")
		}
	}
	scs, err := findScenarios(o.Scenarios)
	if err != nil {
		return nil, err
	}

	rep := &Report{
		Started: r.env.Clock.Now().UTC(), Machine: thisMachine(), Backend: "external",
		Concurrency: o.Limits.Concurrency, Requests: o.Limits.Requests, DurationS: o.Limits.Duration.Seconds(), Runs: o.Runs,
		Rate: o.Rate, HalfPeak: o.HalfPeak,
	}
	t := &target{clock: r.env.Clock, ccID: o.ClientID, ccSecret: o.ClientSecret, broker: o.BrokerProvider}

	// The broker's upstream runs in this process whenever broker-exchange
	// is asked for: a started server is configured to use it; an external
	// one must name it (--broker-provider, --upstream-addr).
	config := ""
	for _, s := range scs {
		if s.name == "broker-exchange" && (o.Target == "" || o.BrokerProvider != "") {
			up, err := startUpstream(o.UpstreamAddr, r.env.Rand)
			if err != nil {
				return nil, err
			}
			defer up.stop()
			fmt.Fprintf(r.env.Stderr, "upstream provider at %s\n", up.url)
			if o.Target == "" {
				config, t.broker = brokerConfig(up.url), brokerProvider
			}
		}
	}

	// The STS scenarios use --aws-sts-endpoint, or, with a server this
	// tool starts, a moto server it starts too; a started server is given
	// that STS and a role binding for its dev assignment.
	if slices.ContainsFunc(scs, func(s scenario) bool { return slices.Contains(stsScenarios, s.name) }) {
		t.sts = o.STSEndpoint
		// An external target uses its own STS, which only
		// --aws-sts-endpoint can name.
		if t.sts == "" && o.Target == "" {
			m, err := startMoto(ctx)
			if err != nil {
				t.stsErr = fmt.Errorf("needs --aws-sts-endpoint, or moto's server, which did not start: %w", err)
			} else {
				defer m.stop()
				t.sts = m.url
				fmt.Fprintf(r.env.Stderr, "moto's server (STS) at %s\n", m.url)
			}
		}
	}

	base, srv, err := r.connect(ctx, config, scs, t.sts)
	if err != nil {
		return nil, err
	}
	if srv != nil {
		defer srv.stop()
		rep.Backend = srv.backend
		t.useCreatedClient(srv)
	}
	rep.Target = base

	for _, s := range scs {
		res, err := r.measureRuns(ctx, s, t, base, o.Rate, "")
		if err != nil {
			return nil, err
		}
		if o.HalfPeak && res.Skipped == "" {
			half := Result{Name: s.name, Skipped: "no iteration succeeded at the peak, so there is no rate to halve"}
			if res.PerSecond > 0 {
				if half, err = r.measureRuns(ctx, s, t, base, res.PerSecond/2, halfPeakSuffix); err != nil {
					return nil, err
				}
			}
			res.HalfPeak = &half
		}
		rep.Scenarios = append(rep.Scenarios, res)
	}
	if srv != nil {
		rep.ServerPeakRSSMiB = srv.peakRSSMiB()
	}
	rep.setRatios()
	rep.setAddedLatency()
	return rep, nil
}

// connect returns the base URL to load: --target, or a server this tool
// starts (with config, if set), which the caller stops. Either way the
// target must be on loopback unless --allow-remote. A started server gets
// the client-credentials client when scs asks for that scenario and no
// --client-id names one.
func (r *runner) connect(ctx context.Context, config string, scs []scenario, sts string) (string, *server, error) {
	o := r.opts
	base := o.Target
	var srv *server
	if base == "" {
		exe, err := r.env.Executable()
		if err != nil {
			return "", nil, fmt.Errorf("finding the signet binary to start: %w", err)
		}
		spec := serverSpec{exe: exe, databaseURL: o.DatabaseURL, config: config, extra: o.ServerArgs, warn: r.env.Stderr,
			ccClient: o.ClientID == "" && slices.ContainsFunc(scs, func(s scenario) bool { return s.name == "client-credentials" }),
			sts:      sts}
		if spec.ccClient || spec.sts != "" {
			if spec.masterKey, err = r.serverMasterKey(); err != nil {
				return "", nil, err
			}
		}
		srv, err = startServer(ctx, spec)
		if err != nil {
			return "", nil, err
		}
		base = srv.url
		fmt.Fprintf(r.env.Stderr, "started %s at %s\n", srv.backend, srv.url)
		if srv.cc != nil {
			fmt.Fprintf(r.env.Stderr, "created client-credentials client %s\n", srv.cc.id)
		}
	}
	if _, err := checkTarget(base, o.AllowRemote); err != nil {
		if srv != nil {
			srv.stop()
		}
		return "", nil, err
	}
	return base, srv, nil
}

// serverMasterKey is the master key a started server shares with the
// admin command that prepares its store: none when a --master-key-file
// among --server-arg is passed to both, else SIGNET_MASTER_KEY from the
// environment, else a new one for this run (what --dev would generate).
func (r *runner) serverMasterKey() (string, error) {
	if masterKeyFileArgs(r.opts.ServerArgs) != nil {
		return "", nil
	}
	if k := r.env.Getenv(keyring.MasterKeyEnv); k != "" {
		return k, nil
	}
	k := make([]byte, keyring.MasterKeySize)
	if _, err := io.ReadFull(r.env.Rand, k); err != nil {
		return "", err
	}
	return hex.EncodeToString(k), nil
}

// measureRuns measures a scenario --runs times (closed loop, or open loop
// at rate if it is positive) and returns the median run. label tells the
// progress line which measurement this is.
func (r *runner) measureRuns(ctx context.Context, s scenario, t *target, base string, rate float64, label string) (Result, error) {
	var runs []Result
	for i := range r.opts.Runs {
		res, err := r.measure(ctx, s, t, base, i, rate, label)
		if err != nil {
			return Result{}, err
		}
		runs = append(runs, res)
		if res.Skipped != "" {
			break
		}
	}
	return medianRun(runs), nil
}

// measure prepares and runs one scenario once: closed loop, or open loop
// at rate iterations/s if it is positive. A scenario the target cannot
// serve is returned as skipped, with the reason.
func (r *runner) measure(ctx context.Context, s scenario, shared *target, base string, run int, rate float64, label string) (Result, error) {
	o := r.opts
	res := Result{Name: s.name, Errors: map[string]int64{}}
	if s.own != nil {
		b, stop, err := s.own()
		if err != nil {
			return res, err
		}
		defer stop()
		base = b
	}
	t := *shared
	t.c = newClient(base, o.Limits.Concurrency, o.Timeout, r.env.Rand)
	defer t.c.close()

	newW, err := s.prepare(ctx, &t)
	if err != nil {
		res.Skipped = err.Error()
		return res, nil
	}
	workers := make([]Worker, o.Limits.Concurrency)
	for i := range workers {
		if workers[i], err = newW(ctx); err != nil {
			res.Skipped = fmt.Sprintf("preparing worker %d: %v", i, err)
			return res, nil
		}
	}

	var progress progressFunc
	if o.Progress {
		name := fmt.Sprintf("%s%s #%d", s.name, label, run+1)
		progress = func(done, failed int64, elapsed time.Duration) {
			perSecond := 0.0
			if elapsed > 0 {
				perSecond = float64(done) / elapsed.Seconds()
			}
			fmt.Fprintf(r.env.Stderr, "\r%-33s %9d done %7d errors %9.0f/s %6.1fs ", name, done, failed, perSecond, elapsed.Seconds())
		}
	}
	before := t.c.scrape(ctx)
	sent := t.c.count.n.Load()
	var out outcome
	if rate > 0 {
		// Steps still in flight at the end get one request timeout to
		// finish: the slowest iterations are the ones an open loop is for.
		out, err = driveRate(ctx, o.Limits, rate, o.Timeout, workers, progress, wallClock{})
	} else {
		out, err = drive(ctx, o.Limits, workers, progress)
	}
	if err != nil {
		return res, err
	}
	res.OpenLoop = out.Open
	sent = t.c.count.n.Load() - sent
	after := t.c.scrape(ctx)
	if o.Progress {
		fmt.Fprintln(r.env.Stderr)
	}

	res.Iterations, res.HTTPRequests, res.Errors = out.Iterations, sent, out.Errors
	res.DurationS = out.Elapsed.Seconds()
	if res.DurationS > 0 {
		res.PerSecond = float64(out.Iterations-out.Failed) / res.DurationS
		res.RequestsPerSecond = float64(sent) / res.DurationS
	}
	res.LatencyMS = toMS(summarize(out.Samples))
	res.ServerCPUMS = perIteration(before, after, metricCPU, 1000, out.Iterations)
	res.StoreOps = perIteration(before, after, metricStoreOps, 1, out.Iterations)
	res.StoreStatements = perIteration(before, after, metricStatements, 1, out.Iterations)
	if v, ok := after[metricRSS]; ok {
		mib := v / (1 << 20)
		res.ServerRSSMiB = &mib
	}
	return res, nil
}

// writeOutputs prints the table (or the JSON, with --json -) and writes
// the JSON and SVG files asked for.
func (r *runner) writeOutputs(rep *Report) error {
	o := r.opts
	switch o.JSONFile {
	case "-":
		if err := rep.WriteJSON(r.env.Stdout); err != nil {
			return err
		}
	default:
		if err := rep.WriteTable(r.env.Stdout); err != nil {
			return err
		}
		if o.JSONFile != "" {
			if err := writeFile(o.JSONFile, rep.WriteJSON); err != nil {
				return err
			}
		}
	}
	if o.PlotFile != "" {
		return writeFile(o.PlotFile, rep.WritePlot)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Env is the outside world as the bench commands see it.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Rand   io.Reader // PKCE verifiers, DPoP keys and jtis, seeded digests
	Clock  signet.Clock
	// Executable finds the signet binary to start as the server; nil:
	// os.Executable.
	Executable func() (string, error)
}
