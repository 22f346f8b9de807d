package awscli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/dpop"
)

// "signet login" does what "aws login" does (signin.md §6,
// credential-caches.md §2), against signet: PKCE and a fresh P-256 DPoP
// key, the browser step through /v1/authorize (a loopback redirect, or with
// --remote the cross-device page whose code the user pastes), the code
// redeemed with a DPoP proof, and the login cache file written exactly as
// the AWS CLI, botocore and the SDKs read it, with login_session (and the
// signin/sts endpoint override, when there is one) in the profile.
// "signet logout" revokes the session and deletes the cache file.

// The Sign-In clients of aws login (signin.md §6.1).
const (
	loginClientSameDevice  = signet.SignInSameDevice
	loginClientCrossDevice = signet.SignInCrossDevice
	loginWait              = 10 * time.Minute // how long the CLI waits for the redirect
)

// LoginCommands returns "login" and "logout", for the root command to add
// next to Commands.
func LoginCommands(env Env) []*cobra.Command {
	return []*cobra.Command{signinLoginCommand(env), signinLogoutCommand(env)}
}

type signinLoginOptions struct {
	profile, region, endpoint string
	remote, noBrowser         bool
}

func signinLoginCommand(env Env) *cobra.Command {
	var o signinLoginOptions
	c := &cobra.Command{
		Use:           "login",
		Short:         "Sign in through signet's Sign-In pages and cache short-lived AWS credentials the AWS CLI and SDKs refresh themselves (aws login).",
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          withContext(func(ctx context.Context) error { return signinLogin(ctx, env, o) }),
	}
	c.Flags().StringVar(&o.profile, "profile", "", "The profile to configure (default: AWS_PROFILE, else default).")
	c.Flags().StringVar(&o.region, "region", "", "The region to use and to write to the profile if it has none.")
	c.Flags().StringVar(&o.endpoint, "endpoint-url", "", "The signet URL; by default AWS_ENDPOINT_URL_SIGNIN, AWS_ENDPOINT_URL or the profile's services section.")
	c.Flags().BoolVar(&o.remote, "remote", false, "Sign in on another device: open the URL anywhere and paste the code it shows.")
	c.Flags().BoolVar(&o.noBrowser, "no-browser", false, "Print the URL instead of opening a browser.")
	return c
}

func signinLogoutCommand(env Env) *cobra.Command {
	var profile, endpoint string
	var all bool
	c := &cobra.Command{
		Use:           "logout",
		Short:         "Revoke the profile's signet login session and delete its cached credentials (aws logout).",
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          withContext(func(ctx context.Context) error { return signinLogout(ctx, env, profile, endpoint, all) }),
	}
	c.Flags().StringVar(&profile, "profile", "", "The profile to sign out.")
	c.Flags().StringVar(&endpoint, "endpoint-url", "", "The signet URL, if the profile does not name it.")
	c.Flags().BoolVar(&all, "all", false, "Sign out every cached login session.")
	return c
}

// withContext runs f with the command's context (Background if none).
func withContext(f func(ctx context.Context) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		return f(ctx)
	}
}

// loginSettings loads the configuration; a profile named with --profile
// that does not exist yet is created by login, as aws login does.
func loginSettings(env Env, profile string) (*settings, error) {
	st, err := loadSettings(env, profile)
	var ce *configError
	if errors.As(err, &ce) && profile != "" {
		if st, err = loadSettings(env, ""); err == nil {
			st.profile, st.explicitProfile = profile, true
			st.cfg = st.conf["profile "+profile]
			if st.cfg == nil {
				st.cfg = map[string]string{}
			}
			st.creds = map[string]string{}
		}
	}
	return st, err
}

func (s *settings) sectionName() string {
	if s.profile == "default" {
		return "default"
	}
	return "profile " + s.profile
}

func signinService() (*Service, *Operation, *Operation) {
	for _, svc := range builtinServices() {
		if svc.Name != "signin" {
			continue
		}
		var token, revoke *Operation
		for _, op := range svc.Operations {
			switch op.Name {
			case "CreateOAuth2Token":
				token = op
			case "RevokeOAuth2TokenWithIAM":
				revoke = op
			}
		}
		return svc, token, revoke
	}
	panic("awscli: the signin model is missing")
}

// otherCredentialKeys are the settings of other credential styles; aws
// login refuses a profile that has one.
var otherCredentialKeys = []string{"aws_access_key_id", "sso_session", "sso_start_url", "role_arn",
	"credential_process", "web_identity_token_file", "credential_source", "source_profile"}

