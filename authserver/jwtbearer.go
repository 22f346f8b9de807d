package authserver

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
)

// Bounds of a trusted issuer's assertion (RFC 7523 §3).
const (
	// MaxTrustedAssertionLen bounds an assertion; IdP ID tokens with many
	// claims stay well below it.
	MaxTrustedAssertionLen = 16 << 10
	// maxTrustedAssertionLife is how far in the future exp may lie: an
	// ID token of a day at most; a longer one would let a captured token
	// live on.
	maxTrustedAssertionLife = 24 * time.Hour
)

// trustedAssertion is a parsed, not yet verified assertion of a trusted
// token issuer.
type trustedAssertion struct {
	token  *jwt.JSONWebToken
	claims jwt.Claims
	kid    string
	alg    string
	raw    string
}

// parseTrustedAssertion parses an assertion without verifying it: one
// compact JWS with an allowed (asymmetric) algorithm, and the claims RFC
// 7523 §3 requires: iss, sub, aud and exp. jti is optional (many IdPs' ID
// tokens have none); when present it is at most maxJTILen bytes.
func parseTrustedAssertion(s string) (trustedAssertion, error) {
	if len(s) > MaxTrustedAssertionLen {
		return trustedAssertion{}, errors.New("assertion too large")
	}
	tok, err := jwt.ParseSigned(s, assertionAlgs())
	if err != nil {
		return trustedAssertion{}, err
	}
	if len(tok.Headers) != 1 {
		return trustedAssertion{}, errors.New("not exactly one signature")
	}
	a := trustedAssertion{token: tok, kid: tok.Headers[0].KeyID, alg: tok.Headers[0].Algorithm, raw: s}
	if err := tok.UnsafeClaimsWithoutVerification(&a.claims); err != nil {
		return trustedAssertion{}, err
	}
	c := a.claims
	switch {
	case c.Issuer == "":
		return trustedAssertion{}, errors.New("no iss")
	case c.Subject == "":
		return trustedAssertion{}, errors.New("no sub")
	case len(c.Audience) == 0:
		return trustedAssertion{}, errors.New("no aud")
	case c.Expiry == nil:
		return trustedAssertion{}, errors.New("no exp")
	case len(c.ID) > maxJTILen:
		return trustedAssertion{}, errors.New("oversized jti")
	}
	return a, nil
}

// assertionFailed is the one answer to an assertion that is not accepted
// (RFC 7523 §3.1: invalid_grant); the cause goes to the log only.
func assertionFailed(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant,
		Message: "The assertion is not valid for this application.", Err: cause}
}

// verifyTrustedAssertion checks an assertion against the trusted issuers
// and returns its verified claims, raw, and the issuer it came from:
//
//   - iss is one of the configured issuers, exactly;
//   - aud names one of that issuer's audiences;
//   - exp in the future (with assertionSkew for the issuer's clock) and at
//     most maxTrustedAssertionLife away; iat and nbf not in the future;
//   - signed by a key of the issuer's JWKS (by kid when the header has one,
//     with the key's own algorithm); an unknown kid refetches the set once,
//     within the fetcher's bounds.
func (s *Server) verifyTrustedAssertion(ctx context.Context, raw string, now time.Time) (TrustedIssuer, trustedAssertion, map[string]any, error) {
	a, err := parseTrustedAssertion(raw)
	if err != nil {
		return TrustedIssuer{}, a, nil, assertionFailed(fmt.Errorf("assertion: %w", err))
	}
	c := a.claims
	ti, ok := s.trustedIssuers[c.Issuer]
	switch {
	case !ok:
		return ti, a, nil, assertionFailed(fmt.Errorf("assertion from %q, not a trusted token issuer", c.Issuer))
	case !namesAny(c.Audience, ti.Audiences):
		return ti, a, nil, assertionFailed(errors.New("assertion aud names none of the issuer's audiences"))
	case !now.Before(c.Expiry.Time().Add(assertionSkew)):
		return ti, a, nil, assertionFailed(errors.New("assertion expired"))
	case c.Expiry.Time().After(now.Add(maxTrustedAssertionLife)):
		return ti, a, nil, assertionFailed(errors.New("assertion exp too far in the future"))
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)):
		return ti, a, nil, assertionFailed(errors.New("assertion iat in the future"))
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)):
		return ti, a, nil, assertionFailed(errors.New("assertion not yet valid"))
	}
	claims, err := s.verifyIssuerSignature(ctx, ti, a)
	if err != nil {
		return ti, a, nil, err
	}
	return ti, a, claims, nil
}

// verifyIssuerSignature verifies a with the issuer's keys, refetching them
// once when the kid is not among them.
func (s *Server) verifyIssuerSignature(ctx context.Context, ti TrustedIssuer, a trustedAssertion) (map[string]any, error) {
	for _, refresh := range []bool{false, true} {
		set, err := s.issuerKeys.Keys(ctx, ti.Issuer, ti.JWKSURL, refresh)
		if err != nil {
			return nil, unavailable(fmt.Errorf("trusted token issuer %s: %w", ti.Issuer, err))
		}
		if claims, ok := a.verifiedClaims(set); ok {
			return claims, nil
		}
		if a.kid == "" || len(set.Key(a.kid)) > 0 {
			break // the key is there and did not verify: no refetch helps
		}
	}
	return nil, assertionFailed(errors.New("assertion signature does not verify with the issuer's keys"))
}

// verifiedClaims returns the claims when one of the set's public signing
// keys verifies the assertion (only keys with its kid if it names one, and
// only keys whose declared alg, if any, is the header's).
func (a trustedAssertion) verifiedClaims(set jose.JSONWebKeySet) (map[string]any, bool) {
	for _, k := range set.Keys {
		if (a.kid != "" && k.KeyID != a.kid) || (k.Algorithm != "" && k.Algorithm != a.alg) || !k.IsPublic() || k.Use == "enc" {
			continue
		}
		var out map[string]any
		if a.token.Claims(k.Key, &out) == nil {
			return out, true
		}
	}
	return nil, false
}

// replayKey is what the replay store remembers of an assertion: its issuer
// and jti, or, without a jti, the whole assertion, so that every assertion
// is accepted once whether or not its issuer numbers them.
func (a trustedAssertion) replayKey() signet.Digest {
	id := "jti\x00" + a.claims.ID
	if a.claims.ID == "" {
		id = "jws\x00" + a.raw
	}
	return signet.Digest(sha256.Sum256([]byte("trusted assertion\x00" + a.claims.Issuer + "\x00" + id)))
}
