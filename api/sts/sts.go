package sts

import (
	"bytes"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

// Wire constants.
const (
	// SigningName is STS's SigV4 signing name.
	SigningName = "sts"
	// APIVersion is the only version STS has.
	APIVersion = "2011-06-15"
	namespace  = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Handler serves STS on "/".
type Handler struct {
	Verifier *sigv4.Verifier
	Rand     io.Reader    // request ids
	Logger   *slog.Logger // nil: discard
}

// Mount registers the routes. "/{$}" matches only "/", so the query
// protocol's endpoint does not capture any other path on the shared
// listener.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

// Surface names this package in the server's route listing.
const Surface = "sts"

// Routes lists the query API's root path, by POST and GET.
func (h *Handler) Routes() httpserver.Table {
	signed := h.Verifier.Require(SigningName, h.renderSigV4Error)(http.HandlerFunc(h.serve))
	return httpserver.Table{Surface: Surface, Wrap: sigv4.EchoRequestID(h.Rand), Routes: []httpserver.Route{
		{Method: "POST", Path: "/{$}", Handler: signed},
		{Method: "GET", Path: "/{$}", Handler: signed},
	}}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.writeError(w, r, http.StatusBadRequest, "InvalidParameterValue", "The request parameters could not be parsed.")
		return
	}
	action, version := r.Form.Get("Action"), r.Form.Get("Version")
	switch {
	case action == "":
		h.writeError(w, r, http.StatusBadRequest, "MissingAction", "Missing Action")
		return
	case action != "GetCallerIdentity" || version != APIVersion:
		h.writeError(w, r, http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid. Verify that the action is typed correctly.")
		return
	}
	c, ok := sigv4.CallerFrom(r.Context())
	if !ok { // only reachable if Mount was bypassed
		h.writeError(w, r, http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
		return
	}
	var b bytes.Buffer
	b.WriteString(`<GetCallerIdentityResponse xmlns="` + namespace + `">` + "\n  <GetCallerIdentityResult>\n")
	element(&b, "    ", "Arn", c.Principal.ARN)
	element(&b, "    ", "UserId", c.Principal.UserID)
	element(&b, "    ", "Account", c.Principal.AccountID)
	b.WriteString("  </GetCallerIdentityResult>\n  <ResponseMetadata>\n")
	element(&b, "    ", "RequestId", h.requestID(w))
	b.WriteString("  </ResponseMetadata>\n</GetCallerIdentityResponse>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b.Bytes())
}

// requestID returns the request's id, which the surface's wrap set on the
// response (sigv4.EchoRequestID).
func (h *Handler) requestID(w http.ResponseWriter) string {
	return w.Header().Get(sigv4.RequestIDHeader)
}

// element writes <name>escaped value</name> on its own line.
func element(b *bytes.Buffer, indent, name, value string) {
	b.WriteString(indent + "<" + name + ">")
	xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">\n")
}
