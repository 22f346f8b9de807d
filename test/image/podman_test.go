package image

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// podman runs `podman args...` and returns its standard output; standard
// error goes into the error, where podman says what went wrong.
func podman(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %w\n%s", strings.Join(args, " "), err, quietStderr(stderr.String()))
	}
	return stdout.String(), nil
}

// quietStderr drops the lines podman logs on every run on a machine
// without systemd (it cannot arm the HEALTHCHECK timer), so that the
// message that matters is seen.
func quietStderr(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, "unable to get systemd connection") && line != "" {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// runOptions are the podman run options tried in turn until the image's
// `signet version` runs. A sandboxed machine refuses what a plain run
// does: raising resource limits past its own (set them to what this
// process has), and crun's cgroup setup on a hybrid cgroup hierarchy
// (runc copes). The host network lets a --dev server keep its loopback
// address.
func runOptions() [][]string {
	base := []string{"--network=host"}
	var nofile syscall.Rlimit
	limits := []string{"--ulimit", "nproc=4096:4096"}
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile) == nil {
		limits = append(limits, "--ulimit", fmt.Sprintf("nofile=%d:%d", nofile.Cur, nofile.Cur))
	}
	sets := [][]string{base, append(append([]string{}, base...), limits...)}
	if _, err := exec.LookPath("runc"); err == nil {
		sets = append(sets, append(append([]string{"--runtime", "runc"}, base...), limits...))
	}
	return sets
}

// canRun finds podman run options under which image runs; when none
// works it returns why.
func canRun(t *testing.T, image string) ([]string, error) {
	t.Helper()
	var failures []string
	for _, opts := range runOptions() {
		args := append(append([]string{"run", "--rm"}, opts...), image, "version")
		out, err := podman(t.Context(), args...)
		if err == nil && strings.HasPrefix(out, "signet ") {
			return opts, nil
		}
		failures = append(failures, fmt.Sprintf("with %v: %v", opts, err))
	}
	return nil, fmt.Errorf("podman cannot run a container here:\n%s", strings.Join(failures, "\n"))
}
