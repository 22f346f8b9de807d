package awscli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/signintest"
)

// loginFixture is a user's machine: a home directory with an empty
// ~/.aws, a login cache directory, and the variables the commands read.
type loginFixture struct {
	e        *signintest.Env
	home     string
	cacheDir string
	vars     map[string]string
	stdout   *bytes.Buffer
	stderr   *bytes.Buffer
}

func newLoginFixture(t *testing.T, e *signintest.Env) *loginFixture {
	home := t.TempDir()
	f := &loginFixture{e: e, home: home, cacheDir: filepath.Join(t.TempDir(), "login-cache"),
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	f.vars = map[string]string{"HOME": home, "AWS_LOGIN_CACHE_DIRECTORY": f.cacheDir, "AWS_ENDPOINT_URL_SIGNIN": e.URL}
	return f
}

func (f *loginFixture) configFile() string { return filepath.Join(f.home, ".aws", "config") }

// env is the process as the commands see it. The browser is an HTTP
// client that follows redirects: the pages' dev auto-approve answers
// /v1/authorize with the redirect to the loopback listener.
func (f *loginFixture) env(stdin io.Reader) awscli.Env {
	return awscli.Env{
		Getenv: func(k string) string { return f.vars[k] },
		Stdin:  stdin, Stdout: f.stdout, Stderr: f.stderr,
		HTTPClient: http.DefaultClient, Clock: signet.SystemClock{}, Rand: rand.Reader,
		OpenBrowser: func(u string) error {
			go func() {
				if resp, err := http.Get(u); err == nil {
					resp.Body.Close()
				}
			}()
			return nil
		},
	}
}

func (f *loginFixture) run(t *testing.T, stdin io.Reader, name string, args ...string) {
	t.Helper()
	for _, c := range awscli.LoginCommands(f.env(stdin)) {
		if c.Name() != name {
			continue
		}
		c.SetArgs(args)
		if err := c.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("signet %s: %v\n%s\n%s", name, err, f.stdout, f.stderr)
		}
		return
	}
	t.Fatalf("no command %s", name)
}

// cache reads the login cache file of the test user.
func (f *loginFixture) cache(t *testing.T) (string, map[string]any) {
	t.Helper()
	// credential-caches.md §2.1: SHA-256 of login_session.
	path := filepath.Join(f.cacheDir, "68afef069a49e0c940bc8515a36649850d686bdd2e3c07927360d151553fc4d3.json")
	if signintest.PrincipalARN != "arn:aws:sts::123456789012:assumed-role/Admin/alice" {
		t.Fatal("the fixture's principal changed; update the file name")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return path, c
}

// expire moves the cached credentials' expiry into the past, as time
// would, so the next use must refresh.
func (f *loginFixture) expire(t *testing.T) {
	path, c := f.cache(t)
	c["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	data, _ := json.Marshal(c)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoginWritesTheCacheTheSDKReadsAndRefreshes(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	f := newLoginFixture(t, e)
	f.run(t, nil, "login", "--profile", "signet")
	if out := f.stdout.String(); !strings.Contains(out, "open the sign-in page") || strings.Contains(out, "SSO") {
		t.Errorf("login names another page than Sign-In's:\n%s", out)
	}

	path, c := f.cache(t)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode: %v %v", fi.Mode(), err)
	}
	at := c["accessToken"].(map[string]any)
	if at["accountId"] != signintest.AccountID || !strings.HasPrefix(at["accessKeyId"].(string), "ASIA") ||
		c["clientId"] != "arn:aws:signin:::devtools/same-device" || c["tokenType"] != "urn:aws:params:oauth:token-type:access_token_sigv4" ||
		!strings.HasPrefix(c["refreshToken"].(string), "ASOR") || c["idToken"] == "" {
		t.Fatalf("cache: %v", c)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", at["expiresAt"].(string)); err != nil {
		t.Fatalf("expiresAt %v: %v", at["expiresAt"], err)
	}
	// The DPoP key is SEC1 PEM, the one form every reader parses.
	block, _ := pem.Decode([]byte(c["dpopKey"].(string)))
	if block == nil || block.Type != "EC PRIVATE KEY" {
		t.Fatalf("dpopKey: %q", c["dpopKey"])
	}
	if _, err := x509.ParseECPrivateKey(block.Bytes); err != nil {
		t.Fatal(err)
	}
	conf, _ := os.ReadFile(f.configFile())
	for _, want := range []string{"[profile signet]\nlogin_session = " + signintest.PrincipalARN + "\nregion = us-east-1\nservices = signet-signet\n",
		"[services signet-signet]\nsignin =\n  endpoint_url = " + e.URL + "\nsts =\n  endpoint_url = " + e.URL + "\n"} {
		if !strings.Contains(string(conf), want) {
			t.Fatalf("config file:\n%s\nlacks\n%s", conf, want)
		}
	}

	// The real provider, configured by the profile alone: no endpoint
	// variables, so the services section must carry the override.
	t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", f.cacheDir)
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL_STS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION"} {
		t.Setenv(k, "")
	}
	f.expire(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("signet"),
		config.WithSharedConfigFiles([]string{f.configFile()}), config.WithSharedCredentialsFiles([]string{filepath.Join(f.home, "none")}))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID == at["accessKeyId"] || creds.AccountID != signintest.AccountID || !creds.Expires.After(time.Now()) {
		t.Fatalf("refreshed credentials: %+v", creds)
	}
	_, after := f.cache(t)
	if after["refreshToken"] == c["refreshToken"] {
		t.Fatal("the provider did not store the rotated refresh token")
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != signintest.PrincipalARN {
		t.Fatalf("GetCallerIdentity: %s", aws.ToString(id.Arn))
	}

	// logout revokes the session and deletes the file.
	f.run(t, nil, "logout", "--profile", "signet")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("cache file still there: %v", err)
	}
	live, err := e.Stores.Grants.ListSessions(ctx, signet.SessionFilter{LiveOnly: true, Now: e.Clock.Now()})
	if err != nil || len(live) != 0 {
		t.Fatalf("live sessions after logout: %d %v\n%s", len(live), err, f.stderr)
	}
}

