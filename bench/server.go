package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-auth/signet/keyring"
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
	// admin is how `signet admin` reaches the same store with the same
	// master key as the server: the binary, its environment and flags.
	admin adminCommand
	// cc is the confidential client created for client-credentials, if
	// spec.ccClient asked for one.
	cc *ccClient
	// bound: the dev assignment was bound to benchRoleARN.
	bound bool
	// warn gets what stop could not clean up.
	warn io.Writer
}

// serverSpec is the server startServer starts.
type serverSpec struct {
	exe         string
	databaseURL string   // PostgreSQL instead of a temporary SQLite file
	config      string   // YAML configuration (the broker's providers), if any
	extra       []string // more flags for serve (--server-arg)
	// ccClient asks for a confidential client with the client_credentials
	// grant, created before the server starts with this binary's `signet
	// admin client create`, as an operator would: only an administrator
	// can give a client that grant (RFC 6749 §4.4; registration cannot).
	ccClient bool
	// sts, if set, is the STS the server sends bound roles to
	// (--aws-sts-endpoint); the dev assignment is bound to benchRoleARN
	// with `signet admin role set` before the server starts.
	sts string
	// masterKey, with ccClient or sts, is SIGNET_MASTER_KEY for both commands, so
	// that the keys admin creates in the store are the ones the server
	// opens; empty when a --master-key-file among extra is passed to both.
	masterKey string
	warn      io.Writer // nil: io.Discard
}

// ccClient is a confidential client with the client_credentials grant.
type ccClient struct {
	id, secret, scope string
}

// Who the created client is: a name that says where it came from, and the
// one scope it may ask for, so that every step goes through the scope
// check a real client_credentials request does.
const (
	ccClientName  = "signet bench"
	ccClientScope = "signet-bench"
)

// serverStartTimeout bounds how long the child may take to print its
// address (migrations on an empty database included), and how long an
// admin command may take.
const serverStartTimeout = 60 * time.Second

// startServer runs spec.exe serve with the development flags. The
// child's log goes to server.log in the temporary directory, which stop
// removes.
func startServer(ctx context.Context, spec serverSpec) (*server, error) {
	dir, err := os.MkdirTemp("", "signet-bench-")
	if err != nil {
		return nil, err
	}
	warn := spec.warn
	if warn == nil {
		warn = io.Discard
	}
	s := &server{dir: dir, backend: "sqlite (temporary, started by signet bench)", exited: make(chan error, 1), warn: warn}
	store := []string{"--data-dir", filepath.Join(dir, "data")}
	if spec.databaseURL != "" {
		store = append(store, "--database-url", spec.databaseURL)
		s.backend = "postgres (started by signet bench)"
	}
	var env []string // nil: this process's environment
	if spec.ccClient || spec.sts != "" {
		if spec.masterKey != "" {
			env = append(os.Environ(), keyring.MasterKeyEnv+"="+spec.masterKey)
		}
		s.admin = adminCommand{exe: spec.exe, env: env, args: append(slices.Clone(store), masterKeyFileArgs(spec.extra)...)}
	}
	if spec.ccClient {
		if s.cc, err = s.admin.createCCClient(ctx); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if spec.sts != "" {
		// A database that outlives the run may hold an operator's own
		// binding of that assignment: never overwrite (or later unset) it.
		list, err := s.admin.run(ctx, []string{"role", "list"})
		if err != nil {
			s.cleanup()
			return nil, err
		}
		for line := range strings.Lines(list) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == devAccount && f[1] == devRole {
				s.cleanup()
				return nil, fmt.Errorf("the store already binds %s/%s to an IAM role; run role-credentials-sts against another database", devAccount, devRole)
			}
		}
		if _, err := s.admin.run(ctx, []string{"role", "set"},
			"--account", devAccount, "--role", devRole, "--role-arn", benchRoleARN); err != nil {
			s.cleanup()
			return nil, fmt.Errorf("binding the dev assignment to %s: %w", benchRoleARN, err)
		}
		s.bound = true
	}
	args := append([]string{"serve", "--dev", "--dev-auto-approve"}, store...)
	args = append(args, "--addr", "127.0.0.1:0",
		// The auto-approval warning is logged at warn level on every
		// flow; a benchmark measures the server, not its log.
		"--log-level", "error",
		// All load comes from one loopback address and a few clients, so
		// the per-address, per-client and per-node limits (sized for real
		// traffic) would measure the limiter; the guessing limits stay on.
		"--rate-limit-client=off", "--rate-limit-ip=off", "--rate-limit-node=off",
		"--rate-limit-register=off", "--rate-limit-register-shared=off")
	if spec.sts != "" {
		args = append(args, "--dev-account", devAccount, "--dev-role", devRole,
			"--aws-sts-endpoint", spec.sts, "--aws-sts-region", benchRegion)
	}
	if spec.config != "" {
		path := filepath.Join(dir, "signet.yaml")
		if err := os.WriteFile(path, []byte(spec.config), 0o600); err != nil {
			s.cleanup()
			return nil, err
		}
		args = append(args, "--config", path)
	}
	args = append(args, spec.extra...)
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		s.cleanup()
		return nil, err
	}
	s.cmd = exec.Command(spec.exe, args...)
	s.cmd.Env = env
	s.cmd.Stdout = io.Discard // the dev user's password: not needed with auto-approval
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		logf.Close()
		s.cleanup()
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.cleanup()
		return nil, fmt.Errorf("starting %s serve: %w", spec.exe, err)
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
		s.cleanup()
		return nil, fmt.Errorf("the server exited before listening (%v):\n%s", err, log)
	case <-t.C:
	case <-ctx.Done():
	}
	s.stop()
	return nil, errors.New("the server did not print its address in time")
}

