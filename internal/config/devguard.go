package config

import (
	"errors"
	"fmt"
	"net/url"
)

// checkDevExposure refuses the development switches on a server that other
// machines reach (catalogue DG-01; CWE-1188). A loopback --addr is not
// enough: behind a reverse proxy every request arrives from loopback, so
// --dev would hand the dev user's tokens and --sigv4-emulation anyone's
// identity to the internet. The switches are refused when any
// --trusted-proxy is set (the server is meant to be reached through a
// proxy) or when --issuer, the URL clients use, is not on this machine:
// http on a loopback host, or https on one when the server itself serves
// TLS. --sigv4-emulation-force, the one explicit override, still lets
// --sigv4-emulation start; package app logs that at error level. SIGNET_FAILPOINTS
// needs --dev, so this covers it too.
func (c *Config) checkDevExposure() error {
	why := c.exposure()
	if why == "" {
		return nil
	}
	var errs []error
	for _, sw := range []struct {
		on     bool
		flag   string
		forced bool
	}{
		{c.Dev, "--dev", false},
		{c.DevAutoApprove, "--dev-auto-approve", false},
		{c.SigV4Emulation, "--sigv4-emulation", c.SigV4EmulationForce},
	} {
		if sw.on && !sw.forced {
			errs = append(errs, fmt.Errorf("%s is for a server only this machine reaches, and %s", sw.flag, why))
		}
	}
	return errors.Join(errs...)
}

// exposure says why the server is reachable from other machines whatever its
// listen address, or "".
func (c *Config) exposure() string {
	if len(c.TrustedProxies) > 0 {
		return "--trusted-proxy says it is reached through a proxy"
	}
	if c.Issuer == "" {
		return "" // http://<addr>; validate keeps --addr loopback for these switches
	}
	u, err := url.Parse(c.Issuer)
	if err != nil || !loopbackHost(u.Hostname()) || (u.Scheme == "https" && c.TLSCert == "") || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Sprintf("--issuer %q says clients reach it from elsewhere (want http://127.0.0.1:PORT)", c.Issuer)
	}
	return ""
}

// LoopbackOnlySwitch names the development switch that keeps every request
// to clients on this machine (httpserver.Server.LoopbackOnly), or "" when
// none is on. A forced --sigv4-emulation is the operator's explicit choice
// to serve others, so it sets no guard.
func (c *Config) LoopbackOnlySwitch() string {
	switch {
	case c.Dev:
		return "--dev"
	case c.SigV4Emulation && !c.SigV4EmulationForce:
		return "--sigv4-emulation"
	}
	return ""
}
