package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// The SCIM error shape (RFC 7644 §3.12): schemas, status (a string),
// scimType where the RFC defines one, detail. Domain errors are mapped by
// one table (shapeOf); wire errors are made here.

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// wireError is a SCIM error decided by this package.
type wireError struct {
	status   int
	scimType string
	detail   string
}

func (e *wireError) Error() string { return e.scimType + ": " + e.detail }

func errInvalidSyntax(d string) error { return &wireError{400, "invalidSyntax", d} }
func errInvalidValue(d string) error  { return &wireError{400, "invalidValue", d} }
func errInvalidPath(d string) error   { return &wireError{400, "invalidPath", d} }
func errInvalidFilter(d string) error { return &wireError{400, "invalidFilter", d} }
func errNoTarget(d string) error      { return &wireError{400, "noTarget", d} }
func errMutability(d string) error    { return &wireError{400, "mutability", d} }
func errTooMany(d string) error       { return &wireError{400, "tooMany", d} }

// shapeOf maps a domain error to its status and scimType.
func shapeOf(e *signet.Error) (int, string) {
	switch e.Code {
	case signet.CodeInvalidClient:
		return http.StatusUnauthorized, ""
	case signet.CodeAccessDenied:
		return http.StatusForbidden, ""
	case signet.CodeNotFound:
		return http.StatusNotFound, ""
	case signet.CodeConflict:
		return http.StatusConflict, "uniqueness"
	case signet.CodeInvalidRequest:
		if errors.Is(e, authserver.ErrSCIMTooMany) {
			return http.StatusBadRequest, "tooMany"
		}
		return http.StatusBadRequest, "invalidValue"
	case signet.CodeTooManyRequests:
		return http.StatusTooManyRequests, ""
	case signet.CodeUnavailable:
		return http.StatusServiceUnavailable, ""
	}
	return http.StatusInternalServerError, ""
}

// writeError answers err in the SCIM shape; details go to the log only.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	status, typ, detail := http.StatusInternalServerError, "", "An internal error occurred."
	var we *wireError
	var de *signet.Error
	switch {
	case errors.As(err, &we):
		status, typ, detail = we.status, we.scimType, we.detail
	case errors.As(err, &de):
		status, typ = shapeOf(de)
		if status != http.StatusInternalServerError {
			detail = de.Message
		}
	}
	if status >= 500 && log != nil {
		log.Error("scim", "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	body := map[string]any{"schemas": []string{errorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if typ != "" {
		body["scimType"] = typ
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as application/scim+json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"schemas":["`+errorSchema+`"],"status":"500"}`)
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
