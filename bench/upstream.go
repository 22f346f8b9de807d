package bench

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
)

// The broker-exchange scenario needs an upstream OAuth provider on this
// machine: a minimal RFC 6749 §5.1 token endpoint that answers every code
// with fresh tokens, so that what is measured is signet's broker, not a
// third party.

const (
	brokerProvider = "bench"
	brokerClientID = "bench-client"
	brokerRedirect = "http://127.0.0.1/bench/callback"
	upstreamPath   = "/token"
)

// upstreamHandler answers token requests with random tokens.
func upstreamHandler(rand io.Reader) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+upstreamPath, func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") == "" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		var b [32]byte
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": "up-at-" + base64.RawURLEncoding.EncodeToString(b[:16]), "token_type": "bearer",
			"expires_in": 3600, "refresh_token": "up-rt-" + base64.RawURLEncoding.EncodeToString(b[16:]),
		})
	})
	return mux
}

// upstream is the running provider.
type upstream struct {
	url  string // the token URL
	stop func()
}

func startUpstream(addr string, rand io.Reader) (*upstream, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	srv := &http.Server{Handler: upstreamHandler(rand)}
	go srv.Serve(ln)
	return &upstream{url: "http://" + ln.Addr().String() + upstreamPath, stop: func() { srv.Close() }}, nil
}

// brokerConfig is the part of signet's YAML configuration that names the
// upstream as provider "bench" (broker.Config), for a server this tool
// starts. The client secret is a throwaway: the upstream checks nothing.
func brokerConfig(tokenURL string) string {
	return fmt.Sprintf(`broker:
  upstream:
    allow_private_networks: true
  providers:
    - name: %s
      kind: oauth2
      token_url: %s
      clients:
        - id: %s
          secret: bench-upstream-secret
          redirect_uris: [%q]
          allowed_principals: ["*"]
`, brokerProvider, tokenURL, brokerClientID, brokerRedirect)
}
