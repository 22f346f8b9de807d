package federation

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is signet with its log, ready to take upstream providers.
type env struct {
	*testenv.Env
	log *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	log := &syncBuffer{}
	e := testenv.New(t, testenv.Options{Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	return &env{Env: e, log: log}
}

// addIdP registers an OIDC provider in the store, its client secret in a
// file the server reads at each login.
func (e *env) addIdP(t *testing.T, name, issuer, clientID, secret string, domains ...string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".secret")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	if err := e.Stores.Federation.SetIdP(context.Background(), signet.IdentityProvider{
		Name: name, Kind: signet.IdPOIDC, DisplayName: strings.ToUpper(name[:1]) + name[1:], Issuer: issuer,
		ClientID: clientID, ClientSecretRef: "file:" + path, Scopes: []string{"profile", "email"},
		Domains: domains, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) callback(idp string) string { return e.URL + "/login/federated/" + idp + "/callback" }

// browser is a plain HTTP browser with a cookie jar that follows
// redirects itself, so a test sees and can stop at each hop.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	URL      string
	Status   int
	Location string
	Body     string
}

func (b *browser) do(method, u string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if loc != "" {
		if l, err := req.URL.Parse(loc); err == nil {
			loc = l.String()
		}
	}
	return page{URL: u, Status: resp.StatusCode, Location: loc, Body: string(rb)}
}

func (b *browser) get(u string) page { return b.do(http.MethodGet, u, nil) }

// follow GETs u and every redirect after it until a page that is not a
// redirect, or one whose URL stop says to stop at (not fetched).
func (b *browser) follow(u string, stop func(string) bool) page {
	b.t.Helper()
	for range 20 {
		if stop != nil && stop(u) {
			return page{URL: u}
		}
		p := b.get(u)
		if p.Location == "" {
			return p
		}
		u = p.Location
	}
	b.t.Fatalf("more than 20 redirects from %s", u)
	return page{}
}

var opLoginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// zitadelLogin fills the example provider's login form on page p and
// follows what comes after until stop.
func (b *browser) zitadelLogin(p page, user, password string, stop func(string) bool) page {
	b.t.Helper()
	m := opLoginID.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("not the provider's login form at %s (%d):\n%s", p.URL, p.Status, p.Body)
	}
	u, _ := url.Parse(p.URL)
	r := b.do(http.MethodPost, u.Scheme+"://"+u.Host+"/login/username",
		url.Values{"id": {m[1]}, "username": {user}, "password": {password}})
	if r.Location == "" {
		b.t.Fatalf("provider login refused (%d):\n%s", r.Status, r.Body)
	}
	return b.follow(r.Location, stop)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// hidden returns the hidden inputs of one of signet's forms.
func (p page) hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'").Replace(m[2]))
	}
	return v
}

// userCount is how many users signet has.
func userCount(t *testing.T, e *env) int {
	t.Helper()
	us, err := e.Stores.Users.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(us)
}
