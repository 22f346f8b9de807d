// Package zitadeltest starts, in a test, a real OpenID Provider that nobody
// here wrote: the example provider of github.com/zitadel/oidc/v3 (an
// OpenID-certified library), on a loopback port, with the test's users. Its
// example storage puts only sub in an ID token that comes with an access
// token; a thin wrapper adds the preferred name, e-mail, name and a groups
// claim, so that group rules can be tested end to end.
package zitadeltest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person at the upstream provider, with the groups it asserts.
type User struct {
	storage.User
	Groups []string
}

// Users is the example provider's user store (storage.UserStore), which
// a test changes while the provider runs (a group removed upstream).
type Users struct {
	mu   sync.Mutex
	byID map[string]*User
}

func (s *Users) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.byID[id]; ok {
		c := u.User
		return &c
	}
	return nil
}

func (s *Users) GetUserByUsername(name string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.byID {
		if u.Username == name {
			c := u.User
			return &c
		}
	}
	return nil
}

func (s *Users) ExampleClientID() string { return "service" }

func (s *Users) Add(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.PreferredLanguage == (language.Tag{}) {
		u.PreferredLanguage = language.English
	}
	s.byID[u.ID] = &u
}

func (s *Users) SetGroups(id string, groups ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[id].Groups = groups
}

func (s *Users) Groups(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.byID[id]; ok {
		return append([]string(nil), u.Groups...)
	}
	return nil
}

// groupsStorage is the example storage with the user's preferred name,
// e-mail and groups in every ID token (the example puts only sub there
// when an access token is issued too).
type groupsStorage struct {
	*storage.Storage
	users *Users
}

func (s groupsStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, r, scopes); err != nil {
		return err
	}
	if u := s.users.GetUserByID(r.GetSubject()); u != nil {
		ui.PreferredUsername, ui.Email, ui.Name = u.Username, u.Email, u.FirstName+" "+u.LastName
	}
	ui.AppendClaims("groups", s.users.Groups(r.GetSubject()))
	return nil
}

// OP is the example OpenID Provider on a loopback port.
type OP struct {
	Issuer string
	Users  *Users
}

// Start starts the example provider with one confidential web
// client (clientID, secret) whose redirect URIs are given.
func Start(t testing.TB, clientID, secret string, redirectURIs ...string) *OP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &OP{Issuer: "http://" + ln.Addr().String(), Users: &Users{byID: map[string]*User{}}}
	// The example registers clients in a package-level map; ids are unique
	// per test.
	storage.RegisterClients(storage.WebClient(clientID, secret, redirectURIs...))
	st := groupsStorage{Storage: storage.NewStorage(z.Users), users: z.Users}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: exampleop.SetupServer(z.Issuer, st, nil, false)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return z
}
