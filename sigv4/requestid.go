package sigv4

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"

	"github.com/signet-auth/signet/httpserver"
)

// RequestIDHeader names a request's id in the AWS protocols' responses.
const RequestIDHeader = "X-Amzn-Requestid"

// RequestID is the id a response of the AWS surfaces names in
// x-amzn-RequestId: the id the HTTP shell gave the request
// (httpserver.RequestID), so the access log, X-Request-Id and the AWS
// header name one request by one id. A request that did not pass through
// the shell (a handler mounted on a bare mux) gets a fresh UUID drawn from
// rnd (nil: crypto/rand).
func RequestID(r *http.Request, rnd io.Reader) string {
	if id := httpserver.RequestID(r.Context()); id != "" {
		return id
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return NewRequestID(rnd)
}

// EchoRequestID wraps a surface's handlers so that every response carries
// RequestID before anything else runs: the SigV4 refusals, the errors and
// the answers of one request all name the same id.
func EchoRequestID(rnd io.Reader) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(RequestIDHeader, RequestID(r, rnd))
			next.ServeHTTP(w, r)
		})
	}
}

// NewRequestID returns a random version 4 UUID (RFC 9562 §5.4), the shape
// of AWS request ids, drawing from rand. It returns "" if rand fails.
func NewRequestID(rand io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return ""
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
