package awscli_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
	"github.com/spf13/cobra"
)

// signetMain stands in for the real binary's main: a root command with the
// awscli commands added, as cmd/signet does.
func signetMain() {
	env := awscli.Env{
		Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		HTTPClient: &http.Client{}, Clock: signet.SystemClock{}, Rand: rand.Reader,
		// The test "browser" follows the authorize redirect to the loopback
		// listener, as a user's browser would.
		OpenBrowser: func(u string) error {
			if os.Getenv("TEST_BROWSER") != "follow" {
				return nil
			}
			go func() {
				resp, err := http.Get(u)
				if err == nil {
					resp.Body.Close()
				}
			}()
			return nil
		},
		Sleep: func(ctx context.Context, d time.Duration) error { return nil },
	}
	root := &cobra.Command{Use: "signet", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(awscli.Commands(env)...)
	err := root.Execute()
	if err != nil && awscli.ExitCode(err) == awscli.ExitUsage {
		var ee *awscli.ExitError
		if !asExit(err, &ee) {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(awscli.ExitCode(err))
}

func asExit(err error, target **awscli.ExitError) bool {
	e, ok := err.(*awscli.ExitError)
	if ok {
		*target = e
	}
	return ok
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"signet": signetMain})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			f := newFakeServer()
			e.Defer(f.Close)
			e.Setenv("SIGNET_URL", f.URL)
			// A -race binary sleeps a second at exit by default; scripts run
			// it many times.
			e.Setenv("GORACE", "atexit_sleep_ms=0")
			e.Setenv("HOME", e.WorkDir+"/home")
			e.Setenv("AWS_CONFIG_FILE", e.WorkDir+"/home/.aws/config")
			e.Setenv("AWS_SHARED_CREDENTIALS_FILE", e.WorkDir+"/home/.aws/credentials")
			e.Values["fake"] = f
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// lastreq prints the last request the fake server received.
			"lastreq": func(ts *testscript.TestScript, neg bool, args []string) {
				f := ts.Value("fake").(*fakeServer)
				fmt.Fprint(ts.Stdout(), f.lastRequest())
			},
		},
	})
}
