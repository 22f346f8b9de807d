package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/signet-auth/signet"
)

// target is the server a scenario runs against, as the scenarios see it.
type target struct {
	c     *client
	clock signet.Clock
	// Client credentials of a confidential client an administrator gave
	// the client_credentials grant; registration cannot. ccScope, if set,
	// is asked for in every request.
	ccID, ccSecret, ccScope string
	// broker names the Amplify UI Builder provider whose token URL is the
	// load generator's own upstream.
	broker string
	// sts is the STS endpoint of the sts-direct and role-credentials-sts
	// scenarios; empty with stsErr saying why there is none.
	sts    string
	stsErr error
}

// noSTS says why the STS scenarios cannot run.
func (t *target) noSTS() error {
	if t.stsErr != nil {
		return t.stsErr
	}
	return errors.New("needs --aws-sts-endpoint: the STS the target's own --aws-sts-endpoint names")
}

// newWorker prepares one worker, outside the measured loop.
type newWorker func(ctx context.Context) (Worker, error)

// scenario is one named workload.
type scenario struct {
	name  string
	about string
	// prepare runs once, before the loop, against the target; an error
	// means the scenario is skipped with that reason.
	prepare func(ctx context.Context, t *target) (newWorker, error)
	// own, if set, starts the scenario's own server and returns its base
	// URL and how to stop it (the ceiling).
	own func() (base string, stop func(), err error)
}

// scenarios lists every workload in the order a full run measures them:
// the ceiling first, so that every ratio in the run has its denominator.
func scenarios() []scenario {
	return []scenario{
		{name: "ceiling", about: "a bare net/http JSON handler in this process: the machine's ceiling", prepare: prepareCeiling, own: startCeiling},
		{name: "sso-refresh", about: "SSO OIDC CreateToken, refresh_token grant (one rotation per step)", prepare: prepareSSORefresh},
		{name: "sso-authcode", about: "SSO OIDC full authorization-code flow: authorize → code → CreateToken with PKCE", prepare: prepareSSOAuthCode},
		{name: "sso-device", about: "SSO OIDC full device flow: StartDeviceAuthorization → CreateToken", prepare: prepareSSODevice},
		{name: "signin-refresh", about: "Sign-In CreateOAuth2Token refresh with a DPoP proof, answered with SigV4 credentials", prepare: prepareSigninRefresh},
		{name: "signin-login", about: "Sign-In full aws login: /v1/authorize → code → CreateOAuth2Token with PKCE and DPoP", prepare: prepareSigninLogin},
		{name: "broker-exchange", about: "Amplify UI Builder ExchangeCodeForToken (SigV4) against a local upstream", prepare: prepareBroker},
		{name: "sigv4", about: "STS GetCallerIdentity signed with SSO portal role credentials", prepare: prepareSigV4},
		{name: "client-credentials", about: "OAuth 2.0 client_credentials grant at /oauth2/token", prepare: prepareClientCredentials},
		{name: "sts-direct", about: "STS AssumeRoleWithWebIdentity sent straight to --aws-sts-endpoint with a token minted once: the baseline of role-credentials-sts", prepare: prepareSTSDirect},
		{name: "role-credentials-sts", about: "SSO portal GetRoleCredentials for a role bound to an IAM role: a web identity token and STS AssumeRoleWithWebIdentity per step", prepare: prepareRoleCredentialsSTS},
	}
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios() {
		names = append(names, s.name)
	}
	return names
}

// ceiling: the cheapest useful HTTP exchange this machine can do, measured
// with the same client and concurrency as the real scenarios.

const ceilingPath = "/ceiling"

func ceilingHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ceilingPath, func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{"accessToken": in["refreshToken"], "expiresIn": 3600})
	})
	return mux
}

func startCeiling() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: ceilingHandler()}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type ceilingWorker struct{ c *client }

func (w ceilingWorker) Step(ctx context.Context) error {
	var out map[string]any
	return w.c.postJSON(ctx, ceilingPath, map[string]string{"grantType": "refresh_token", "refreshToken": "x"}, &out, nil)
}

