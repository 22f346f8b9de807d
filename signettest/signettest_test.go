package signettest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/signet-auth/signet/signettest"
)

// TestDeviceFlowLogin: LoginSSODevice hands the person the verification
// URL; Browse types nothing (the code is in the URL), signs in, approves,
// and the cache it leaves gets the role's credentials.
func TestDeviceFlowLogin(t *testing.T) {
	ctx := context.Background()
	var urls []string
	var mu sync.Mutex
	srv := signettest.Start(t, signettest.WithLifetimes(signettest.Lifetimes{AccessToken: 10 * time.Minute}),
		signettest.WithPerson(func(ctx context.Context, u, user, password string) error {
			mu.Lock()
			urls = append(urls, u)
			mu.Unlock()
			return signettest.Browse(ctx, u, user, password)
		}))
	cfg, err := srv.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile, err := srv.LoginSSODevice(ctx, signettest.DefaultUser)
	if err != nil {
		t.Fatal(err)
	}
	var cache struct{ ExpiresAt time.Time }
	if data, err := os.ReadFile(tokenFile); err != nil || json.Unmarshal(data, &cache) != nil {
		t.Fatalf("token cache %s: %v", tokenFile, err)
	}
	if left := time.Until(cache.ExpiresAt); left > 10*time.Minute || left < 9*time.Minute {
		t.Errorf("the access token lives %v more, want the 10 minutes WithLifetimes set", left)
	}
	mu.Lock()
	if len(urls) != 1 || !strings.HasPrefix(urls[0], srv.URL()+"/device?user_code=") {
		t.Errorf("the person was shown %q, want one device verification URL", urls)
	}
	mu.Unlock()
	creds := ssocreds.New(sso.NewFromConfig(cfg), signettest.DefaultAccount, signettest.DefaultRole, srv.StartURL(),
		func(o *ssocreds.Options) { o.CachedTokenFilepath = tokenFile })
	want := "arn:aws:sts::" + signettest.DefaultAccount + ":assumed-role/" + signettest.DefaultRole + "/" + signettest.DefaultUser
	if got := callerARN(t, ctx, cfg, creds); got != want {
		t.Errorf("caller %s, want %s", got, want)
	}
}

// TestPersonWhoRefuses: a person who gives up or types the wrong password
// ends the login with an error at once, and no cache file is written.
func TestPersonWhoRefuses(t *testing.T) {
	walkAway := errors.New("walked away")
	for name, p := range map[string]signettest.Person{
		"walks away": func(context.Context, string, string, string) error { return walkAway },
		"wrong password": func(ctx context.Context, u, user, _ string) error {
			return signettest.Browse(ctx, u, user, "not the password")
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := signettest.Start(t, signettest.WithPerson(p))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for login, f := range map[string]func(context.Context, string) (string, error){
				"LoginSSO": srv.LoginSSO, "LoginSSODevice": srv.LoginSSODevice, "LoginSignIn": srv.LoginSignIn,
			} {
				file, err := f(ctx, signettest.DefaultUser)
				if err == nil {
					t.Errorf("%s: succeeded with %s", login, file)
				} else if name == "walks away" && !errors.Is(err, walkAway) {
					t.Errorf("%s: %v, want the person's error", login, err)
				}
			}
			if ctx.Err() != nil {
				t.Error("a login waited for the timeout")
			}
		})
	}
}

// TestAutoApprove: with --dev-auto-approve a browser that only follows
// redirects completes the logins, as the first user with its first
// assignment, whoever the login names.
func TestAutoApprove(t *testing.T) {
	ctx := context.Background()
	log := &syncWriter{w: &bytes.Buffer{}}
	srv := signettest.Start(t, signettest.WithAutoApprove(true),
		signettest.WithLogger(slog.New(slog.NewTextHandler(log, nil))),
		signettest.WithUser("ci", "pw-ci-0123456789", signettest.Assignment{AccountID: "444455556666", RoleName: "Build"}),
		signettest.WithUser("bob", "pw-bob-0123456789", signettest.Assignment{AccountID: "777788889999", RoleName: "Other"}),
		signettest.WithPerson(func(ctx context.Context, u, _, _ string) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		}))
	cfg, err := srv.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const want = "arn:aws:sts::444455556666:assumed-role/Build/ci"
	cacheFile, err := srv.LoginSignIn(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got := callerARN(t, ctx, cfg, logincreds.New(signin.NewFromConfig(cfg), cacheFile)); got != want {
		t.Errorf("Sign-In: caller %s, want %s", got, want)
	}
	tokenFile, err := srv.LoginSSODevice(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	creds := ssocreds.New(sso.NewFromConfig(cfg), "444455556666", "Build", srv.StartURL(),
		func(o *ssocreds.Options) { o.CachedTokenFilepath = tokenFile })
	if got := callerARN(t, ctx, cfg, creds); got != want {
		t.Errorf("SSO: caller %s, want %s", got, want)
	}
	if n := strings.Count(log.String(), "DEV AUTO-APPROVE"); n != 2 {
		t.Errorf("the log has %d auto-approval warnings, want 2 (WithLogger):\n%s", n, log.String())
	}
	if _, err := srv.LoginSSO(ctx, "nobody"); err == nil {
		t.Error("a login as an unknown user succeeded")
	}
}

// syncWriter lets the server's goroutines share one log buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
