package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet/api/oauth2"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/api/ssooidc"
	"github.com/signet-auth/signet/api/ssoportal"
	"github.com/signet-auth/signet/api/sts"
	"github.com/signet-auth/signet/api/uibuilder"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/dpop"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/ratelimit"
	"github.com/signet-auth/signet/sigv4"
)

// nonceKeyInfo labels the DPoP nonce key derived from the keyring's HMAC
// key, which every node shares and which never rotates: every node derives
// the same nonce key, so a nonce one node issued is good on all of them.
const nonceKeyInfo = "signet dpop nonce key v1"

// surfaces builds every API surface besides /healthz, /readyz and /metrics.
func (a *App) surfaces(ctx context.Context) error {
	c, d := &a.Config, &a.deps
	var err error
	if err := a.declareIdPs(ctx); err != nil {
		return err
	}
	if a.Pages, err = a.newWeb(); err != nil {
		return err
	}
	if c.SigV4Emulation {
		level := slog.LevelWarn
		if c.SigV4EmulationForce {
			level = slog.LevelError // catalogue DG-01: a forced start says so at error level
		}
		d.Log.Log(ctx, level, "SigV4 emulation: any syntactically valid signature is accepted; never expose this server",
			"addr", c.Addr, "forced", c.SigV4EmulationForce)
	}
	if a.Verifier, err = sigv4.New(sigv4.Options{
		Credentials: a.Authority, Clock: d.Clock, Rand: d.Rand, Logger: d.Log,
		AcceptAnySignature: c.SigV4Emulation, EmulationAccountID: c.SigV4EmulationAccount,
	}); err != nil {
		return err
	}
	a.SSOOIDC = &ssooidc.Handler{
		Engine: a.Engine, Issuer: c.Issuer, Rand: d.Rand, Log: d.Log,
		Verifier: a.Verifier, IAMAccountID: c.IAMAccountID, Region: c.Region, Limiter: a.Limiter,
		Signer: a.Keyring, Clock: d.Clock,
	}
	if c.DevAutoApprove {
		pages, log := a.Pages, d.Log
		a.SSOOIDC.AutoApprove = func(ctx context.Context, userCode string) {
			if _, err := pages.AutoApproveDevice(ctx, userCode); err != nil {
				log.ErrorContext(ctx, "dev auto-approve", "err", err)
			}
		}
	}
	if a.Roles, err = a.roleCredentials(); err != nil {
		return err
	}
	life := a.Engine.Lifetimes()
	accounts := map[string]ssoportal.Account{}
	for id, acct := range c.AccountNames() {
		accounts[id] = ssoportal.Account{Name: acct.Name, Email: acct.Email}
	}
	a.Portal = &ssoportal.Handler{
		// Assignments as the group rules make them now (FD-05).
		Engine: a.Engine, Users: effectiveUsers{a.Engine}, Credentials: a.Roles,
		Clock: d.Clock, Rand: d.Rand, Log: d.Log,
		RoleCredentialLifetime: life.RoleCredential, Accounts: accounts, Audit: a.Audit,
	}
	// DPoP proofs (RFC 9449) for Sign-In and the standard surface; their
	// jtis are remembered in the store, so a proof replayed on another node
	// is refused there too.
	dopts := dpop.Options{Replay: a.Stores.Replay, Clock: d.Clock}
	if c.DPoPNonces {
		if dopts.NonceKey, err = hkdf.Key(sha256.New, a.Keyring.HMACKey(), nil, nonceKeyInfo, 32); err != nil {
			return err
		}
	}
	if a.DPoP, err = dpop.NewVerifier(dopts); err != nil {
		return err
	}
	// The two built-in Sign-In clients must exist before the first code is
	// redeemed; their cross-device redirect URI depends on the issuer.
	if err := signin.EnsureClients(ctx, a.Engine, a.Stores.Clients, c.Issuer); err != nil {
		return fmt.Errorf("sign-in clients: %w", err)
	}
	var signInLimiter signin.Limiter
	switch {
	case d.SignInLimiter != nil:
		signInLimiter = d.SignInLimiter
	case a.Limiter != nil:
		signInLimiter = a.Limiter.SignIn()
	}
	a.SignIn = &signin.Handler{
		Engine: a.Engine, Users: a.Stores.Users, Grants: a.Stores.Grants,
		Credentials: a.Roles, Signer: a.Keyring,
		DPoP: a.DPoP, SigV4: a.Verifier, Issuer: c.Issuer, Limiter: signInLimiter,
		ClientIP: clientIP, Clock: d.Clock, Rand: d.Rand, Logger: d.Log,
		Clients: a.Stores.Clients, // JT-01: a WithIAM resource is no client's id
		// The account's Sign-In policy and console authorization.
		Policies: a.Engine,
		// CreateOAuth2TokenWithTokenExchange.
		Exchanger: a.Engine,
	}
	if err := a.newOAuth2(); err != nil {
		return err
	}
	a.STS = &sts.Handler{Verifier: a.Verifier, Rand: d.Rand, Logger: d.Log}
	a.newSCIM() // scim.go
	if len(c.Broker.Providers) > 0 {
		if a.Broker, err = broker.New(c.Broker, broker.Options{Clock: d.Clock, Logger: d.Log,
			Secrets: broker.SecretSource{Getenv: d.Getenv}, RootCAs: d.BrokerRootCAs}); err != nil {
			return err
		}
		a.UIBuilder = &uibuilder.Handler{Broker: a.Broker, Verifier: a.Verifier, Logger: d.Log, Audit: a.Audit}
	}
	return nil
}

