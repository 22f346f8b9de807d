package iamroletest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeSTS is a scripted STS: each AssumeRoleWithWebIdentity gets the
// answer of the current fault (Set), and every call is counted and kept.
// Faults: AccessDenied, InvalidIdentityToken, ExpiredTokenException,
// IDPCommunicationError, IDPRejectedClaim, Throttling, 5xx, slow (no answer
// for 5 s), malformed (XML cut short), incomplete (credentials without a
// secret); "" answers credentials for DurationSeconds on the role's
// account.
type FakeSTS struct {
	*httptest.Server
	mu    sync.Mutex
	fault string
	calls []url.Values
	slow  chan bool
}

// NewFakeSTS starts a FakeSTS that stops when the test ends.
func NewFakeSTS(t testing.TB) *FakeSTS {
	f := &FakeSTS{slow: make(chan bool, 16)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Set scripts the answer to the next calls.
func (f *FakeSTS) Set(fault string) { f.mu.Lock(); defer f.mu.Unlock(); f.fault = fault }

// Count is the number of calls so far.
func (f *FakeSTS) Count() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) }

// SlowOutcome waits for the next "slow" call to end and reports whether
// its caller gave up on it (closed the request) before the fake's 5 s
// were over: proof that the caller bounds the call, with no clock in the
// test.
func (f *FakeSTS) SlowOutcome() (abandoned bool) { return <-f.slow }

// Last is the form of the last call.
func (f *FakeSTS) Last() url.Values { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[len(f.calls)-1] }

func stsError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
		`<Code>%s</Code><Message>scripted</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`, code)
}

func (f *FakeSTS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.calls = append(f.calls, q)
	fault := f.fault
	f.mu.Unlock()
	switch fault {
	case "AccessDenied":
		stsError(w, http.StatusForbidden, "AccessDenied")
	case "InvalidIdentityToken", "ExpiredTokenException", "IDPCommunicationError", "IDPRejectedClaim":
		stsError(w, http.StatusBadRequest, fault)
	case "Throttling":
		stsError(w, http.StatusBadRequest, "Throttling")
	case "5xx":
		stsError(w, http.StatusServiceUnavailable, "ServiceUnavailable")
	case "slow":
		abandoned := false
		select {
		case <-r.Context().Done():
			abandoned = true
		case <-time.After(5 * time.Second):
		}
		stsError(w, http.StatusServiceUnavailable, "ServiceUnavailable")
		select {
		case f.slow <- abandoned:
		default:
		}
	case "malformed":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>`)
	case "incomplete":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`+
			`<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAFAKE</AccessKeyId></Credentials>`+
			`</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`)
	default:
		exp := time.Now().Add(time.Duration(atoi(q.Get("DurationSeconds"))) * time.Second).UTC().Format(time.RFC3339)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`+
			`<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAFAKESTS%04d</AccessKeyId>`+
			`<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration>`+
			`</Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:%s</AssumedRoleId>`+
			`<Arn>arn:aws:sts::%s:assumed-role/Admin/%s</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult>`+
			`</AssumeRoleWithWebIdentityResponse>`, f.Count(), exp, q.Get("RoleSessionName"), accountOf(q.Get("RoleArn")), q.Get("RoleSessionName"))
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// accountOf is the account of arn:aws:iam::<account>:role/<name>.
func accountOf(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
