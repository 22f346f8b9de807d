package web

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// reauthParam carries, through the login page and back, the mark of the
// sign-in that an authorization request found too old (prompt=login,
// max_age). Anyone may add it to a request: it can only ask for one more
// sign-in, never skip one.
const reauthParam = "signet_reauth"

// maxMaxAge bounds max_age: a year in seconds, far past any session.
const maxMaxAge = 366 * 24 * 3600

// reauthMark names a signed-in session without revealing anything that
// opens it: a hash of its record's id, which is not a secret either.
func reauthMark(s *browserSession) string {
	sum := sha256.Sum256([]byte("signet reauth v1\x00" + s.record.ID))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// needsFreshLogin decides whether an authorization request must send the
// person to the login form even if signed in (OIDC Core §3.1.2.1):
// prompt=login, max_age=0, a sign-in older than max_age seconds, or a
// request that came back from such a redirect under the same sign-in. Any
// protocol may ask (the AWS CLIs never do). A max_age that is not a
// non-negative integer is an error.
func (h *Handler) needsFreshLogin(q url.Values, s *browserSession, prompt []string) (bool, error) {
	if !s.signedIn() {
		// The login form comes anyway: the request goes there without
		// prompt and max_age, which the sign-in about to happen meets.
		_, maxAge := q["max_age"]
		return maxAge || slices.Contains(prompt, "login"), nil
	}
	if m := q.Get(reauthParam); m != "" && m == reauthMark(s) {
		return true, nil
	}
	if slices.Contains(prompt, "login") {
		return true, nil
	}
	if _, ok := q["max_age"]; !ok {
		return false, nil
	}
	n, err := strconv.Atoi(q.Get("max_age"))
	if err != nil || n < 0 || n > maxMaxAge {
		return false, errors.New("web: max_age is not a number of seconds")
	}
	// max_age=0 is prompt=login (OIDC Core §3.1.2.1).
	return n == 0 || h.clock.Now().Sub(s.AuthTime) > time.Duration(n)*time.Second, nil
}
