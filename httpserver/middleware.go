package httpserver

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"time"
)

// requestInfo travels in the request context from the outermost middleware
// in: what the access log and the handlers need to know about the request.
type requestInfo struct {
	id     string
	origin Origin
	route  string // the ServeMux pattern, set once the mux has matched
	ua     string // the User-Agent header, for the audit trail
}

type ctxKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(ctxKey{}).(*requestInfo)
	return i
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// MatchedRoute returns the ServeMux pattern that served the request ctx belongs
// to, once the mux has matched ("" before, or outside the Server).
func MatchedRoute(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.route
	}
	return ""
}

// RequestOrigin returns the request id, the client address (resolved
// through the trusted proxies) and the User-Agent of the request ctx
// belongs to, for the audit trail; empty strings outside the Server.
func RequestOrigin(ctx context.Context) (id, address, userAgent string) {
	i := infoFrom(ctx)
	if i == nil {
		return "", "", ""
	}
	if i.origin.ClientIP.IsValid() {
		address = i.origin.ClientIP.String()
	}
	return i.id, address, i.ua
}

// ClientIP returns the canonical client address of r, resolved through the
// trusted proxies; the zero Addr if r did not pass through the Server.
func ClientIP(r *http.Request) netip.Addr {
	if i := infoFrom(r.Context()); i != nil {
		return i.origin.ClientIP
	}
	return netip.Addr{}
}

// ExternalURL returns the scheme and host the client addressed, resolved
// through the trusted proxies (RFC 9449 §4.3 htu; redirects). Outside the
// Server it falls back to the request itself.
func ExternalURL(r *http.Request) *url.URL {
	var o Origin
	if i := infoFrom(r.Context()); i != nil {
		o = i.origin
	} else {
		o = Proxies{}.Resolve(r)
	}
	return &url.URL{Scheme: o.Scheme, Host: o.Host}
}

// LogHandler wraps h so that every record logged with a request's context
// carries its request_id.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }

// withRequestInfo resolves the origin, assigns the request id (taking a
// well-formed X-Request-Id only from a trusted proxy) and echoes it, and
// marks every answer that goes out over HTTPS with Strict-Transport-Security
// (catalogue DG-02), errors and 404s included.
func (s *Server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &requestInfo{origin: s.Proxies.Resolve(r), ua: r.UserAgent()}
		if id := r.Header.Get("X-Request-Id"); validRequestID(id) && s.Proxies.trusts(remoteIP(r.RemoteAddr)) {
			info.id = id
		} else {
			info.id = s.newRequestID()
		}
		w.Header().Set("X-Request-Id", info.id)
		if s.overHTTPS(r, info.origin) {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, info)))
	})
}

func (s *Server) newRequestID() string {
	var b [12]byte
	if _, err := io.ReadFull(s.Rand, b[:]); err != nil {
		return "norandom"
	}
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// withAccessLog logs one line per request and records the request metrics.
// It logs the route pattern, never the raw URL: query strings can carry
// codes and tokens (catalogue IN-05). Headers and bodies are never logged.
func (s *Server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		info := infoFrom(r.Context())
		route := info.route
		if route == "" {
			route = "unmatched"
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.Metrics.observe(route, r.Method, status, d)
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.Int64("bytes", rec.bytes),
			slog.String("client_ip", info.origin.ClientIP.String()),
		)
	})
}

// withRecover turns a panic into a bare 500: the client learns nothing, the
// log gets the value and the stack.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler asked net/http to drop the connection
			}
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rec, ok := w.(*recorder); !ok || rec.status == 0 {
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit caps every request body (catalogue IN-01). A chunked body is
// cut off by http.MaxBytesReader at the cap; a declared length over the cap
// is not read at all: the handler's first read fails at once with the same
// *http.MaxBytesError. Either way the handler answers in its own API's error
// shape (see BodyTooLarge), so an SDK gets an error it can parse whatever
// the framing of the body, and the connection is closed after the answer.
func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r.URL.Path)
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			r.Body = declaredTooLarge{limit: limit}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// declaredTooLarge stands in for a body whose declared length is over the
// cap: nothing of it is read, and every read fails as MaxBytesReader's would.
type declaredTooLarge struct{ limit int64 }

func (b declaredTooLarge) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
func (declaredTooLarge) Close() error               { return nil }

// BodyTooLarge reports whether err came from reading past the body limit; a
// handler answers it with 413 Content Too Large.
func BodyTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// ServedAs records pattern as the route of r, for the access log and the
// metrics, when a handler ahead of the mux (Server.Wrap) answers r itself;
// without it such a request is counted as "unmatched".
func ServedAs(r *http.Request, pattern string) {
	if info := infoFrom(r.Context()); info != nil {
		info.route = pattern
	}
}

// withRoute records the pattern the mux matched, for the log and the
// metrics: ServeMux sets r.Pattern on the request it is given.
func withRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { infoFrom(r.Context()).route = r.Pattern }()
		mux.ServeHTTP(w, r)
	})
}

// recorder notes the status and the size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
