package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/oauth2"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/ssooidc"
	"github.com/signet-auth/signet/api/ssoportal"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/api/uibuilder"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/failpoint"
	"github.com/signet-auth/signet/internal/storetiming"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/password"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/secret"
	"github.com/signet-auth/signet/sigv4"
	"github.com/signet-auth/signet/sqlite"
)

// This file is the only place that knows every package: it opens the store,
// the keyring and the engine, and hands the HTTP shell its routes.

// backend is one storage engine as the wiring needs it.
// *sqlite.DB and *postgres.DB are backends.
type backend interface {
	io.Closer
	Stores() signet.Stores
	// Statements counts the SQL statements run so far (for /metrics).
	Statements() uint64
}

var (
	_ backend = (*sqlite.DB)(nil)
	_ backend = (*postgres.DB)(nil)
)

// services are the wired parts of a running signet.
type services struct {
	db        backend
	stores    signet.Stores
	storeName string
	keys      *keyring.Keyring
	hasher    *secret.Hasher
	minter    *secret.Minter
	engine    *authserver.Server
	// authority mints and checks AWS credentials: temporary ones sealed in
	// their session token, long-term (AKIA) ones from the store.
	authority *awscreds.Authority
	// limiter is every surface's and the engine's rate limiter.
	limiter *ratelimit.Limiter
}

func (s *services) close() error { return s.db.Close() }

// surfaces builds every API surface the server answers besides /healthz,
// /readyz and /metrics, in the order they are mounted; each API package adds
// itself here as it lands. It runs once the listener is bound, when the
// issuer is known. wrap goes around the mux: the SSO portal's Logout shares
// POST /logout with the pages' sign-out and tells them apart by header.
func (a *app) surfaces(c *Config, svc *services, log *slog.Logger) (mounts []httpserver.Mounter, wrap func(http.Handler) http.Handler, err error) {
	limiter := svc.limiter
	pages, err := a.newWeb(c, svc, limiter, log)
	if err != nil {
		return nil, nil, err
	}
	if c.SigV4Emulation {
		level := slog.LevelWarn
		if c.SigV4EmulationForce {
			level = slog.LevelError // catalogue DG-01: a forced start says so at error level
		}
		log.Log(context.Background(), level, "SigV4 emulation: any syntactically valid signature is accepted; never expose this server",
			"addr", c.Addr, "forced", c.SigV4EmulationForce)
	}
	verifier, err := sigv4.New(sigv4.Options{
		Credentials: svc.authority, Clock: a.clock, Rand: a.rand, Logger: log,
		AcceptAnySignature: c.SigV4Emulation, EmulationAccountID: c.SigV4EmulationAccount,
	})
	if err != nil {
		return nil, nil, err
	}
	oidc := &ssooidc.Handler{
		Engine: svc.engine, Issuer: c.Issuer, Rand: a.rand, Log: log,
		Verifier: verifier, IAMAccountID: c.IAMAccountID, Region: c.Region, Limiter: limiter,
	}
	if c.DevAutoApprove {
		oidc.AutoApprove = func(ctx context.Context, userCode string) {
			if _, err := pages.AutoApproveDevice(ctx, userCode); err != nil {
				log.ErrorContext(ctx, "dev auto-approve", "err", err)
			}
		}
	}
	roles, err := a.roleCredentials(c, svc, log)
	if err != nil {
		return nil, nil, err
	}
	portal := &ssoportal.Handler{
		Engine: svc.engine, Users: svc.stores.Users, Credentials: roles,
		Clock: a.clock, Rand: a.rand, Log: log,
	}
	// DPoP proofs (RFC 9449) for Sign-In and the standard surface; their
	// jtis are remembered in the store, so a proof replayed on another node
	// is refused there too.
	proofs, err := dpop.NewVerifier(dpop.Options{Replay: svc.stores.Replay, Clock: a.clock})
	if err != nil {
		return nil, nil, err
	}
	clientIP := func(r *http.Request) string { return ratelimit.AddrKey(httpserver.ClientIP(r)) }
	// The two built-in Sign-In clients must exist before the first code is
	// redeemed; their cross-device redirect URI depends on the issuer.
	if err := signin.EnsureClients(context.Background(), svc.engine, svc.stores.Clients, c.Issuer); err != nil {
		return nil, nil, fmt.Errorf("sign-in clients: %w", err)
	}
	signIn := &signin.Handler{
		Engine: svc.engine, Users: svc.stores.Users, Grants: svc.stores.Grants,
		Credentials: roles, Signer: svc.keys,
		DPoP: proofs, SigV4: verifier, Issuer: c.Issuer,
		Limiter:  limiter.SignIn(),
		ClientIP: clientIP, Clock: a.clock, Rand: a.rand, Logger: log,
		Clients: svc.stores.Clients, // JT-01: a WithIAM resource is no client's id
	}
	// The standard OAuth 2.0 / OIDC surface: ID tokens and
	// client_credentials tokens signed by the keyring, private_key_jwt
	// clients' keys from the store.
	standard := &oauth2.Handler{
		Engine: svc.engine, Users: svc.stores.Users,
		Signer: svc.keys, DPoP: proofs, ClientKeys: svc.stores.ClientKeys,
		Issuer: c.Issuer, Clock: a.clock, Log: log, Limiter: limiter,
	}
	mounts = []httpserver.Mounter{
		pages,
		oidc,
		portal,
		signIn,
		standard,
		&sts.Handler{Verifier: verifier, Rand: a.rand, Logger: log},
	}
	if len(c.Broker.Providers) > 0 {
		b, err := broker.New(c.Broker, broker.Options{Clock: a.clock, Logger: log, Secrets: broker.SecretSource{Getenv: a.getenv}})
		if err != nil {
			return nil, nil, err
		}
		mounts = append(mounts, &uibuilder.Handler{Broker: b, Verifier: verifier, Logger: log})
	}
	return mounts, portal.WithLogout, nil
}