// loginEscape percent-encodes as the CLI does (safe characters -_.~).
func loginEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func signinLogin(ctx context.Context, env Env, o signinLoginOptions) error {
	if env.Rand == nil {
		return fail(env, ExitOther, "no random source")
	}
	st, err := loginSettings(env, o.profile)
	if err != nil {
		return fail(env, ExitConfig, err.Error())
	}
	for _, k := range otherCredentialKeys {
		if st.get(k) != "" {
			return fail(env, ExitConfig, fmt.Sprintf("Profile '%s' is already configured with %s credentials. Use another profile with signet login.", st.profile, k))
		}
	}
	region := st.region(env, o.region)
	writeRegion := st.get("region") == ""
	if region == "" {
		region = "us-east-1"
	}
	svc, tokenOp, _ := signinService()
	endpoint := st.endpoint(env, svc, tokenOp, o.endpoint, region)
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return fail(env, ExitConfig, fmt.Sprintf("Invalid endpoint: %s", endpoint))
	}
	origin := base.Scheme + "://" + base.Host

	verifier, err := randomString(env, 64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	if err != nil {
		return fail(env, ExitOther, err.Error())
	}
	state, err := uuid4(env)
	if err != nil {
		return fail(env, ExitOther, err.Error())
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), env.Rand)
	if err != nil {
		return fail(env, ExitOther, err.Error())
	}
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	clientID, redirect := loginClientSameDevice, ""
	var codes <-chan loginRedirect
	if o.remote {
		clientID, redirect = loginClientCrossDevice, origin+"/v1/sessions/confirmation"
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(env, ExitOther, err.Error())
		}
		redirect = fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port)
		ch := make(chan loginRedirect, 1)
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: loopbackHandler(state, ch)}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		codes = ch
	}
	// The query in the CLI's order, code_challenge last (signin.md §6.1).
	authURL := origin + "/v1/authorize?response_type=code&client_id=" + loginEscape(clientID) +
		"&state=" + loginEscape(state) + "&code_challenge_method=SHA-256&scope=openid&redirect_uri=" +
		loginEscape(redirect) + "&code_challenge=" + challenge

	var code string
	if o.remote {
		code, err = readPastedCode(env, authURL, state)
	} else {
		code, err = awaitRedirect(ctx, env, authURL, o.noBrowser, codes)
	}
	if err != nil {
		return err
	}

	tokenURL := strings.TrimSuffix(endpoint, "/") + "/v1/token"
	out, err := signinToken(ctx, env, tokenURL, key, map[string]string{
		"clientId": clientID, "grantType": "authorization_code", "code": code,
		"codeVerifier": verifier, "redirectUri": redirect,
	})
	if err != nil {
		return err
	}
	sub, account, err := idTokenSubject(out.IDToken)
	if err != nil {
		return fail(env, ExitOther, err.Error())
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fail(env, ExitOther, err.Error())
	}
	cache := newObj()
	cache.Set("accessToken", out.accessTokenObj(env.now(), account))
	cache.Set("tokenType", out.TokenType)
	cache.Set("clientId", clientID)
	cache.Set("refreshToken", out.RefreshToken)
	cache.Set("idToken", out.IDToken)
	cache.Set("dpopKey", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	dir := loginCacheDir(env)
	if err := writeCache(dir, loginCacheName(sub), cache); err != nil {
		return fail(env, ExitOther, err.Error())
	}

	set := [][2]string{{"login_session", sub}}
	if writeRegion {
		set = append(set, [2]string{"region", region})
	}
	services := ""
	if endpoint != defaultEndpoint(svc, tokenOp, region) {
		// The refresh path reads the endpoint from the configuration only
		// (--endpoint-url does not reach it), so it goes into the profile.
		services = st.cfg["services"]
		if services == "" {
			services = "signet-" + st.profile
			set = append(set, [2]string{"services", services})
		}
	}
	if err := updateConfig(st.configFile, st.sectionName(), set, services, origin); err != nil {
		return fail(env, ExitOther, err.Error())
	}
	fmt.Fprintf(env.Stdout, "\nUpdated profile %s to use %s credentials.\nCredentials will refresh automatically for the life of the session; run \"signet logout\" to end it.\n", st.profile, sub)
	return nil
}

type loginRedirect struct{ code, err string }

// loopbackHandler receives the redirect of a loopback login (RFC 8252
// §7.3) on any path, as the AWS CLI's listener does, checks state and
// answers with a page of its own. "sso login" and "login" share it.
func loopbackHandler(state string, got chan<- loginRedirect) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		res := loginRedirect{code: q.Get("code")}
		switch {
		case q.Get("error") != "":
			res = loginRedirect{err: strings.TrimSpace(q.Get("error") + " " + q.Get("error_description"))}
		case q.Get("state") != state:
			res = loginRedirect{err: "state mismatch"}
		case res.code == "":
			res = loginRedirect{err: "no authorization code in the redirect"}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != "" {
			fmt.Fprintf(w, "<!doctype html><title>signet</title><p>Sign-in failed: %s. You can close this window.</p>", html.EscapeString(res.err))
		} else {
			fmt.Fprint(w, "<!doctype html><title>signet</title><p>Request approved. You can close this window and return to the terminal.</p>")
		}
		select {
		case got <- res:
		default:
		}
	})
}

