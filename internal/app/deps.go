package app

import (
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/ratelimit"
)

// Deps are the outside world and the few things a configuration file cannot
// say. The zero value of every field but Registry has a production default.
type Deps struct {
	Clock  signet.Clock        // nil: signet.SystemClock
	Rand   io.Reader           // nil: crypto/rand.Reader
	Log    *slog.Logger        // nil: discarded; wrap with httpserver.LogHandler for request ids
	Getenv func(string) string // nil: os.Getenv
	// Registry receives the server's metrics; nil: a fresh registry. Core
	// callers leave Observer nil for untimed stores.
	Registry *prometheus.Registry
	Observer *httpserver.Observer
	// FailPoints are the crash test's armed points; nil: none.
	FailPoints *failpoint.Points
	// Passwords are the argon2id parameters; nil: password.DefaultParams.
	Passwords *password.Params

	// What only tests vary.

	// DevUserName is the user --dev-auto-approve approves for; "": "dev".
	DevUserName string
	// BrokerRootCAs, if set, are the roots the broker trusts upstream.
	BrokerRootCAs *x509.CertPool
	// NoRateLimits turns the limiter off (no limit on any surface).
	NoRateLimits bool
	// RatePolicy replaces the configured policy, for tests that exercise
	// one limit with the others off (which the configuration refuses for
	// the limits on guessing).
	RatePolicy *ratelimit.Policy
	// RateLimitStore replaces the store's shared counters (a store that is
	// down, in tests).
	RateLimitStore signet.RateLimitStore
	// IAM replaces the STS settings of real AWS credentials (a fake STS
	// in tests); Issuer, Signer, Clock, Rand and an unset Log are filled
	// in as for the configured ones.
	IAM *iamrole.Config
	// SignInLimiter replaces the limiter's Sign-In budget.
	SignInLimiter signin.Limiter
	// TracerProvider receives the traces instead of --otlp-endpoint's
	// exporter (an in-memory one in tests); nil: that exporter, if set.
	TracerProvider trace.TracerProvider
}

// DevUserName is the user --dev creates.
const DevUserName = "dev"

func (d Deps) withDefaults() Deps {
	if d.Clock == nil {
		d.Clock = signet.SystemClock{}
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	d.Log = signet.LoggerOr(d.Log)
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	if d.Passwords == nil {
		p := password.DefaultParams()
		d.Passwords = &p
	}
	if d.DevUserName == "" {
		d.DevUserName = DevUserName
	}
	return d
}
