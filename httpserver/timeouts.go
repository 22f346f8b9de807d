package httpserver

import "time"

// Timeouts of the HTTP server; a zero field takes the package default of
// the same name (ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout).
// They close slow and idle clients (catalogue IN-06).
type Timeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the response
	Idle       time.Duration // a keep-alive connection between requests
}

func (t Timeouts) orDefaults() Timeouts {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Timeouts{
		ReadHeader: pick(t.ReadHeader, ReadHeaderTimeout),
		Read:       pick(t.Read, ReadTimeout),
		Write:      pick(t.Write, WriteTimeout),
		Idle:       pick(t.Idle, IdleTimeout),
	}
}
