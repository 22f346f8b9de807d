package httpserver

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies says which peers may speak for the client: only a connection from
// one of Trusted has its X-Forwarded-For, X-Forwarded-Proto and
// X-Forwarded-Host honoured. From anyone else the headers are ignored, so a
// client can neither choose its rate-limit key nor move the issuer, the DPoP
// htu or a redirect (catalogue IN-08, RL-05; RFC 9700 §4.13).
type Proxies struct {
	Trusted []netip.Prefix
}

// Origin is who a request came from and the external address it was sent to.
type Origin struct {
	ClientIP netip.Addr // canonical: IPv4-mapped IPv6 folded to IPv4, no zone
	Scheme   string     // "http" or "https"
	Host     string     // host[:port] as the client addressed it
}

// ParseTrustedProxies parses CIDRs (or bare addresses, taken as one host)
// into canonical prefixes.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR", s)
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	for _, t := range p.Trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the request's origin. Without a trusted peer it is the
// connection's own address, r.TLS and r.Host. From a trusted peer,
// X-Forwarded-For is walked from the right, past every trusted proxy, to the
// first address that is not one; X-Forwarded-Proto and -Host are taken from
// their last value, the one the trusted peer itself set.
func (p Proxies) Resolve(r *http.Request) Origin {
	o := Origin{ClientIP: remoteIP(r.RemoteAddr), Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		o.Scheme = "https"
	}
	if !o.ClientIP.IsValid() || !p.trusts(o.ClientIP) {
		return o
	}
	hops := headerList(r.Header, "X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := CanonicalIP(hops[i])
		if !ok {
			break // garbage: keep the last address a trusted hop vouched for
		}
		o.ClientIP = a
		if !p.trusts(a) {
			break
		}
	}
	if v := lastValue(r.Header, "X-Forwarded-Proto"); v != "" {
		if v = strings.ToLower(v); v == "http" || v == "https" {
			o.Scheme = v
		}
	}
	if v := lastValue(r.Header, "X-Forwarded-Host"); validHost(v) {
		o.Host = v
	}
	return o
}

// CanonicalIP parses an address the way rate limits must key it: IPv4-mapped
// IPv6 (::ffff:192.0.2.1) folded to IPv4, zones dropped, mixed case
// normalised by netip (catalogue RL-05).
func CanonicalIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func remoteIP(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, _ := CanonicalIP(host)
	return a
}

// headerList splits every value of a comma-separated header, in order.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(part))
		}
	}
	return out
}

func lastValue(h http.Header, name string) string {
	l := headerList(h, name)
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1]
}

// validHost accepts a DNS name, an IPv4 address or a bracketed IPv6 address,
// each with an optional port: nothing that could smuggle a path, user info or
// a second authority into a URL built from it.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	host, port := h, ""
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		host, port = h[:i], h[i+1:]
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		return err == nil && a.Is6() && a.Zone() == ""
	}
	if host == "" {
		return false
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
