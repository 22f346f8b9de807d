package awscreds

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/boundcache"
)

// Credentials are temporary AWS credentials, as STS and Sign-In return them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	Principal       Principal
}

// Deriver derives a secret deterministically from a seed under the server's
// HMAC key; *secret.Minter implements it.
type Deriver interface {
	Derive(prefix, seed, label string) (string, signet.Digest)
}

// SessionLiveFunc reports whether a signet session is still live (not
// revoked, not past its end). The wiring supplies it from the grant store.
type SessionLiveFunc func(ctx context.Context, sessionID string) (bool, error)

// Defaults.
const (
	DefaultMaxLifetime      = 12 * time.Hour // STS's longest role session
	DefaultSessionCacheTTL  = 5 * time.Second
	DefaultSessionCacheSize = 10000
)

// Config configures an Authority.
type Config struct {
	AEAD    AEAD      // seals session tokens and stored secrets
	Deriver Deriver   // deterministic minting (MintFromSeed)
	Rand    io.Reader // fresh minting; crypto/rand.Reader in production
	Clock   signet.Clock
	// SessionLive is asked, at most once per SessionCacheTTL per session,
	// whether the session temporary credentials belong to is still live.
	SessionLive SessionLiveFunc
	// Keys keeps long-term access keys; nil: AKIA keys are unknown.
	Keys signet.AccessKeyStore

	MaxLifetime      time.Duration // bound on a minted expiry; 0: DefaultMaxLifetime
	SessionCacheTTL  time.Duration // 0: DefaultSessionCacheTTL
	SessionCacheSize int           // 0: DefaultSessionCacheSize
}

// Authority mints and checks AWS credentials. It is safe for concurrent use.
type Authority struct {
	c     Config
	lives *boundcache.Cache[string, liveness]
}

type liveness struct {
	live    bool
	checked time.Time
}

