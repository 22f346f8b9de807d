package iamrole

import (
	"context"
	"errors"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/signet-auth/signet"
)

// throttleRetryAfter is what a throttled caller is told to wait: STS says
// nothing, and a second is what the SDKs' own backoff starts near.
const throttleRetryAfter = time.Second

// refusals are STS's answers that the role, the provider or the token was
// refused; retrying cannot help, so the caller is told it has no access
// (STS API reference, AssumeRoleWithWebIdentity, Errors; AccessDenied and
// ValidationError are common errors).
var refusals = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true,
	"InvalidIdentityToken": true, "IDPRejectedClaim": true,
	"ExpiredTokenException": true, "ExpiredToken": true,
	"MalformedPolicyDocument": true, "PackedPolicyTooLarge": true,
	"RegionDisabledException": true, "ValidationError": true,
	"InvalidParameterValue": true, "JWTPayloadSizeExceededException": true,
}

var throttles = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "RequestLimitExceeded": true,
	"TooManyRequestsException": true, "RequestThrottled": true,
}

// mapError turns an STS failure into the engine's terms (catalogue AW-02):
// a refusal is CodeAccessDenied (ReasonInsufficientPerms), throttling
// CodeTooManyRequests, and everything else (IDPCommunicationError, a 5xx,
// a timeout, a reply that does not parse) CodeUnavailable. Messages say
// nothing of the cause; the cause is kept for the log.
func mapError(err error) *signet.Error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case refusals[code]:
			return &signet.Error{Code: signet.CodeAccessDenied, Reason: signet.ReasonInsufficientPerms,
				Message: "The role could not be assumed.", Err: err}
		case throttles[code]:
			return &signet.Error{Code: signet.CodeTooManyRequests, RetryAfter: throttleRetryAfter,
				Message: "Too many requests; retry later.", Err: err}
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return &signet.Error{Code: signet.CodeTooManyRequests, RetryAfter: throttleRetryAfter,
			Message: "Too many requests; retry later.", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &signet.Error{Code: signet.CodeUnavailable, Message: "The request was cancelled.", Err: err}
	}
	return unavailable(err)
}

func unavailable(err error) *signet.Error {
	return &signet.Error{Code: signet.CodeUnavailable, RetryAfter: time.Second,
		Message: "The credential service is unavailable; retry later.", Err: err}
}
