package image

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// refusal is what serve says when --dev is asked for on an address others
// can reach, as the image's SIGNET_ADDR is.
const refusal = "--dev serves only on a loopback address"

func TestImage(t *testing.T) {
	for _, tool := range []string{"podman", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; the image test needs it", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	image := "localhost/signet-imagetest:" + strings.ToLower(rand.Text()[:10])
	buildImage(t, image, dir)
	env := checkConfig(t, image)
	bin := exportRootfs(t, image, dir)

	opts, err := canRun(t, image)
	if os.Getenv("SIGNET_IMAGETEST_EXTRACTED") == "1" {
		err = errors.New("SIGNET_IMAGETEST_EXTRACTED=1 asks for the extracted binary")
	}
	if err != nil {
		t.Logf("%v\nso the binary taken from the image's root filesystem runs instead, with the image's environment", err)
		runExtracted(t, bin, env)
		return
	}
	t.Logf("podman run %s", strings.Join(opts, " "))
	runContainer(t, image, opts)
}

// buildImage runs `make image` as the README says, into dir.
func buildImage(t *testing.T, image, dir string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "-C", root, "image", "IMAGE="+image, "IMAGE_DIR="+dir, "VERSION=imagetest")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("make image: %v\n%s", err, quietStderr(out.String()))
	}
	t.Logf("make image took %s", time.Since(start).Round(time.Second))
	t.Cleanup(func() {
		if _, err := podman(context.Background(), "rmi", "-f", image); err != nil {
			t.Logf("removing the image: %v", err)
		}
	})
}

// imageConfig is the part of `podman image inspect` the test checks.
type imageConfig struct {
	Config struct {
		User         string
		ExposedPorts map[string]struct{}
		Env          []string
		Entrypoint   []string
		Cmd          []string
		Volumes      map[string]struct{}
	}
	Healthcheck *struct{ Test []string }
}

// checkConfig checks the image's configuration and returns its
// environment.
func checkConfig(t *testing.T, image string) []string {
	t.Helper()
	out, err := podman(t.Context(), "image", "inspect", image)
	if err != nil {
		t.Fatal(err)
	}
	var got []imageConfig
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	c := got[0]
	if c.Config.User != user {
		t.Errorf("user %q, want %q", c.Config.User, user)
	}
	if _, ok := c.Config.ExposedPorts["8400/tcp"]; !ok || len(c.Config.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want 8400/tcp", c.Config.ExposedPorts)
	}
	if _, ok := c.Config.Volumes["/data"]; !ok {
		t.Errorf("volumes %v, want /data", c.Config.Volumes)
	}
	if !slices.Equal(c.Config.Entrypoint, []string{"/usr/local/bin/signet"}) || !slices.Equal(c.Config.Cmd, []string{"serve"}) {
		t.Errorf("entrypoint %q, cmd %q", c.Config.Entrypoint, c.Config.Cmd)
	}
	for _, want := range []string{"SIGNET_ADDR=0.0.0.0:8400", "SIGNET_DATA_DIR=/data"} {
		if !slices.Contains(c.Config.Env, want) {
			t.Errorf("environment %q lacks %s", c.Config.Env, want)
		}
	}
	if c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "/usr/local/bin/signet", "healthcheck"}) {
		t.Errorf("healthcheck %+v, want signet healthcheck", c.Healthcheck)
	}
	return c.Config.Env
}
