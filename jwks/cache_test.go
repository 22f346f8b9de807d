package jwks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const oneKey = `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestKeysCachesAndBoundsRefetch(t *testing.T) {
	var fetches atomic.Int32
	var body atomic.Value
	body.Store(oneKey)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			w.Write([]byte(`{"issuer":"` + "http://" + r.Host + `","jwks_uri":"http://` + r.Host + `/keys"}`))
		case "/keys":
			fetches.Add(1)
			if s := body.Load().(string); s == "fail" {
				http.Error(w, "down", http.StatusServiceUnavailable)
			} else {
				w.Write([]byte(s))
			}
		}
	}))
	defer srv.Close()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := New(Options{Now: clk.now, TTL: time.Hour, MinRefresh: time.Minute})
	ctx := context.Background()

	// Discovery finds the keys.
	set, err := c.Keys(ctx, srv.URL, "", false)
	if err != nil || len(set.Key("k1")) != 1 || fetches.Load() != 1 {
		t.Fatalf("first: %v %d keys, %d fetches", err, len(set.Keys), fetches.Load())
	}
	// Cached, and a refresh right away does not fetch.
	for _, refresh := range []bool{false, true} {
		if _, err := c.Keys(ctx, srv.URL, "", refresh); err != nil || fetches.Load() != 1 {
			t.Fatalf("refresh=%v: %v, %d fetches", refresh, err, fetches.Load())
		}
	}
	// After MinRefresh a refresh fetches; a failing fetch keeps the old set.
	clk.t = clk.t.Add(2 * time.Minute)
	body.Store("fail")
	if set, err := c.Keys(ctx, srv.URL, "", true); err != nil || len(set.Keys) != 1 || fetches.Load() != 2 {
		t.Fatalf("stale on failure: %v, %d fetches", err, fetches.Load())
	}
	// After the TTL the set is fetched again without being asked.
	body.Store(`{"keys":[]}`)
	clk.t = clk.t.Add(2 * time.Hour)
	if set, err := c.Keys(ctx, srv.URL, "", false); err != nil || len(set.Keys) != 0 || fetches.Load() != 3 {
		t.Fatalf("after TTL: %v %d keys, %d fetches", err, len(set.Keys), fetches.Load())
	}
}

func TestKeysRefusesWhatIsNotAKeySet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write([]byte(`{"keys":[` + strings.Repeat(" ", MaxBody) + `]}`))
		case "/html":
			w.Write([]byte(`<html>`))
		case "/404":
			http.NotFound(w, r)
		case "/.well-known/openid-configuration":
			w.Write([]byte(`{"issuer":"https://someone.else","jwks_uri":"http://` + r.Host + `/keys"}`))
		}
	}))
	defer srv.Close()
	for _, tc := range []struct{ name, issuer, url string }{
		{"larger than MaxBody", srv.URL, srv.URL + "/big"},
		{"not JSON", srv.URL, srv.URL + "/html"},
		{"not 200", srv.URL, srv.URL + "/404"},
		{"discovery names another issuer", srv.URL, ""},
		{"not http", srv.URL, "file:///etc/passwd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{})
			if _, err := c.Keys(context.Background(), tc.issuer, tc.url, false); !errors.Is(err, ErrFetch) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