// newOAuth2 builds the standard OAuth 2.0 / OIDC surface: ID tokens and
// client_credentials tokens signed by the keyring, private_key_jwt
// clients' keys from the store, and RFC 7591 registration when configured.
func (a *App) newOAuth2() error {
	c, d := &a.Config, &a.deps
	a.OAuth2 = &oauth2.Handler{
		Engine: a.Engine, Users: a.Stores.Users,
		Signer: a.Keyring, DPoP: a.DPoP, ClientKeys: a.Stores.ClientKeys,
		Issuer: c.Issuer, Clock: d.Clock, Log: d.Log, Limiter: a.Limiter,
		IDTokenLifetime: a.Engine.Lifetimes().IDToken,
	}
	if c.DynamicRegistration {
		tok, err := c.RegistrationToken(d.Getenv)
		if err != nil {
			return err
		}
		if tok == "" {
			d.Log.Warn("dynamic registration is open: anyone who reaches /oauth2/register can register a client")
		}
		a.OAuth2.Registration = &oauth2.Registration{
			Scopes: c.RegistrationScopes, GrantTypes: c.RegistrationGrantTypes,
			RedirectHosts: c.RegistrationRedirectHosts, InitialAccessToken: tok,
		}
	}
	return nil
}

// mounts are the surfaces in the order they are mounted.
func (a *App) mounts() []httpserver.Mounter {
	m := []httpserver.Mounter{a.Pages, a.SSOOIDC, a.Portal, a.SignIn, a.OAuth2, a.STS}
	if a.UIBuilder != nil {
		m = append(m, a.UIBuilder)
	}
	m = append(m, a.SCIM)
	return m
}

// clientIP is the rate key of a request's client address as the trusted
// proxies resolve it, IPv6 by /64.
func clientIP(r *http.Request) string { return ratelimit.AddrKey(httpserver.ClientIP(r)) }

// roleCredentials is the credential source of the SSO portal and Sign-In:
// local credentials, or STS's for an assignment whose (account, role) has
// a binding.
func (a *App) roleCredentials() (*iamrole.Source, error) {
	c, d := &a.Config, &a.deps
	ic := iamrole.Config{
		Audience: c.AWSIAMAudience, Region: c.AWSSTSRegion, Endpoint: c.AWSSTSEndpoint,
		DefaultDuration: c.AWSRoleDuration, Timeout: c.AWSSTSTimeout,
	}
	if d.IAM != nil {
		ic = *d.IAM
	}
	ic.Issuer, ic.Signer, ic.Clock, ic.Rand = c.Issuer, a.Keyring, d.Clock, d.Rand
	if ic.Log == nil {
		ic.Log = d.Log
	}
	x, err := iamrole.NewExchanger(ic)
	if err != nil {
		return nil, err
	}
	return &iamrole.Source{Local: a.Authority, Bindings: a.Stores.RoleBindings, Exchanger: x}, nil
}