func prepareCeiling(_ context.Context, t *target) (newWorker, error) {
	return func(context.Context) (Worker, error) { return ceilingWorker{c: t.c}, nil }, nil
}

// client-credentials: RFC 6749 §4.4 at the standard token endpoint, client
// authenticated with HTTP Basic (client_secret_basic).

type ccWorker struct {
	t    *target
	auth string
	form url.Values
}

// errNoAccessToken: a 200 answer without the token it exists for.
var errNoAccessToken = errors.New("bench: token response without access_token")

func (w ccWorker) Step(ctx context.Context) error {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := w.t.c.postForm(ctx, "/oauth2/token", w.form, &out, http.Header{"Authorization": {w.auth}}); err != nil {
		return err
	}
	if out.AccessToken == "" {
		return errNoAccessToken
	}
	return nil
}

func prepareClientCredentials(_ context.Context, t *target) (newWorker, error) {
	if t.ccID == "" || t.ccSecret == "" {
		return nil, errors.New("needs --client-id and SIGNET_BENCH_CLIENT_SECRET: a confidential client an administrator gave " +
			"the client_credentials grant (a server this tool starts gets one created)")
	}
	// RFC 6749 §2.3.1: the id and secret are form-encoded before Basic.
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(t.ccID)+":"+url.QueryEscape(t.ccSecret)))
	form := url.Values{"grant_type": {"client_credentials"}}
	if t.ccScope != "" {
		form.Set("scope", t.ccScope)
	}
	return func(context.Context) (Worker, error) { return ccWorker{t: t, auth: auth, form: form}, nil }, nil
}

// useCreatedClient points client-credentials at the client srv was
// started with, if it was.
func (t *target) useCreatedClient(srv *server) {
	if srv.cc != nil {
		t.ccID, t.ccSecret, t.ccScope = srv.cc.id, srv.cc.secret, srv.cc.scope
	}
}

// broker-exchange: ExchangeCodeForToken for a provider whose token URL is
// the load generator's own upstream (see upstream.go), signed with SSO
// portal credentials. Every step sends a new code: the broker remembers
// spent ones.

type brokerWorker struct {
	s    *signer
	path string
}

func (w *brokerWorker) Step(ctx context.Context) error {
	c := w.s.t.c
	var code [16]byte
	if _, err := io.ReadFull(c.rand, code[:]); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"code": base64.RawURLEncoding.EncodeToString(code[:]), "redirectUri": brokerRedirect})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+w.path, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := w.s.sign(ctx, req, string(body), "amplifyuibuilder"); err != nil {
		return err
	}
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	_, err = c.do(req, http.StatusOK, &out)
	return err
}

func prepareBroker(ctx context.Context, t *target) (newWorker, error) {
	if t.broker == "" {
		return nil, errors.New("needs --broker-provider: a provider whose token_url is this tool's upstream (--upstream-addr)")
	}
	creds, err := portalCredentials(ctx, t.c)
	if err != nil {
		return nil, err
	}
	s := &signer{t: t, creds: creds, v4: v4.NewSigner()}
	path := "/tokens/" + url.PathEscape(t.broker)
	return func(context.Context) (Worker, error) { return &brokerWorker{s: s, path: path}, nil }, nil
}

// findScenarios resolves names ("all" for every one) in the order given.
// role-credentials-sts brings its baseline, sts-direct, right before it
// when the names do not include it: the added latency needs both.
func findScenarios(names []string) ([]scenario, error) {
	if i := slices.Index(names, "role-credentials-sts"); i >= 0 && !slices.Contains(names, "sts-direct") && !slices.Contains(names, "all") {
		names = slices.Insert(slices.Clone(names), i, "sts-direct")
	}
	all := scenarios()
	var out []scenario
	for _, n := range names {
		if n == "all" {
			return all, nil
		}
		found := false
		for _, s := range all {
			if s.name == n {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(scenarioNames(), ", "))
		}
	}
	return out, nil
}
