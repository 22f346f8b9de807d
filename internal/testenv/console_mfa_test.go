package testenv_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/signet-auth/signet/internal/testenv"
)

// MF-03 at the admin console: an administrator of the console (--admin-user)
// is held to a second factor whatever the server's policy, off included.
// The password alone sends them to enrol, and every console page and form
// sends the password-only session to sign in; once the authenticator is
// set up the console opens; the next sign-in with the password alone is
// sent to the second step and, again, gets no console page.
func TestMF03_ConsoleNeedsSecondFactorWhateverThePolicy(t *testing.T) {
	for _, policy := range []string{"off", "optional"} {
		t.Run(policy, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{AdminUsers: []string{testenv.UserName}, MFA: policy})
			b := e.Browser(t)
			if loc := b.SignInAs(testenv.UserName, testenv.UserPassword, "/admin/users"); !strings.HasPrefix(loc, "/mfa") {
				t.Fatalf("after the password: %s, want the enrolment page", loc)
			}
			csrf := b.Get("/mfa").Hidden().Get("csrf")
			for _, path := range []string{"/admin", "/admin/users", "/admin/sessions", "/admin/clients", "/admin/keys", "/admin/audit"} {
				p := b.Get(path)
				if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
					t.Errorf("%s with the password alone: %d %s, want a redirect to sign in", path, p.Status, p.Location)
				}
			}
			form := b.Get("/mfa").Hidden()
			form.Set("csrf", csrf)
			form.Set("action", "add")
			form.Set("name", "mallory")
			form.Set("password", "a long enough password 1")
			if p := b.Post("/admin/users", form); p.Status == http.StatusOK || p.Status/100 == 2 {
				t.Errorf("a console POST with the password alone: %d", p.Status)
			}
			if p := b.Get("/admin/users"); strings.Contains(p.Body, "mallory") {
				t.Error("a password-only session added a user")
			}

			admin := e.Browser(t)
			admin.EnrolTOTP(e.Clock.Now, "/admin/users")
			if p := admin.Get("/admin/users"); p.Status != http.StatusOK || !strings.Contains(p.Body, testenv.UserName) {
				t.Fatalf("the console after enrolment: %d %s", p.Status, p.Location)
			}

			again := e.Browser(t)
			if loc := again.SignInAs(testenv.UserName, testenv.UserPassword, "/admin/users"); !strings.HasPrefix(loc, "/login/mfa") {
				t.Fatalf("the next sign-in after the password: %s, want the second step", loc)
			}
			if p := again.Get("/admin/users"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
				t.Fatalf("the console before the second step: %d %s", p.Status, p.Location)
			}
		})
	}
}
