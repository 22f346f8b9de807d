package sigv4

import (
	"net/http"
)

// Kind classifies a verification failure. Each wire dialect names it its own
// way: Code gives the JSON protocols' exception names, api/sts maps kinds to
// the query protocol's codes.
type Kind int

// Kinds of failure.
const (
	KindMissingAuthentication Kind = iota + 1 // no Authorization header, no presigned query
	KindIncompleteSignature                   // the signature parameters are malformed or missing
	KindInvalidSignature                      // the signature does not match, or the scope is wrong
	KindSignatureExpired                      // X-Amz-Date outside the allowed window
	KindUnrecognizedClient                    // unknown, disabled or malformed access key or session token
	KindExpiredToken                          // the temporary credentials have expired
	KindAccessDenied                          // the principal may not act (revoked session)
	KindRequestTooLarge                       // the body exceeds what is read to hash it
	KindInternal                              // the credential source failed
)

// Code returns the exception name AWS JSON protocols (awsJson1.x,
// restJson1) send in x-amzn-ErrorType and __type.
func (k Kind) Code() string {
	switch k {
	case KindMissingAuthentication:
		return "MissingAuthenticationTokenException"
	case KindIncompleteSignature:
		return "IncompleteSignatureException"
	case KindInvalidSignature:
		return "InvalidSignatureException"
	case KindSignatureExpired, KindExpiredToken:
		return "ExpiredTokenException"
	case KindUnrecognizedClient:
		return "UnrecognizedClientException"
	case KindAccessDenied:
		return "AccessDeniedException"
	case KindRequestTooLarge:
		return "RequestEntityTooLargeException"
	}
	return "InternalFailure"
}

// Status returns the HTTP status AWS answers with.
func (k Kind) Status() int {
	switch k {
	case KindIncompleteSignature:
		return http.StatusBadRequest
	case KindMissingAuthentication, KindInvalidSignature, KindSignatureExpired,
		KindUnrecognizedClient, KindExpiredToken, KindAccessDenied:
		return http.StatusForbidden
	case KindRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Error is a verification failure. Message is AWS's text for the case and is
// safe to send: it never holds the expected signature, the canonical
// request, a secret or raw caller input. Err carries detail for the log.
type Error struct {
	Kind        Kind
	Message     string
	AccessKeyID string // for the log (not a secret); empty if not parsed
	RequestID   string // set by Require before rendering
	Err         error
}

func (e *Error) Error() string {
	s := "sigv4: " + e.Kind.Code() + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func fail(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// AWS's messages for the common cases.
const (
	msgMissing      = "Missing Authentication Token"
	msgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
	msgInternal     = "An internal error occurred."
)

// ErrorRenderer writes a verification failure in a wire dialect's shape and
// returns the error code it sent, which Require logs, so the log names what
// the caller received; each surface brings its own (awsjson.SigV4Error for
// the JSON protocols).
type ErrorRenderer func(w http.ResponseWriter, r *http.Request, e *Error) (code string)
