package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/pgtest"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/sqlite"
)

func testEnv(out, errw *bytes.Buffer) Env {
	return Env{Stdout: out, Stderr: errw, Getenv: func(string) string { return "" }, Rand: rand.Reader, Clock: signet.SystemClock{},
		Executable: func() (string, error) { panic("the smoke test gives --target; nothing may be started") }}
}

// TestSmoke runs short scenarios through the command against an
// in-process server, the way an operator would against a running signet,
// and checks the JSON report: every scenario ran (or says why not), with
// no errors, and the ratios to the ceiling are there.
func TestSmoke(t *testing.T) {
	rep := benchTarget(t, "--scenario", "ceiling,sso-refresh,sso-authcode,sso-device,sigv4,signin-refresh,client-credentials",
		"--duration", "1s", "--requests", "200", "--concurrency", "2")
	got := map[string]Result{}
	for _, s := range rep.Scenarios {
		got[s.Name] = s
	}
	for _, name := range []string{"ceiling", "sso-refresh", "sso-authcode", "sso-device", "sigv4"} {
		s := got[name]
		switch {
		case s.Skipped != "":
			t.Errorf("%s skipped: %s", name, s.Skipped)
		case s.Iterations == 0 || s.PerSecond <= 0 || s.LatencyMS.Max <= 0:
			t.Errorf("%s measured nothing: %+v", name, s)
		case len(s.Errors) > 0:
			t.Errorf("%s errors: %v", name, s.Errors)
		case s.RatioToCeiling == nil:
			t.Errorf("%s has no ratio to the ceiling", name)
		case s.Iterations > 200:
			t.Errorf("%s ran %d iterations past --requests 200", name, s.Iterations)
		}
	}
	// Flows are two requests per iteration, refreshes one; the steps the
	// deadline cut short (at most one per worker) sent requests too.
	for name, per := range map[string]int64{"sso-authcode": 2, "sso-refresh": 1} {
		if s := got[name]; s.HTTPRequests < per*s.Iterations || s.HTTPRequests > per*(s.Iterations+2) {
			t.Errorf("%s: %d requests for %d iterations", name, s.HTTPRequests, s.Iterations)
		}
	}
	// The test server is the real assembly, /metrics included: the store
	// figures come from it; it registers no process collector, so the
	// process figures are null, not zero.
	if s := got["sso-refresh"]; s.StoreOps == nil || *s.StoreOps <= 0 || s.StoreStatements == nil || s.ServerCPUMS != nil {
		t.Errorf("figures from /metrics: %+v", s)
	}
	// Without the client it needs, client-credentials says so.
	if got["client-credentials"].Skipped == "" {
		t.Errorf("client-credentials ran without a client: %+v", got["client-credentials"])
	}
	if _, ok := got["signin-refresh"]; !ok {
		t.Error("signin-refresh missing from the report")
	}
}

