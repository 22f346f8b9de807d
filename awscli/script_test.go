package awscli_test

import (
	"context"
	"crypto/rand"
	"errors"
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
// awscli commands added and the exit code chosen as cmd/signet's run does.
// The one difference is the browser: with TEST_BROWSER=follow it is an HTTP
// client that follows the authorize URL and its redirects (to the loopback
// listener), as a person's browser would; otherwise it opens nothing.
func signetMain() {
	env := awscli.Env{
		Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		HTTPClient: &http.Client{}, Clock: signet.SystemClock{}, Rand: rand.Reader,
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
	root.AddCommand(awscli.LoginCommands(env)...)
	err := root.Execute()
	var exit *awscli.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		os.Exit(exit.Code)
	}
	fmt.Fprintln(os.Stderr, "signet:", err)
	os.Exit(1)
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"signet": signetMain})
}

// scriptEnv sets what every script's signet reads: a home of its own and
// no -race exit pause.
func scriptEnv(e *testscript.Env) {
	// A -race binary sleeps a second at exit by default; scripts run it
	// many times.
	e.Setenv("GORACE", "atexit_sleep_ms=0")
	e.Setenv("HOME", e.WorkDir+"/home")
	e.Setenv("AWS_CONFIG_FILE", e.WorkDir+"/home/.aws/config")
	e.Setenv("AWS_SHARED_CREDENTIALS_FILE", e.WorkDir+"/home/.aws/credentials")
}

// TestScripts runs testdata/script against a small fake server: the
// client's own behaviour (request shapes, paging, timeouts, debug output),
// which the real server cannot be made to show on demand.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			f := newFakeServer()
			e.Defer(f.Close)
			e.Setenv("SIGNET_URL", f.URL)
			scriptEnv(e)
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
