package broker

import (
	"errors"
	"net/netip"
	"testing"
)

// TestBR10_EmbeddedIPv4FormsRefusedLikeTheIPv4 checks every IPv6 form that
// carries an IPv4 address a gateway or the kernel may reach: each is
// judged like the address it embeds, so an internal IPv4 cannot be reached
// by writing it another way (catalogue BR-10, after BR-03).
func TestBR10_EmbeddedIPv4FormsRefusedLikeTheIPv4(t *testing.T) {
	embedded := []struct {
		v4            string
		public, local bool // allowed by default, with AllowPrivateNetworks
	}{
		{"127.0.0.1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"192.168.1.1", false, true},
		{"100.64.0.1", false, true},
		{"169.254.169.254", false, false},
		{"0.0.0.0", false, false},
		{"224.0.0.1", false, false},
		{"8.8.8.8", true, true},
	}
	forms := []struct {
		name string
		of   func(v4 [4]byte) netip.Addr
	}{
		{"IPv4-mapped ::ffff:0:0/96", func(b [4]byte) netip.Addr { return v6(0, 0, 0, 0, 0, 0xffff, b) }},
		{"IPv4-compatible ::/96", func(b [4]byte) netip.Addr { return v6(0, 0, 0, 0, 0, 0, b) }},
		{"IPv4-translated ::ffff:0:0:0/96", func(b [4]byte) netip.Addr { return v6(0, 0, 0, 0, 0xffff, 0, b) }},
		{"NAT64 64:ff9b::/96", func(b [4]byte) netip.Addr { return v6(0x64, 0xff9b, 0, 0, 0, 0, b) }},
		{"local NAT64 64:ff9b:1::/48", func(b [4]byte) netip.Addr { return v6(0x64, 0xff9b, 1, 0, 0, 0, b) }},
		{"6to4 2002::/16", func(b [4]byte) netip.Addr {
			var x [16]byte
			x[0], x[1] = 0x20, 0x02
			copy(x[2:6], b[:])
			x[15] = 1
			return netip.AddrFrom16(x)
		}},
		{"Teredo 2001::/32, client", func(b [4]byte) netip.Addr {
			var x [16]byte
			x[0], x[1] = 0x20, 0x01
			copy(x[4:8], []byte{8, 8, 4, 4}) // a public Teredo server
			for i := range 4 {
				x[12+i] = ^b[i] // the client address is stored inverted (RFC 4380 §4)
			}
			return netip.AddrFrom16(x)
		}},
		{"Teredo 2001::/32, server", func(b [4]byte) netip.Addr {
			var x [16]byte
			x[0], x[1] = 0x20, 0x01
			copy(x[4:8], b[:])
			copy(x[12:16], []byte{^byte(8), ^byte(8), ^byte(8), ^byte(8)})
			return netip.AddrFrom16(x)
		}},
	}
	for _, f := range forms {
		for _, e := range embedded {
			v4 := netip.MustParseAddr(e.v4).As4()
			a := f.of(v4)
			public := e.public && f.name != "local NAT64 64:ff9b:1::/48" // its translator is internal
			if got := addrAllowed(a, false); got != public {
				t.Errorf("%s of %s (%s), default: allowed %v, want %v", f.name, e.v4, a, got, public)
			}
			if got := addrAllowed(a, true); got != e.local {
				t.Errorf("%s of %s (%s), with private networks: allowed %v, want %v", f.name, e.v4, a, got, e.local)
			}
		}
	}
	// The dial guard, which runs after resolution, refuses them.
	for _, addr := range []string{"[64:ff9b::7f00:1]:443", "[2002:a9fe:a9fe::1]:443", "[::a01:203]:443", "[2001:0:808:404::80ff:fffe]:443"} {
		if err := dialGuard(false)("tcp6", addr, nil); !errors.Is(err, errDialRefused) {
			t.Errorf("dial %s: %v, want refused", addr, err)
		}
	}
	// Ordinary global IPv6 stays allowed.
	for _, s := range []string{"2606:4700::1111", "2a00:1450:4001:82a::200e", "2001:4860:4860::8888"} {
		if !addrAllowed(netip.MustParseAddr(s), false) {
			t.Errorf("%s refused", s)
		}
	}
}

func v6(a, b, c, d, e, f uint16, v4 [4]byte) netip.Addr {
	var x [16]byte
	for i, w := range []uint16{a, b, c, d, e, f} {
		x[2*i], x[2*i+1] = byte(w>>8), byte(w)
	}
	copy(x[12:], v4[:])
	return netip.AddrFrom16(x)
}
