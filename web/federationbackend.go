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
	// SAML runs the SAML 2.0 providers' logins; nil: only OIDC ones are
	// offered.
	SAML   *upstream.SAML
	Engine *authserver.Server
	Store  signet.FederationStore
}

var (
	_ Federation     = FederationBackend{}
	_ SAMLFederation = FederationBackend{}
)

// Providers lists the OIDC providers, and the SAML ones when SAML is set.
func (b FederationBackend) Providers(ctx context.Context) ([]signet.IdentityProvider, error) {
	ps, err := b.Store.ListIdPs(ctx)
	return slices.DeleteFunc(ps, func(p signet.IdentityProvider) bool {
		return p.Kind != signet.IdPOIDC && (p.Kind != signet.IdPSAML || b.SAML == nil)
	}), err
}

// Begin starts an upstream login with the provider's protocol.
func (b FederationBackend) Begin(ctx context.Context, idp, binding, ret string) (string, error) {
	p, err := b.Store.GetIdP(ctx, idp)
	if err != nil {
		return "", err
	}
	if p.Kind == signet.IdPSAML {
		if b.SAML == nil {
			return "", signet.ErrNotFound
		}
		return b.SAML.Begin(ctx, idp, binding, ret)
	}
	return b.Upstream.Begin(ctx, idp, binding, ret)
}

// SAMLMetadata is signet's SP metadata for a SAML provider.
func (b FederationBackend) SAMLMetadata(ctx context.Context, idp string) ([]byte, error) {
	if b.SAML == nil {
		return nil, signet.ErrNotFound
	}
	return b.SAML.Metadata(ctx, idp)
}

// CompleteSAML checks a response posted to the ACS and signs the identity
// in through the engine, as Complete does for OIDC.
func (b FederationBackend) CompleteSAML(ctx context.Context, idp, samlResponse, relayState, binding string) (signet.User, []string, string, error) {
	if b.SAML == nil {
		return signet.User{}, nil, "", signet.ErrNotFound
	}
	id, ret, err := b.SAML.Complete(ctx, idp, samlResponse, relayState, binding)
	return b.login(ctx, idp, id, ret, err)
}

// Complete checks the callback and signs the identity in through the
// engine.
func (b FederationBackend) Complete(ctx context.Context, idp string, q url.Values, binding string) (signet.User, []string, string, error) {
	id, ret, err := b.Upstream.Complete(ctx, idp, q, binding)
	return b.login(ctx, idp, id, ret, err)
}

// login signs a checked upstream identity in through the engine.
func (b FederationBackend) login(ctx context.Context, idp string, id upstream.Identity, ret string, err error) (signet.User, []string, string, error) {
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