// adminCommand runs `signet admin ...` of one binary against one store.
type adminCommand struct {
	exe  string
	env  []string // nil: this process's environment
	args []string // the store and master-key flags
}

// run runs `exe admin WORDS... <store flags> FLAGS...` and returns its
// standard output; a failure carries its standard error.
func (a adminCommand) run(ctx context.Context, words []string, flags ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, serverStartTimeout)
	defer cancel()
	args := append(append(append([]string{"admin"}, words...), a.args...), "--log-level", "error")
	cmd := exec.CommandContext(ctx, a.exe, append(args, flags...)...)
	cmd.Env = a.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("signet admin %s: %w\n%s", strings.Join(words, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// createCCClient creates the client-credentials scenario's client and
// reads its id and secret from what `admin client create` prints once:
// "client_id: ..." and "client_secret: ..." lines. The secret stays in
// this process; it is never printed.
func (a adminCommand) createCCClient(ctx context.Context) (*ccClient, error) {
	out, err := a.run(ctx, []string{"client", "create"},
		"--name", ccClientName, "--grant-type", "client_credentials", "--scope", ccClientScope)
	if err != nil {
		return nil, fmt.Errorf("creating the client-credentials client: %w", err)
	}
	c := &ccClient{scope: ccClientScope}
	for line := range strings.Lines(out) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		switch k {
		case "client_id":
			c.id = v
		case "client_secret":
			c.secret = v
		}
	}
	if c.id == "" || c.secret == "" {
		return nil, errors.New("creating the client-credentials client: signet admin client create printed no client_id and client_secret")
	}
	return c, nil
}

// masterKeyFileArgs returns the --master-key-file flag among a server's
// extra flags (as "--master-key-file=PATH" or as two elements), so that
// the admin command opens the store with the same key.
func masterKeyFileArgs(extra []string) []string {
	for i, a := range extra {
		if strings.HasPrefix(a, "--master-key-file=") {
			return []string{a}
		}
		if a == "--master-key-file" && i+1 < len(extra) {
			return extra[i : i+2]
		}
	}
	return nil
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
// grace period) and cleans up.
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cleanup()
}

// cleanup removes the temporary directory and, in a database that
// outlives it (PostgreSQL), the client and the role binding this tool
// created: nothing the run made stays behind with a grant.
func (s *server) cleanup() {
	if s.cc != nil && slices.Contains(s.admin.args, "--database-url") {
		if _, err := s.admin.run(context.Background(), []string{"client", "delete", s.cc.id}); err != nil {
			fmt.Fprintf(s.warn, "could not delete the client-credentials client %s: %v\n", s.cc.id, err)
		}
	}
	if s.bound && slices.Contains(s.admin.args, "--database-url") {
		if _, err := s.admin.run(context.Background(), []string{"role", "unset"}, "--account", devAccount, "--role", devRole); err != nil {
			fmt.Fprintf(s.warn, "could not unset the role binding of %s/%s: %v\n", devAccount, devRole, err)
		}
	}
	os.RemoveAll(s.dir)
}
