package testenv_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
	"github.com/signet-auth/signet/internal/testsupport"
)

// TestAU01_SecondFactorEventsRecorded: a person's second factors through
// the pages, and an administrator's changes to them, are each one audit
// record naming the user and the factor's kind, never a code or the
// authenticator's key: enrolling the app (mfa.enrolled factor=totp), a
// wrong code at the second step (mfa.failed, reason invalid_grant), the
// right one (mfa.verified factor=totp), a recovery code (mfa.verified
// factor=recovery), new recovery codes (mfa.enrolled factor=recovery),
// the user's policy set (admin.change) and the factors reset
// (mfa.removed factor=all, surface admin).
func TestAU01_SecondFactorEventsRecorded(t *testing.T) {
	e := testenv.New(t, testenv.Options{MFA: "required"})
	ctx := context.Background()
	mfaEvents := []signet.AuditEvent{signet.AuditMFAVerified, signet.AuditMFAFailed, signet.AuditFactorEnrolled,
		signet.AuditFactorRemoved, signet.AuditAdminChange}
	since := 0
	next := func(want ...string) {
		t.Helper()
		got := []signet.AuditRecord{}
		for _, r := range auditRecords(t, e) {
			for _, ev := range mfaEvents {
				if r.Event == ev {
					got = append(got, r)
				}
			}
		}
		got = got[since:]
		since += len(got)
		var have []string
		for _, r := range got {
			if r.UserID != e.User.ID {
				t.Errorf("%s record about user %q, want %q", r.Event, r.UserID, e.User.ID)
			}
			have = append(have, string(r.Event)+" "+r.Surface+" "+r.Detail)
		}
		if strings.Join(have, "\n") != strings.Join(want, "\n") {
			t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
		}
	}

	for _, r := range auditRecords(t, e) {
		if r.Event == signet.AuditAdminChange { // the environment's own set-up
			since++
		}
	}
	b := e.Browser(t)
	secret, codes := b.EnrolTOTP(e.Clock.Now, "")
	// The app, then the first recovery codes shown with it.
	next("mfa.enrolled web factor=totp", "mfa.enrolled web factor=recovery")

	e.Clock.Add(time.Minute)
	b2 := e.Browser(t)
	if loc := b2.SignInAs(testenv.UserName, testenv.UserPassword, ""); !strings.HasPrefix(loc, "/login/mfa") {
		t.Fatalf("after the password: %s", loc)
	}
	code := testsupport.TOTPCode(secret, e.Clock.Now())
	wrong := strings.Map(func(r rune) rune { return '0' + (r-'0'+5)%10 }, code)
	if p := b2.SecondStep("", "code", wrong); p.Status != http.StatusBadRequest {
		t.Fatalf("a wrong code: %d", p.Status)
	}
	next("mfa.failed web factor=totp reason=invalid_grant")
	if p := b2.SecondStep("", "code", code); p.Status != http.StatusSeeOther {
		t.Fatalf("the right code: %d", p.Status)
	}
	next("mfa.verified web factor=totp")

	b3 := e.Browser(t)
	b3.SignInAs(testenv.UserName, testenv.UserPassword, "")
	if p := b3.SecondStep("", "recovery", codes[0]); p.Status != http.StatusSeeOther {
		t.Fatalf("a recovery code: %d", p.Status)
	}
	next("mfa.verified web factor=recovery")

	csrf := b3.Get("/mfa").Hidden().Get("csrf")
	if p := b3.Post("/mfa/recovery", url.Values{"csrf": {csrf}}); p.Status != http.StatusOK || !strings.Contains(p.Body, "<code>") {
		t.Fatalf("new recovery codes: %d %s", p.Status, p.Location)
	}
	next("mfa.enrolled web factor=recovery")

	if err := e.Engine.SetMFAPolicy(ctx, e.User.ID, signet.MFAOff); err != nil {
		t.Fatal(err)
	}
	next("admin.change admin mfa policy=off")
	if _, _, err := e.Engine.ResetMFA(ctx, e.User.ID); err != nil {
		t.Fatal(err)
	}
	next("mfa.removed admin factor=all reset")

	secrets := append([]string{secret, code, wrong}, codes...)
	for _, r := range auditRecords(t, e) {
		line := strings.Join([]string{r.Actor, r.UserID, r.Detail, r.UserAgent, r.RequestID}, " ")
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("record %d (%s) holds a code or the authenticator's key", r.ID, r.Event)
			}
		}
	}
}
