package image

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// runContainer runs the image under podman with opts: serve --dev is
// refused on the image's own address, and on loopback (the host's network)
// it serves a device flow from the /data volume as the non-root user,
// passes its HEALTHCHECK and stops cleanly on SIGTERM.
func runContainer(t *testing.T, image string, opts []string) {
	_, err := podman(t.Context(), append(append([]string{"run", "--rm"}, opts...), image, "serve", "--dev")...)
	if err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("serve --dev on the image's address: %v; want the refusal %q", err, refusal)
	}

	addr := freeAddr(t)
	name := "signet-imagetest-" + strings.ToLower(strings.ReplaceAll(addr, ":", "-"))
	args := append(append([]string{"run", "-d", "--name", name}, opts...),
		"-e", "SIGNET_ADDR="+addr, image, "serve", "--dev", "--dev-auto-approve")
	if _, err := podman(t.Context(), args...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { podman(context.Background(), "rm", "-f", "-v", name) }) //nolint:errcheck // best effort
	logs := func() string {
		out, err := exec.Command("podman", "logs", name).CombinedOutput()
		if err != nil {
			return err.Error()
		}
		return string(out)
	}
	base := "http://" + addr
	waitReady(t, base, logs)
	if _, err := podman(t.Context(), "healthcheck", "run", name); err != nil {
		t.Errorf("HEALTHCHECK: %v", err)
	}
	deviceFlow(t, base)
	if !strings.Contains(logs(), `store="sqlite /data/signet.db"`) {
		t.Errorf("the server does not keep its database on the volume:\n%s", logs())
	}
	if _, err := podman(t.Context(), "stop", "-t", "20", name); err != nil {
		t.Fatal(err)
	}
	code, err := podman(t.Context(), "inspect", "--format", "{{.State.ExitCode}}", name)
	if err != nil || strings.TrimSpace(code) != "0" {
		t.Errorf("exit code after SIGTERM: %q %v\n%s", code, err, logs())
	}
}

// runExtracted runs the image's binary on this machine with the image's
// environment: the same checks as runContainer but for the volume, whose
// place a temporary directory takes.
func runExtracted(t *testing.T, bin string, imageEnv []string) {
	env := append(append([]string{}, imageEnv...), "HOME="+t.TempDir())
	refused := exec.CommandContext(t.Context(), bin, "serve", "--dev")
	refused.Env = append(env, "SIGNET_DATA_DIR="+t.TempDir())
	if out, err := refused.CombinedOutput(); err == nil || !strings.Contains(string(out), refusal) {
		t.Errorf("serve --dev on the image's address: %v %s; want the refusal %q", err, out, refusal)
	}

	addr := freeAddr(t)
	env = append(env, "SIGNET_ADDR="+addr, "SIGNET_DATA_DIR="+t.TempDir())
	serve := exec.Command(bin, "serve", "--dev", "--dev-auto-approve")
	serve.Env = env
	var out syncBuffer
	serve.Stdout, serve.Stderr = &out, &out
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			serve.Process.Kill() //nolint:errcheck // the test failed already
			serve.Wait()         //nolint:errcheck // the test failed already
		}
	})
	base := "http://" + addr
	waitReady(t, base, out.String)
	check := exec.CommandContext(t.Context(), bin, "healthcheck")
	check.Env = env
	if b, err := check.CombinedOutput(); err != nil {
		t.Errorf("signet healthcheck: %v %s", err, b)
	}
	deviceFlow(t, base)
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, out.String())
	}
}

// syncBuffer is a bytes.Buffer the server's output and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