// runBench runs the command in env with args and decodes its JSON
// report; it returns what the command wrote to stderr too.
func runBench(t *testing.T, env Env, args ...string) (Report, string) {
	t.Helper()
	var out, errw bytes.Buffer
	env.Stdout, env.Stderr = &out, &errw
	cmd := Command(env)
	cmd.SetArgs(append(args, "--json", "-", "--progress=false"))
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("bench: %v\n%s", err, errw.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	return rep, errw.String()
}

// benchTarget runs the command against an in-process server.
func benchTarget(t *testing.T, args ...string) Report {
	t.Helper()
	env := testenv.New(t, testenv.Options{DevAutoApprove: true})
	rep, _ := runBench(t, testEnv(nil, nil), append([]string{"--target", env.URL}, args...)...)
	return rep
}

// checkOpenLoop fails the test unless r is an open-loop run at rate that
// accounted for every iteration due in d: each was run or dropped.
func checkOpenLoop(t *testing.T, r Result, rate float64, d time.Duration) {
	t.Helper()
	o := r.OpenLoop
	switch {
	case r.Skipped != "":
		t.Errorf("%s skipped: %s", r.Name, r.Skipped)
	case o == nil:
		t.Errorf("%s did not run open loop: %+v", r.Name, r)
	case o.Rate != rate:
		t.Errorf("%s ran at %v/s, want %v", r.Name, o.Rate, rate)
	case o.Scheduled != (schedule{rate: rate}).dueBefore(time.Time{}.Add(d)) || r.Iterations+o.Dropped != o.Scheduled:
		t.Errorf("%s: %d due in %v at %v/s, %d run, %d dropped", r.Name, o.Scheduled, d, rate, r.Iterations, o.Dropped)
	case r.Iterations == 0 || r.LatencyMS.Max <= 0:
		t.Errorf("%s measured nothing: %+v", r.Name, r)
	case len(r.Errors) > 0:
		t.Errorf("%s errors: %v", r.Name, r.Errors)
	case r.RatioToCeiling != nil:
		t.Errorf("%s: an open-loop run has a ratio to the ceiling", r.Name)
	}
}

// TestSmokeRate runs scenarios open loop at a fixed rate: every
// iteration due in the run is accounted for, and none failed.
func TestSmokeRate(t *testing.T) {
	rep := benchTarget(t, "--scenario", "ceiling,sso-refresh,signin-refresh", "--rate", "40", "--duration", "300ms", "--concurrency", "2")
	if rep.Rate != 40 || rep.HalfPeak {
		t.Errorf("report mode: rate %v, half-peak %v", rep.Rate, rep.HalfPeak)
	}
	for _, s := range rep.Scenarios {
		checkOpenLoop(t, s, 40, 300*time.Millisecond)
		if s.HalfPeak != nil {
			t.Errorf("%s has a half-peak row without --half-peak", s.Name)
		}
	}
}

// TestSmokeHalfPeak measures each scenario's peak, then runs it open loop
// at exactly half of it, and reports both rows in the JSON, the table and
// the plot.
func TestSmokeHalfPeak(t *testing.T) {
	rep := benchTarget(t, "--scenario", "ceiling,sso-refresh", "--half-peak", "--duration", "300ms", "--concurrency", "2")
	if !rep.HalfPeak || len(rep.Scenarios) != 2 {
		t.Fatalf("report: half-peak %v, %d scenarios", rep.HalfPeak, len(rep.Scenarios))
	}
	for _, s := range rep.Scenarios {
		if s.OpenLoop != nil || s.PerSecond <= 0 || len(s.Errors) > 0 || s.RatioToCeiling == nil {
			t.Errorf("%s peak row: %+v", s.Name, s)
		}
		if s.HalfPeak == nil {
			t.Errorf("%s has no half-peak row", s.Name)
			continue
		}
		checkOpenLoop(t, *s.HalfPeak, s.PerSecond/2, 300*time.Millisecond)
	}
	var table, svg bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WritePlot(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sso-refresh @half-peak", "offered/s", "half the measured peak"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if !strings.Contains(svg.String(), "sso-refresh @half-peak") {
		t.Error("plot lacks the half-peak row")
	}
}

// buildSignet builds the signet binary the started-server tests run as
// the server and as `signet admin` (the build cache makes repeats cheap).
func buildSignet(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building signet needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "signet")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/signet-auth/signet/cmd/signet").CombinedOutput()
	if err != nil {
		t.Fatalf("building signet: %v\n%s", err, out)
	}
	return bin
}

// benchStarted runs the command without --target, so that it starts bin
// as its server, and returns the report and what it wrote to stderr.
func benchStarted(t *testing.T, bin string, args ...string) (Report, string) {
	t.Helper()
	env := testEnv(nil, nil)
	env.Executable = func() (string, error) { return bin, nil }
	return runBench(t, env, args...)
}

