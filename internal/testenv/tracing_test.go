package testenv_test

import (
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/tracing"
)

// TestSE06_TracesHoldNoSecret: with traces on, the device flow, a refresh
// and the portal's role credentials produce a server span per request,
// named by its route and carrying the request id the answer carried, with
// the store calls as its children; no span name, attribute or event holds
// any secret the flow saw (catalogue SE-06).
func TestSE06_TracesHoldNoSecret(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	e := testenv.New(t, testenv.Options{TracerProvider: tp})
	f := &se06Flow{t: t, e: e, secrets: map[string]string{testenv.UserPassword: "user password"}}

	clientID, clientSecret, tok := deviceFlow(f, e.Browser(t))
	status, ref := f.call("POST", "/token", map[string]any{
		"clientId": clientID, "clientSecret": clientSecret,
		"grantType": "refresh_token", "refreshToken": str(tok, "refreshToken"),
	}, nil)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	f.secret("rotated refresh token", str(ref, "refreshToken"))
	f.secret("rotated access token", str(ref, "accessToken"))
	req, _ := http.NewRequest("GET", e.URL+"/federation/credentials?role_name=Admin&account_id="+testenv.AccountID, nil)
	req.Header.Set("x-amz-sso_bearer_token", str(ref, "accessToken"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("role credentials: %d", res.StatusCode)
	}
	wantID := res.Header.Get("X-Request-Id")

	spans := exp.GetSpans()
	byID := map[string]tracetest.SpanStub{}
	var credSpan *tracetest.SpanStub
	stores := 0
	for i, s := range spans {
		byID[s.SpanContext.SpanID().String()] = s
		if s.Name == "GET /federation/credentials" {
			credSpan = &spans[i]
		}
		if strings.HasPrefix(s.Name, "store.") {
			stores++
		}
	}
	if credSpan == nil {
		t.Fatalf("no span of the role credentials request among %d", len(spans))
	}
	if got := attr(credSpan.Attributes, tracing.AttrRequestID); got != wantID || got == "" {
		t.Errorf("request id attribute %q, the answer's X-Request-Id %q", got, wantID)
	}
	if got := attr(credSpan.Attributes, "http.response.status_code"); got != "200" {
		t.Errorf("status attribute %q", got)
	}
	if stores == 0 {
		t.Fatal("no store spans")
	}
	children := 0
	for _, s := range spans {
		if strings.HasPrefix(s.Name, "store.") && s.Parent.SpanID() == credSpan.SpanContext.SpanID() {
			children++
		}
	}
	if children == 0 {
		t.Error("the role credentials request has no store span beneath it")
	}

	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		for _, a := range s.Attributes {
			texts = append(texts, a.Value.String())
		}
		for _, ev := range s.Events {
			texts = append(texts, ev.Name)
			for _, a := range ev.Attributes {
				texts = append(texts, a.Value.String())
			}
		}
		for v, what := range f.secrets {
			for _, text := range texts {
				if strings.Contains(text, v) {
					t.Errorf("span %q holds the %s", s.Name, what)
				}
			}
		}
	}
	t.Logf("%d spans, %d of store calls", len(spans), stores)
}

func attr(as []attribute.KeyValue, key string) string {
	for _, a := range as {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}
