package awsjson

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type sample struct {
	ClientID string   `json:"clientId"`
	Scopes   []string `json:"scopes"`
	N        int      `json:"n"`
}

func TestUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		want       sample
	}{
		{"plain", `{"clientId":"a","scopes":["x","y"]}`, true, sample{ClientID: "a", Scopes: []string{"x", "y"}}},
		{"empty body is empty object", ``, true, sample{}},
		{"IN-04 unknown members ignored", `{"clientId":"a","debug":true,"x":{"y":[1,2]}}`, true, sample{ClientID: "a"}},
		{"IN-03 duplicate member", `{"clientId":"a","clientId":"b"}`, false, sample{}},
		{"IN-03 duplicate in nested object", `{"x":{"a":1,"a":2}}`, false, sample{}},
		{"same name in sibling objects is fine", `{"x":{"a":1},"y":{"a":2}}`, true, sample{}},
		{"IN-02 deep nesting", `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, false, sample{}},
		{"array at top", `[1]`, false, sample{}},
		{"string at top", `"x"`, false, sample{}},
		{"trailing data", `{"clientId":"a"}{"clientId":"b"}`, false, sample{}},
		{"trailing garbage", `{"clientId":"a"} x`, false, sample{}},
		{"truncated", `{"clientId":"a"`, false, sample{}},
		{"wrong type", `{"clientId":5}`, false, sample{}},
		{"invalid UTF-8 is replaced, not fatal", "{\"clientId\":\"a\xff\"}", true, sample{ClientID: "a\uFFFD"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got sample
			err := Unmarshal([]byte(tc.body), &got)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v does not wrap ErrMalformed", err)
				}
				if strings.Contains(err.Error(), `"a"`) || strings.Contains(err.Error(), "\"b\"") {
					t.Fatalf("error echoes input: %v", err)
				}
				return
			}
			if got.ClientID != tc.want.ClientID || strings.Join(got.Scopes, ",") != strings.Join(tc.want.Scopes, ",") {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDuplicateMessageNeverEchoesOddNames(t *testing.T) {
	err := Unmarshal([]byte(`{"<script>":1,"<script>":2}`), &sample{})
	if err == nil || strings.Contains(err.Error(), "<script>") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name, ct string
		size     int
		ok       bool
	}{
		{"json", "application/json", 10, true},
		{"json with charset", "application/json; charset=utf-8", 10, true},
		{"amz json", "application/x-amz-json-1.1", 10, true},
		{"no content type", "", 10, true},
		{"IN-05 text/plain", "text/plain", 10, false},
		{"IN-05 form", "application/x-www-form-urlencoded", 10, false},
		{"IN-01 over the cap", "application/json", MaxBodyBytes + 1, false},
		{"at the cap", "application/json", MaxBodyBytes, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(strings.Repeat(" ", tc.size)))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			_, err := ReadBody(r)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, 400, "AuthorizationPendingException", map[string]string{"error": "authorization_pending", "error_description": "Authorization is still pending."}, 0)
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "AuthorizationPendingException" {
		t.Fatalf("status %d headers %v", w.Code, w.Header())
	}
	if w.Header().Get("x-amzn-RequestId") == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", w.Header())
	}
	if got := w.Body.String(); !strings.Contains(got, `"__type":"AuthorizationPendingException"`) || !strings.Contains(got, `"error":"authorization_pending"`) {
		t.Fatalf("body %s", got)
	}
	w = httptest.NewRecorder()
	WriteError(w, 429, "TooManyRequestsError", map[string]string{"error": "INVALID_REQUEST"}, 3)
	if w.Header().Get("Retry-After") != "3" {
		t.Fatalf("Retry-After = %q", w.Header().Get("Retry-After"))
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{}`, `{"clientId":"a","scopes":["x"]}`, `{"a":{"a":1,"a":2}}`, `[[[[`, `{"x":"\u0000"}`, `{"n":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s sample
		err := Unmarshal(body, &s)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}
