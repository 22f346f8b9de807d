package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signet-auth/signet/api/oauth2"
	"github.com/signet-auth/signet/api/scim"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/ssooidc"
	"github.com/signet-auth/signet/api/ssoportal"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/api/uibuilder"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/sigv4"
	"github.com/signet-auth/signet/web"
)

// App is one assembled server: its Core, every surface and the HTTP shell
// they are mounted on.
type App struct {
	*Core
	Config config.Config

	Verifier *sigv4.Verifier
	// DPoP checks proofs for Sign-In and the standard OAuth surface.
	DPoP *dpop.Verifier

	// Roles is the portal's and Sign-In's credential source: the
	// Authority, or STS for an (account, role) with a role binding.
	Roles *iamrole.Source

	Pages   *web.Handler
	SSOOIDC *ssooidc.Handler
	Portal  *ssoportal.Handler
	SignIn  *signin.Handler
	OAuth2  *oauth2.Handler
	STS     *sts.Handler
	// Broker and UIBuilder are nil unless the configuration names a
	// broker provider.
	Broker    *broker.Broker
	UIBuilder *uibuilder.Handler
	// SCIM serves SCIM 2.0 provisioning under /scim/v2 (scim.go).
	SCIM *scim.Handler

	// Server is the HTTP shell with every surface mounted; Metrics and
	// Registry are what /metrics exposes.
	Server   *httpserver.Server
	Metrics  *httpserver.Metrics
	Registry *prometheus.Registry

	deps Deps
}

// New validates c and builds the server it describes. c.Issuer must be set
// (serve sets it from the bound listener when the operator did not). The
// caller runs the background jobs with Run and closes the App.
func New(ctx context.Context, c config.Config, d Deps) (_ *App, err error) {
	d = d.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Issuer == "" {
		return nil, errors.New("app: the issuer is not set")
	}
	a := &App{Config: c, deps: d, Registry: d.Registry}
	if a.Registry == nil {
		a.Registry = prometheus.NewRegistry()
	}
	if a.Metrics, err = httpserver.NewMetrics(a.Registry); err != nil {
		return nil, err
	}
	d.Observer = a.Metrics.Observer
	if a.Core, err = OpenCore(ctx, &c, d); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "signet_store_statements_total",
		Help: "SQL statements the store has run (transaction control included; on PostgreSQL each is a round trip).",
	}, func() float64 { return float64(a.DB.Statements()) }))
	if err := a.surfaces(ctx); err != nil {
		return nil, err
	}
	a.Server = &httpserver.Server{
		Logger:      d.Log,
		Metrics:     a.Metrics,
		Gatherer:    a.Registry,
		Health:      a.Stores.Health,
		Proxies:     httpserver.Proxies{Trusted: a.Config.TrustedPrefixes()},
		Mounts:      a.mounts(),
		Wrap:        a.wrap(),
		Rand:        d.Rand,
		MaxConns:    c.MaxConns,
		BodyLimits:  a.scimBodyLimit(), // scim.go
		TLSCertFile: c.TLSCert,
		TLSKeyFile:  c.TLSKey,

		HTTPSIssuer:      strings.HasPrefix(c.Issuer, "https://"),
		LoopbackOnly:     c.LoopbackOnlySwitch(),
		MetricsElsewhere: c.MetricsAddr != "",
	}
	return a, nil
}

// Handler is every route behind the middleware chain.
func (a *App) Handler() http.Handler { return a.Server.Handler() }

// Run runs the background jobs (garbage collection, key reload) until ctx
// is done.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { collectGarbage(ctx, a.Stores.Collector, a.deps.Clock, a.deps.Log) })
	wg.Go(func() { reloadKeys(ctx, a.Keyring, a.deps.Log) })
	if a.Config.AuditRetention > 0 {
		wg.Go(func() { pruneAudit(ctx, a.Stores.Audit, a.Config.AuditRetention, a.deps.Clock, a.deps.Log) })
	}
	wg.Wait()
}

// Close releases the broker and the store. Call it after the server
// stopped serving.
func (a *App) Close() error {
	if a.Broker != nil {
		a.Broker.Close()
	}
	if a.Core != nil {
		return a.Core.Close()
	}
	return nil
}
