package signettest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscli"
)

// LoginSSO does what `aws sso login` does for an sso-session, as user:
// registers a client, runs the authorization code flow with PKCE through a
// loopback listener (the browser step played by the server's Person) and
// writes the SSO token cache file. It returns that file's path, for
// ssocreds.Options.CachedTokenFilepath; the start URL is StartURL.
func (s *Server) LoginSSO(ctx context.Context, user string) (tokenFile string, err error) {
	return s.loginSSO(ctx, user, false)
}

// LoginSSODevice is LoginSSO with the device flow (`aws sso login
// --use-device-code`): the Person is given the verification URL with the
// user code in it, and the login polls until the code is approved.
func (s *Server) LoginSSODevice(ctx context.Context, user string) (tokenFile string, err error) {
	return s.loginSSO(ctx, user, true)
}

func (s *Server) loginSSO(ctx context.Context, user string, device bool) (string, error) {
	session := s.nextName()
	conf := fmt.Sprintf("[profile %s]\nsso_session = %s\n\n[sso-session %s]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n",
		session, session, session, s.StartURL(), Region)
	args := []string{"sso", "login", "--profile", session}
	if device {
		args = append(args, "--use-device-code")
	}
	if err := s.runCLI(ctx, user, session, conf, awscli.Commands, args...); err != nil {
		return "", err
	}
	sum := sha1.Sum([]byte(session))
	return filepath.Join(s.ssoCacheDir(), hex.EncodeToString(sum[:])+".json"), nil
}

// LoginSignIn does what `aws login` does, as user: PKCE and a DPoP key,
// the browser step (played by the server's Person) through a loopback
// listener, and the login cache file written as the AWS CLI writes it. It
// returns that file's path, for logincreds.New, which refreshes the
// credentials through the server's Sign-In API.
func (s *Server) LoginSignIn(ctx context.Context, user string) (cacheFile string, err error) {
	profile := s.nextName()
	if err := s.runCLI(ctx, user, profile, "", awscli.LoginCommands, "login", "--profile", profile); err != nil {
		return "", err
	}
	sub, err := loginSession(s.configFile(profile), profile)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.loginCacheDir(), sha256Hex(sub)+".json"), nil
}

func (s *Server) ssoCacheDir() string   { return filepath.Join(s.dir, ".aws", "sso", "cache") }
func (s *Server) loginCacheDir() string { return filepath.Join(s.dir, ".aws", "login", "cache") }

// LoginTimeout bounds a login whose context has no deadline: a Person
// that returns without finishing leaves the login waiting for it.
const LoginTimeout = time.Minute

// nextName names a login's profile and session, unique in the server.
func (s *Server) nextName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins++
	return fmt.Sprintf("signettest-%d", s.logins)
}

func (s *Server) configFile(name string) string { return filepath.Join(s.dir, "config-"+name) }

// runCLI runs a login command in the process the commands see: CacheDir
// as the home, a config file of the login's own (conf), every endpoint the
// server, and a browser that is the Person. A Person's error ends the
// login.
func (s *Server) runCLI(ctx context.Context, user, name, conf string, cmds func(awscli.Env) []*cobra.Command, args ...string) error {
	password, ok := s.users[user]
	if !ok {
		return fmt.Errorf("signettest: no user %q", user)
	}
	file := s.configFile(name)
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		return err
	}
	vars := map[string]string{
		"HOME": s.dir, "AWS_CONFIG_FILE": file, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(s.dir, "credentials"),
		"AWS_LOGIN_CACHE_DIRECTORY": s.loginCacheDir(),
		"AWS_ENDPOINT_URL_SSO_OIDC": s.url, "AWS_ENDPOINT_URL_SIGNIN": s.url,
	}
	if _, ok := ctx.Deadline(); !ok {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, LoginTimeout)
		defer stop()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := &lockedBuffer{}
	env := awscli.Env{
		Getenv: func(k string) string { return vars[k] },
		Stdin:  strings.NewReader(""), Stdout: out, Stderr: out,
		HTTPClient: &http.Client{}, Clock: signet.SystemClock{}, Rand: rand.Reader,
		OpenBrowser: func(u string) error {
			go func() {
				if err := s.person(ctx, u, user, password); err != nil {
					cancel(fmt.Errorf("signettest: the person at %s: %w", u, err))
				}
			}()
			return nil
		},
	}
	root := &cobra.Command{Use: "signet", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(cmds(env)...)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(out)
	if err := root.ExecuteContext(ctx); err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return cause // the Person's error
		}
		return fmt.Errorf("signettest: signet %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// lockedBuffer is the commands' output, written by the command and read
// for an error.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loginSession reads the login_session `login` wrote into the profile.
func loginSession(file, profile string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == "[profile "+profile+"]" || line == "["+profile+"]"
			continue
		}
		if k, v, ok := strings.Cut(line, "="); in && ok && strings.TrimSpace(k) == "login_session" {
			return strings.TrimSpace(v), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("signettest: no login_session in profile %s", profile)
}

// sha256Hex names a login cache file as the CLI and SDKs do
// (logincreds.StandardCachedTokenFilepath).
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(s)))
	return hex.EncodeToString(sum[:])
}
