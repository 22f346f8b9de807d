package broker

import "net/netip"

// IPv6 ranges whose addresses carry an IPv4 address that a translator, a
// relay or the kernel itself may end up connecting to (catalogue BR-10).
var (
	v4Compatible = netip.MustParsePrefix("::/96")           // RFC 4291 §2.5.5.1 (deprecated, still routed by some stacks)
	v4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 §2.1 (SIIT)
	nat64        = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052 §2.1 well-known prefix
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")  // RFC 8215 local-use prefix
	sixToFour    = netip.MustParsePrefix("2002::/16")       // RFC 3056 §2
	teredo       = netip.MustParsePrefix("2001::/32")       // RFC 4380 §4
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address a carries, and
// whether its range is itself internal (the local-use NAT64 prefix, whose
// translator is on the operator's network). ok is false for any other
// address, IPv4-mapped ones included: the caller has unmapped those.
//
// The all-zero and ::1 addresses of ::/96 are left to the caller's
// unspecified and loopback rules.
func embeddedIPv4(a netip.Addr) (v4s []netip.Addr, private, ok bool) {
	if !a.Is6() || a.Is4In6() {
		return nil, false, false
	}
	b := a.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case a.IsUnspecified() || a.IsLoopback():
		return nil, false, false
	case v4Compatible.Contains(a), v4Translated.Contains(a), nat64.Contains(a):
		return []netip.Addr{last}, false, true
	case nat64Local.Contains(a):
		// Where the IPv4 sits depends on the prefix length the operator
		// chose (RFC 6052 §2.2); the /96 form is judged, and the range
		// needs the private-network switch whatever it carries.
		return []netip.Addr{last}, true, true
	case sixToFour.Contains(a):
		return []netip.Addr{netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})}, false, true
	case teredo.Contains(a):
		// The Teredo server's address, and the client's, stored inverted.
		server := netip.AddrFrom4([4]byte{b[4], b[5], b[6], b[7]})
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{server, client}, false, true
	}
	return nil, false, false
}
