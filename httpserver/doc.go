// Package httpserver is signet's HTTP shell: the one listener every surface is
// served on, the middleware every request passes through (request id, panic
// recovery, access log, Prometheus metrics, body limit, trusted-proxy
// resolution), the operations endpoints (/healthz, /readyz, /metrics) and a
// graceful shutdown.
//
// It holds no policy about tokens. API packages add their routes through
// Mount(mux *http.ServeMux); routes.go lists everything that is served. The
// server timeouts and limits answer catalogue IN-01, IN-06, IN-07 and IN-08
// in docs/spec/security.md; the client address used for rate limits
// answers RL-05.
package httpserver
