package ssooidc

import (
	"errors"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sigv4"
)

// createTokenInput is CreateToken's request (sso-oidc.md §4).
type createTokenInput struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode"`
	Code         string   `json:"code"`
	RedirectURI  string   `json:"redirectUri"`
	CodeVerifier string   `json:"codeVerifier"`
	RefreshToken string   `json:"refreshToken"`
	Scope        []string `json:"scope"`
	aliases
}

// createTokenWithIAMInput is CreateTokenWithIAM's request (sso-oidc.md §5).
type createTokenWithIAMInput struct {
	ClientID           string   `json:"clientId"`
	GrantType          string   `json:"grantType"`
	Code               string   `json:"code"`
	RefreshToken       string   `json:"refreshToken"`
	Assertion          string   `json:"assertion"`
	Scope              []string `json:"scope"`
	RedirectURI        string   `json:"redirectUri"`
	SubjectToken       string   `json:"subjectToken"`
	SubjectTokenType   string   `json:"subjectTokenType"`
	RequestedTokenType string   `json:"requestedTokenType"`
	CodeVerifier       string   `json:"codeVerifier"`
	aliases
}

// tokenOutput is the response of both. expiresIn is required in practice
// (a Go client reads a missing one as 0: expired at once), and a refresh
// response always carries a refreshToken, since every SDK drops the stored
// one when the response has none (sso-oidc.md §4). issuedTokenType and
// scope are CreateTokenWithIAM's.
type tokenOutput struct {
	AccessToken     string   `json:"accessToken"`
	TokenType       string   `json:"tokenType"`
	ExpiresIn       int64    `json:"expiresIn"`
	RefreshToken    string   `json:"refreshToken,omitempty"`
	IssuedTokenType string   `json:"issuedTokenType,omitempty"`
	Scope           []string `json:"scope,omitempty"`
	// CreateTokenWithIAM's, for a user's session with the openid and
	// sts:identity_context scopes (idtoken.go).
	IDToken              string                `json:"idToken,omitempty"`
	AWSAdditionalDetails *awsAdditionalDetails `json:"awsAdditionalDetails,omitempty"`
}

// awsAdditionalDetails is the model's AwsAdditionalDetails.
type awsAdditionalDetails struct {
	IdentityContext string `json:"identityContext,omitempty"`
}

// Token-type URIs (RFC 8693 §3).
const (
	tokenTypeRefresh = "urn:ietf:params:oauth:token-type:refresh_token"
	tokenTypeAccess  = "urn:ietf:params:oauth:token-type:access_token"
)

// createToken serves CreateToken: the client authenticates with its secret
// in the body, and the engine's one dispatcher does the rest (PKCE,
// redirect URI, single use, rotation with its grace window and reuse
// detection, the device-flow states).
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { h.writeError(w, r, opCreateToken, err) }
	if e := unsignedRequest(r); e != nil {
		fail(e)
		return
	}
	var in createTokenInput
	if e := decode(r, &in); e != nil {
		fail(e)
		return
	}
	if e := checkBounds([]field{
		{"clientId", in.ClientID, maxIDLen},
		{"clientSecret", in.ClientSecret, maxTokenLen},
		{"grantType", in.GrantType, maxShortLen},
		{"deviceCode", in.DeviceCode, maxTokenLen},
		{"code", in.Code, maxCodeLen},
		{"redirectUri", in.RedirectURI, maxURLLen},
		{"codeVerifier", in.CodeVerifier, maxShortLen},
		{"refreshToken", in.RefreshToken, maxTokenLen},
	}, []list{{"scope", in.Scope, maxShortLen, maxScopes}}); e != nil {
		fail(e)
		return
	}
	switch {
	case in.aliases.conflicts(in.ClientID, in.ClientSecret, in.GrantType, in.RedirectURI, in.CodeVerifier, in.RefreshToken, in.DeviceCode):
		fail(invalidRequest("A member is given in two spellings."))
		return
	case in.ClientID == "" || in.ClientSecret == "" || in.GrantType == "":
		fail(invalidRequest("clientId, clientSecret and grantType are required."))
		return
	case in.GrantType == signet.GrantJWTBearer || in.GrantType == signet.GrantTokenExchange:
		// CreateToken has no assertion or subjectToken member: these are
		// CreateTokenWithIAM's grants.
		fail(&signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "The grant type is not supported."})
		return
	}
	// The client's bucket is keyed by the grant; a retry of it is free (AB-02).
	r = r.WithContext(ratelimit.WithGrant(ratelimit.WithDeviceCode(r.Context(), in.DeviceCode), in.RefreshToken+in.Code))
	if e := h.throttle(r, ratelimit.ClassToken, in.ClientID); e != nil {
		fail(e)
		return
	}
	resp, err := h.Engine.Token(r.Context(), authserver.TokenRequest{
		Protocol:     signet.ProtocolSSOOIDC,
		GrantType:    in.GrantType,
		Client:       authserver.ClientSecret{ID: in.ClientID, Secret: in.ClientSecret},
		Origin:       h.Limiter.Origin(r),
		Code:         in.Code,
		RedirectURI:  in.RedirectURI,
		CodeVerifier: in.CodeVerifier,
		RefreshToken: in.RefreshToken,
		DeviceCode:   in.DeviceCode,
		Scopes:       in.Scope,
	})
	if err != nil {
		fail(err)
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, tokenOutput{
		AccessToken:  resp.AccessToken,
		TokenType:    "Bearer",
		ExpiresIn:    resp.ExpiresInSeconds(),
		RefreshToken: resp.RefreshToken,
	})
}

