package ratelimit

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// Addresses one host can rotate through share one key: an IPv6 /64, an
// IPv4-mapped address and its IPv4 form, spellings and zones of one
// address (catalogue RL-05).
func TestRL05_AddrKeyCanonical(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
		{"2001:DB8::1", "2001:db8::1", true},
		{"fe80::1%eth0", "fe80::1", true},
		{"192.0.2.1", "192.0.2.2", false},
	}
	for _, tt := range tests {
		a, b := netip.MustParseAddr(tt.a), netip.MustParseAddr(tt.b)
		if got := AddrKey(a) == AddrKey(b); got != tt.same {
			t.Errorf("AddrKey(%s)=%s AddrKey(%s)=%s; same=%v, want %v", tt.a, AddrKey(a), tt.b, AddrKey(b), got, tt.same)
		}
	}
}

// Without a ClientIP, a Limiter keys on the connection's peer address.
func TestPeerIP(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:4711":        "192.0.2.7",
		"[::ffff:192.0.2.7]:80": "192.0.2.7",
		"[2001:db8::1]:443":     "2001:db8::1",
		"192.0.2.8":             "192.0.2.8",
		"not an address":        "invalid IP",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := peerIP(r).String(); got != want {
			t.Errorf("peerIP(%q) = %s, want %s", remote, got, want)
		}
	}
}
