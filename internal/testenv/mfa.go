package testenv

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/signet-auth/signet/internal/testsupport"
)

// Second factors at the pages, as a person with an authenticator app goes
// through them; codes come from testsupport's own RFC 6238.

var (
	totpSecretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	totpQRRe     = regexp.MustCompile(`src="(/mfa/totp/qr\?e=[^"]+)"`)
	recoveryRe   = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// EnrolTOTP signs the browser in as the environment's user with the
// password under a policy that requires a second factor, is sent to
// enrol, checks that a wrong first code is refused, sets the authenticator
// up with the right one (the code of now) and returns its secret and the ten recovery codes
// shown once. ret is the page the sign-in is for.
func (b *Browser) EnrolTOTP(now func() time.Time, ret string) (string, []string) {
	b.t.Helper()
	loc := b.SignInAs(UserName, UserPassword, ret)
	if !strings.HasPrefix(loc, "/mfa") {
		b.t.Fatalf("after the password under required: %s, want the enrolment page", loc)
	}
	p := b.Get(loc)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Set up two-step verification") {
		b.t.Fatalf("enrolment page: %d\n%s", p.Status, p.Body)
	}
	p = b.Post("/mfa/totp", p.Hidden())
	m := totpSecretRe.FindStringSubmatch(p.Body)
	qr := totpQRRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil || qr == nil {
		b.t.Fatalf("authenticator page: %d\n%s", p.Status, p.Body)
	}
	secret := m[1]
	if img := b.Get(html.UnescapeString(qr[1])); img.Status != http.StatusOK || !strings.HasPrefix(img.Body, "\x89PNG") {
		b.t.Fatalf("QR code: %d", img.Status)
	}
	form := p.Hidden()
	code := testsupport.TOTPCode(secret, now())
	form.Set("code", strings.Map(func(r rune) rune { return '0' + (r-'0'+5)%10 }, code))
	if bad := b.Post("/mfa/totp/confirm", form); bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "did not match") {
		b.t.Fatalf("a wrong first code: %d", bad.Status)
	}
	form.Set("code", code)
	p = b.Post("/mfa/totp/confirm", form)
	codes := recoveryRe.FindAllStringSubmatch(p.Body, -1)
	if p.Status != http.StatusOK || len(codes) != 10 {
		b.t.Fatalf("recovery codes page: %d, %d codes\n%s", p.Status, len(codes), p.Body)
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return secret, out
}

// SecondStep posts a code ("code": the app's; "recovery": a recovery
// code) on the second-step page at (where the password sent the browser;
// "": /login/mfa).
func (b *Browser) SecondStep(at, field, code string) Page {
	b.t.Helper()
	if at == "" {
		at = "/login/mfa"
	}
	p := b.Get(at)
	if p.Status != http.StatusOK {
		b.t.Fatalf("second-step page: %d %s", p.Status, p.Location)
	}
	form := p.Hidden()
	form.Set(field, code)
	return b.Post("/login/mfa", form)
}
