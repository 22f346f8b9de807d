package oauth2

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
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
// names. The failure budget of a client secret (catalogue CL-04) is the
// engine's, which asks it before the secret is checked.
func (h *Handler) guard(r *http.Request, c credentials, class ratelimit.Class) error {
	if e := h.Limiter.Request(r, class, c.id); e != nil {
		return e
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

// authenticatedCall reads r's form and has the engine authenticate the
// calling client for endpoint, the same steps at every
// client-authenticated endpoint: one credentials method (catalogue CL-03),
// limit, then the engine, which keeps the failure budget (CL-04). The error
// is the one to answer with. confidentialOnly refuses a public client
// naming itself (introspection).
func (h *Handler) authenticatedCall(r *http.Request, endpoint string, confidentialOnly bool, limit func(credentials) error) (clientCall, error) {
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
	client, err := h.Engine.AuthenticateClient(r.Context(), authserver.ClientAuth{
		Credential: h.credential(creds, endpoint), Origin: h.Limiter.Origin(r), ConfidentialOnly: confidentialOnly,
	})
	if err != nil {
		return clientCall{}, err
	}
	return clientCall{form: f, creds: creds, client: client}, nil
}

// credential is the engine's form of the credentials a request presented
// at endpoint: an assertion may name this server by the issuer, the token
// endpoint or the endpoint called.
func (h *Handler) credential(c credentials, endpoint string) authserver.ClientCredential {
	switch c.method {
	case authNone:
		return authserver.PublicClient{ID: c.id}
	case authJWT:
		return authserver.ClientAssertion{ID: c.id, JWT: c.assertion,
			Audiences: []string{h.Issuer, h.url(pathToken), h.url(endpoint)}}
	}
	return authserver.ClientSecret{ID: c.id, Secret: c.secret}
}
