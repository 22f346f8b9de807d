package signin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// ClientSpecs returns the two built-in Sign-In clients as the engine keeps
// them: public (PKCE and DPoP stand in for a secret), the
// authorization_code and refresh_token grants, scope openid, and the one
// redirect URI each may use (signin.md §6.2): any port of
// http://127.0.0.1/oauth/callback for aws login, this server's
// confirmation page for aws login --remote.
//
// On a loopback http issuer (a developer's or CI's server, whose port often
// changes between runs) the confirmation URI is registered without its port,
// so the RFC 8252 §7.3 loopback rule matches whichever port the server has
// now; the pages still require the issuer's own confirmation URL.
func ClientSpecs(issuer string) []authserver.ClientSpec {
	base := strings.TrimSuffix(issuer, "/")
	if u, err := url.Parse(base); err == nil && u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "::1") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
		base = u.String()
	}
	grants := []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken}
	return []authserver.ClientSpec{
		{ID: ClientSameDevice, Name: "AWS CLI (aws login)", Type: signet.ClientPublic, GrantTypes: grants,
			RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}, Scopes: []string{"openid"}},
		{ID: ClientCrossDevice, Name: "AWS CLI on another device (aws login --remote)", Type: signet.ClientPublic, GrantTypes: grants,
			RedirectURIs: []string{base + "/v1/sessions/confirmation"}, Scopes: []string{"openid"}},
	}
}

// ClientCreator is what EnsureClients needs of *authserver.Server.
type ClientCreator interface {
	CreateClient(ctx context.Context, spec authserver.ClientSpec) (authserver.IssuedClient, error)
}

// EnsureClients stores the built-in clients if they are missing; the
// server calls it at start. A stored client whose redirect URIs differ
// (the issuer changed) is reported, not replaced: deleting a client
// revokes its sessions, which is the operator's decision.
func EnsureClients(ctx context.Context, engine ClientCreator, clients signet.ClientStore, issuer string) error {
	for _, spec := range ClientSpecs(issuer) {
		_, err := engine.CreateClient(ctx, spec)
		if err == nil {
			continue
		}
		if signet.ErrorCodeOf(err) != signet.CodeConflict {
			return fmt.Errorf("signin: creating %s: %w", spec.ID, err)
		}
		c, err := clients.GetClient(ctx, spec.ID)
		if err != nil {
			return fmt.Errorf("signin: reading %s: %w", spec.ID, err)
		}
		if !slices.Equal(c.RedirectURIs, spec.RedirectURIs) {
			return errors.New("signin: the stored client " + spec.ID + " has redirect URIs " +
				strings.Join(c.RedirectURIs, " ") + ", not " + strings.Join(spec.RedirectURIs, " ") +
				" (did the issuer change?); delete it with the admin command to recreate it")
		}
	}
	return nil
}
