package awsjson

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// header sets what every response of these dialects carries. Token
// responses must not be cached (RFC 6749 §5.1; catalogue WB-09). The
// x-amzn-RequestId header is the caller's: the surfaces set the request's
// one id before they run (sigv4.EchoRequestID).
func header(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// WriteJSON writes v as a 200 (or status) JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "InternalServerException", map[string]string{"message": "An internal error occurred."}, 0)
		return
	}
	header(w)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes an error response: the shape name in X-Amzn-ErrorType
// (what the SDKs key on) and in the body's __type, the dialect's members in
// body, and Retry-After when retryAfter > 0 (seconds, rounded up by the
// caller).
func WriteError(w http.ResponseWriter, status int, shape string, body map[string]string, retryAfterSeconds int) {
	out := make(map[string]string, len(body)+1)
	for k, v := range body {
		out[k] = v
	}
	out["__type"] = shape
	b, _ := json.Marshal(out)
	header(w)
	h := w.Header()
	h.Set("X-Amzn-ErrorType", shape)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if retryAfterSeconds > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
