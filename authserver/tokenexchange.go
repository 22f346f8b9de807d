package authserver

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/signet-auth/signet"
)

// RFC 8693 §3 token type identifiers.
const (
	TokenTypeAccess  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefresh = "urn:ietf:params:oauth:token-type:refresh_token"
)

// DefaultAppScopes are the scopes CreateTokenWithIAM grants every
// application (the model: "including the following default scopes");
// they name no application, so they never make a token one's audience.
var DefaultAppScopes = []string{"openid", "aws", "sts:identity_context"}

// tokenExchangeGrant exchanges a user's SSO OIDC access token, issued to
// another client, for a session of the requesting application (RFC 8693;
// CreateTokenWithIAM's urn:ietf:params:oauth:grant-type:token-exchange).
// As AWS documents it: the subject token is an access token
// (subjectTokenType access_token) issued to a different client, whose
// authorized scopes name the requested application as a target audience —
// here, at least one of the application's own scopes other than
// DefaultAppScopes. requestedTokenType access_token (the default) answers
// an access token only; refresh_token adds a refresh token. The new
// session never outlives the subject token's session.
type tokenExchangeGrant struct{}

func (tokenExchangeGrant) offeredBy(p signet.Protocol) bool { return p == signet.ProtocolSSOOIDC }

func (tokenExchangeGrant) validate(r *TokenRequest) *signet.Error {
	switch {
	case r.SubjectToken == "":
		return invalidRequest("The subject token is required.")
	case len(r.SubjectToken) > MaxTokenLen:
		return invalidRequest("The subject token is too long.")
	case r.SubjectTokenType != TokenTypeAccess:
		return invalidRequest("The subject token type must be " + TokenTypeAccess + ".")
	case r.RequestedTokenType != "" && r.RequestedTokenType != TokenTypeAccess && r.RequestedTokenType != TokenTypeRefresh:
		return invalidRequest("The requested token type must be " + TokenTypeAccess + " or " + TokenTypeRefresh + ".")
	}
	return nil
}

func (tokenExchangeGrant) exchange(ctx context.Context, x *exchange) (TokenResponse, error) {
	s, r := x.s, x.req
	if _, ok := r.Client.(AWSPrincipal); !ok {
		return TokenResponse{}, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "The grant type is not supported."}
	}
	subject, err := s.LookupToken(ctx, TokenLookup{Token: r.SubjectToken, Kinds: AccessTokens, Protocol: signet.ProtocolSSOOIDC})
	if err != nil {
		return TokenResponse{}, passThrough(err, func(error) *signet.Error { return nil })
	}
	sub := subject.Session
	switch {
	case sub.UserID == "":
		return TokenResponse{}, exchangeFailed(errors.New("subject token has no user"))
	case sub.ClientID == x.client.ID:
		return TokenResponse{}, exchangeFailed(errors.New("subject token issued to the requesting application itself"))
	case !targets(sub.Scopes, x.client.Scopes):
		return TokenResponse{}, exchangeFailed(errors.New("subject token's scopes do not name the application"))
	}
	scopes, serr := x.grantScopes()
	if serr != nil {
		return TokenResponse{}, serr
	}
	resp, err := x.startSessionFrom(ctx, sub, scopes)
	if err != nil {
		return TokenResponse{}, err
	}
	if r.RequestedTokenType != TokenTypeRefresh {
		// Nobody ever holds this generation's refresh token: it is
		// derived from a seed that is dropped here.
		resp.RefreshToken = ""
	}
	return resp, nil
}

// exchangeFailed is the answer to a subject token that cannot be
// exchanged for this application.
func exchangeFailed(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Reason: signet.ReasonTokenExpired,
		Message: "The subject token is not active or not for this application.", Err: cause}
}

// targets reports whether granted names the application: one of its
// scopes that is not a default scope.
func targets(granted, appScopes []string) bool {
	for _, sc := range appScopes {
		if !slices.Contains(DefaultAppScopes, sc) && slices.Contains(granted, sc) {
			return true
		}
	}
	return false
}

// startSessionFrom starts the application's session for the subject
// session's user: the same sign-in time, never beyond the subject's end,
// and refused in the store's transaction if the user was disabled or
// changed credentials since that sign-in.
func (x *exchange) startSessionFrom(ctx context.Context, sub signet.Session, scopes []string) (TokenResponse, error) {
	return x.startSessionWith(ctx, sub.UserID, scopes, sub.AuthTime, sub.ExpiresAt)
}

// checkSince adds to checkStart the rule of a session that continues an
// earlier sign-in at authTime.
func checkSince(u signet.User, authTime time.Time) error {
	if err := checkStart(u); err != nil {
		return err
	}
	if u.CredentialsChangedAt.After(authTime) {
		return refreshFailed(signet.ReasonCredentialsChanged, errors.New("password changed after the subject's sign-in"))
	}
	return nil
}
