package ssoportal

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// A throttled call answers the model's TooManyRequestsException: 429 with
// Retry-After, in the header form the SDKs decode.
func TestThrottleShape(t *testing.T) {
	w := httptest.NewRecorder()
	(&Handler{}).writeError(w, httptest.NewRequest(http.MethodGet, "/federation/credentials", nil), opGetRoleCredentials,
		internal(&signet.Error{Code: signet.CodeTooManyRequests, RetryAfter: 1500 * time.Millisecond}))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("X-Amzn-ErrorType") != "TooManyRequestsException" || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
}

func TestPage(t *testing.T) {
	items := []string{"a", "b", "c"}
	p, e := parsePage("", "2", true)
	if e != nil {
		t.Fatal(e.message)
	}
	got, next := p.slice(items)
	if len(got) != 2 || next == "" {
		t.Fatalf("%v %q", got, next)
	}
	p, _ = parsePage(next, "2", true)
	got, next = p.slice(items)
	if len(got) != 1 || got[0] != "c" || next != "" {
		t.Fatalf("%v %q", got, next)
	}
	// A token naming an item since removed still continues after it.
	p, _ = parsePage(next0("bb"), "", false)
	if got, _ := p.slice(items); len(got) != 1 || got[0] != "c" {
		t.Fatalf("%v", got)
	}
}

func next0(after string) string {
	_, n := page{after: "", max: 1}.slice([]string{after, "zz"})
	return n
}

// FuzzQuery: the portal's query parsing and pagination never panic and
// refuse what they cannot use.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "role_name=Admin&account_id=123456789012", "next_token=cDE6YQ&max_result=1", "max_result=-1", "%zz", "a=1&a=2", "next_token=cDE6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest(http.MethodGet, "/assignment/accounts", nil)
		r.URL.RawQuery = raw
		q, e := query(r)
		if e != nil {
			return
		}
		p, e := parsePage(q.Get("next_token"), q.Get("max_result"), q.Has("max_result"))
		if e != nil {
			return
		}
		if p.max < 1 || p.max > maxMaxResults {
			t.Fatalf("max %d", p.max)
		}
		got, _ := p.slice([]string{"111111111111", "222222222222", "333333333333"})
		if len(got) > p.max {
			t.Fatalf("page of %d > %d", len(got), p.max)
		}
		_ = checkAccountID(q.Get("account_id"))
		_ = validRoleName(q.Get("role_name"))
	})
}
