package awsjson

import (
	"net/http"

	"github.com/signet-auth/signet/sigv4"
)

// SigV4Error is the sigv4.ErrorRenderer of the JSON protocols: e's
// exception name in x-amzn-ErrorType and a {"__type","message"} body, with
// e's request id in x-amzn-RequestId
// (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
func SigV4Error(w http.ResponseWriter, _ *http.Request, e *sigv4.Error) string {
	if e.RequestID != "" {
		w.Header().Set("X-Amzn-Requestid", e.RequestID)
	}
	WriteError(w, e.Kind.Status(), e.Kind.Code(), map[string]string{"message": e.Message}, 0)
	return e.Kind.Code()
}

var _ sigv4.ErrorRenderer = SigV4Error
