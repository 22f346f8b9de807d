package authserver

import (
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

// TestPW01_WeakPasswordsRefused: CreateUser and SetPassword refuse short,
// common and breached passwords and ones made of the user's own names,
// with a message that says which; no composition rule is imposed.
func TestPW01_WeakPasswordsRefused(t *testing.T) {
	f := newFixture(t)
	bob := f.user("bob")
	refused := []struct {
		name, display, pw, says string
	}{
		{"carol", "", "password", "common"},
		{"carol", "", "12345678", "common"},
		{"carol", "", "Password1", "common"},
		{"carol", "", "iloveyou", "common"},
		{"carol", "", "qwertyuiop", "common"},
		{"carol", "", "1qaz2wsx3edc", "common"},
		{"carol", "", "short", "at least 8"},
		{"carol", "", "ünïcöd", "at least 8"}, // 6 characters, 10 bytes
		{"carolina.jones", "", "carolina.jones", "user name"},
		{"carolina.jones", "", "CAROLINA.JONES!", "user name"},
		{"carolina.jones", "", "my carolina.jones pass", "user name"},
		{"carol", "Carol Wintergreen", "wintergreen-2024", "display name"},
		{"cw", "Carol Wintergreen", "carol wintergreen", "display name"},
		{"bob2", "", "bob2", "at least 8"},
	}
	for _, tc := range refused {
		_, err := f.srv.CreateUser(f.ctx, tc.name, tc.display, tc.pw)
		e := wantErr(t, err, signet.CodeInvalidRequest, "")
		if e != nil && !strings.Contains(e.Message, tc.says) {
			t.Errorf("CreateUser(%q, %q, %q): message %q does not say %q", tc.name, tc.display, tc.pw, e.Message, tc.says)
		}
		if tc.name == "carol" && tc.display == "" {
			// The same password set for an existing user.
			err := f.srv.SetPassword(f.ctx, bob.ID, tc.pw)
			wantErr(t, err, signet.CodeInvalidRequest, "")
		}
	}
	if err := f.srv.SetPassword(f.ctx, bob.ID, "User bob is me"); err == nil {
		t.Error("SetPassword accepted a password containing the display name")
	}
	if _, err := f.srv.Authenticate(f.ctx, "bob", testPassword); err != nil {
		t.Errorf("a refused SetPassword changed the password: %v", err)
	}

	// Accepted: long, uncommon, no composition rule; a short name ("al")
	// may occur inside.
	for _, tc := range []struct{ name, display, pw string }{
		{"dave", "", "correct horse battery staple"},
		{"al", "Al", "totally unrelated words"},
		{"erin", "Erin", "lowercaseonlybutlong"},
	} {
		if _, err := f.srv.CreateUser(f.ctx, tc.name, tc.display, tc.pw); err != nil {
			t.Errorf("CreateUser(%q, %q): %v", tc.name, tc.pw, err)
		}
	}
	if err := f.srv.SetPassword(f.ctx, bob.ID, "a whole new phrase"); err != nil {
		t.Errorf("SetPassword with a good password: %v", err)
	}
}
