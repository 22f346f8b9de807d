package signettest

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/app"
	iconfig "github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/password"
)

// Region is the region the server's clients name.
const Region = "us-east-1"

// Server is a running signet.
type Server struct {
	url    string
	dir    string // CacheDir
	users  map[string]string
	first  string
	person Person

	mu     sync.Mutex
	logins int
}

// Start starts a server for the test and stops it when the test ends. It
// fails the test if the server cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	if len(o.users) == 0 {
		o.users = []user{{name: DefaultUser, password: DefaultPassword,
			assignments: []Assignment{{AccountID: DefaultAccount, RoleName: DefaultRole}}}}
	}
	ctx := context.Background()
	dir := t.TempDir()
	hs := httptest.NewUnstartedServer(nil)
	s := &Server{url: "http://" + hs.Listener.Addr().String(), dir: t.TempDir(),
		users: map[string]string{}, first: o.users[0].name, person: o.person}
	if s.person == nil {
		s.person = Browse
	}

	c := iconfig.Default()
	c.Addr, c.Issuer, c.DataDir = hs.Listener.Addr().String(), s.url, dir
	c.MasterKeyFile = filepath.Join(dir, app.MasterKeyFile)
	if _, err := keyring.GenerateMasterKeyFile(c.MasterKeyFile, rand.Reader); err != nil {
		hs.Close()
		t.Fatal(err)
	}
	for _, l := range authserver.LifetimeSettings() {
		if v := *l.Field(&o.lifetimes); v != 0 {
			*l.Field(&c.Lifetimes) = v
		}
	}
	if o.lifetimes.DevicePollInterval == 0 {
		// The slowest part of a device-flow login is its first wait.
		c.Lifetimes.DevicePollInterval = time.Second
	}
	c.Dev, c.DevAutoApprove = o.autoApprove, o.autoApprove
	// The users' "Admin" is an AWS role name of the fixture; it does not
	// make them signet administrators, who must use a second factor.
	c.MFA.MFAAdminRoles = []string{}
	a, err := app.New(ctx, c, app.Deps{
		Log: o.log, Getenv: func(string) string { return "" },
		// The cheapest argon2id parameters the package allows: tests sign
		// in often.
		Passwords:   &password.Params{Memory: password.MinMemory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		DevUserName: s.first, NoRateLimits: true,
	})
	if err != nil {
		hs.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for _, u := range o.users {
		created, err := a.Engine.CreateUser(ctx, u.name, u.name, u.password)
		if err != nil {
			t.Fatalf("signettest: user %s: %v", u.name, err)
		}
		if err := a.Engine.SetAssignments(ctx, created.ID, u.assignments); err != nil {
			t.Fatalf("signettest: assignments of %s: %v", u.name, err)
		}
		s.users[u.name] = u.password
	}
	hs.Config.Handler = a.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	return s
}

// URL is the server's address and issuer: http://127.0.0.1:port.
func (s *Server) URL() string { return s.url }

// CacheDir is the home directory of the logins, a directory of the
// test's: LoginSSO writes the SSO token cache under .aws/sso/cache in it
// and LoginSignIn the login cache under .aws/login/cache, as the AWS CLI
// does under ~.
func (s *Server) CacheDir() string { return s.dir }

// StartURL is the SSO start URL of the server's sessions.
func (s *Server) StartURL() string { return s.url + "/start" }

// AWSConfig loads an aws.Config whose every service endpoint (SSO OIDC,
// SSO, Sign-In, STS) is the server, in Region, reading no shared config or
// credentials file of the machine. More options (credentials, a retryer)
// apply after these.
func (s *Server) AWSConfig(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	none := []string{filepath.Join(s.dir, "no-such-file")}
	base := []func(*config.LoadOptions) error{
		config.WithRegion(Region),
		config.WithBaseEndpoint(s.url),
		config.WithSharedConfigFiles(none),
		config.WithSharedCredentialsFiles(none),
	}
	return config.LoadDefaultConfig(ctx, append(base, opts...)...)
}
