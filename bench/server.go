package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// checkTarget refuses anything but an http(s) URL on a loopback host,
// unless allowRemote: pointing a load generator at another machine must be
// a decision, never a typo.
func checkTarget(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--target: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("--target %q: want http(s)://host:port", raw)
	}
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return u, nil
	}
	if strings.EqualFold(host, "localhost") {
		return u, nil
	}
	return nil, fmt.Errorf("--target %q is not a loopback address; pass --allow-remote to load a server on another machine", raw)
}

// server is a signet this tool started: `signet serve --dev
// --dev-auto-approve` on a temporary data directory, on a free loopback
// port.
type server struct {
	url     string
	backend string
	cmd     *exec.Cmd
	dir     string
	exited  chan error
}

// serverStartTimeout bounds how long the child may take to print its
// address (migrations on an empty database included).
const serverStartTimeout = 60 * time.Second

// startServer runs exe serve with the development flags. databaseURL, if
// set, selects PostgreSQL; config, if set, is written as the YAML
// configuration (the broker's providers). The child's log goes to
// server.log in the temporary directory, which stop removes.
func startServer(ctx context.Context, exe, databaseURL, config string, extra []string) (*server, error) {
	dir, err := os.MkdirTemp("", "signet-bench-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, backend: "sqlite (temporary, started by signet bench)", exited: make(chan error, 1)}
	args := []string{"serve", "--dev", "--dev-auto-approve",
		"--data-dir", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0",
		// The auto-approval warning is logged at warn level on every
		// flow; a benchmark measures the server, not its log.
		"--log-level", "error",
		// All load comes from one loopback address and a few clients, so
		// the per-address, per-client and per-node limits (sized for real
		// traffic) would measure the limiter; the guessing limits stay on.
		"--rate-limit-client=off", "--rate-limit-ip=off", "--rate-limit-node=off",
		"--rate-limit-register=off", "--rate-limit-register-shared=off"}
	if databaseURL != "" {
		args = append(args, "--database-url", databaseURL)
		s.backend = "postgres (started by signet bench)"
	}
	if config != "" {
		path := filepath.Join(dir, "signet.yaml")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		args = append(args, "--config", path)
	}
	args = append(args, extra...)
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(exe, args...)
	s.cmd.Stdout = io.Discard // the dev user's password: not needed with auto-approval
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s serve: %w", exe, err)
	}
	found := make(chan string, 1)
	go func() {
		defer logf.Close()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if rest, ok := strings.CutPrefix(line, "listening on "); ok {
				select {
				case found <- strings.TrimSpace(rest):
				default:
				}
			}
		}
		s.exited <- s.cmd.Wait()
	}()
	t := time.NewTimer(serverStartTimeout)
	defer t.Stop()
	select {
	case s.url = <-found:
		return s, nil
	case err := <-s.exited:
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("the server exited before listening (%v):\n%s", err, log)
	case <-t.C:
	case <-ctx.Done():
	}
	s.stop()
	return nil, errors.New("the server did not print its address in time")
}

// peakRSSMiB reads the child's peak resident set (VmHWM) from /proc, on
// Linux; nil elsewhere or once it has exited.
func (s *server) peakRSSMiB() *float64 { return s.statusMiB("VmHWM") }

// rssMiB reads the child's current resident set (VmRSS), as the kernel
// counts it: unlike the runtime's own figure it needs no /metrics.
func (s *server) rssMiB() *float64 { return s.statusMiB("VmRSS") }

// statusMiB reads a "Field:  N kB" line of /proc/<pid>/status
// (https://man7.org/linux/man-pages/man5/proc_pid_status.5.html) in MiB.
func (s *server) statusMiB(field string) *float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return nil
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return nil
			}
			v := kb / 1024
			return &v
		}
	}
	return nil
}

// stop interrupts the child, waits for it to drain (killing it after a
// grace period) and removes its temporary directory.
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}