func awaitRedirect(ctx context.Context, env Env, authURL string, noBrowser bool, codes <-chan loginRedirect) (string, error) {
	env.showURL(authURL, signInPage, noBrowser)
	wait, cancel := context.WithTimeout(ctx, loginWait)
	defer cancel()
	select {
	case res := <-codes:
		if res.err != "" {
			return "", fail(env, ExitOther, "Sign-in failed: "+res.err)
		}
		return res.code, nil
	case <-wait.Done():
		return "", fail(env, ExitOther, "Timed out waiting for the sign-in redirect.")
	}
}

// readPastedCode shows the URL and reads the code the confirmation page
// showed: base64 of "code=…&state=…" (signin.md §6.2).
func readPastedCode(env Env, authURL, state string) (string, error) {
	fmt.Fprintf(env.Stdout, "Open the following URL on a device with a browser, sign in, and paste the code it shows:\n\n%s\n\nCode: ", authURL)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fail(env, ExitOther, "No code was entered.")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(line))
	if err != nil {
		return "", fail(env, ExitOther, "The code is not valid: it is not the one the sign-in page showed.")
	}
	q, err := url.ParseQuery(string(raw))
	switch {
	case err != nil || q.Get("code") == "":
		return "", fail(env, ExitOther, "The code is not valid: it is not the one the sign-in page showed.")
	case q.Get("state") != state:
		return "", fail(env, ExitOther, "The code belongs to another sign-in attempt (state mismatch).")
	}
	return q.Get("code"), nil
}

// signinTokenOutput is CreateOAuth2Token's response.
type signinTokenOutput struct {
	AccessToken struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
	} `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken"`
	IDToken      string `json:"idToken"`
}

// accessTokenObj is the cache file's accessToken member, in the CLI's
// member order.
func (o *signinTokenOutput) accessTokenObj(now time.Time, account string) *Obj {
	at := newObj()
	at.Set("accessKeyId", o.AccessToken.AccessKeyID)
	at.Set("secretAccessKey", o.AccessToken.SecretAccessKey)
	at.Set("sessionToken", o.AccessToken.SessionToken)
	at.Set("accountId", account)
	at.Set("expiresAt", now.UTC().Add(time.Duration(o.ExpiresIn)*time.Second).Format(cacheTime))
	return at
}

// signinToken calls CreateOAuth2Token with a DPoP proof from key.
func signinToken(ctx context.Context, env Env, tokenURL string, key *ecdsa.PrivateKey, body map[string]string) (*signinTokenOutput, error) {
	jti, err := uuid4(env)
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	proof, err := dpop.NewProof(key, http.MethodPost, tokenURL, env.now(), jti)
	if err != nil {
		return nil, fail(env, ExitOther, err.Error())
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, bytes.NewReader(b))
	if err != nil {
		return nil, fail(env, ExitConfig, err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("DPoP", proof)
	data, se, err := signinDo(env, req, "CreateOAuth2Token")
	if err != nil || se != nil {
		return nil, err
	}
	var out signinTokenOutput
	if err := json.Unmarshal(data, &out); err != nil || out.RefreshToken == "" || out.AccessToken.AccessKeyID == "" {
		return nil, fail(env, ExitOther, "The CreateOAuth2Token response is not valid.")
	}
	return &out, nil
}

// signinDo sends req and turns failures into the CLI's errors (printed,
// with exit codes).
func signinDo(env Env, req *http.Request, op string) ([]byte, *serviceError, error) {
	client := env.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fail(env, ExitOther, (&connectError{req.URL.String()}).Error())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		svc, _, _ := signinService()
		se := (&caller{svc: svc, op: &Operation{Name: op}}).parseError(resp, data)
		return nil, se, fail(env, ExitService, se.Error())
	}
	return data, nil, nil
}

// idTokenSubject reads sub from the idToken's payload, as the CLI does
// (signature not checked: the token came over the connection that
// redeemed the code), and the account, the ARN's fifth field.
func idTokenSubject(tok string) (sub, account string, err error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", "", errors.New("the idToken is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "", errors.New("the idToken payload is not base64url")
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", "", errors.New("the idToken payload is not JSON")
	}
	f := strings.Split(c.Sub, ":")
	if len(f) < 6 || f[0] != "arn" || len(f[4]) != 12 {
		return "", "", errors.New("the idToken subject is not an ARN with an account")
	}
	return c.Sub, f[4], nil
}

