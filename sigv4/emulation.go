package sigv4

import (
	"errors"
	"net"
)

// CheckEmulation refuses AcceptAnySignature with a listen address other
// people can reach (anything but a loopback address or "localhost"), unless
// force is set: with it, anyone who can reach the port is whoever they claim
// to be.
func CheckEmulation(acceptAnySignature bool, listenAddr string, force bool) error {
	if !acceptAnySignature || force {
		return nil
	}
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host = listenAddr
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("sigv4: accepting any signature is only allowed on a loopback listener (127.0.0.1, ::1, localhost); it must be forced explicitly for " + listenAddr)
}
