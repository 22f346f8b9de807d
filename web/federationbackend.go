package web

import (
	"context"
	"errors"
	"net/url"
	"slices"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/upstream"
)

// FederationBackend is the Federation the server runs with: package
// upstream checks the provider's answer, the engine decides what it is
// worth (the user, created on the first login; its groups).
type FederationBackend struct {
	Upstream *upstream.Service
	Engine   *authserver.Server
	Store    signet.FederationStore
}

var _ Federation = FederationBackend{}

// Providers lists the OIDC providers (SAML ones have no login here yet).
func (b FederationBackend) Providers(ctx context.Context) ([]signet.IdentityProvider, error) {
	ps, err := b.Store.ListIdPs(ctx)
	return slices.DeleteFunc(ps, func(p signet.IdentityProvider) bool { return p.Kind != signet.IdPOIDC }), err
}

// Begin starts an upstream login.
func (b FederationBackend) Begin(ctx context.Context, idp, binding, ret string) (string, error) {
	return b.Upstream.Begin(ctx, idp, binding, ret)
}

// Complete checks the callback and signs the identity in through the
// engine.
func (b FederationBackend) Complete(ctx context.Context, idp string, q url.Values, binding string) (signet.User, []string, string, error) {
	id, ret, err := b.Upstream.Complete(ctx, idp, q, binding)
	if errors.Is(err, upstream.ErrRefused) {
		// The record names the provider and the class, never the
		// provider's answer (the reason stays in the log).
		if aerr := b.Engine.FederatedRefused(ctx, idp, "upstream_refused"); aerr != nil {
			return signet.User{}, nil, "", aerr
		}
		return signet.User{}, nil, "", &signet.Error{Code: signet.CodeAccessDenied, Message: "The sign-in was refused.", Err: err}
	}
	if err != nil {
		return signet.User{}, nil, "", err
	}
	u, err := b.Engine.FederatedLogin(ctx, authserver.FederatedLogin{IdP: id.IdP, Subject: id.Subject,
		Username: id.Username, DisplayName: id.DisplayName, Email: id.Email, Groups: id.Groups})
	if err != nil {
		return signet.User{}, nil, "", err
	}
	return u, FederatedAMR(id.AMR), ret, nil
}

// rfc8176 are the registered authentication method reference values
// (RFC 8176 §2).
var rfc8176 = []string{"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop",
	"pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia"}

// FederatedAMR is what a browser session records for an upstream login:
// the provider's amr values that RFC 8176 registers, in its order, once
// each. When the provider sent none, nothing is recorded: RFC 8176 has no
// value for "an upstream provider vouched", and claiming "pwd" or "mfa" on
// its behalf would let a policy count a factor nobody saw.
func FederatedAMR(amr []string) []string {
	var out []string
	for _, v := range amr {
		if slices.Contains(rfc8176, v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
