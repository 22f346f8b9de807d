package oauth2

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/ratelimit"
)

// Client authentication methods (RFC 8414 §2
// token_endpoint_auth_methods_supported; RFC 7591 §2).
const (
	authNone   = "none"
	authBasic  = "client_secret_basic"
	authPost   = "client_secret_post"
	authJWT    = "private_key_jwt"
	assertType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" // RFC 7523 §2.2
)

// Client assertion bounds (RFC 7523 §3; catalogue CL-09).
const (
	// maxAssertionLife is how far in the future an assertion's exp may
	// lie: a far-future exp would let a captured assertion live on.
	maxAssertionLife = 5 * time.Minute
	// assertionSkew tolerates clocks a little ahead of ours for iat/nbf.
	assertionSkew = 30 * time.Second
	maxJTILen     = 256
)

// assertionAlgs are the signature algorithms a client assertion may use.
// No "none" and no HMAC: client_secret_jwt is not offered, and a public key
// must never be used as a MAC secret (RFC 8725 §3.1).
func assertionAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.PS256, jose.EdDSA}
}

// credentials is how a request says who the client is: exactly one method.
type credentials struct {
	method    string
	id        string
	secret    string
	assertion string
}

// basic reports whether the client used HTTP Basic (for the 401 challenge).
func (c credentials) basic() bool { return c.method == authBasic }

// clientCredentials finds the client credentials of a request. Exactly one
// method may be used (RFC 6749 §2.3; catalogue CL-03): Basic together with
// a client_secret or a client assertion in the body, or a secret together
// with an assertion, is invalid_request and never falls back to either.
// Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1);
// malformed Basic (bad base64, no colon, bad escapes) is invalid_request.
// A request with no credentials at all is invalid_client.
func clientCredentials(r *http.Request, f form) (credentials, *signet.Error) {
	hasAssertion := f.has("client_assertion") || f.has("client_assertion_type")
	auth := r.Header.Values("Authorization")
	if len(auth) > 1 {
		return credentials{}, errInvalidRequest("More than one Authorization header.")
	}
	if len(auth) == 1 {
		scheme, payload, _ := strings.Cut(auth[0], " ")
		if !strings.EqualFold(scheme, "Basic") {
			return credentials{}, errInvalidRequest("Only the Basic scheme authenticates clients here.")
		}
		if f.has("client_secret") || hasAssertion {
			return credentials{}, errInvalidRequest("The client used more than one authentication method.")
		}
		id, secret, err := parseBasic(strings.TrimSpace(payload))
		if err != nil {
			return credentials{}, errInvalidRequest("The Basic credentials are malformed.")
		}
		if f.has("client_id") && f.get("client_id") != id {
			return credentials{}, errInvalidRequest("client_id differs from the authenticated client.")
		}
		return credentials{method: authBasic, id: id, secret: secret}, nil
	}
	if hasAssertion {
		if f.has("client_secret") {
			return credentials{}, errInvalidRequest("The client used more than one authentication method.")
		}
		if f.get("client_assertion_type") != assertType || !f.has("client_assertion") {
			return credentials{}, errInvalidRequest("client_assertion_type must be " + assertType + " with a client_assertion.")
		}
		return credentials{method: authJWT, id: f.get("client_id"), assertion: f.get("client_assertion")}, nil
	}
	if !f.has("client_id") {
		return credentials{}, errInvalidClient(errors.New("no client credentials"))
	}
	if f.has("client_secret") {
		return credentials{method: authPost, id: f.get("client_id"), secret: f.get("client_secret")}, nil
	}
	return credentials{method: authNone, id: f.get("client_id")}, nil
}

// parseBasic decodes RFC 7617 Basic credentials whose parts are
// form-urlencoded (RFC 6749 §2.3.1).
func parseBasic(payload string) (id, secret string, err error) {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", "", err
	}
	encID, encSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errors.New("no colon")
	}
	if id, err = url.QueryUnescape(encID); err != nil {
		return "", "", err
	}
	if secret, err = url.QueryUnescape(encSecret); err != nil {
		return "", "", err
	}
	if id == "" || !cleanText(id) || !cleanText(secret) {
		return "", "", errors.New("empty id or control characters")
	}
	return id, secret, nil
}

// guard applies the per-node buckets of class to the client a request
// names, and, for a client secret, the failure budget of that client from
// this address (catalogue CL-04), before the secret is checked. A store
// failure refuses the request (fail closed, RL-06).
func (h *Handler) guard(r *http.Request, c credentials, class ratelimit.Class) error {
	if e := h.Limiter.Request(r, class, c.id); e != nil {
		return e
	}
	if c.method == authBasic || c.method == authPost {
		if e := h.Limiter.ClientAuth(r, c.id); e != nil {
			return e
		}
	}
	return nil
}

// clientCall is a request to an endpoint its client authenticates to: the
// form, the credentials presented and the client they proved.
type clientCall struct {
	form   form
	creds  credentials
	client signet.Client
}

