package httpserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Catalogue IN-06 beyond slow headers (timeouts_test.go): a trickled body,
// a client that never reads its response and thousands of idle keep-alive
// connections are each closed by the server, and a normal client is
// answered all the while. The timeouts are configured short so that the
// tests take seconds; the deadlines the tests set themselves are only
// there so that a server without the protection fails instead of hanging.

// patience is how long a test waits for the server to act before calling
// the protection missing: several times every timeout configured here.
const patience = 15 * time.Second

// shortTimeouts are the timeouts of these tests.
func shortTimeouts() Timeouts {
	return Timeouts{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second}
}

// normalClient checks that an ordinary client, on a connection of its own,
// is answered while the attack goes on.
func normalClient(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{Timeout: patience, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("normal client during the attack: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("normal client during the attack: status %d, want 200", res.StatusCode)
	}
}

// closedByServer reads conn to its end and fails the test if the server
// had not closed it within patience.
func closedByServer(t *testing.T, conn net.Conn, what string) int64 {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: connection still open after %v", what, patience)
	}
	return n
}

func TestIN06_TrickledBodyClosedByReadTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newServer(t)
	s.Timeouts = shortTimeouts()
	s.Timeouts.Write = patience // only ReadTimeout may end this request
	bodyErr := make(chan error, 1)
	s.Mounts = append(s.Mounts, oneRoute("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		bodyErr <- err
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
		}
	}))
	base := serve(t, s)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The headers arrive at once; the body promises 1000 bytes and sends
	// one every 100 ms, so it would take 100 s.
	if _, err := io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: signet.test\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range 1000 {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{'x'}); err != nil {
				return
			}
		}
	}()

	normalClient(t, base)

	select {
	case err := <-bodyErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("reading the trickled body ended with %v, want a read timeout", err)
		}
	case <-time.After(patience):
		t.Fatalf("handler still reading the trickled body after %v: ReadTimeout did not stop it", patience)
	}
	closedByServer(t, conn, "trickled body")
	normalClient(t, base)
}

func TestIN06_NeverReadingClientCutByWriteTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newServer(t)
	s.Timeouts = shortTimeouts()
	const chunk, chunks = 64 << 10, 1024 // 64 MiB, far more than the sockets buffer
	writeErr := make(chan error, 1)
	s.Mounts = append(s.Mounts, oneRoute("GET /large", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(chunk*chunks))
		buf := make([]byte, chunk)
		for range chunks {
			if _, err := w.Write(buf); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}))
	base := serve(t, s)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /large HTTP/1.1\r\nHost: signet.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// The client never reads; the handler blocks in Write once the
	// buffers are full, until the write deadline.
	normalClient(t, base)
	select {
	case err := <-writeErr:
		if err == nil {
			t.Fatal("the whole response was written to a client that reads nothing")
		}
	case <-time.After(patience):
		t.Fatalf("handler still writing to a client that never reads after %v: WriteTimeout did not stop it", patience)
	}
	if n := closedByServer(t, conn, "never-reading client"); n >= chunk*chunks {
		t.Fatalf("client received all %d bytes", n)
	}
	normalClient(t, base)
}

// keepAlive opens a connection, makes one request on it and reads the
// answer, leaving the connection open and idle (HTTP/1.1 keep-alive).
func keepAlive(addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(patience)); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: signet.test\r\n\r\n"); err != nil {
		conn.Close()
		return nil, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("no answer within %v: %w", patience, err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err == nil && (res.StatusCode != http.StatusOK || res.Close) {
		err = fmt.Errorf("status %d, close %v; want a 200 that keeps the connection", res.StatusCode, res.Close)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// openIdle opens n keep-alive connections, a few at a time, and closes
// them when the test ends.
func openIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := keepAlive(addr)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("keep-alive connection %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return conns
}

// idleConns is how many idle keep-alive connections the tests open: many
// more than MaxConns below, within the file descriptors a test may use
// (two per connection on loopback).
const idleConns = 2000

func TestIN06_IdleKeepAlivesClosedByIdleTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newServer(t)
	s.Timeouts = shortTimeouts()
	s.MaxConns = idleConns + 100 // room for all: only IdleTimeout closes them
	base := serve(t, s)
	conns := openIdle(t, strings.TrimPrefix(base, "http://"), idleConns)

	normalClient(t, base)
	var wg sync.WaitGroup
	open := make(chan int, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(patience))
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open <- i
			}
		})
	}
	wg.Wait()
	close(open)
	if n := len(open); n > 0 {
		t.Fatalf("%d of %d idle keep-alive connections still open after %v: IdleTimeout did not close them", n, len(conns), patience)
	}
	normalClient(t, base)
}

// TestIN06_IdleKeepAlivesCannotLockOutClients opens ten times MaxConns
// keep-alive connections and leaves each idle, with an IdleTimeout far
// longer than the test. The server, at its limit, closes the connections
// idle longest to take new ones: every one of them is answered, and so is
// a normal client afterwards. Without that, the connection after the
// first MaxConns would wait in the listen queue for the whole IdleTimeout.
func TestIN06_IdleKeepAlivesCannotLockOutClients(t *testing.T) {
	t.Parallel()
	const maxConns = idleConns / 10
	s, _ := newServer(t)
	s.Timeouts = shortTimeouts()
	s.Timeouts.Idle = time.Hour
	s.MaxConns = maxConns
	base := serve(t, s)
	conns := openIdle(t, strings.TrimPrefix(base, "http://"), idleConns)
	normalClient(t, base)

	// The server gave up enough of them to stay within its limit.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := c.Read(make([]byte, 1)); err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					closed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := closed.Load(); n < idleConns-maxConns {
		t.Errorf("server closed %d idle connections, want at least %d: it holds more than MaxConns (%d)", n, idleConns-maxConns, maxConns)
	}
	normalClient(t, base)
}
