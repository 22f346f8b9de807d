package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
)

// AddrKey is the rate-limit key of a client address: the address itself
// for IPv4, its /64 for IPv6, since one host commonly holds a whole /64 and
// rotating inside it must not buy a fresh budget (catalogue RL-05).
// IPv4-mapped addresses fold to IPv4 and zones are dropped.
func AddrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// peerIP is the connection's peer address, for a Limiter given no
// ClientIP; the zero Addr if RemoteAddr holds none.
func peerIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
