package httpserver

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestIN06_SlowHeadersClosedByReadHeaderTimeout trickles a request's headers
// one byte at a time, as a slow-loris client does. The server must drop the
// connection once ReadHeaderTimeout has passed, well before the longer
// ReadTimeout would, and answer a normal client meanwhile. The client's own
// deadline is only there so that a server without the header timeout fails
// the test instead of hanging it.
func TestIN06_SlowHeadersClosedByReadHeaderTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newServer(t)
	base := serve(t, s)
	addr := strings.TrimPrefix(base, "http://")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Give up a margin before ReadTimeout, which would also close the
	// connection and so hide a missing ReadHeaderTimeout.
	if err := conn.SetReadDeadline(time.Now().Add(ReadTimeout - 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		closed <- err
	}()

	// The slow client never finishes its header block.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		head := "GET /healthz HTTP/1.1\r\nHost: signet.test\r\nX-Slow: " + strings.Repeat("a", 1000)
		for i := 0; i < len(head); i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				return
			}
		}
	}()

	// A normal client is served while the slow one hangs on.
	if status, _ := get(t, base+"/healthz", nil); status != http.StatusOK {
		t.Fatalf("normal client during the attack: status %d, want 200", status)
	}

	err = <-closed
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("slow-header connection still open after %v; ReadHeaderTimeout (%v) did not close it", ReadTimeout-5*time.Second, ReadHeaderTimeout)
	}
}