// authenticatedCall reads r's form and authenticates the calling client for
// endpoint, the same steps at every client-authenticated endpoint: one
// credentials method (catalogue CL-03), limit before any secret is checked,
// and the outcome counted toward the guessing limits (CL-04). The error is
// the one to answer with.
func (h *Handler) authenticatedCall(r *http.Request, endpoint string, allowPublic bool, limit func(credentials) error) (clientCall, error) {
	f, ferr := readForm(r)
	if ferr != nil {
		return clientCall{}, ferr
	}
	creds, cerr := clientCredentials(r, f)
	if cerr != nil {
		return clientCall{}, cerr
	}
	if err := limit(creds); err != nil {
		return clientCall{}, err
	}
	client, err := h.authenticate(r.Context(), creds, endpoint, allowPublic)
	if err := h.counted(r, creds, err); err != nil {
		return clientCall{}, err
	}
	return clientCall{form: f, creds: creds, client: client}, nil
}

// counted reports err, the outcome of authenticating c, to the limiter:
// an invalid_client answer to a client secret counts as a guess.
func (h *Handler) counted(r *http.Request, c credentials, err error) error {
	if c.method == authBasic || c.method == authPost {
		h.Limiter.ClientAuthResult(r, c.id, err)
	}
	return err
}

// authenticate authenticates the client of a request by any method.
// allowPublic lets a public client without a secret identify itself by
// client_id alone (method none); the introspection endpoint does not.
func (h *Handler) authenticate(ctx context.Context, c credentials, endpoint string, allowPublic bool) (signet.Client, error) {
	switch c.method {
	case authBasic, authPost:
		return h.Engine.AuthenticateClient(ctx, c.id, c.secret, false)
	case authNone:
		if !allowPublic {
			return signet.Client{}, errInvalidClient(errors.New("public client at an endpoint for confidential clients"))
		}
		return h.Engine.AuthenticateClient(ctx, c.id, "", true)
	case authJWT:
		id, err := h.verifyAssertion(ctx, c.assertion, c.id, endpoint)
		if err != nil {
			return signet.Client{}, err
		}
		return h.loadClient(ctx, id)
	}
	return signet.Client{}, errInvalidClient(errors.New("no client credentials"))
}

// loadClient reads a client another method authenticated.
func (h *Handler) loadClient(ctx context.Context, id string) (signet.Client, error) {
	cl, err := h.Clients.GetClient(ctx, id)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return signet.Client{}, errInvalidClient(err)
	case err != nil:
		return signet.Client{}, signet.Internal(err)
	case !cl.ExpiresAt.IsZero() && !h.Clock.Now().Before(cl.ExpiresAt):
		return signet.Client{}, errInvalidClient(errors.New("client registration expired"))
	}
	return cl, nil
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
	if len(s) > maxValueLen {
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
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); assertionTyped(typ) {
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
//   - iss = sub = the client (and = client_id when the form names one);
//   - aud names this server: the issuer, the token endpoint, or the
//     endpoint called;
//   - exp in the future but at most maxAssertionLife away; iat and nbf not
//     in the future;
//   - signed by a key the client registered (by kid when the header has
//     one), with the key's own algorithm;
//   - the jti not seen before for this client, on any node (catalogue CL-09,
//     CVE-2020-15222): recorded in the ReplayStore until exp.
//
// Every failure is invalid_client.
func (h *Handler) verifyAssertion(ctx context.Context, raw, clientID, endpoint string) (string, error) {
	if h.ClientKeys == nil {
		return "", errInvalidClient(errors.New("private_key_jwt is not enabled"))
	}
	a, err := parseAssertion(raw)
	if err != nil {
		return "", errInvalidClient(fmt.Errorf("client assertion: %w", err))
	}
	c := a.claims
	now := h.Clock.Now()
	switch {
	case clientID != "" && clientID != c.Subject:
		return "", errInvalidClient(errors.New("client assertion names another client"))
	case !c.Audience.Contains(h.Issuer) && !c.Audience.Contains(h.url(pathToken)) && !c.Audience.Contains(h.url(endpoint)):
		return "", errInvalidClient(errors.New("client assertion aud is not this server"))
	case !now.Before(c.Expiry.Time()):
		return "", errInvalidClient(errors.New("client assertion expired"))
	case c.Expiry.Time().After(now.Add(maxAssertionLife)):
		return "", errInvalidClient(errors.New("client assertion exp too far in the future"))
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)):
		return "", errInvalidClient(errors.New("client assertion iat in the future"))
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)):
		return "", errInvalidClient(errors.New("client assertion not yet valid"))
	}
	raw2, err := h.ClientKeys.ClientJWKS(ctx, c.Subject)
	if errors.Is(err, signet.ErrNotFound) {
		return "", errInvalidClient(errors.New("client has no registered keys"))
	}
	if err != nil {
		return "", signet.Internal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw2, &set); err != nil {
		return "", signet.Internal(fmt.Errorf("client %s: stored JWKS: %w", c.Subject, err))
	}
	if !a.verifiedBy(set) {
		return "", errInvalidClient(errors.New("client assertion signature does not verify with a registered key"))
	}
	d := sha256.Sum256([]byte("client assertion\x00" + c.Subject + "\x00" + c.ID))
	fresh, err := h.Replay.MarkUsed(ctx, signet.Digest(d), c.Expiry.Time(), now)
	if err != nil {
		return "", unavailable(err)
	}
	if !fresh {
		return "", errInvalidClient(errors.New("client assertion jti replayed"))
	}
	return c.Subject, nil
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
