package httpserver

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// idleReaper closes idle keep-alive connections when the server holds its
// maximum number of connections. The listener stops accepting at MaxConns,
// and an idle connection keeps its slot until IdleTimeout: without this, a
// client opening MaxConns keep-alive connections and leaving them idle
// would lock every other client out for the whole IdleTimeout (catalogue
// IN-06: "normal clients unaffected"). Connections in the middle of a
// request are never closed here; their own timeouts bound them. A client
// that sends its next request just as its idle connection is closed sees
// the close, as it would at IdleTimeout (RFC 9112 §9.6: a client must be
// ready for that on a persistent connection).
type idleReaper struct {
	max  int
	mu   sync.Mutex
	open int
	idle map[net.Conn]time.Time // since when
}

func newIdleReaper(max int) *idleReaper {
	return &idleReaper{max: max, idle: map[net.Conn]time.Time{}}
}

// connState is http.Server.ConnState.
func (r *idleReaper) connState(c net.Conn, s http.ConnState) {
	var victim net.Conn
	r.mu.Lock()
	switch s {
	case http.StateNew:
		r.open++
		if r.open >= r.max {
			// Keep a slot free for the next client: give up the
			// connection idle longest, if there is one.
			victim = r.oldestIdle()
		}
	case http.StateIdle:
		if r.open >= r.max {
			victim = c
		} else {
			r.idle[c] = time.Now()
		}
	case http.StateActive:
		delete(r.idle, c)
	case http.StateHijacked, http.StateClosed:
		r.open--
		delete(r.idle, c)
	}
	r.mu.Unlock()
	if victim != nil {
		// The server's read on it fails and it reports StateClosed.
		victim.Close()
	}
}

// oldestIdle removes and returns the connection idle longest, or nil.
// Called with r.mu held.
func (r *idleReaper) oldestIdle() net.Conn {
	var oldest net.Conn
	var since time.Time
	for c, t := range r.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	if oldest != nil {
		delete(r.idle, oldest)
	}
	return oldest
}
