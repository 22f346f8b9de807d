package authserver

import (
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/signet-auth/signet"
)

// A typed recovery code is untrusted input: normalising never panics, and
// what it accepts is exactly ten base32 letters and digits.
func FuzzNormalizeRecovery(f *testing.F) {
	for _, s := range []string{"abcde-fghij", "ABCDE FGHIJ", "", "-", "abcde-fghijk", "abcd1-fghij", "é", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got := normalizeRecovery(typed)
		if got == "" {
			return
		}
		if len(got) != recoveryLen || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("normalizeRecovery(%q) = %q", typed, got)
		}
	})
}

// A typed authenticator code is untrusted input: checking it never
// panics, and nothing but the six digits of a step within one of now
// passes.
func FuzzTOTPCode(f *testing.F) {
	fx := newMFAFixture(f, signet.MFAOptional)
	const secret = "JBSWY3DPEHPK3PXP"
	now := fx.clock.Now()
	for _, s := range []string{"123456", "", "12345", "1234567", " 123456 ", "abcdef", "١٢٣٤٥٦", testCode(secret, now)} {
		f.Add(s)
	}
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[testCode(secret, now.Add(d))] = true
	}
	f.Fuzz(func(t *testing.T, code string) {
		if _, ok := fx.srv.totpStep(secret, code); ok && !valid[strings.TrimSpace(code)] {
			t.Fatalf("code %q accepted", code)
		}
	})
}

// An authenticator's answer is untrusted input, parsed before anything is
// checked: neither parser of it panics, whatever the bytes.
func FuzzPasskeyResponse(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"AA","rawId":"AA","type":"public-key","response":{}}`, ``, `[]`, `{"response":{"clientDataJSON":"e30"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = protocol.ParseCredentialRequestResponseBytes(b)
		_, _ = protocol.ParseCredentialCreationResponseBytes(b)
	})
}
