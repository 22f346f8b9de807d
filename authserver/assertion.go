package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
)

// Client assertion bounds (RFC 7523 §3; catalogue CL-09).
const (
	// maxAssertionLife is how far in the future an assertion's exp may
	// lie: a far-future exp would let a captured assertion live on.
	maxAssertionLife = 5 * time.Minute
	// assertionSkew tolerates clocks a little ahead of ours for iat/nbf.
	assertionSkew = 30 * time.Second
	maxJTILen     = 256
	// MaxAssertionLen bounds a client assertion.
	MaxAssertionLen = 8 << 10
)

// assertionAlgs are the signature algorithms a client assertion may use.
// No "none" and no HMAC: client_secret_jwt is not offered, and a public key
// must never be used as a MAC secret (RFC 8725 §3.1).
func assertionAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.PS256, jose.EdDSA}
}

// AssertionAlgs names the algorithms a client assertion may use, for the
// metadata's token_endpoint_auth_signing_alg_values_supported.
func AssertionAlgs() []string {
	var out []string
	for _, a := range assertionAlgs() {
		out = append(out, string(a))
	}
	return out
}

// assertion is a parsed, not yet verified client assertion.
type assertion struct {
	token  *jwt.JSONWebToken
	claims jwt.Claims
	kid    string
	alg    string
}

// parseAssertion parses a client assertion (RFC 7523 §3) without verifying
// it: one compact JWS with an allowed algorithm, and the claims every
// assertion must carry — iss equal to sub, aud, exp and a jti of at most
// maxJTILen bytes.
func parseAssertion(s string) (assertion, error) {
	if len(s) > MaxAssertionLen {
		return assertion{}, errors.New("assertion too large")
	}
	tok, err := jwt.ParseSigned(s, assertionAlgs())
	if err != nil {
		return assertion{}, err
	}
	if len(tok.Headers) != 1 {
		return assertion{}, errors.New("not exactly one signature")
	}
	a := assertion{token: tok, kid: tok.Headers[0].KeyID, alg: tok.Headers[0].Algorithm}
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); accessTyped(typ) {
		return assertion{}, errors.New("typ says this is an access token, not a client assertion")
	}
	if err := tok.UnsafeClaimsWithoutVerification(&a.claims); err != nil {
		return assertion{}, err
	}
	c := a.claims
	switch {
	case c.Issuer == "" || c.Issuer != c.Subject:
		return assertion{}, errors.New("iss and sub must both name the client")
	case len(c.Audience) == 0:
		return assertion{}, errors.New("no aud")
	case c.Expiry == nil:
		return assertion{}, errors.New("no exp")
	case c.ID == "" || len(c.ID) > maxJTILen:
		return assertion{}, errors.New("missing or oversized jti")
	}
	return a, nil
}

// verifyAssertion checks a private_key_jwt client assertion (RFC 7523 §3)
// and returns the client id it authenticates:
//
//   - iss = sub = the client (and = the request's client_id if it named one);
//   - aud names this server: one of ca.Audiences;
//   - exp in the future but at most maxAssertionLife away; iat and nbf not
//     in the future;
//   - signed by a key the client registered (by kid when the header has
//     one), with the key's own algorithm;
//   - the jti not seen before for this client, on any node (catalogue CL-09,
//     CVE-2020-15222): recorded in the replay store until exp.
//
// Every failure is invalid_client.
func (s *Server) verifyAssertion(ctx context.Context, ca ClientAssertion) (string, error) {
	if s.clientKeys == nil {
		return "", invalidClient(errors.New("private_key_jwt is not enabled"))
	}
	a, err := parseAssertion(ca.JWT)
	if err != nil {
		return "", invalidClient(fmt.Errorf("client assertion: %w", err))
	}
	c := a.claims
	now := s.clock.Now()
	switch {
	case ca.ID != "" && ca.ID != c.Subject:
		return "", invalidClient(errors.New("client assertion names another client"))
	case !namesAny(c.Audience, ca.Audiences):
		return "", invalidClient(errors.New("client assertion aud is not this server"))
	case !now.Before(c.Expiry.Time()):
		return "", invalidClient(errors.New("client assertion expired"))
	case c.Expiry.Time().After(now.Add(maxAssertionLife)):
		return "", invalidClient(errors.New("client assertion exp too far in the future"))
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)):
		return "", invalidClient(errors.New("client assertion iat in the future"))
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)):
		return "", invalidClient(errors.New("client assertion not yet valid"))
	}
	raw, err := s.clientKeys.ClientJWKS(ctx, c.Subject)
	if errors.Is(err, signet.ErrNotFound) {
		return "", invalidClient(errors.New("client has no registered keys"))
	}
	if err != nil {
		return "", signet.Internal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return "", signet.Internal(fmt.Errorf("client %s: stored JWKS: %w", c.Subject, err))
	}
	if !a.verifiedBy(set) {
		return "", invalidClient(errors.New("client assertion signature does not verify with a registered key"))
	}
	d := sha256.Sum256([]byte("client assertion\x00" + c.Subject + "\x00" + c.ID))
	fresh, err := s.replay.MarkUsed(ctx, signet.Digest(d), c.Expiry.Time(), now)
	if err != nil {
		return "", unavailable(err)
	}
	if !fresh {
		return "", invalidClient(errors.New("client assertion jti replayed"))
	}
	return c.Subject, nil
}

// namesAny reports whether aud names one of want.
func namesAny(aud jwt.Audience, want []string) bool {
	for _, w := range want {
		if aud.Contains(w) {
			return true
		}
	}
	return false
}

// verifiedBy reports whether one of the set's public keys verifies the
// assertion: only keys with its kid if it names one, and only keys whose
// declared alg (if any) is the header's.
func (a assertion) verifiedBy(set jose.JSONWebKeySet) bool {
	for _, k := range set.Keys {
		if (a.kid != "" && k.KeyID != a.kid) || (k.Algorithm != "" && k.Algorithm != a.alg) || !k.IsPublic() || k.Use == "enc" {
			continue
		}
		var out jwt.Claims
		if a.token.Claims(k.Key, &out) == nil {
			return true
		}
	}
	return false
}

// accessTyped reports whether a client assertion's typ header says it is an
// access token (RFC 8725 §3.11, catalogue JT-01): an access token is never a
// client's proof of identity, whoever signed it.
func accessTyped(typ string) bool {
	t := strings.TrimPrefix(strings.ToLower(typ), "application/")
	return t == signet.JWTTypeAccess
}
