package signin

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/httpserver"
)

// The built-in Sign-In clients (signin.md §6.1); package web knows them for
// the pages, this package for the token endpoint and the store.
const (
	ClientSameDevice  = signet.SignInSameDevice
	ClientCrossDevice = signet.SignInCrossDevice
)

// TokenType is what the real service sends as tokenType (signin.md §2; the
// model's pattern says aws_sigv4, but every client stores the value
// verbatim and the real one is the URN).
const TokenType = "urn:aws:params:oauth:token-type:access_token_sigv4"

// Constraints of CreateOAuth2TokenRequestBody (models/signin service-2.json).
var (
	clientIDPattern  = regexp.MustCompile(`^(` + regexp.QuoteMeta(ClientCrossDevice) + `|` + regexp.QuoteMeta(ClientSameDevice) + `)$`)
	grantTypePattern = regexp.MustCompile(`^(authorization_code|refresh_token)$`)
	verifierPattern  = regexp.MustCompile(`^[A-Za-z0-9\-._~]+$`)
)

const (
	maxCode         = 512
	maxRedirectURI  = 2048
	minVerifier     = 43
	maxVerifier     = 128
	maxRefreshToken = 2048
)

// tokenInput is CreateOAuth2TokenRequestBody.
type tokenInput struct {
	ClientID, GrantType, Code, RedirectURI, CodeVerifier, RefreshToken string
}

// field is one member of the body with its two spellings: the model's
// camelCase JSON name and the snake_case name of the form-encoded variant.
type field struct {
	camel, snake string
	dst          func(*tokenInput) *string
}

func tokenFields() []field {
	return []field{
		{"clientId", "client_id", func(t *tokenInput) *string { return &t.ClientID }},
		{"grantType", "grant_type", func(t *tokenInput) *string { return &t.GrantType }},
		{"code", "code", func(t *tokenInput) *string { return &t.Code }},
		{"redirectUri", "redirect_uri", func(t *tokenInput) *string { return &t.RedirectURI }},
		{"codeVerifier", "code_verifier", func(t *tokenInput) *string { return &t.CodeVerifier }},
		{"refreshToken", "refresh_token", func(t *tokenInput) *string { return &t.RefreshToken }},
	}
}

// present records which members a body named, so that an empty string is
// told apart from an absent member (the model's minimum lengths are 1).
type present map[string]bool

func invalid(msg string) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidRequest, Message: msg}
}

// readTokenBody reads a CreateOAuth2Token body: JSON (what the SDKs and
// the CLI send) or application/x-www-form-urlencoded (the model documents
// snake_case names for it). Either encoding accepts either spelling of a
// member, but never both, and never one twice (catalogue IN-03): there is
// no "last one wins".
func readTokenBody(r *http.Request) (tokenInput, present, error) {
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return tokenInput{}, nil, invalid("The Content-Type is not valid.")
		}
	}
	if mt == "application/x-www-form-urlencoded" {
		body, err := io.ReadAll(io.LimitReader(r.Body, awsjson.MaxBodyBytes+1))
		if httpserver.BodyTooLarge(err) || err == nil && len(body) > awsjson.MaxBodyBytes {
			return tokenInput{}, nil, decodeFailed(awsjson.TooLarge())
		}
		if err != nil {
			return tokenInput{}, nil, invalid("The request body could not be read.")
		}
		return parseForm(body)
	}
	body, err := awsjson.ReadBody(r)
	if err != nil {
		return tokenInput{}, nil, decodeFailed(err)
	}
	return parseJSON(body)
}

func decodeFailed(err error) *signet.Error {
	var de *awsjson.DecodeError
	if errors.As(err, &de) {
		return &signet.Error{Code: signet.CodeInvalidRequest, Message: de.Msg, Err: err}
	}
	return invalid("The request body is not valid.")
}

// parseJSON decodes a JSON body. The member names are matched exactly
// (encoding/json's struct decoding would also take "CLIENTID"); awsjson
// has already refused duplicates, bad nesting and trailing data.
func parseJSON(body []byte) (tokenInput, present, error) {
	var raw map[string]json.RawMessage
	if err := awsjson.Unmarshal(body, &raw); err != nil {
		return tokenInput{}, nil, decodeFailed(err)
	}
	get := func(name string) (string, bool, error) {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return "", false, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false, invalid("Member " + name + " must be a string.")
		}
		return s, true, nil
	}
	return collect(get)
}

// parseForm decodes a form body, refusing repeated parameters (RFC 6749
// §3.1: "Request and response parameters MUST NOT be included more than
// once").
func parseForm(body []byte) (tokenInput, present, error) {
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return tokenInput{}, nil, invalid("The form body is not valid.")
	}
	get := func(name string) (string, bool, error) {
		v, ok := q[name]
		if !ok {
			return "", false, nil
		}
		if len(v) != 1 {
			return "", false, invalid("Parameter " + name + " appears more than once.")
		}
		return v[0], true, nil
	}
	return collect(get)
}

func collect(get func(string) (string, bool, error)) (tokenInput, present, error) {
	var in tokenInput
	seen := present{}
	for _, f := range tokenFields() {
		cv, cok, err := get(f.camel)
		if err != nil {
			return tokenInput{}, nil, err
		}
		sv, sok := "", false
		if f.snake != f.camel {
			if sv, sok, err = get(f.snake); err != nil {
				return tokenInput{}, nil, err
			}
		}
		switch {
		case cok && sok:
			return tokenInput{}, nil, invalid("Members " + f.camel + " and " + f.snake + " must not both be present.")
		case cok:
			*f.dst(&in), seen[f.camel] = cv, true
		case sok:
			*f.dst(&in), seen[f.camel] = sv, true
		}
	}
	return in, seen, nil
}

// validate checks the model's constraints, before anything is looked up.
// Presence of the grant's own members is the engine's to check, so that a
// code redeemed without a verifier is burned (catalogue AC-01, AC-02).
func (in tokenInput) validate(seen present) *signet.Error {
	switch {
	case !seen["clientId"]:
		return invalid("clientId is required.")
	case !clientIDPattern.MatchString(in.ClientID):
		// Exactly the two built-in clients: no case variants, no spaces
		// (catalogue CL-08).
		return invalid("clientId is not a valid Sign-In client.")
	case !seen["grantType"]:
		return invalid("grantType is required.")
	case !grantTypePattern.MatchString(in.GrantType):
		return invalid("grantType must be authorization_code or refresh_token.")
	case seen["code"] && (len(in.Code) < 1 || len(in.Code) > maxCode):
		return invalid("code must be 1 to 512 characters.")
	case seen["redirectUri"] && (len(in.RedirectURI) < 1 || len(in.RedirectURI) > maxRedirectURI):
		return invalid("redirectUri must be 1 to 2048 characters.")
	case seen["codeVerifier"] && (len(in.CodeVerifier) < minVerifier || len(in.CodeVerifier) > maxVerifier ||
		!verifierPattern.MatchString(in.CodeVerifier)):
		// RFC 7636 §4.1 and the model: malformed verifiers are refused
		// before any comparison (catalogue AC-03).
		return invalid("codeVerifier must be 43 to 128 characters of [A-Za-z0-9-._~].")
	case seen["refreshToken"] && (len(in.RefreshToken) < 1 || len(in.RefreshToken) > maxRefreshToken):
		return invalid("refreshToken must be 1 to 2048 characters.")
	}
	return nil
}
