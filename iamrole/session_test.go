package iamrole

import (
	"regexp"
	"strings"
	"testing"
)

// stsName is STS's rule for RoleSessionName and SourceIdentity.
var stsName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// Names STS refuses are cut to its charset and made unique per user by a
// digest of the user's id; names it takes are kept as they are.
func TestAW03_SessionNameFitsSTSAndIsUniquePerUser(t *testing.T) {
	long := strings.Repeat("a", 80)
	cases := []struct{ id, name, want string }{
		{"u1", "alice", "alice"},
		{"u2", "bob.smith@example.com", "bob.smith@example.com"},
		{"u3", "a=b,c+d_e-f", "a=b,c+d_e-f"},
		{"u4", "Zoë O'Neil", ""},
		{"u5", "x", ""},
		{"u6", long, ""},
		{"u7", "ann lee", ""},
		{"u8", "ann/lee", ""},
	}
	seen := map[string]string{}
	for _, c := range cases {
		got := SessionName(c.id, c.name)
		if !stsName.MatchString(got) {
			t.Errorf("%q -> %q: STS refuses it", c.name, got)
		}
		if c.want != "" && got != c.want {
			t.Errorf("%q -> %q, want it kept", c.name, got)
		}
		if c.want == "" && !strings.Contains(got, "-") {
			t.Errorf("%q -> %q: no digest of the user", c.name, got)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q share %q", other, c.name, got)
		}
		seen[got] = c.name
		if again := SessionName(c.id, c.name); again != got {
			t.Errorf("%q: %q then %q", c.name, got, again)
		}
	}
	// Two users whose names differ only in refused characters.
	if a, b := SessionName("id-a", "ann lee"), SessionName("id-b", "ann/lee"); a == b {
		t.Errorf("two users share %q", a)
	}
	if got := SessionName("u6", long); !strings.HasPrefix(got, strings.Repeat("a", 40)) || len(got) != 64 {
		t.Errorf("long name -> %q", got)
	}
	if got := tagValue("Zoë, O'Neil"); got != "Zo__ O_Neil" {
		t.Errorf("tag value %q", got)
	}
}
