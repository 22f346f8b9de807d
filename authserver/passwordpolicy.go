package authserver

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/password"
)

// passwordPolicy decides which new passwords are acceptable, after NIST SP
// 800-63B §3.1.1.2 (catalogue PW-01): at least MinPasswordLen characters,
// no composition rules, and none that attackers try first: a password from
// a list of breached and common ones, or one made of the account's own
// name. The list is loaded at the first check, so a server that never sets
// a password never pays for it.
type passwordPolicy struct {
	once   sync.Once
	common *password.Common
	err    error
}

// minContextWord: a name shorter than this is refused only as the whole
// password, not within one ("al" is in too many good passwords to refuse).
const minContextWord = 4

// check returns an invalid_request error whose message says what is wrong
// with pw for the user with this name and display name, or nil.
func (p *passwordPolicy) check(pw, name, displayName string) *signet.Error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return invalidRequest("The password must be at least 8 characters long (15 or more is better) and at most 1024 bytes.")
	}
	p.once.Do(func() { p.common, p.err = password.LoadCommon() })
	if p.err != nil {
		return signet.Internal(p.err)
	}
	if p.common.Contains(pw) {
		return invalidRequest("This password is on a list of common and breached passwords that attackers try first; choose another (a few unrelated words make a good one).")
	}
	lower := strings.ToLower(pw)
	if contextWordIn(lower, name) {
		return invalidRequest("The password must not be or contain the user name.")
	}
	if contextWordIn(lower, displayName) {
		return invalidRequest("The password must not be or contain the display name.")
	}
	for _, w := range strings.FieldsFunc(displayName, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) >= minContextWord && contextWordIn(lower, w) {
			return invalidRequest("The password must not contain a part of the display name.")
		}
	}
	return nil
}

// contextWordIn reports whether lowerPW is word, or, for a word of
// minContextWord characters or more, contains it; case is ignored.
func contextWordIn(lowerPW, word string) bool {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" {
		return false
	}
	if lowerPW == w {
		return true
	}
	return utf8.RuneCountInString(w) >= minContextWord && strings.Contains(lowerPW, w)
}
