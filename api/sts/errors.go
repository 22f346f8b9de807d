package sts

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet/sigv4"
)

// queryCodes maps SigV4 failures to the codes STS answers with. A
// signature outside the time window is SignatureDoesNotMatch ("Signature
// expired: …") in STS, not ExpiredToken, which is kept for expired
// credentials.
func queryCode(k sigv4.Kind) (code, message string) {
	switch k {
	case sigv4.KindMissingAuthentication:
		return "MissingAuthenticationToken", "Request is missing Authentication Token"
	case sigv4.KindIncompleteSignature:
		return "IncompleteSignature", ""
	case sigv4.KindInvalidSignature, sigv4.KindSignatureExpired:
		return "SignatureDoesNotMatch", ""
	case sigv4.KindUnrecognizedClient:
		return "InvalidClientTokenId", ""
	case sigv4.KindExpiredToken:
		return "ExpiredToken", ""
	case sigv4.KindAccessDenied:
		return "AccessDenied", ""
	case sigv4.KindRequestTooLarge:
		return "RequestEntityTooLarge", ""
	}
	return "InternalFailure", ""
}

// renderSigV4Error is the sigv4.ErrorRenderer of the query protocol.
func (h *Handler) renderSigV4Error(w http.ResponseWriter, r *http.Request, e *sigv4.Error) string {
	code, msg := queryCode(e.Kind)
	if msg == "" {
		msg = e.Message
	}
	if e.RequestID != "" {
		w.Header().Set("X-Amzn-Requestid", e.RequestID)
	}
	h.writeError(w, r, e.Kind.Status(), code, msg)
	return code
}

// writeError writes an STS <ErrorResponse>: Type Sender for the caller's
// faults (4xx), Receiver for the server's.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	id := h.requestID(w)
	if status >= 500 && h.Logger != nil {
		h.Logger.LogAttrs(r.Context(), slog.LevelError, "sts: internal failure", slog.String("request_id", id))
	}
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + namespace + `">` + "\n  <Error>\n")
	element(&b, "    ", "Type", typ)
	element(&b, "    ", "Code", code)
	element(&b, "    ", "Message", message)
	b.WriteString("  </Error>\n")
	element(&b, "  ", "RequestId", id)
	b.WriteString("</ErrorResponse>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
