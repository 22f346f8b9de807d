package awscli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/signet-auth/signet"
)

// Env is everything the commands take from the process: no command reads
// the environment, the clock or the terminal any other way.
type Env struct {
	Getenv     func(string) string
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	HTTPClient *http.Client
	Clock      signet.Clock
	// Rand is the source of the PKCE verifier and state of "sso login".
	Rand io.Reader
	// OpenBrowser opens a URL for "sso login"; nil means "print it only".
	OpenBrowser func(url string) error
	// Sleep waits between device-flow polls; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (e Env) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (e Env) now() time.Time {
	if e.Clock != nil {
		return e.Clock.Now()
	}
	return time.Now()
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// Exit codes, as the AWS CLI v2 documents them.
const (
	ExitOK      = 0
	ExitUsage   = 252 // command line or parameter error, no request sent
	ExitConfig  = 253 // environment or configuration error
	ExitService = 254 // the service answered with an error
	ExitOther   = 255 // anything else
)

// ExitError carries the process exit code of a failed command. Its message
// has already been written to Env.Stderr.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return "exit status " + strconv.Itoa(e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode maps an error returned by the root command to the exit code the
// AWS CLI would use: 0 for nil, the carried code for an *ExitError, and 252
// for anything else cobra reports (unknown command, bad flag).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitUsage
}
