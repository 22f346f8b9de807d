package signettest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

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
	s.sessions++
	session := fmt.Sprintf("signettest-%d", s.sessions)
	conf := fmt.Sprintf("[profile %s]\nsso_session = %s\n\n[sso-session %s]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n",
		session, session, session, s.StartURL(), Region)
	env, err := s.cliEnv(ctx, user, session, conf)
	if err != nil {
		return "", err
	}
	if err := run(ctx, awscli.Commands(env), env, "sso", "login", "--profile", session); err != nil {
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
	s.sessions++
	profile := fmt.Sprintf("signettest-%d", s.sessions)
	env, err := s.cliEnv(ctx, user, profile, "")
	if err != nil {
		return "", err
	}
	if err := run(ctx, awscli.LoginCommands(env), env, "login", "--profile", profile); err != nil {
		return "", err
	}
	sub, err := loginSession(env.Getenv("AWS_CONFIG_FILE"), profile)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.loginCacheDir(), sha256Hex(sub)+".json"), nil
}

func (s *Server) ssoCacheDir() string   { return filepath.Join(s.dir, ".aws", "sso", "cache") }
func (s *Server) loginCacheDir() string { return filepath.Join(s.dir, ".aws", "login", "cache") }

// cliEnv is the process the login commands see: CacheDir as the home, a
// config file of the login's own, every endpoint the server, and a browser
// that is the Person.
func (s *Server) cliEnv(ctx context.Context, user, name, conf string) (awscli.Env, error) {
	password, ok := s.users[user]
	if !ok {
		return awscli.Env{}, fmt.Errorf("signettest: no user %q", user)
	}
	file := filepath.Join(s.dir, "config-"+name)
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		return awscli.Env{}, err
	}
	vars := map[string]string{
		"HOME": s.dir, "AWS_CONFIG_FILE": file, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(s.dir, "credentials"),
		"AWS_LOGIN_CACHE_DIRECTORY": s.loginCacheDir(),
		"AWS_ENDPOINT_URL_SSO_OIDC": s.url, "AWS_ENDPOINT_URL_SIGNIN": s.url,
	}
	out := &bytes.Buffer{}
	return awscli.Env{
		Getenv: func(k string) string { return vars[k] },
		Stdin:  strings.NewReader(""), Stdout: out, Stderr: out,
		HTTPClient: &http.Client{}, Clock: signet.SystemClock{}, Rand: rand.Reader,
		OpenBrowser: func(u string) error {
			go func() {
				if err := s.person(ctx, u, user, password); err != nil {
					fmt.Fprintf(out, "signettest: the person's browser: %v\n", err)
				}
			}()
			return nil
		},
	}, nil
}

// run runs the command at path among cmds.
func run(ctx context.Context, cmds []*cobra.Command, env awscli.Env, path ...string) error {
	root := &cobra.Command{Use: "signet", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(cmds...)
	root.SetArgs(path)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("signettest: signet %s: %w\n%s", strings.Join(path, " "), err, env.Stdout)
	}
	return nil
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