// New returns an Authority.
func New(c Config) (*Authority, error) {
	switch {
	case c.AEAD == nil:
		return nil, errors.New("awscreds: Config.AEAD is required")
	case c.Deriver == nil:
		return nil, errors.New("awscreds: Config.Deriver is required")
	case c.Rand == nil:
		return nil, errors.New("awscreds: Config.Rand is required")
	case c.Clock == nil:
		return nil, errors.New("awscreds: Config.Clock is required")
	case c.SessionLive == nil:
		return nil, errors.New("awscreds: Config.SessionLive is required (revoked sessions must stop verifying)")
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	if c.SessionCacheTTL <= 0 {
		c.SessionCacheTTL = DefaultSessionCacheTTL
	}
	if c.SessionCacheSize <= 0 {
		c.SessionCacheSize = DefaultSessionCacheSize
	}
	return &Authority{c: c, lives: boundcache.New[string, liveness](c.SessionCacheSize)}, nil
}

// Mint returns fresh temporary credentials for p that expire at expiry
// (truncated to whole seconds).
func (a *Authority) Mint(p Principal, expiry time.Time) (Credentials, error) {
	var b [keyIDRandBytes + secretBytes]byte
	if _, err := io.ReadFull(a.c.Rand, b[:]); err != nil {
		return Credentials{}, fmt.Errorf("awscreds: random source: %w", err)
	}
	return a.mint(p, expiry, b[:keyIDRandBytes], b[keyIDRandBytes:], false)
}

// MintFromSeed returns the temporary credentials derived from seed: the same
// seed, principal and expiry always give the same credentials, so a retried
// Sign-In refresh hands back exactly what the first attempt did. The seed
// must be a secret (a refresh token, or a value derived from one); the
// derivation is keyed, so the credentials are as strong as minted ones.
func (a *Authority) MintFromSeed(seed string, p Principal, expiry time.Time) (Credentials, error) {
	if seed == "" {
		return Credentials{}, errors.New("awscreds: empty seed")
	}
	id, err := a.derive(seed, "awscreds/v1 access key id")
	if err != nil {
		return Credentials{}, err
	}
	sec, err := a.derive(seed, "awscreds/v1 secret access key")
	if err != nil {
		return Credentials{}, err
	}
	return a.mint(p, expiry, id, sec, true)
}

func (a *Authority) derive(seed, label string) ([]byte, error) {
	s, _ := a.c.Deriver.Derive("", seed, label)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < secretBytes {
		return nil, errors.New("awscreds: deriver returned an unexpected shape")
	}
	return b, nil
}

func (a *Authority) mint(p Principal, expiry time.Time, idBytes, secretBytes []byte, deterministic bool) (Credentials, error) {
	expiry = expiry.Truncate(time.Second).UTC()
	now := a.c.Clock.Now()
	if !expiry.After(now) || expiry.Sub(now) > a.c.MaxLifetime {
		return Credentials{}, fmt.Errorf("awscreds: expiry must be in (now, now+%s]", a.c.MaxLifetime)
	}
	if p.ARN == "" || !validAccountID(p.AccountID) || p.UserID == "" {
		return Credentials{}, errors.New("awscreds: incomplete principal")
	}
	c := claims{
		KeyID:     formatKeyID(PrefixTemporary, idBytes),
		Secret:    formatSecret(secretBytes),
		ARN:       p.ARN,
		AccountID: p.AccountID,
		UserID:    p.UserID,
		SessionID: p.SessionID,
		Expires:   expiry,
	}
	tok, err := sealToken(a.c.AEAD, c, deterministic)
	if err != nil {
		return Credentials{}, fmt.Errorf("awscreds: seal session token: %w", err)
	}
	return Credentials{AccessKeyID: c.KeyID, SecretAccessKey: c.Secret, SessionToken: tok, Expiration: expiry, Principal: p}, nil
}

// The answers Lookup gives; the SigV4 verifier maps the codes to AWS's
// (UnrecognizedClientException, ExpiredTokenException,
// AccessDeniedException). The messages are AWS's and say nothing about
// which check failed.
var (
	errInvalidToken = signet.Errorf(signet.CodeInvalidClient, "The security token included in the request is invalid.")
	errExpiredToken = signet.Errorf(signet.CodeExpiredToken, "The security token included in the request is expired")
	errRevoked      = signet.Errorf(signet.CodeAccessDenied, "Access denied.")
)

// Lookup returns the principal and secret of an access key: for ASIA keys
// from the session token alone (plus the cached session liveness check), for
// AKIA keys from the store. It implements sigv4.CredentialSource.
func (a *Authority) Lookup(ctx context.Context, accessKeyID, sessionToken string) (Principal, string, error) {
	switch {
	case IsTemporaryKeyID(accessKeyID):
		return a.lookupTemporary(ctx, accessKeyID, sessionToken)
	case IsLongTermKeyID(accessKeyID):
		if sessionToken != "" {
			// A session token only ever goes with temporary credentials.
			return Principal{}, "", errInvalidToken.Wrap(errors.New("session token with a long-term key"))
		}
		return a.lookupLongTerm(ctx, accessKeyID)
	}
	return Principal{}, "", errInvalidToken.Wrap(errors.New("unknown access key id format"))
}

func (a *Authority) lookupTemporary(ctx context.Context, keyID, token string) (Principal, string, error) {
	if token == "" {
		return Principal{}, "", errInvalidToken.Wrap(errors.New("temporary key without session token"))
	}
	c, err := openToken(a.c.AEAD, keyID, token)
	if err != nil {
		return Principal{}, "", errInvalidToken.Wrap(err)
	}
	now := a.c.Clock.Now()
	if !now.Before(c.Expires) {
		return Principal{}, "", errExpiredToken.Wrap(fmt.Errorf("expired at %s", c.Expires.Format(time.RFC3339)))
	}
	if c.SessionID != "" {
		live, err := a.sessionLive(ctx, c.SessionID, now)
		if err != nil {
			return Principal{}, "", err
		}
		if !live {
			return Principal{}, "", errRevoked.Wrap(errors.New("session revoked or ended"))
		}
	}
	return Principal{ARN: c.ARN, AccountID: c.AccountID, UserID: c.UserID, SessionID: c.SessionID}, c.Secret, nil
}

// sessionLive asks the hook, remembering the answer for SessionCacheTTL: a
// revocation takes effect on every node within that time, and a busy
// session costs one store read per TTL, not one per request.
func (a *Authority) sessionLive(ctx context.Context, id string, now time.Time) (bool, error) {
	if l, ok := a.lives.Get(id); ok && now.Sub(l.checked) < a.c.SessionCacheTTL && !now.Before(l.checked) {
		return l.live, nil
	}
	live, err := a.c.SessionLive(ctx, id)
	if err != nil {
		return false, signet.AsError(fmt.Errorf("awscreds: session liveness: %w", err))
	}
	a.lives.Put(id, liveness{live: live, checked: now})
	return live, nil
}

// ForgetSession drops the cached liveness of a session, so that a
// revocation made on this node takes effect here at once.
func (a *Authority) ForgetSession(sessionID string) { a.lives.Delete(sessionID) }
