package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// TrustedIssuer is a token issuer that is not signet whose JWTs the
// jwt-bearer grant of CreateTokenWithIAM accepts (RFC 7523 §2.1; AWS calls
// it a trusted token issuer): an administrator names it, where its keys
// are, which audience its tokens must name, and which claim names a signet
// user by which attribute.
type TrustedIssuer struct {
	// Issuer is the iss its tokens carry, compared exactly.
	Issuer string `yaml:"issuer"`
	// JWKSURL is where its keys are; empty: OpenID Connect Discovery from
	// Issuer.
	JWKSURL string `yaml:"jwks_url"`
	// Audiences: a token's aud must name one of them.
	Audiences []string `yaml:"audiences"`
	// Claim is the claim that names the user (e.g. "email",
	// "preferred_username"); empty: "sub".
	Claim string `yaml:"claim"`
	// Match is the user attribute Claim's value is compared with:
	// MatchName (the login name; the default) or MatchID.
	Match string `yaml:"match"`
}

// User attributes a TrustedIssuer's claim may match.
const (
	MatchName = "name"
	MatchID   = "id"
)

// IssuerKeys fetches a trusted issuer's key set; *jwks.Cache implements
// it. refresh asks for a fresher set than the cached one (a key id was not
// in it); the implementation bounds how often that fetches.
type IssuerKeys interface {
	Keys(ctx context.Context, issuer, jwksURL string, refresh bool) (jose.JSONWebKeySet, error)
}

// Check validates an issuer's settings and fills the defaults.
func (ti *TrustedIssuer) Check() error {
	if ti.Claim == "" {
		ti.Claim = "sub"
	}
	if ti.Match == "" {
		ti.Match = MatchName
	}
	var errs []error
	if u, err := url.Parse(ti.Issuer); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q: want an http(s) URL", ti.Issuer))
	}
	if ti.JWKSURL != "" {
		if u, err := url.Parse(ti.JWKSURL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			errs = append(errs, fmt.Errorf("jwks_url %q: want an http(s) URL", ti.JWKSURL))
		}
	}
	if len(ti.Audiences) == 0 {
		errs = append(errs, errors.New("audiences: at least one is required"))
	}
	for _, a := range ti.Audiences {
		if a == "" || len(a) > MaxRedirectURILen {
			errs = append(errs, fmt.Errorf("audience %q: want 1 to %d characters", a, MaxRedirectURILen))
		}
	}
	if len(ti.Claim) > 64 || strings.TrimSpace(ti.Claim) != ti.Claim {
		errs = append(errs, fmt.Errorf("claim %q: want a claim name", ti.Claim))
	}
	if ti.Match != MatchName && ti.Match != MatchID {
		errs = append(errs, fmt.Errorf("match %q: want %s or %s", ti.Match, MatchName, MatchID))
	}
	if len(errs) > 0 {
		return fmt.Errorf("trusted token issuer %s: %w", ti.Issuer, errors.Join(errs...))
	}
	return nil
}

// ParseTrustedIssuer reads the flag and environment form of a trusted
// issuer: comma-separated key=value pairs with the YAML keys, audiences
// separated by spaces, e.g.
// "issuer=https://idp.example.com,audiences=signet,claim=email,match=name".
func ParseTrustedIssuer(s string) (TrustedIssuer, error) {
	var ti TrustedIssuer
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return TrustedIssuer{}, fmt.Errorf("trusted token issuer %q: %q is not key=value", s, part)
		}
		switch k {
		case "issuer":
			ti.Issuer = v
		case "jwks_url":
			ti.JWKSURL = v
		case "audiences", "audience":
			ti.Audiences = append(ti.Audiences, strings.Fields(v)...)
		case "claim":
			ti.Claim = v
		case "match":
			ti.Match = v
		default:
			return TrustedIssuer{}, fmt.Errorf("trusted token issuer %q: unknown key %q", s, k)
		}
	}
	return ti, ti.Check()
}
