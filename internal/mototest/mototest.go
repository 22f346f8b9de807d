package mototest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Python is the interpreter moto is installed for.
const Python = "python3"

// Available reports whether moto's server can be imported.
func Available() bool {
	return exec.Command(Python, "-c", "import moto.server").Run() == nil
}

// Start runs moto's server on a free loopback port and returns its URL; the
// server stops when the test ends. Without moto the test is skipped, except
// under CI=true, where a missing moto fails it: CI must run these tests.
func Start(t testing.TB) string {
	t.Helper()
	if !Available() {
		if os.Getenv("CI") == "true" {
			t.Fatal("moto is not installed for " + Python + " (python3 -m pip install 'moto[server]'); CI runs the STS interop tests")
		}
		t.Skip("moto is not installed for " + Python)
	}
	port := freePort(t)
	var out bytes.Buffer
	cmd := exec.Command(Python, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	u := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return u
		}
		select {
		case <-done:
			t.Fatalf("moto exited: %s", out.String())
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			t.Fatalf("moto did not answer within 30s: %s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
