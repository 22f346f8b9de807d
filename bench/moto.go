package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// motoPython is the interpreter that runs moto's server
// (`python3 -m moto.server`), the STS stand-in of role-credentials-sts
// when no --aws-sts-endpoint is given.
const motoPython = "python3"

// motoServer is a moto server this tool started.
type motoServer struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	out  *syncBuffer
}

// startMoto runs moto's server on a free loopback port and waits, at most
// serverStartTimeout, until it answers.
func startMoto(ctx context.Context) (*motoServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m := &motoServer{url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{}), out: &syncBuffer{}}
	m.cmd = exec.Command(motoPython, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto's server (%s -m moto.server): %w", motoPython, err)
	}
	go func() { m.cmd.Wait(); close(m.done) }()
	ctx, cancel := context.WithTimeout(ctx, serverStartTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return m, nil
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("moto's server exited (is moto installed for %s? python3 -m pip install 'moto[server]'):\n%s", motoPython, m.out)
		case <-ctx.Done():
			m.stop()
			return nil, errors.New("moto's server did not answer in time")
		case <-tick.C:
		}
	}
}

func (m *motoServer) stop() {
	m.cmd.Process.Kill()
	<-m.done
}

// syncBuffer is a child's output, written by its pipes and read on error.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
