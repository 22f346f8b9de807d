package authserver

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

// RFC 8693 names (§2.1, §3).
const (
	GrantTokenExchangeURN = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
)

// JWTVerifier checks a JWT signed by the server's keys (typ as the claims'
// kind) and decodes its claims; *keyring.Keyring implements it.
type JWTVerifier interface {
	VerifyJWT(token string, claims any) error
}

// ExchangeRequest is one CreateOAuth2TokenWithTokenExchange (RFC 8693 §2.1).
type ExchangeRequest struct {
	GrantType        string
	SubjectToken     string
	SubjectTokenType string
	// Resource is the audience of the new token, already checked to name
	// a resource server (not this server nor one of its clients).
	Resource string
	// Scope is space-delimited IAM managed-policy ARNs: the session
	// policies the new token carries.
	Scope  string
	Issuer string // iss of the subject token and of the new one
}

// ExchangeClaims are the exchanged token's claims (typ at+jwt): the
// subject's principal, for resource, with the session policies the
// resource server must intersect with the principal's own permissions.
type ExchangeClaims struct {
	Iss       string   `json:"iss"`
	Sub       string   `json:"sub"`
	Aud       string   `json:"aud"`
	AccountID string   `json:"account_id"`
	Iat       int64    `json:"iat"`
	Exp       int64    `json:"exp"`
	JTI       string   `json:"jti"`
	Scope     string   `json:"scope,omitempty"`
	Policies  []string `json:"session_policies,omitempty"`
	TokenUse  string   `json:"token_use,omitempty"` // "exchange": never exchanged again
}

// JWTType makes the signer write typ at+jwt (RFC 9068 §2.1).
func (ExchangeClaims) JWTType() string { return signet.JWTTypeAccess }

// subjectClaims are what a subject token must carry: the claims of a
// CreateOAuth2TokenWithIAM access token.
type subjectClaims = ExchangeClaims

var (
	policyARN = regexp.MustCompile(`^arn:aws:iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,512}$`)
	accountID = regexp.MustCompile(`^\d{12}$`)
)

// MaxSessionPolicies bounds the scope of a token exchange, as STS bounds
// the managed session policies of one session.
const MaxSessionPolicies = 10

// Exchange is Sign-In's token exchange (RFC 8693): a JWT access token this
// server issued to an AWS principal through CreateOAuth2TokenWithIAM, still
// valid, becomes a token for another resource, living no longer than the
// subject and at most an hour, with the scope's session policies. An
// exchanged token is not a subject in turn, nor are ID tokens or
// client_credentials tokens. Errors: unsupported_grant_type, invalid_request
// (a subject token type other than jwt or access_token), invalid_grant (a
// subject this server did not issue to a principal, or expired),
// invalid_scope.
func (s *Server) Exchange(ctx context.Context, r ExchangeRequest) (string, time.Duration, error) {
	if s.signer == nil || s.verifier == nil {
		return "", 0, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "Token exchange is not enabled."}
	}
	switch {
	case r.GrantType != GrantTokenExchangeURN:
		return "", 0, &signet.Error{Code: signet.CodeUnsupportedGrantType, Message: "grant_type must be " + GrantTokenExchangeURN + "."}
	case r.SubjectToken == "":
		return "", 0, invalidRequest("subject_token is required.")
	case r.SubjectTokenType != TokenTypeJWT && r.SubjectTokenType != TokenTypeAccessToken:
		return "", 0, invalidRequest("subject_token_type must be " + TokenTypeJWT + ".")
	}
	policies := strings.Fields(r.Scope)
	if len(policies) > MaxSessionPolicies {
		return "", 0, &signet.Error{Code: signet.CodeInvalidScope, Message: "At most 10 session policies."}
	}
	for _, p := range policies {
		if !policyARN.MatchString(p) {
			return "", 0, &signet.Error{Code: signet.CodeInvalidScope, Message: "scope must be IAM managed-policy ARNs separated by spaces."}
		}
	}
	now := s.clock.Now()
	var sub subjectClaims
	err := s.verifier.VerifyJWT(r.SubjectToken, &sub)
	issuer := strings.TrimSuffix(r.Issuer, "/")
	switch {
	case err != nil:
		return "", 0, exchangeRefused(err)
	case strings.TrimSuffix(sub.Iss, "/") != issuer:
		return "", 0, exchangeRefused(errors.New("subject token of another issuer"))
	case !accountID.MatchString(sub.AccountID) || !strings.HasPrefix(sub.Sub, "arn:aws:") || sub.TokenUse != "":
		return "", 0, exchangeRefused(errors.New("subject token is not a principal's access token"))
	case !now.Before(time.Unix(sub.Exp, 0)):
		return "", 0, exchangeRefused(errors.New("subject token expired"))
	}
	exp := min(sub.Exp, now.Add(time.Hour).Unix())
	jti, err := s.minter.ID()
	if err != nil {
		return "", 0, signet.Internal(err)
	}
	tok, err := s.signer.SignJWT(ExchangeClaims{
		Iss: r.Issuer, Sub: sub.Sub, Aud: r.Resource, AccountID: sub.AccountID, Iat: now.Unix(), Exp: exp, JTI: jti,
		Scope: strings.Join(policies, " "), Policies: policies, TokenUse: "exchange",
	})
	if err != nil {
		return "", 0, signet.Internal(err)
	}
	return tok, time.Unix(exp, 0).Sub(now), nil
}

func exchangeRefused(cause error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidGrant, Message: "The subject token is not valid for exchange.", Err: cause}
}
