package awscli

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// "signet sso login" does what "aws sso login" does (sso-oidc.md §7,
// credential-caches.md §3): register a public client (cached), get a token
// with the authorization code + PKCE flow through a loopback listener, or
// with the device flow (--use-device-code), and write the SSO token cache
// that the AWS CLI and SDKs read.

func loginCommand(env Env) *cobra.Command {
	var profile, session string
	var deviceCode, noBrowser bool
	c := &cobra.Command{
		Use:           "login",
		Short:         "Sign in to IAM Identity Center and cache the access token the AWS CLI and SDKs use.",
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return ssoLogin(ctx, env, loginOptions{profile: profile, session: session, deviceCode: deviceCode, noBrowser: noBrowser})
		},
	}
	c.Flags().StringVar(&profile, "profile", "", "The profile whose sso_session (or legacy sso_start_url) to sign in to.")
	c.Flags().StringVar(&session, "sso-session", "", "Sign in to this sso-session directly.")
	c.Flags().BoolVar(&deviceCode, "use-device-code", false, "Use the device flow: approve a code in any browser instead of a loopback redirect.")
	c.Flags().BoolVar(&noBrowser, "no-browser", false, "Print the URL instead of opening a browser.")
	return c
}

type loginOptions struct {
	profile, session      string
	deviceCode, noBrowser bool
}

// ssoConfig is what the profile or sso-session says.
type ssoConfig struct {
	session  string // "" for a legacy profile
	startURL string
	region   string
	scopes   []string
}

func resolveSSOConfig(st *settings, sessionFlag string) (*ssoConfig, error) {
	name := sessionFlag
	if name == "" {
		name = st.cfg["sso_session"]
	}
	if name != "" {
		sec := st.conf["sso-session "+name]
		if sec == nil {
			return nil, &configError{fmt.Sprintf("The specified sso-session does not exist: \"%s\"", name)}
		}
		c := &ssoConfig{session: name, startURL: sec["sso_start_url"], region: sec["sso_region"]}
		for _, s := range strings.Split(sec["sso_registration_scopes"], ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.scopes = append(c.scopes, s)
			}
		}
		if c.startURL == "" || c.region == "" {
			return nil, &configError{fmt.Sprintf("Missing the following required SSO configuration values: sso_start_url, sso_region (sso-session %s)", name)}
		}
		return c, nil
	}
	c := &ssoConfig{startURL: st.cfg["sso_start_url"], region: st.cfg["sso_region"]}
	if c.startURL == "" || c.region == "" {
		return nil, &configError{"Missing the following required SSO configuration values: sso_start_url, sso_region. To make sure this profile is properly configured to use SSO, please run: aws configure sso"}
	}
	return c, nil
}

type oidcClient struct {
	env      Env
	endpoint string
}

func (o *oidcClient) post(ctx context.Context, op, path string, body map[string]any) (map[string]any, *serviceError, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.endpoint, "/")+path, bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	client := o.env.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, &connectError{req.URL.String()}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		svc := &Service{Name: "sso-oidc", Protocol: "rest-json"}
		c := &caller{svc: svc, op: &Operation{Name: op}}
		return nil, c.parseError(resp, data), nil
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, nil, fmt.Errorf("invalid JSON from %s: %v", op, err)
	}
	return out, nil, nil
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

const cacheTime = "2006-01-02T15:04:05Z"

func ssoLogin(ctx context.Context, env Env, opt loginOptions) error {
	st, err := loadSettings(env, opt.profile)
	if err != nil {
		return fail(env, ExitConfig, err.Error())
	}
	sc, err := resolveSSOConfig(st, opt.session)
	if err != nil {
		return fail(env, ExitConfig, err.Error())
	}
	svc := builtinServices()[0]
	endpoint := st.endpoint(env, svc, svc.Operations[0], "", sc.region)
	oc := &oidcClient{env: env, endpoint: endpoint}
	pkce := sc.session != "" && !opt.deviceCode
	if pkce && len(sc.scopes) == 0 {
		sc.scopes = []string{"sso:account:access"}
	}
	cacheDir := filepath.Join(env.home(), ".aws", "sso", "cache")

	reg, err := registration(ctx, env, oc, sc, cacheDir, pkce)
	if err != nil {
		return err
	}
	var tok map[string]any
	if pkce {
		tok, err = pkceFlow(ctx, env, oc, sc, reg, opt.noBrowser)
	} else {
		tok, err = deviceFlow(ctx, env, oc, sc, reg, opt.noBrowser)
	}
	if err != nil {
		return err
	}
	now := env.now().UTC()
	cache := newObj()
	cache.Set("startUrl", sc.startURL)
	cache.Set("region", sc.region)
	cache.Set("accessToken", str(tok["accessToken"]))
	cache.Set("expiresAt", now.Add(time.Duration(num(tok["expiresIn"]))*time.Second).Format(cacheTime))
	cache.Set("clientId", reg.clientID)
	cache.Set("clientSecret", reg.clientSecret)
	cache.Set("registrationExpiresAt", reg.expiresAt.UTC().Format(cacheTime))
	if rt := str(tok["refreshToken"]); rt != "" {
		cache.Set("refreshToken", rt)
	}
	key := sc.session
	if key == "" {
		key = sc.startURL
	}
	if err := writeCache(cacheDir, sha1Hex(key)+".json", cache); err != nil {
		return fail(env, ExitOther, err.Error())
	}
	fmt.Fprintf(env.Stdout, "Successfully logged into Start URL: %s\n", sc.startURL)
	return nil
}