// pasteReader is the person at the terminal of aws login --remote: when
// the command asks for the code, it opens the URL the command printed in a
// browser (the pages' dev auto-approve signs in), reads the code the
// confirmation page shows and types it.
type pasteReader struct {
	t    *testing.T
	out  *bytes.Buffer
	once sync.Once
	line *strings.Reader
}

var (
	printedURL = regexp.MustCompile(`http://\S+/v1/authorize\?\S+`)
	shownCode  = regexp.MustCompile(`id="verification-code"[^>]*>([^<]+)<`)
)

func (p *pasteReader) Read(b []byte) (int, error) {
	p.once.Do(func() {
		u := printedURL.FindString(p.out.String())
		resp, err := http.Get(u)
		if err != nil {
			p.t.Error(err)
			p.line = strings.NewReader("\n")
			return
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := shownCode.FindSubmatch(page)
		if m == nil {
			p.t.Errorf("no code on %s:\n%s", resp.Request.URL, page)
			p.line = strings.NewReader("\n")
			return
		}
		p.line = strings.NewReader(html.UnescapeString(string(m[1])) + "\n")
	})
	return p.line.Read(b)
}

func TestLoginRemoteReadsThePastedCode(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	f := newLoginFixture(t, e)
	f.run(t, &pasteReader{t: t, out: f.stdout}, "login", "--remote")
	_, c := f.cache(t)
	if c["clientId"] != "arn:aws:signin:::devtools/cross-device" {
		t.Fatalf("clientId = %v", c["clientId"])
	}
	conf, _ := os.ReadFile(f.configFile())
	if !strings.Contains(string(conf), "[default]\nlogin_session = "+signintest.PrincipalARN) {
		t.Fatalf("config:\n%s", conf)
	}
}

// botocore's LoginProvider reads the same cache and refreshes through
// signet. botocore signs its DPoP proofs with awscrt ("botocore[crt]"); where
// that is not installed the script lends botocore the same P-256 primitives
// from the cryptography package, so the provider's own code still runs.
func TestBotocoreLoginProviderRefreshesThroughSignet(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	f := newLoginFixture(t, e)
	f.run(t, nil, "login", "--profile", "signet")
	f.expire(t)
	script := `
import json, sys
import botocore.credentials as bc
if bc.EC is None:
    # botocore takes its P-256 primitives from awscrt ("botocore[crt]"),
    # which this machine's package sources do not carry. Give its real
    # login provider the same three primitives from the cryptography
    # package instead; everything else (cache, DPoP proof, refresh call,
    # write-back) is botocore's own code.
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, utils
    except ImportError:
        print("SKIP: botocore's login provider needs awscrt or cryptography")
        sys.exit(0)
    class _Key:
        def __init__(self, key): self._key = key
        def get_public_coords(self):
            n = self._key.public_key().public_numbers()
            return n.x.to_bytes(32, "big"), n.y.to_bytes(32, "big")
        def sign(self, digest):
            return self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    class _EC:
        @staticmethod
        def new_key_from_der_data(der):
            try:
                return _Key(serialization.load_der_private_key(der, password=None))
            except Exception as e:
                raise ValueError(str(e))
        @staticmethod
        def decode_der_signature_to_padded_pair(sig, pad_to):
            r, s = utils.decode_dss_signature(sig)
            return r.to_bytes(pad_to, "big") + s.to_bytes(pad_to, "big")
    bc.EC = _EC
import boto3
s = boto3.Session(profile_name="signet")
print(json.dumps(s.client("sts").get_caller_identity()["Arn"]))
`
	out := strings.TrimSpace(string(awscredstest.Botocore(t, script, map[string]string{
		"AWS_CONFIG_FILE": f.configFile(), "AWS_LOGIN_CACHE_DIRECTORY": f.cacheDir,
		"AWS_ENDPOINT_URL_SIGNIN": e.URL, "AWS_ENDPOINT_URL_STS": e.URL,
	})))
	if why, skip := strings.CutPrefix(out, "SKIP: "); skip {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", why)
		}
		t.Skip(why)
	}
	if out != `"`+signintest.PrincipalARN+`"` {
		t.Fatalf("botocore: %s", out)
	}
	_, c := f.cache(t)
	if c["accessToken"].(map[string]any)["expiresAt"].(string) < time.Now().UTC().Format(time.RFC3339) {
		t.Fatal("botocore did not write the refreshed credentials back")
	}
}
