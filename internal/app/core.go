package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/internal/storetiming"
	"github.com/signet-auth/signet/internal/tracing"
	"github.com/signet-auth/signet/jwks"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sqlite"
)

// Backend is one storage engine as the wiring needs it. *sqlite.DB and
// *postgres.DB are backends.
type Backend interface {
	io.Closer
	Stores() signet.Stores
	// Statements counts the SQL statements run so far (for /metrics).
	Statements() uint64
}

var (
	_ Backend = (*sqlite.DB)(nil)
	_ Backend = (*postgres.DB)(nil)
)

// Core is the part of a server every command needs: the store, the keyring
// and the engine, and the AWS credential authority.
type Core struct {
	DB        Backend
	Stores    signet.Stores // timed by storetiming when Deps.Observer is set
	StoreName string
	Keyring   *keyring.Keyring
	Hasher    *secret.Hasher
	Minter    *secret.Minter
	Engine    *authserver.Server
	// Authority mints and checks AWS credentials: temporary ones sealed in
	// their session token, long-term (AKIA) ones from the store.
	Authority *awscreds.Authority
	// Limiter is every surface's and the engine's rate limiter; nil with
	// Deps.NoRateLimits.
	Limiter *ratelimit.Limiter
	// Audit records security events in the store and the log.
	Audit *audit.Recorder
	// Tracer is the trace provider (--otlp-endpoint, or Deps'); nil: no
	// traces.
	Tracer trace.TracerProvider

	shutdownTracer func(context.Context) error
}

// Close flushes the traces and closes the store.
func (c *Core) Close() error {
	var err error
	if c.shutdownTracer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = c.shutdownTracer(ctx)
	}
	return errors.Join(err, c.DB.Close())
}

// tracerProvider is Deps.TracerProvider, or an OTLP/HTTP exporter to
// --otlp-endpoint, or nil; shutdown flushes what the latter holds.
func tracerProvider(ctx context.Context, c *config.Config, d Deps) (trace.TracerProvider, func(context.Context) error, error) {
	none := func(context.Context) error { return nil }
	if d.TracerProvider != nil {
		return d.TracerProvider, none, nil
	}
	if c.OTLPEndpoint == "" {
		return nil, none, nil
	}
	tp, err := tracing.NewOTLP(ctx, c.OTLPEndpoint)
	if err != nil {
		return nil, none, err
	}
	return tp, tp.Shutdown, nil
}

// storeSystem names the database for traces.
func storeSystem(c *config.Config) string {
	if c.DatabaseURL != "" {
		return "postgresql"
	}
	return "sqlite"
}

// DBFile is the SQLite database inside --data-dir.
const DBFile = "signet.db"

// MasterKeyFile is where --dev keeps the master key it generates, and where
// every command looks when no master key is given.
const MasterKeyFile = "master.key"

// openStore opens the backend the configuration names: PostgreSQL for a
// --database-url, else SQLite in --data-dir. The store's grant rules meet
// points (nil: none armed).
func openStore(ctx context.Context, c *config.Config, points *failpoint.Points) (Backend, string, error) {
	if c.DatabaseURL != "" {
		db, err := postgres.Open(ctx, c.DatabaseURL, postgres.WithFailPoints(points))
		if err != nil {
			return nil, "", fmt.Errorf("open PostgreSQL: %w", err)
		}
		return db, "postgres", nil
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(c.DataDir, DBFile)
	db, err := sqlite.Open(ctx, path, sqlite.WithFailPoints(points))
	if err != nil {
		return nil, "", fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return db, "sqlite " + path, nil
}

// loadMasterKey finds the master key: SIGNET_MASTER_KEY, --master-key-file,
// or the file in the data directory. With --dev and none of them, a key is
// generated into the data directory (mode 0600) with a warning: good for a
// laptop, not for anything that matters.
func loadMasterKey(c *config.Config, d *Deps) ([]byte, error) {
	path := c.MasterKeyFile
	if path == "" && d.Getenv(keyring.MasterKeyEnv) == "" && c.DataDir != "" {
		def := filepath.Join(c.DataDir, MasterKeyFile)
		if _, err := os.Stat(def); err == nil {
			path = def
		} else if c.Dev && errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data directory: %w", err)
			}
			d.Log.Warn("no master key given: generated one for development; keep it secret or pass --master-key-file", "path", def)
			if _, err := keyring.GenerateMasterKeyFile(def, d.Rand); err != nil {
				return nil, err
			}
			path = def
		}
	}
	return keyring.LoadMasterKey(d.Getenv, path)
}

