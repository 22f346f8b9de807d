package signin

import (
	"context"
	"errors"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/keyring"
)

// The kinds of JWT this package signs (RFC 8725 §3.11–3.12; catalogue
// JT-01):
//
//   - the idToken of CreateOAuth2Token (idClaims): typ JWT, aud the Sign-In
//     client it was issued to;
//   - the access token of CreateOAuth2TokenWithIAM (iamClaims): typ at+jwt
//     (RFC 9068 §2.1), aud the resource asked for, which may not be this
//     server or any client of it: a SigV4 caller chooses it, and must not
//     be able to mint a token that reads as an ID token for some client.

var _ keyring.Typed = iamClaims{}

// JWTType makes keyring sign iamClaims as at+jwt.
func (iamClaims) JWTType() string { return keyring.TypeAccessToken }

// ClientLookup finds a client by id; signet.ClientStore implements it.
type ClientLookup interface {
	GetClient(ctx context.Context, id string) (signet.Client, error)
}

// iamAudienceAllowed reports whether a WithIAM token may be minted for
// resource, or the store error that kept it from deciding.
func (h *Handler) iamAudienceAllowed(ctx context.Context, resource string) (bool, error) {
	issuer := strings.TrimSuffix(h.Issuer, "/")
	switch {
	case resource == ClientSameDevice || resource == ClientCrossDevice || strings.HasPrefix(resource, "arn:aws:signin:"):
		return false, nil
	case issuer != "" && (resource == issuer || resource == issuer+"/" || strings.HasPrefix(resource, issuer+"/")):
		return false, nil
	case h.Clients == nil:
		return true, nil
	}
	_, err := h.Clients.GetClient(ctx, resource)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	return false, nil
}