func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func writeCache(dir, name string, v *Obj) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var b strings.Builder
	writeCompactJSON(&b, v)
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

type clientRegistration struct {
	clientID, clientSecret string
	expiresAt              time.Time
	grantTypes             []string
}

// registrationKey names the registration cache file as botocore does:
// SHA-1 of json.dumps(args, sort_keys=True) with Python's separators.
func registrationKey(sc *ssoConfig) string {
	q := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	}
	scopes := "null"
	if sc.scopes != nil {
		parts := make([]string, len(sc.scopes))
		for i, s := range sc.scopes {
			parts[i] = q(s)
		}
		scopes = "[" + strings.Join(parts, ", ") + "]"
	}
	var s string
	if sc.session != "" {
		s = fmt.Sprintf(`{"region": %s, "scopes": %s, "session_name": %s, "startUrl": %s, "tool": "botocore"}`, q(sc.region), scopes, q(sc.session), q(sc.startURL))
	} else {
		s = fmt.Sprintf(`{"region": %s, "scopes": %s, "startUrl": %s, "tool": "botocore"}`, q(sc.region), scopes, q(sc.startURL))
	}
	return sha1Hex(s)
}

func registration(ctx context.Context, env Env, oc *oidcClient, sc *ssoConfig, dir string, pkce bool) (*clientRegistration, error) {
	file := filepath.Join(dir, registrationKey(sc)+".json")
	now := env.now()
	if b, err := os.ReadFile(file); err == nil {
		var c struct {
			ClientID     string   `json:"clientId"`
			ClientSecret string   `json:"clientSecret"`
			ExpiresAt    string   `json:"expiresAt"`
			GrantTypes   []string `json:"grantTypes"`
		}
		if json.Unmarshal(b, &c) == nil {
			exp, err := time.Parse(time.RFC3339, c.ExpiresAt)
			// Reuse a registration that lives 15 more minutes and allows
			// the flow: for PKCE it must list authorization_code (as the
			// AWS CLI checks); for the device flow it must list no grant
			// types (the device flow's own registration) or the device
			// code grant. The AWS CLI also reuses a PKCE registration for
			// the device flow, which a server that holds clients to their
			// registered grants (RFC 7591 §2) refuses with
			// UnauthorizedClientException.
			fits := contains(c.GrantTypes, "authorization_code")
			if !pkce {
				fits = len(c.GrantTypes) == 0 || contains(c.GrantTypes, grantDeviceCode)
			}
			if err == nil && exp.After(now.Add(15*time.Minute)) && fits && c.ClientID != "" {
				return &clientRegistration{clientID: c.ClientID, clientSecret: c.ClientSecret, expiresAt: exp, grantTypes: c.GrantTypes}, nil
			}
		}
	}
	name := sc.session
	if name == "" {
		name = strconv.FormatInt(now.Unix(), 10)
	}
	body := map[string]any{"clientName": "botocore-client-" + name, "clientType": "public"}
	if len(sc.scopes) > 0 {
		body["scopes"] = sc.scopes
	}
	if pkce {
		body["grantTypes"] = []string{"authorization_code", "refresh_token"}
		body["redirectUris"] = []string{"http://127.0.0.1/oauth/callback"}
		body["issuerUrl"] = sc.startURL
	}
	out, se, err := oc.post(ctx, "RegisterClient", "/client/register", body)
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	if se != nil {
		return nil, fail(env, ExitService, se.Error())
	}
	reg := &clientRegistration{clientID: str(out["clientId"]), clientSecret: str(out["clientSecret"]), expiresAt: time.Unix(num(out["clientSecretExpiresAt"]), 0).UTC()}
	cache := newObj()
	cache.Set("clientId", reg.clientID)
	cache.Set("clientSecret", reg.clientSecret)
	cache.Set("expiresAt", reg.expiresAt.Format(cacheTime))
	if len(sc.scopes) > 0 {
		cache.Set("scopes", toAnyList(sc.scopes))
	}
	if pkce {
		reg.grantTypes = []string{"authorization_code", "refresh_token"}
		cache.Set("grantTypes", toAnyList(reg.grantTypes))
	}
	if err := writeCache(dir, filepath.Base(file), cache); err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	return reg, nil
}

// The pages showURL names: the SSO one of sso login, the Sign-In one of
// login.
const (
	ssoPage    = "SSO authorization page"
	signInPage = "sign-in page"
)

func toAnyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// showURL opens u (the page named page) in the browser, or prints it.
func (env Env) showURL(u, page string, noBrowser bool) {
	if !noBrowser && env.OpenBrowser != nil {
		fmt.Fprintf(env.Stdout, "Attempting to automatically open the %s in your default browser.\nIf the browser does not open or you wish to use a different device to authorize this request, open the following URL:\n\n%s\n", page, u)
		if err := env.OpenBrowser(u); err != nil {
			fmt.Fprintf(env.Stderr, "Failed to open browser: %v\n", err)
		}
		return
	}
	fmt.Fprintf(env.Stdout, "Open the following URL in a browser to authorize this request:\n\n%s\n", u)
}

func randomString(env Env, n int, alphabet string) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(env.Rand, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

func uuid4(env Env) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(env.Rand, b); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// pkceFlow: authorization code with PKCE (RFC 7636) through a loopback
// redirect (RFC 8252 §7.3).
func pkceFlow(ctx context.Context, env Env, oc *oidcClient, sc *ssoConfig, reg *clientRegistration, noBrowser bool) (map[string]any, error) {
	if env.Rand == nil {
		return nil, fail(env, ExitOther, "no random source")
	}
	// 64 characters from the unreserved set; 256 is a multiple of 64, so the
	// modulo mapping is unbiased.
	verifier, err := randomString(env, 64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	state, err := uuid4(env)
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port)
	got := make(chan loginRedirect, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: loopbackHandler(state, got)}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	base, err := url.Parse(oc.endpoint)
	if err != nil {
		return nil, fail(env, ExitConfig, err.Error())
	}
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	authURL := fmt.Sprintf("%s://%s/authorize?response_type=code&client_id=%s&redirect_uri=%s&state=%s&code_challenge_method=S256&scopes=%s&code_challenge=%s",
		base.Scheme, base.Host, enc(reg.clientID), enc(redirect), enc(state), enc(strings.Join(sc.scopes, " ")), challenge)
	env.showURL(authURL, ssoPage, noBrowser)

	wait, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var res loginRedirect
	select {
	case res = <-got:
	case <-wait.Done():
		return nil, fail(env, ExitOther, "Timed out waiting for the authorization redirect.")
	}
	if res.err != "" {
		return nil, fail(env, ExitOther, "Authorization failed: "+res.err)
	}
	out, se, err := oc.post(ctx, "CreateToken", "/token", map[string]any{
		"clientId": reg.clientID, "clientSecret": reg.clientSecret, "grantType": "authorization_code",
		"code": res.code, "redirectUri": redirect, "codeVerifier": verifier,
	})
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	if se != nil {
		return nil, fail(env, ExitService, se.Error())
	}
	return out, nil
}

// deviceFlow: RFC 8628 through StartDeviceAuthorization and CreateToken,
// polling at the server's interval, 5 s slower after slow_down, until the
// server says the code expired.
func deviceFlow(ctx context.Context, env Env, oc *oidcClient, sc *ssoConfig, reg *clientRegistration, noBrowser bool) (map[string]any, error) {
	auth, se, err := oc.post(ctx, "StartDeviceAuthorization", "/device_authorization", map[string]any{
		"clientId": reg.clientID, "clientSecret": reg.clientSecret, "startUrl": sc.startURL,
	})
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	if se != nil {
		return nil, fail(env, ExitService, se.Error())
	}
	interval := time.Duration(num(auth["interval"])) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	u := str(auth["verificationUriComplete"])
	if u == "" {
		u = str(auth["verificationUri"])
	}
	env.showURL(u, ssoPage, noBrowser)
	fmt.Fprintf(env.Stdout, "\nThen enter the code:\n\n%s\n", str(auth["userCode"]))
	start := env.now()
	for attempt := 1; ; attempt++ {
		out, se, err := oc.post(ctx, "CreateToken", "/token", map[string]any{
			"clientId": reg.clientID, "clientSecret": reg.clientSecret,
			"grantType": grantDeviceCode, "deviceCode": str(auth["deviceCode"]),
		})
		if err != nil {
			return nil, fail(env, ExitOther, err.Error())
		}
		if se == nil {
			fmt.Fprintln(env.Stderr)
			return out, nil
		}
		switch se.code {
		case "AuthorizationPendingException":
		case "SlowDownException":
			interval += 5 * time.Second
		case "ExpiredTokenException":
			fmt.Fprintln(env.Stderr)
			return nil, fail(env, ExitService, "The pending authorization to retrieve an SSO token has expired. The device authorization flow to retrieve an SSO token must be restarted.")
		default:
			fmt.Fprintln(env.Stderr)
			return nil, fail(env, ExitService, se.Error())
		}
		elapsed := env.now().Sub(start).Truncate(time.Second)
		fmt.Fprintf(env.Stderr, "\rWaiting for approval of code %s: attempt %d, %s elapsed, next check in %s ", str(auth["userCode"]), attempt, elapsed, interval)
		if err := env.sleep(ctx, interval); err != nil {
			return nil, fail(env, ExitOther, errors.Join(errors.New("login cancelled"), err).Error())
		}
	}
}

// connectError is the AWS CLI's message for an unreachable endpoint.
type connectError struct{ url string }

func (e *connectError) Error() string {
	return fmt.Sprintf("Could not connect to the endpoint URL: \"%s\"", e.url)
}

// grantDeviceCode is the device flow's grant type (RFC 8628 §3.4).
const grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
