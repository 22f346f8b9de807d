package awscreds

import (
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

func TestAssumedRole(t *testing.T) {
	p, err := AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}, "alice", "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.ARN != "arn:aws:sts::123456789012:assumed-role/Admin/alice" || p.AccountID != "123456789012" || p.SessionID != "sess-1" {
		t.Fatalf("%+v", p)
	}
	if !strings.HasPrefix(p.UserID, "AROA") || !strings.HasSuffix(p.UserID, ":alice") || len(p.UserID) != 21+len(":alice") {
		t.Fatalf("UserID %q, want AROA + 17 characters + :alice", p.UserID)
	}
	// Stable: the same role always has the same id; another role another.
	q, _ := AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}, "bob", "")
	r, _ := AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "ReadOnly"}, "bob", "")
	if strings.Split(q.UserID, ":")[0] != strings.Split(p.UserID, ":")[0] || strings.Split(r.UserID, ":")[0] == strings.Split(q.UserID, ":")[0] {
		t.Fatalf("role ids: %s %s %s", p.UserID, q.UserID, r.UserID)
	}

	for _, c := range []struct {
		acct, role, user string
	}{
		{"12345678901", "Admin", "alice"},    // 11 digits
		{"12345678901a", "Admin", "alice"},   // not digits
		{"123456789012", "", "alice"},        // no role
		{"123456789012", "Ad/min", "alice"},  // '/' would forge another ARN
		{"123456789012", "Admin", "a"},       // session names are ≥ 2
		{"123456789012", "Admin", "alice/x"}, // '/'
		{"123456789012", "Admin", "al ice"},  // space
		{"123456789012", "Admin", strings.Repeat("a", 65)},
	} {
		if _, err := AssumedRole(signet.Assignment{AccountID: c.acct, RoleName: c.role}, c.user, ""); err == nil {
			t.Errorf("AssumedRole(%q, %q, %q) accepted", c.acct, c.role, c.user)
		}
	}
}

func TestParsePrincipalARN(t *testing.T) {
	ok := []struct{ arn, userIDPrefix string }{
		{"arn:aws:iam::123456789012:user/broker", "AIDA"},
		{"arn:aws:iam::123456789012:user/division/team/broker", "AIDA"},
		{"arn:aws:iam::123456789012:root", "123456789012"},
		{"arn:aws:sts::123456789012:assumed-role/Admin/alice", "AROA"},
	}
	for _, c := range ok {
		p, err := ParsePrincipalARN(c.arn)
		if err != nil || p.ARN != c.arn || p.AccountID != "123456789012" || !strings.HasPrefix(p.UserID, c.userIDPrefix) {
			t.Errorf("ParsePrincipalARN(%q) = %+v, %v", c.arn, p, err)
		}
	}
	a, _ := AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}, "alice", "")
	if p, _ := ParsePrincipalARN(a.ARN); p != a {
		t.Errorf("round trip: %+v != %+v", p, a)
	}
	for _, arn := range []string{
		"", "arn:aws:iam::123456789012:user/", "arn:aws:iam::123456789012:user//x", "arn:aws:iam::12345678901:user/x",
		"arn:aws:iam::123456789012:role/x", "arn:aws-cn:iam::123456789012:user/x", "arn:aws:s3:::bucket",
		"arn:aws:sts::123456789012:assumed-role/Admin", "arn:aws:sts::123456789012:assumed-role/Admin/alice/x",
		"arn:aws:iam::123456789012:user/a b",
	} {
		if p, err := ParsePrincipalARN(arn); err == nil {
			t.Errorf("ParsePrincipalARN(%q) accepted: %+v", arn, p)
		}
	}
}

func TestKeyIDShapes(t *testing.T) {
	for id, want := range map[string][2]bool{
		"ASIAABCDEFGHIJKLMN23": {true, false},
		"AKIAABCDEFGHIJKLMN23": {false, true},
		"ASIAABCDEFGHIJKLMN01": {false, false}, // 0, 1 are not base32
		"ASIAABCDEFGHIJKLMN2":  {false, false},
		"ASIAabcdefghijklmn23": {false, false},
		"":                     {false, false},
	} {
		if got := [2]bool{IsTemporaryKeyID(id), IsLongTermKeyID(id)}; got != want {
			t.Errorf("%q: %v, want %v", id, got, want)
		}
	}
}
