package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/upstream"
	"github.com/signet-auth/signet/web"
)

// declareIdPs writes the providers of the configuration file to the store:
// the file wins over a provider of the same name an administrator added.
// Each client secret reference is resolved once here, so a missing
// variable or file stops the start instead of the first login.
func (a *App) declareIdPs(ctx context.Context) error {
	now := a.deps.Clock.Now()
	for _, s := range a.Config.Federation.IdentityProviders {
		if _, err := upstream.ResolveSecret(s.ClientSecret, a.deps.Getenv); err != nil {
			return fmt.Errorf("identity_providers %s: %w", s.Name, err)
		}
		p := IdPFromSettings(s)
		if err := readSAMLMetadata(&p, s); err != nil {
			return fmt.Errorf("identity_providers %s: %w", s.Name, err)
		}
		p.CreatedAt, p.UpdatedAt = now, now
		if err := a.Stores.Federation.SetIdP(ctx, p); err != nil {
			return fmt.Errorf("identity_providers %s: %w", s.Name, err)
		}
	}
	return nil
}

// IdPFromSettings is the provider a configuration file entry declares.
func IdPFromSettings(s config.IdPSettings) signet.IdentityProvider {
	return signet.IdentityProvider{
		Name: s.Name, Kind: signet.IdPOIDC, DisplayName: s.DisplayName, Issuer: strings.TrimSpace(s.Issuer),
		ClientID: s.ClientID, ClientSecretRef: s.ClientSecret, Scopes: s.Scopes, Domains: s.Domains, AllowedGroups: s.AllowedGroups,
		Claims: signet.ClaimMapping{Subject: s.Claims["sub"], Username: s.Claims["username"],
			DisplayName: s.Claims["name"], Email: s.Claims["email"], Groups: s.Claims["groups"]},
	}
}

// newFederation is the pages' upstream login.
func (a *App) newFederation() web.Federation {
	d := &a.deps
	return web.FederationBackend{
		Upstream: &upstream.Service{Store: a.Stores.Federation, BaseURL: a.Config.Issuer, Getenv: d.Getenv,
			Clock: d.Clock, Rand: d.Rand},
		SAML: &upstream.SAML{Store: a.Stores.Federation, Replay: a.Stores.Replay, BaseURL: a.Config.Issuer,
			Clock: d.Clock, Rand: d.Rand},
		Engine: a.Engine,
		Store:  a.Stores.Federation,
	}
}

// loginMode maps --login to the pages' mode.
func loginMode(s string) web.LoginMode {
	if s == config.LoginFederatedOnly {
		return web.LoginFederatedOnly
	}
	return web.LoginPasswordAndFederated
}

// effectiveUsers reads users with their effective assignments (their own
// and their groups'), for the read-only consumers of assignments.
type effectiveUsers struct{ engine *authserver.Server }

func (e effectiveUsers) GetUser(ctx context.Context, id string) (signet.User, error) {
	return e.engine.EffectiveUser(ctx, id)
}
