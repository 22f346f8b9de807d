package oauth2

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseForm: the form parser never panics, never keeps a duplicate,
// and every value it keeps is clean UTF-8 within the cap.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"grant_type=authorization_code&code=sac_x&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb",
		"a=1&a=2", "a=%zz", "=x", "a", "a=&b=", "x=%00", "x=%ff%fe", "a=1;b=2", "&&&", "scope=openid+profile",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := parseForm(body)
		if err != nil {
			return
		}
		for k, v := range form {
			if k == "" || v == "" || !cleanText(k) || !cleanText(v) || len(v) > maxValueLen {
				t.Fatalf("kept %q=%q", k, v)
			}
			if strings.Count(body, "&")+1 < len(form) {
				t.Fatal("more parameters than pairs")
			}
		}
	})
}

// FuzzClientCredentials: the client-authentication parser (Authorization
// header and form) never panics and never yields two methods.
func FuzzClientCredentials(f *testing.F) {
	f.Add("Basic Y2xpZW50OnNlY3JldA==", "client_id=client")
	f.Add("Basic Y2xpZW50", "")
	f.Add("", "client_id=a&client_secret=b")
	f.Add("", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c")
	f.Add("Bearer x", "client_id=a")
	f.Fuzz(func(t *testing.T, auth, body string) {
		form, ferr := parseForm(body)
		if ferr != nil {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		c, err := clientCredentials(r, form)
		if err != nil {
			return
		}
		switch c.method {
		case authBasic:
			if c.assertion != "" || form.has("client_secret") {
				t.Fatal("Basic with a second method")
			}
		case authPost, authNone:
			if c.id == "" || c.assertion != "" {
				t.Fatalf("%s without an id or with an assertion", c.method)
			}
		case authJWT:
			if c.secret != "" || c.assertion == "" {
				t.Fatal("assertion with a secret")
			}
		default:
			t.Fatalf("method %q", c.method)
		}
	})
}