// dbFile is the SQLite database inside --data-dir.
const dbFile = "signet.db"

// masterKeyFile is where --dev keeps the master key it generates, and where
// every command looks when no master key is given.
const masterKeyFile = "master.key"

// openStore opens the backend the configuration names: PostgreSQL for a
// --database-url, else SQLite in --data-dir. The store's grant rules meet
// points (nil: none armed).
func openStore(ctx context.Context, c *Config, points *failpoint.Points) (backend, string, error) {
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
	path := filepath.Join(c.DataDir, dbFile)
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
func (a *app) loadMasterKey(c *Config, log *slog.Logger) ([]byte, error) {
	path := c.MasterKeyFile
	if path == "" && a.getenv(keyring.MasterKeyEnv) == "" && c.DataDir != "" {
		def := filepath.Join(c.DataDir, masterKeyFile)
		if _, err := os.Stat(def); err == nil {
			path = def
		} else if c.Dev && errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data directory: %w", err)
			}
			log.Warn("no master key given: generated one for development; keep it secret or pass --master-key-file", "path", def)
			if _, err := keyring.GenerateMasterKeyFile(def, a.rand); err != nil {
				return nil, err
			}
			path = def
		}
	}
	return keyring.LoadMasterKey(a.getenv, path)
}

// wire opens the store, the keyring and the engine. points are the armed
// fail-points (serve's; nil for everything else).
func (a *app) wire(ctx context.Context, c *Config, log *slog.Logger, obs *httpserver.Observer, points *failpoint.Points) (_ *services, err error) {
	master, err := a.loadMasterKey(c, log)
	if err != nil {
		return nil, err
	}
	db, name, err := openStore(ctx, c, points)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	stores := db.Stores()
	if obs != nil {
		// Every store call is timed for /metrics; /readyz times its own
		// probe, so Health stays as it is.
		health := stores.Health
		stores = storetiming.Wrap(stores, obs)
		stores.Health = health
	}
	keys, err := keyring.Open(ctx, stores.Keys, master, a.clock, a.rand, keyring.Options{})
	if err != nil {
		return nil, err
	}
	hasher, err := secret.NewHasher(keys.HMACKey())
	if err != nil {
		return nil, err
	}
	passwords, err := password.New(a.rand, password.DefaultParams())
	if err != nil {
		return nil, err
	}
	minter := secret.NewMinter(a.rand, hasher)
	policy, err := c.ratePolicy()
	if err != nil {
		return nil, err
	}
	// One limiter for every surface and the engine: per-node buckets, and
	// failure counts in the store under the keyed hash, shared by every
	// node (catalogue CC-08, DV-07, CL-04).
	limiter, err := ratelimit.New(ratelimit.Config{
		Store: stores.RateLimit, Policy: policy, Clock: a.clock, Digest: hasher.Digest, Log: log,
		ClientIP: httpserver.ClientIP,
	})
	if err != nil {
		return nil, err
	}
	engine, err := authserver.New(authserver.Config{
		Users:      stores.Users,
		Clients:    stores.Clients,
		Grants:     stores.Grants,
		Browser:    stores.Browser,
		Minter:     minter,
		Clock:      a.clock,
		Passwords:  passwords,
		Lifetimes:  c.engineLifetimes(),
		Observer:   obs,
		FailPoints: points,
		Limiter:    limiter,
		ClientKeys: stores.ClientKeys,
		Replay:     stores.Replay,
		Signer:     keys,
		// IAMAccountID is the account whose principals CreateTokenWithIAM
		// admits.
		IAMAccountID: c.IAMAccountID,
	})
	if err != nil {
		return nil, err
	}
	// AWS credentials: sealed session tokens under the keyring's AEAD key,
	// valid only while the signet session they came from is live; AKIA keys
	// from the store, their secrets sealed under the same key.
	authority, err := awscreds.New(awscreds.Config{
		AEAD: keys, Deriver: minter, Rand: a.rand, Clock: a.clock, Keys: stores.AccessKeys,
		SessionLive: func(ctx context.Context, id string) (bool, error) {
			s, err := stores.Grants.GetSession(ctx, id)
			if errors.Is(err, signet.ErrNotFound) {
				return false, nil
			}
			return err == nil && s.Live(a.clock.Now()), err
		},
	})
	if err != nil {
		return nil, err
	}
	return &services{db: db, stores: stores, storeName: name, keys: keys, hasher: hasher, minter: minter,
		engine: engine, authority: authority, limiter: limiter}, nil
}

