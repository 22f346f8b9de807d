package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
	w.Header().Set("x-amzn-RequestId", "request-1") // the surface's, kept
	WriteError(w, 400, "AuthorizationPendingException", map[string]string{"error": "authorization_pending", "error_description": "Authorization is still pending."}, 0)
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "AuthorizationPendingException" {
		t.Fatalf("status %d headers %v", w.Code, w.Header())
	}
	if w.Header().Get("x-amzn-RequestId") != "request-1" || w.Header().Get("Cache-Control") != "no-store" {
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

// checkStructureTokens is the reference checkStructure is held to: it walks
// encoding/json's token stream; it: it bounds nesting, rejects
// duplicate member names in any object and anything after the top value.
func checkStructureTokens(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object  bool
		wantKey bool
		seen    map[string]struct{}
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return malformed("Request body is not valid JSON.")
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
				if len(stack) >= MaxDepth {
					return malformed("Request body is nested too deeply.")
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) == 0 && dec.More() {
					return malformed("Request body has data after the JSON object.")
				}
			}
			continue
		}
		if len(stack) == 0 {
			return malformed("Request body must be a JSON object.")
		}
		top := &stack[len(stack)-1]
		if !top.object {
			continue
		}
		if top.wantKey {
			name, _ := tok.(string)
			if top.seen == nil {
				top.seen = make(map[string]struct{}, 8)
			}
			if _, dup := top.seen[name]; dup {
				return malformed("Member %s appears more than once.", safeName(name))
			}
			top.seen[name] = struct{}{}
			top.wantKey = false
		} else {
			top.wantKey = true
		}
	}
	if len(stack) != 0 {
		return malformed("Request body is not valid JSON.")
	}
	return nil
}

// checkStructure gives the verdict encoding/json's token stream gives, for
// every input: same error or none, same message.
func FuzzCheckStructureMatchesTokens(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"clientId":"a","scopes":["x"]}`, `{"a":{"a":1,"a":2}}`, `{"a":1,"\u0061":2}`,
		`{"a":[1,2,{"b":true,"c":null}],"d":-0.5e+10}`, `{"a":01}`, `{"a":1.}`, `{"a":tru}`, `{"a":"\x"}`,
		`{"a":1}}`, `{"a":1} x`, `{"a":1}]`, `{"a" 1}`, `{"a":1,}`, `[1,2]`, `{"\ud800":1,"\ufffd":2}`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k3":7}`,
		`{"a":[[[[[[[[1]]]]]]]]}`, `{"a":"\u00e9"}`, "{\"a\":\"\x01\"}", "{\"\xff\":1,\"\xfe\":2}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// What Unmarshal hands it: trimmed, an object.
		if body = bytes.TrimSpace(body); len(body) == 0 || body[0] != '{' {
			return
		}
		got, want := checkStructure(body), checkStructureTokens(body)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("checkStructure(%q) = %v, the token stream says %v", body, got, want)
		}
	})
}

func BenchmarkCheckStructure(b *testing.B) {
	body := []byte(`{"clientId":"AbCdEfGhIjKlMnOpQrStUv","clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVkIjoiZXhhbXBsZSJ9","grantType":"refresh_token","refreshToken":"aorvJYubGpU6i91YnH7Mfo-AT2fIVa1zCfA_Rvq9yjVKIP3onFmmykuQ7E93y2I19H5AMXv2_u8EOHqXaG6oS"}`)
	for _, impl := range []struct {
		name string
		fn   func([]byte) error
	}{{"bytes", checkStructure}, {"tokens", checkStructureTokens}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := impl.fn(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