// ranClean fails the test unless the scenario ran and every iteration
// succeeded.
func ranClean(t *testing.T, rep Report, name string) Result {
	t.Helper()
	for _, s := range rep.Scenarios {
		if s.Name != name {
			continue
		}
		switch {
		case s.Skipped != "":
			t.Errorf("%s skipped: %s", name, s.Skipped)
		case s.Iterations == 0 || s.PerSecond <= 0 || s.LatencyMS.Max <= 0:
			t.Errorf("%s measured nothing: %+v", name, s)
		case len(s.Errors) > 0:
			t.Errorf("%s errors: %v", name, s.Errors)
		}
		return s
	}
	t.Fatalf("%s missing from the report", name)
	return Result{}
}

// TestSmokeStartedServerClientCredentials: without --target and
// --client-id, the command creates the confidential client itself with
// the binary's `signet admin client create` before it starts the server,
// and client-credentials runs against it with no errors. The secret is
// used, never shown.
func TestSmokeStartedServerClientCredentials(t *testing.T) {
	bin := buildSignet(t)
	rep, stderr := benchStarted(t, bin, "--scenario", "client-credentials",
		"--duration", "1s", "--requests", "200", "--concurrency", "2")
	s := ranClean(t, rep, "client-credentials")
	if !strings.HasPrefix(rep.Backend, "sqlite") {
		t.Errorf("backend %q, want the SQLite server the command started", rep.Backend)
	}
	// The started server exports /metrics: the figures are there.
	if s.ServerCPUMS == nil {
		t.Errorf("no CPU figure from the started server: %+v", s)
	}
	if !strings.Contains(stderr, "created client-credentials client ") {
		t.Errorf("stderr does not name the created client:\n%s", stderr)
	}
	if strings.Contains(stderr, "scs_") {
		t.Errorf("stderr shows a client secret:\n%s", stderr)
	}
}

// TestSmokeStartedServerClientCredentialsPostgres: on a database that
// outlives the run, the created client is deleted when the server stops.
func TestSmokeStartedServerClientCredentialsPostgres(t *testing.T) {
	dsn := pgtest.SchemaURL(t, "bench_cc_")
	bin := buildSignet(t)
	rep, _ := benchStarted(t, bin, "--database-url", dsn, "--scenario", "client-credentials",
		"--duration", "300ms", "--requests", "100", "--concurrency", "2")
	ranClean(t, rep, "client-credentials")
	if !strings.HasPrefix(rep.Backend, "postgres") {
		t.Errorf("backend %q, want the PostgreSQL server the command started", rep.Backend)
	}
	db, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clients, err := db.Stores().Clients.ListClients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if c.Name == ccClientName {
			t.Errorf("client %s (%s) left behind", c.ID, c.Name)
		}
	}
}

// TestSeedSQLite seeds a data directory and reads the sessions back
// through the store: live, unexpired, and not reachable by any token a
// client could present.
func TestSeedSQLite(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	s := &seeder{rand: rand.Reader, now: now, life: time.Hour}
	var last int64
	if err := seed(t.Context(), seedOptions{Sessions: 1234, DataDir: dir, Batch: 1000}, s, func(d int64) { last = d }); err != nil {
		t.Fatal(err)
	}
	if last != 1234 {
		t.Errorf("progress ended at %d", last)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.Stores().Grants.ListSessions(t.Context(), signet.SessionFilter{ClientID: seedClientID, LiveOnly: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1234 {
		t.Fatalf("%d live seeded sessions, want 1234", len(list))
	}
	if _, _, err := db.Stores().Grants.LookupRefresh(t.Context(), signet.Digest{}); err == nil {
		t.Error("the zero digest found a seeded generation")
	}
}

func TestSeedRefusesNothing(t *testing.T) {
	s := &seeder{rand: rand.Reader, now: time.Now(), life: time.Hour}
	if err := seed(t.Context(), seedOptions{Sessions: 0, DataDir: t.TempDir()}, s, func(int64) {}); err == nil {
		t.Error("seeded zero sessions without complaint")
	}
	if err := seed(t.Context(), seedOptions{Sessions: 1}, s, func(int64) {}); err == nil {
		t.Error("seeded without a store")
	}
}
