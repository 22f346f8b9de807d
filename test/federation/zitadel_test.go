package federation

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

// opUser is a person at the upstream provider, with the groups it asserts.
type opUser struct {
	storage.User
	Groups []string
}

// opUsers is the example provider's user store (storage.UserStore), which
// a test changes while the provider runs (a group removed upstream).
type opUsers struct {
	mu   sync.Mutex
	byID map[string]*opUser
}

func (s *opUsers) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.byID[id]; ok {
		c := u.User
		return &c
	}
	return nil
}

func (s *opUsers) GetUserByUsername(name string) *storage.User {
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

func (s *opUsers) ExampleClientID() string { return "service" }

func (s *opUsers) add(u opUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.PreferredLanguage == (language.Tag{}) {
		u.PreferredLanguage = language.English
	}
	s.byID[u.ID] = &u
}

func (s *opUsers) setGroups(id string, groups ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[id].Groups = groups
}

func (s *opUsers) groups(id string) []string {
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
	users *opUsers
}

func (s groupsStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, r, scopes); err != nil {
		return err
	}
	if u := s.users.GetUserByID(r.GetSubject()); u != nil {
		ui.PreferredUsername, ui.Email, ui.Name = u.Username, u.Email, u.FirstName+" "+u.LastName
	}
	ui.AppendClaims("groups", s.users.groups(r.GetSubject()))
	return nil
}

// zitadelOP is the example OpenID Provider on a loopback port.
type zitadelOP struct {
	Issuer string
	Users  *opUsers
}

// startZitadel starts the example provider with one confidential web
// client (clientID, secret) whose redirect URIs are given.
func startZitadel(t *testing.T, clientID, secret string, redirectURIs ...string) *zitadelOP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &zitadelOP{Issuer: "http://" + ln.Addr().String(), Users: &opUsers{byID: map[string]*opUser{}}}
	// The example registers clients in a package-level map; ids are unique
	// per test.
	storage.RegisterClients(storage.WebClient(clientID, secret, redirectURIs...))
	st := groupsStorage{Storage: storage.NewStorage(z.Users), users: z.Users}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: exampleop.SetupServer(z.Issuer, st, nil, false)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return z
}
