package awscli_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/signet-auth/signet/internal/testenv"
)

// The administrator-registered application of the CreateTokenWithIAM
// scripts.
const (
	iamApp         = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222"
	iamAppRedirect = "https://app.example.com/callback"
	// pkceVerifier is the code verifier the scripts' authorize requests
	// use (RFC 7636 §4.1: 43 to 128 unreserved characters).
	pkceVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

var updateScripts = flag.Bool("update", false, "rewrite the cmp files of testdata/real from what the server answers")

// TestRealScripts runs testdata/real against one real in-process signet
// (internal/testenv: every surface, the broker in front of a fake Figma,
// dev auto-approve on), with these variables:
//
//	SIGNET_URL                  the server
//	SIGNET_ACCOUNT              the user's account; SIGNET_OTHER_ACCOUNT another
//	SIGNET_USER                 the user the pages auto-approve as
//	SIGNET_PRINCIPAL            the ARN the user signs in to Sign-In as
//	CI_KEY_ID, CI_SECRET        an AKIA key of arn:aws:iam::$SIGNET_ACCOUNT:user/ci
//	EVE_KEY_ID, EVE_SECRET      an AKIA key of a user of SIGNET_OTHER_ACCOUNT
//	IAM_APP, IAM_APP_REDIRECT   an application for CreateTokenWithIAM
//	PKCE_VERIFIER, PKCE_CHALLENGE  a PKCE pair (S256)
//	FIGMA_CLIENT, FIGMA_REDIRECT   the broker's client at the fake Figma
//
// and these commands besides testscript's own:
//
//	authcode VAR URL        GET an authorize URL (auto-approved) and set VAR to the code it redirects with
//	figmacode VAR           set VAR to a fresh code of the fake Figma for FIGMA_CLIENT
//	jsonget VAR FILE PATH   set VAR to the string at the dotted PATH of a JSON file
//	envfile VAR FILE        set VAR to a file's content, trimmed
//
// The scripts share the server and run in parallel, so each signs in for
// itself and none moves the clock.
func TestRealScripts(t *testing.T) {
	e := testenv.New(t, testenv.Options{DevAutoApprove: true, Broker: true})
	e.IAMApplication(t, iamApp, iamAppRedirect, "openid", "sso:account:access")
	ciID, ciSecret := e.AccessKey(t, "arn:aws:iam::"+testenv.AccountID+":user/ci")
	eveID, eveSecret := e.AccessKey(t, "arn:aws:iam::"+testenv.OtherAccountID+":user/eve")
	sum := sha256.Sum256([]byte(pkceVerifier))
	vars := map[string]string{
		"SIGNET_URL": e.URL, "SIGNET_ACCOUNT": testenv.AccountID, "SIGNET_OTHER_ACCOUNT": testenv.OtherAccountID,
		"SIGNET_USER": testenv.UserName, "SIGNET_PRINCIPAL": testenv.PrincipalARN,
		"CI_KEY_ID": ciID, "CI_SECRET": ciSecret, "EVE_KEY_ID": eveID, "EVE_SECRET": eveSecret,
		"IAM_APP": iamApp, "IAM_APP_REDIRECT": iamAppRedirect,
		"PKCE_VERIFIER": pkceVerifier, "PKCE_CHALLENGE": base64.RawURLEncoding.EncodeToString(sum[:]),
		"FIGMA_CLIENT": testenv.FigmaClientID, "FIGMA_REDIRECT": testenv.FigmaRedirectURI,
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/real",
		UpdateScripts: *updateScripts,
		Setup: func(s *testscript.Env) error {
			for k, v := range vars {
				s.Setenv(k, v)
			}
			scriptEnv(s)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"authcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: authcode VAR URL")
				}
				noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := noFollow.Get(args[1])
				ts.Check(err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				loc, err := url.Parse(resp.Header.Get("Location"))
				ts.Check(err)
				code := loc.Query().Get("code")
				if code == "" {
					ts.Fatalf("authorize: %s, Location %q\n%s", resp.Status, resp.Header.Get("Location"), body)
				}
				ts.Setenv(args[0], code)
			},
			"figmacode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: figmacode VAR")
				}
				ts.Setenv(args[0], e.Upstream.IssueCode(testenv.FigmaClientID, testenv.FigmaRedirectURI))
			},
			"jsonget": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: jsonget VAR FILE PATH")
				}
				var v any
				ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &v))
				for _, k := range strings.Split(args[2], ".") {
					m, ok := v.(map[string]any)
					if !ok {
						ts.Fatalf("%s: no %s", args[1], args[2])
					}
					v = m[k]
				}
				s, ok := v.(string)
				if !ok {
					ts.Fatalf("%s: %s is not a string", args[1], args[2])
				}
				ts.Setenv(args[0], s)
			},
			"envfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: envfile VAR FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
		},
	})
}