// createTokenWithIAM serves CreateTokenWithIAM. It runs behind the SigV4
// check (routes), which put the verified caller in the context.
func (h *Handler) createTokenWithIAM(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { h.writeError(w, r, opCreateTokenWithIAM, err) }
	if h.Verifier == nil || h.IAMAccountID == "" {
		fail(&signet.Error{Code: signet.CodeAccessDenied, Message: "CreateTokenWithIAM is not enabled on this server."})
		return
	}
	caller, ok := sigv4.CallerFrom(r.Context())
	if !ok {
		fail(signet.Internal(errors.New("ssooidc: CreateTokenWithIAM reached without a verified caller")))
		return
	}
	if h.Region != "" && caller.Region != h.Region {
		h.writeRegionError(w, r, h.Region)
		return
	}
	var in createTokenWithIAMInput
	if e := decode(r, &in); e != nil {
		fail(e)
		return
	}
	if e := checkBounds([]field{
		{"clientId", in.ClientID, maxIDLen},
		{"grantType", in.GrantType, maxShortLen},
		{"code", in.Code, maxCodeLen},
		{"refreshToken", in.RefreshToken, maxTokenLen},
		{"assertion", in.Assertion, authserver.MaxTrustedAssertionLen}, // an IdP's ID token with its claims
		{"redirectUri", in.RedirectURI, maxURLLen},
		{"subjectToken", in.SubjectToken, maxTokenLen},
		{"subjectTokenType", in.SubjectTokenType, maxShortLen},
		{"requestedTokenType", in.RequestedTokenType, maxShortLen},
		{"codeVerifier", in.CodeVerifier, maxShortLen},
	}, []list{{"scope", in.Scope, maxShortLen, maxScopes}}); e != nil {
		fail(e)
		return
	}
	switch {
	case in.aliases.conflicts(in.ClientID, "", in.GrantType, in.RedirectURI, in.CodeVerifier, in.RefreshToken, ""):
		fail(invalidRequest("A member is given in two spellings."))
		return
	case in.ClientID == "" || in.GrantType == "":
		fail(invalidRequest("clientId and grantType are required."))
		return
	case !iamGrant(in.GrantType):
		fail(&signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "The grant type is not supported."})
		return
	}
	r = r.WithContext(ratelimit.WithGrant(r.Context(), in.RefreshToken+in.Code)) // retries free (AB-02); an assertion is single use
	if e := h.Limiter.Request(r, ratelimit.ClassToken, in.ClientID); e != nil {
		fail(e)
		return
	}
	// Who may act (a verified principal of the configured account, for an
	// application an administrator registered) is the engine's rule.
	resp, err := h.Engine.Token(r.Context(), authserver.TokenRequest{
		Protocol:     signet.ProtocolSSOOIDC,
		GrantType:    in.GrantType,
		Client:       authserver.AWSPrincipal{ID: in.ClientID, AccountID: caller.Principal.AccountID},
		Origin:       h.Limiter.Origin(r),
		Code:         in.Code,
		RedirectURI:  in.RedirectURI,
		CodeVerifier: in.CodeVerifier,
		RefreshToken: in.RefreshToken,
		Scopes:       in.Scope,
		Assertion:    in.Assertion,

		SubjectToken:       in.SubjectToken,
		SubjectTokenType:   in.SubjectTokenType,
		RequestedTokenType: in.RequestedTokenType,
	})
	if err != nil {
		fail(err)
		return
	}
	idToken, identityContext, err := h.identity(resp)
	if err != nil {
		// Committed but not answerable: the client retries or signs in again.
		fail(signet.Internal(err))
		return
	}
	out := tokenOutput{
		AccessToken:     resp.AccessToken,
		TokenType:       "Bearer",
		ExpiresIn:       resp.ExpiresInSeconds(),
		RefreshToken:    resp.RefreshToken,
		IssuedTokenType: tokenTypeRefresh,
		Scope:           resp.Scopes,
		IDToken:         idToken,
	}
	if resp.RefreshToken == "" {
		out.IssuedTokenType = tokenTypeAccess
	}
	if identityContext != "" {
		out.AWSAdditionalDetails = &awsAdditionalDetails{IdentityContext: identityContext}
	}
	awsjson.WriteJSON(w, http.StatusOK, out)
}

// iamGrant reports whether g is one of the four grant types
// CreateTokenWithIAM's model names; the device flow is CreateToken's.
func iamGrant(g string) bool {
	switch g {
	case signet.GrantAuthorizationCode, signet.GrantRefreshToken, signet.GrantJWTBearer, signet.GrantTokenExchange:
		return true
	}
	return false
}

// seconds is a duration as the wire's whole seconds, rounded up.
func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