// OpenCore opens the store, the keyring and the engine that c names. The
// caller closes it.
func OpenCore(ctx context.Context, c *config.Config, d Deps) (_ *Core, err error) {
	d = d.withDefaults()
	master, err := loadMasterKey(c, &d)
	if err != nil {
		return nil, err
	}
	db, name, err := openStore(ctx, c, d.FailPoints)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	stores := db.Stores()
	tp, shutdown, err := tracerProvider(ctx, c, d)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			shutdown(context.Background())
		}
	}()
	var observer storetiming.Observer
	if d.Observer != nil {
		observer = d.Observer
	}
	if tp != nil {
		// Every store call is a span too (package tracing).
		observer = tracing.StoreObserver{Next: observer, Tracer: tp.Tracer(tracing.Name), System: storeSystem(c)}
	}
	if observer != nil {
		// Every store call is timed for /metrics; /readyz times its own
		// probe, so Health stays as it is.
		health := stores.Health
		stores = storetiming.Wrap(stores, observer)
		stores.Health = health
	}
	keys, err := keyring.Open(ctx, stores.Keys, master, d.Clock, d.Rand, keyring.Options{})
	if err != nil {
		return nil, err
	}
	hasher, err := secret.NewHasher(keys.HMACKey())
	if err != nil {
		return nil, err
	}
	passwords, err := password.New(d.Rand, *d.Passwords)
	if err != nil {
		return nil, err
	}
	minter := secret.NewMinter(d.Rand, hasher)
	recorder := audit.New(stores.Audit, d.Clock, d.Log, requestOrigin)
	limiter, err := newLimiter(c, &d, stores, hasher, recorder)
	if err != nil {
		return nil, err
	}
	cfg := authserver.Config{
		Audit: recorder,
		Users: stores.Users, Clients: stores.Clients, Grants: stores.Grants, Browser: stores.Browser,
		Federation: stores.Federation,
		Minter:     minter, Clock: d.Clock, Passwords: passwords,
		Lifetimes: c.Lifetimes, FailPoints: d.FailPoints,
		ClientKeys: stores.ClientKeys, Replay: stores.Replay, Signer: keys,
		// The account whose principals CreateTokenWithIAM admits.
		IAMAccountID: c.IAMAccountID,
		// CreateTokenWithIAM's jwt-bearer issuers; their keys are fetched
		// with bounds and cached (package jwks).
		TrustedIssuers: c.TrustedIssuers(),
		// The refresh grant's clients, kept per node and confirmed by the
		// store's client epoch at each rotation.
		ClientCache: c.ClientCache,
	}
	if len(cfg.TrustedIssuers) > 0 {
		cfg.IssuerKeys = jwks.New(jwks.Options{Now: d.Clock.Now})
	}
	// Second factors: TOTP secrets sealed under the keyring's AEAD key.
	cfg.MFA = c.MFAConfig()
	cfg.MFA.Store, cfg.MFA.Sealer, cfg.MFA.Rand = stores.MFA, keys, d.Rand
	cfg.MFA.Passkeys, cfg.MFA.IssuerURL = stores.Passkeys, c.Issuer
	cfg.MFA.ConsoleAdmins = c.AdminUsers // the console's second factor: required for them whatever --mfa says
	if d.Observer != nil {
		cfg.Observer = d.Observer
	}
	if limiter != nil {
		cfg.Limiter = limiter
	}
	// The accounts' Sign-In policies: their operations (api/signin) and
	// their enforcement at /v1/authorize and /v1/token; Sign-In's token
	// exchange verifies the subject tokens it signed.
	cfg.SigninPolicies, cfg.Verifier = stores.SigninPolicies, keys
	engine, err := authserver.New(cfg)
	if err != nil {
		return nil, err
	}
	// AWS credentials: sealed session tokens under the keyring's AEAD key,
	// valid only while the signet session they came from is live; AKIA keys
	// from the store, their secrets sealed under the same key.
	authority, err := awscreds.New(awscreds.Config{
		AEAD: keys, Deriver: minter, Rand: d.Rand, Clock: d.Clock, Keys: stores.AccessKeys,
		SessionLive: func(ctx context.Context, id string) (bool, error) {
			s, err := stores.Grants.GetSession(ctx, id)
			if errors.Is(err, signet.ErrNotFound) {
				return false, nil
			}
			return err == nil && s.Live(d.Clock.Now()), err
		},
	})
	if err != nil {
		return nil, err
	}
	return &Core{DB: db, Stores: stores, StoreName: name, Keyring: keys, Hasher: hasher, Minter: minter,
		Engine: engine, Authority: authority, Limiter: limiter, Audit: recorder,
		Tracer: tp, shutdownTracer: shutdown}, nil
}

// requestOrigin is what the audit trail records of the HTTP request a
// context belongs to.
func requestOrigin(ctx context.Context) audit.Origin {
	id, addr, ua := httpserver.RequestOrigin(ctx)
	return audit.Origin{RequestID: id, Address: addr, UserAgent: ua}
}

// newLimiter builds the one limiter of every surface and the engine:
// per-node buckets, and failure counts in the store under the keyed hash,
// shared by every node (catalogue CC-08, DV-07, CL-04).
func newLimiter(c *config.Config, d *Deps, stores signet.Stores, hasher *secret.Hasher, rec *audit.Recorder) (*ratelimit.Limiter, error) {
	if d.NoRateLimits {
		return nil, nil
	}
	policy, err := c.RatePolicy()
	if err != nil {
		return nil, err
	}
	if d.RatePolicy != nil {
		policy = *d.RatePolicy
	}
	store, own := stores.RateLimit, true
	if d.RateLimitStore != nil {
		store, own = d.RateLimitStore, false
	}
	return ratelimit.New(ratelimit.Config{
		Store: store, Policy: policy, Clock: d.Clock, Digest: hasher.Digest, Log: d.Log,
		ClientIP: httpserver.ClientIP, Audit: rec, GrantStore: own,
	})
}

var (
	_ authserver.Observer            = (*httpserver.Observer)(nil)
	_ authserver.ClientCacheObserver = (*httpserver.Observer)(nil)
)
