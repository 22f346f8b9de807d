package bench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/mototest"
	"github.com/signet-auth/signet/internal/pgtest"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/postgres"
)

// TestSmokeRoleCredentialsSTS runs role-credentials-sts for a few requests
// against an in-process signet whose assignments are bound to roles of
// moto's STS: its baseline sts-direct runs first, both without errors,
// and the report carries what signet adds. Without a binding the scenario
// is skipped, saying the credentials were not the STS's.
func TestSmokeRoleCredentialsSTS(t *testing.T) {
	motoURL := mototest.Start(t)
	bound := testenv.New(t, testenv.Options{DevAutoApprove: true, IAM: &iamrole.Config{Endpoint: motoURL, Region: benchRegion}})
	for _, a := range testenv.UserAssignments() {
		if err := bound.Stores.RoleBindings.SetRoleBinding(context.Background(), signet.RoleBinding{
			AccountID: a.AccountID, RoleName: a.RoleName, RoleARN: "arn:aws:iam::" + a.AccountID + ":role/" + a.RoleName,
			CreatedAt: bound.Clock.Now(), UpdatedAt: bound.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	rep, _ := runBench(t, testEnv(nil, nil), "--target", bound.URL, "--aws-sts-endpoint", motoURL,
		"--scenario", "role-credentials-sts", "--requests", "20", "--duration", "0", "--concurrency", "2")
	if len(rep.Scenarios) != 2 || rep.Scenarios[0].Name != "sts-direct" || rep.Scenarios[1].Name != "role-credentials-sts" {
		t.Fatalf("scenarios %+v, want sts-direct then role-credentials-sts", rep.Scenarios)
	}
	for _, s := range rep.Scenarios {
		switch {
		case s.Skipped != "":
			t.Errorf("%s skipped: %s", s.Name, s.Skipped)
		case s.Iterations != 20 || s.LatencyMS.Max <= 0:
			t.Errorf("%s: %d iterations, latency %+v", s.Name, s.Iterations, s.LatencyMS)
		case len(s.Errors) > 0:
			t.Errorf("%s errors: %v", s.Name, s.Errors)
		}
	}
	a := rep.AddedBySignet
	if a == nil || a.Scenario != "role-credentials-sts" || a.Baseline != "sts-direct" {
		t.Fatalf("added latency %+v", a)
	}
	via, direct := rep.Scenarios[1].LatencyMS, rep.Scenarios[0].LatencyMS
	if a.P50MS != via.P50-direct.P50 || a.P99MS != via.P99-direct.P99 {
		t.Errorf("added latency %+v is not the difference of %+v and %+v", a, via, direct)
	}

	// Local credentials are not the STS's: the scenario says so.
	local := testenv.New(t, testenv.Options{DevAutoApprove: true, IAM: &iamrole.Config{Endpoint: motoURL, Region: benchRegion}})
	rep, _ = runBench(t, testEnv(nil, nil), "--target", local.URL, "--aws-sts-endpoint", motoURL,
		"--scenario", "role-credentials-sts", "--requests", "5", "--duration", "0", "--concurrency", "1")
	if s := rep.Scenarios[1]; !strings.Contains(s.Skipped, "did not return credentials of the STS") {
		t.Errorf("unbound role-credentials-sts: %+v", s)
	}
	if rep.AddedBySignet != nil {
		t.Errorf("added latency without role-credentials-sts: %+v", rep.AddedBySignet)
	}

	// Against a target, without an STS to compare with, both say what
	// they need.
	rep, _ = runBench(t, testEnv(nil, nil), "--target", local.URL, "--scenario", "role-credentials-sts", "--requests", "5", "--duration", "0")
	for _, s := range rep.Scenarios {
		if !strings.Contains(s.Skipped, "--aws-sts-endpoint") {
			t.Errorf("%s without an STS: %+v", s.Name, s)
		}
	}
}

// TestSmokeStartedServerRoleCredentialsSTS: without --target and
// --aws-sts-endpoint, the command starts moto's server and a signet whose
// dev assignment it binds to a role there, and both STS scenarios run
// without errors.
func TestSmokeStartedServerRoleCredentialsSTS(t *testing.T) {
	mototest.Start(t) // skips (or fails under CI) without moto
	bin := buildSignet(t)
	rep, stderr := benchStarted(t, bin, "--scenario", "role-credentials-sts",
		"--requests", "10", "--duration", "0", "--concurrency", "1")
	ranClean(t, rep, "sts-direct")
	ranClean(t, rep, "role-credentials-sts")
	if rep.AddedBySignet == nil || !strings.Contains(stderr, "moto's server (STS) at ") {
		t.Errorf("added latency %+v; stderr:\n%s", rep.AddedBySignet, stderr)
	}
}

// TestSmokeStartedServerRoleCredentialsSTSPostgres: on a database that
// outlives the run, the binding the command made is gone when the server
// stops, and a binding an operator made is never overwritten.
func TestSmokeStartedServerRoleCredentialsSTSPostgres(t *testing.T) {
	dsn := pgtest.SchemaURL(t, "bench_sts_")
	motoURL := mototest.Start(t)
	bin := buildSignet(t)
	args := []string{"--database-url", dsn, "--aws-sts-endpoint", motoURL, "--scenario", "role-credentials-sts",
		"--requests", "5", "--duration", "0", "--concurrency", "1"}
	// Both runs open the database with one master key, as an operator's
	// runs would.
	masterKey := strings.Repeat("0f", keyring.MasterKeySize)
	env := func(out, errw *bytes.Buffer) Env {
		e := testEnv(out, errw)
		e.Executable = func() (string, error) { return bin, nil }
		e.Getenv = func(k string) string {
			if k == keyring.MasterKeyEnv {
				return masterKey
			}
			return ""
		}
		return e
	}
	rep, _ := runBench(t, env(nil, nil), args...)
	ranClean(t, rep, "role-credentials-sts")
	db, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rb := db.Stores().RoleBindings
	if _, err := rb.GetRoleBinding(t.Context(), devAccount, devRole); !errors.Is(err, signet.ErrNotFound) {
		t.Fatalf("the run's binding left behind: %v", err)
	}

	mine := signet.RoleBinding{AccountID: devAccount, RoleName: devRole, RoleARN: "arn:aws:iam::" + devAccount + ":role/Operator",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := rb.SetRoleBinding(t.Context(), mine); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	cmd := Command(env(&out, &errw))
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errw)
	if err := cmd.ExecuteContext(t.Context()); err == nil || !strings.Contains(err.Error(), "already binds") {
		t.Fatalf("a run over an operator's binding: %v", err)
	}
	if got, err := rb.GetRoleBinding(t.Context(), devAccount, devRole); err != nil || got.RoleARN != mine.RoleARN {
		t.Fatalf("the operator's binding is now %+v, %v", got, err)
	}
}
