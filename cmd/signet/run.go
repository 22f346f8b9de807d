package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
	"github.com/signet-auth/signet/bench"
)

// cli is the outside world as the commands see it.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	rand   io.Reader
	clock  signet.Clock
}

// run executes the command line args (without the program name) and
// returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, rand: rand.Reader, clock: signet.SystemClock{}}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var exit *awscli.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		// The client commands have printed the AWS CLI's own message and
		// chosen the AWS CLI's exit code.
		return exit.Code
	}
	fmt.Fprintln(stderr, "signet:", err)
	var usage *usageError
	if errors.As(err, &usage) {
		// What the AWS CLI answers for a command line it cannot parse.
		return awscli.ExitUsage
	}
	return 1
}

// usageError marks a command line cobra could not parse (unknown flag,
// missing flag value).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// openBrowser opens url with the desktop's opener, as aws sso login does;
// where there is none, the login commands print the URL instead.
func openBrowser(url string) error {
	openers := []string{"xdg-open", "wslview"}
	if runtime.GOOS == "darwin" {
		openers = []string{"open"} // on Linux, open(1) is openvt
	}
	for _, opener := range openers {
		if path, err := exec.LookPath(opener); err == nil {
			return exec.Command(path, url).Start()
		}
	}
	return errors.New("no browser opener found")
}

// rootCmd builds the command tree: the server's own commands, then one
// AWS-CLI-style client command per service (signet sso-oidc create-token
// ...). A new group is one more AddCommand.
func (a *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "signet",
		Short:         "signet: a self-hosted OAuth 2.0 token service that speaks AWS's sign-in token APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(a.serveCmd(), a.adminCmd(), a.versionCmd(), a.awsCmd(), a.healthcheckCmd())
	cli := awscli.Env{
		Getenv: a.getenv, Stdin: a.stdin, Stdout: a.stdout, Stderr: a.stderr,
		HTTPClient: http.DefaultClient, Clock: a.clock, Rand: a.rand,
		OpenBrowser: openBrowser,
	}
	root.AddCommand(awscli.Commands(cli)...)
	root.AddCommand(awscli.LoginCommands(cli)...)
	root.AddCommand(awscli.ConfigureCommands(cli)...)
	root.AddCommand(bench.Command(bench.Env{Stdout: a.stdout, Stderr: a.stderr, Getenv: a.getenv, Rand: a.rand, Clock: a.clock}))
	return root
}