// loginCacheDir is AWS_LOGIN_CACHE_DIRECTORY (with ~ and $VARS expanded,
// as the CLI does) or ~/.aws/login/cache.
func loginCacheDir(env Env) string {
	if d := env.getenv("AWS_LOGIN_CACHE_DIRECTORY"); d != "" {
		return env.expandHome(os.Expand(d, env.getenv))
	}
	return filepath.Join(env.home(), ".aws", "login", "cache")
}

// loginCacheName is the lowercase hex SHA-256 of the login_session (Go
// trims it first; so do we) plus .json.
func loginCacheName(session string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return hex.EncodeToString(sum[:]) + ".json"
}

// loginCache is what logout reads of a cache file.
type loginCache struct {
	AccessToken *struct {
		AccessKeyID     string    `json:"accessKeyId"`
		SecretAccessKey string    `json:"secretAccessKey"`
		SessionToken    string    `json:"sessionToken"`
		ExpiresAt       time.Time `json:"expiresAt"`
	} `json:"accessToken"`
	ClientID     string `json:"clientId"`
	RefreshToken string `json:"refreshToken"`
	DPoPKey      string `json:"dpopKey"`
}

func signinLogout(ctx context.Context, env Env, profile, endpointFlag string, all bool) error {
	st, err := loadSettings(env, profile)
	if err != nil {
		return fail(env, ExitConfig, err.Error())
	}
	dir := loginCacheDir(env)
	var files []string
	if all {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	} else {
		session := st.cfg["login_session"]
		if session == "" {
			return fail(env, ExitConfig, fmt.Sprintf("Profile '%s' has no login_session: it was not set up by signet login.", st.profile))
		}
		files = []string{filepath.Join(dir, loginCacheName(session))}
	}
	region := st.region(env, "")
	if region == "" {
		region = "us-east-1"
	}
	svc, tokenOp, revokeOp := signinService()
	removed := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			if !all {
				fmt.Fprintf(env.Stdout, "No cached login credentials for profile %s.\n", st.profile)
			}
			continue
		}
		var c loginCache
		if json.Unmarshal(data, &c) != nil || c.AccessToken == nil || c.AccessToken.AccessKeyID == "" {
			continue // not a login cache file (aws logout --all skips these too)
		}
		base := st.endpoint(env, svc, revokeOp, endpointFlag, region)
		tokenURL := strings.TrimSuffix(st.endpoint(env, svc, tokenOp, endpointFlag, region), "/") + "/v1/token"
		if err := revokeLogin(ctx, env, c, base, tokenURL, region); err != nil {
			fmt.Fprintf(env.Stderr, "The session could not be revoked on the server (%v); the cached credentials are deleted anyway.\n", err)
		}
		if err := os.Remove(f); err != nil {
			return fail(env, ExitOther, err.Error())
		}
		removed++
	}
	fmt.Fprintf(env.Stdout, "Removed %d cached login session(s).\n", removed)
	return nil
}

// revokeLogin ends the server session of a cache file with
// RevokeOAuth2TokenWithIAM, signed with the cached credentials; if they
// have expired, one refresh (with the file's DPoP key) gets fresh ones.
func revokeLogin(ctx context.Context, env Env, c loginCache, endpoint, tokenURL, region string) error {
	quiet := env
	quiet.Stderr = io.Discard
	creds := aws.Credentials{AccessKeyID: c.AccessToken.AccessKeyID, SecretAccessKey: c.AccessToken.SecretAccessKey, SessionToken: c.AccessToken.SessionToken}
	rt := c.RefreshToken
	if !env.now().Before(c.AccessToken.ExpiresAt) {
		block, _ := pem.Decode([]byte(c.DPoPKey))
		if block == nil {
			return errors.New("the cached DPoP key is not PEM")
		}
		key, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return err
		}
		out, err := signinToken(ctx, quiet, tokenURL, key, map[string]string{"clientId": c.ClientID, "grantType": "refresh_token", "refreshToken": rt})
		if err != nil {
			return err
		}
		creds = aws.Credentials{AccessKeyID: out.AccessToken.AccessKeyID, SecretAccessKey: out.AccessToken.SecretAccessKey, SessionToken: out.AccessToken.SessionToken}
		rt = out.RefreshToken
	}
	body, _ := json.Marshal(map[string]string{"token": rt})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/v1/revoke?x-amz-client-auth-method=iam", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "signin", region, env.now()); err != nil {
		return err
	}
	_, _, err = signinDo(quiet, req, "RevokeOAuth2TokenWithIAM")
	return err
}
