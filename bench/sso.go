package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
)

// SSO OIDC on the wire (api/ssooidc; docs/spec/aws/sso-oidc.md):
// RegisterClient, StartDeviceAuthorization and CreateToken, AWS JSON.

// loopbackRedirect is the redirect URI the authorization-code scenarios
// register and use, the way aws sso login does.
const loopbackRedirect = "http://127.0.0.1/oauth/callback"

type ssoClient struct {
	ID     string `json:"clientId"`
	Secret string `json:"clientSecret"`
}

type ssoToken struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// registerSSO registers a public client (RegisterClient), the first step of
// aws sso login.
func registerSSO(ctx context.Context, c *client, name string, grants, redirects []string) (ssoClient, error) {
	var out ssoClient
	err := c.postJSON(ctx, "/client/register", map[string]any{
		"clientName": name, "clientType": "public", "grantTypes": grants, "redirectUris": redirects,
	}, &out, nil)
	return out, err
}

// ssoDeviceLogin runs the device flow: StartDeviceAuthorization, then one
// CreateToken poll, which --dev-auto-approve has made succeed.
func ssoDeviceLogin(ctx context.Context, c *client, cl ssoClient) (ssoToken, error) {
	var d struct {
		DeviceCode string `json:"deviceCode"`
	}
	if err := c.postJSON(ctx, "/device_authorization", map[string]string{
		"clientId": cl.ID, "clientSecret": cl.Secret, "startUrl": "https://bench.invalid/start",
	}, &d, nil); err != nil {
		return ssoToken{}, err
	}
	var t ssoToken
	err := c.postJSON(ctx, "/token", map[string]string{
		"clientId": cl.ID, "clientSecret": cl.Secret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": d.DeviceCode,
	}, &t, nil)
	return t, err
}

// pkce draws a code verifier and its S256 challenge (RFC 7636 §4.1–4.2).
func pkce(rand io.Reader) (verifier, challenge string, err error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", "", err
	}
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// authorizeCode runs the browser step of an authorization-code flow at
// path (/authorize, /v1/authorize) with PKCE; --dev-auto-approve answers
// with the code at once. extra adds parameters (dpop_jkt, scope).
func authorizeCode(ctx context.Context, c *client, path, clientID, redirect string, extra url.Values) (code, verifier string, err error) {
	verifier, challenge, err := pkce(c.rand)
	if err != nil {
		return "", "", err
	}
	var st [12]byte
	if _, err := io.ReadFull(c.rand, st[:]); err != nil {
		return "", "", err
	}
	state := base64.RawURLEncoding.EncodeToString(st[:])
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	back, err := c.redirect(ctx, path+"?"+q.Encode())
	if err != nil {
		return "", "", err
	}
	if back.Get("state") != state {
		return "", "", fmt.Errorf("bench: authorize returned state %q, sent %q", back.Get("state"), state)
	}
	return back.Get("code"), verifier, nil
}

// ssoRefresh is one simulated aws CLI holding an SSO session and refreshing
// it: each step is one CreateToken refresh_token grant, rotating the chain.
type ssoRefresh struct {
	c       *client
	cl      ssoClient
	refresh string
}

func (w *ssoRefresh) Step(ctx context.Context) error {
	var t ssoToken
	if err := w.c.postJSON(ctx, "/token", map[string]string{
		"clientId": w.cl.ID, "clientSecret": w.cl.Secret, "grantType": "refresh_token", "refreshToken": w.refresh,
	}, &t, nil); err != nil {
		return err
	}
	w.refresh = t.RefreshToken
	return nil
}

// Reset signs in again: a refresh that failed half-way (a timeout after
// the server rotated) leaves a spent token behind.
func (w *ssoRefresh) Reset(ctx context.Context) error {
	t, err := ssoDeviceLogin(ctx, w.c, w.cl)
	w.refresh = t.RefreshToken
	return err
}

func prepareSSORefresh(ctx context.Context, t *target) (newWorker, error) {
	cl, err := registerSSO(ctx, t.c, "signet-bench sso-refresh", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("RegisterClient: %w", err)
	}
	return func(ctx context.Context) (Worker, error) {
		w := &ssoRefresh{c: t.c, cl: cl}
		return w, w.Reset(ctx)
	}, nil
}

// ssoAuthCode is one whole aws sso login with the authorization-code grant
// (the CLI's default since v2.22): authorize → code → CreateToken with the
// PKCE verifier. One step is one full flow, two HTTP requests.
type ssoAuthCode struct {
	c  *client
	cl ssoClient
}

func (w *ssoAuthCode) Step(ctx context.Context) error {
	code, verifier, err := authorizeCode(ctx, w.c, "/authorize", w.cl.ID, loopbackRedirect, nil)
	if err != nil {
		return err
	}
	var t ssoToken
	return w.c.postJSON(ctx, "/token", map[string]string{
		"clientId": w.cl.ID, "clientSecret": w.cl.Secret, "grantType": "authorization_code",
		"code": code, "redirectUri": loopbackRedirect, "codeVerifier": verifier,
	}, &t, nil)
}

func prepareSSOAuthCode(ctx context.Context, t *target) (newWorker, error) {
	cl, err := registerSSO(ctx, t.c, "signet-bench sso-authcode",
		[]string{"authorization_code", "refresh_token"}, []string{loopbackRedirect})
	if err != nil {
		return nil, fmt.Errorf("RegisterClient: %w", err)
	}
	return func(context.Context) (Worker, error) { return &ssoAuthCode{c: t.c, cl: cl}, nil }, nil
}

// ssoDevice is one whole device-flow login: StartDeviceAuthorization and
// the CreateToken poll that redeems it. One step, two HTTP requests.
type ssoDevice struct {
	c  *client
	cl ssoClient
}

func (w *ssoDevice) Step(ctx context.Context) error {
	_, err := ssoDeviceLogin(ctx, w.c, w.cl)
	return err
}

func prepareSSODevice(ctx context.Context, t *target) (newWorker, error) {
	cl, err := registerSSO(ctx, t.c, "signet-bench sso-device", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("RegisterClient: %w", err)
	}
	return func(context.Context) (Worker, error) { return &ssoDevice{c: t.c, cl: cl}, nil }, nil
}
