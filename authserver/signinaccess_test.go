package authserver

import (
	"net/netip"
	"testing"

	"github.com/signet-auth/signet"
)

func TestParsePrefixes(t *testing.T) {
	for in, want := range map[string]int{
		"10.0.0.0/8": 1, "10.1.2.3/8": 1, "203.0.113.7": 1, "2001:db8::/32": 1, " 10.0.0.0/8 , 192.0.2.1": 2,
		"": 0, "10.0.0.300": 0, "10.0.0.0/33": 0, "fe80::1%eth0": 0, "10.0.0.0/8,": 0, "host": 0,
	} {
		if got := len(parsePrefixes(in)); got != want {
			t.Errorf("parsePrefixes(%q): %d prefixes, want %d", in, got, want)
		}
	}
}

// check: every statement with a sourceIp must admit the address, unless
// it exempts the assignment's role; an account without a policy, or a
// statement without a sourceIp, restricts nothing; an unknown address is
// outside every range.
func TestSigninAccessCheck(t *testing.T) {
	admin := signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}
	st := func(ip, excluded string) signet.SigninStatement {
		return signet.SigninStatement{ID: "s", SourceIP: ip, ExcludedPrincipal: excluded}
	}
	a := signinAccess{"123456789012": {st("10.0.0.0/8, 2001:db8::/32", ""), st("10.1.0.0/16", "arn:aws:iam::123456789012:role/Admin"),
		{ID: "v", SourceVPC: "vpc-0123abcd"}}}
	for _, c := range []struct {
		as   signet.Assignment
		ip   string
		deny bool
	}{
		{admin, "10.2.3.4", false},
		{admin, "::ffff:10.2.3.4", false},
		{admin, "2001:db8::1", false},
		{admin, "192.0.2.1", true},
		{admin, "", true},
		{signet.Assignment{AccountID: "123456789012", RoleName: "ReadOnly"}, "10.2.3.4", true}, // outside 10.1/16, not exempt
		{signet.Assignment{AccountID: "123456789012", RoleName: "ReadOnly"}, "10.1.3.4", false},
		{signet.Assignment{AccountID: "210987654321", RoleName: "Admin"}, "192.0.2.1", false}, // no policy
	} {
		var ip netip.Addr
		if c.ip != "" {
			ip = netip.MustParseAddr(c.ip)
		}
		err := a.check(c.as, ip)
		if (err != nil) != c.deny {
			t.Errorf("%v from %q: %v, want deny %v", c.as, c.ip, err, c.deny)
		}
		if err != nil && signet.AsError(err).Reason != signet.ReasonNetworkDenied {
			t.Errorf("%v from %q: %v", c.as, c.ip, err)
		}
	}
}

// FuzzParsePrefixes: a sourceIp of any shape never panics the parser, and
// what it accepts is masked prefixes without zones, at most 32 of them.
func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "203.0.113.7, 2001:db8::/32", "fe80::1%eth0", "10.0.0.0/33", ",", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps := parsePrefixes(s)
		if len(ps) > 32 {
			t.Fatalf("%q: %d prefixes", s, len(ps))
		}
		for _, p := range ps {
			if !p.IsValid() || p.Masked() != p || p.Addr().Zone() != "" {
				t.Fatalf("%q: accepted %v", s, p)
			}
		}
	})
}