// devUserName is the user --dev creates.
const devUserName = "dev"

// devUser makes sure the user "dev" exists with the dev assignment. A new
// user's password (random unless --dev-password) is printed once, to
// stdout, never to the log. On a restart the user is kept; its password
// changes only when --dev-password asks for it.
func (a *app) devUser(ctx context.Context, c *Config, svc *services, log *slog.Logger) error {
	pw := c.DevPassword
	u, err := svc.stores.Users.GetUserByName(ctx, devUserName)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		if pw == "" {
			if pw, err = randomPassword(a.rand); err != nil {
				return err
			}
		}
		if u, err = svc.engine.CreateUser(ctx, devUserName, "Developer", pw); err != nil {
			return fmt.Errorf("create the dev user: %w", err)
		}
		fmt.Fprintf(a.stdout, "dev user: %s  password: %s\n", devUserName, pw)
	case err != nil:
		return fmt.Errorf("look up the dev user: %w", err)
	case pw != "":
		if err := svc.engine.SetPassword(ctx, u.ID, pw); err != nil {
			return fmt.Errorf("set the dev user's password: %w", err)
		}
		fmt.Fprintf(a.stdout, "dev user: %s  password: %s\n", devUserName, pw)
	default:
		fmt.Fprintf(a.stdout, "dev user: %s  password: unchanged (reset with: signet admin user passwd %s)\n", devUserName, devUserName)
	}
	as := signet.Assignment{AccountID: c.DevAccount, RoleName: c.DevRole}
	if !slices.Contains(u.Assignments, as) {
		if err := svc.engine.SetAssignments(ctx, u.ID, append(u.Assignments, as)); err != nil {
			return fmt.Errorf("assign the dev user: %w", err)
		}
	}
	log.Info("dev user ready", "user", devUserName, "account", c.DevAccount, "role", c.DevRole, "auto_approve", c.DevAutoApprove)
	return nil
}

// randomPassword draws 128 bits for the dev user.
func randomPassword(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Garbage collection: every gcInterval, delete in batches of gcBatch what
// ended more than gcRetention ago, at most gcRounds batches per tick so one
// node never hogs the store.
const (
	gcInterval  = time.Minute
	gcRetention = 24 * time.Hour
	gcBatch     = 500
	gcRounds    = 20
)

// keyReloadInterval is how often a node reads the keys other nodes added. It
// must be well inside the keyring's publish delay (5 minutes), so that every
// node publishes a rotated signing key before any node signs with it
// (catalogue CC-09).
const keyReloadInterval = time.Minute

// reloadKeys picks up keys other nodes (or `signet admin keys rotate`) added.
func reloadKeys(ctx context.Context, keys *keyring.Keyring, log *slog.Logger) {
	t := time.NewTicker(keyReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := keys.Reload(ctx); err != nil && ctx.Err() == nil {
			log.Warn("key reload", "err", err)
		}
	}
}

func collectGarbage(ctx context.Context, col signet.Collector, clock signet.Clock, log *slog.Logger) {
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for range gcRounds {
			// Timed by the store wrapper (storetiming) like every call.
			n, err := col.Collect(ctx, clock.Now(), gcRetention, gcBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("garbage collection", "err", err)
				}
				break
			}
			if n > 0 {
				log.Debug("garbage collected", "rows", n)
			}
			if n < gcBatch {
				break
			}
		}
	}
}
