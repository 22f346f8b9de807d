package image

import (
	"archive/tar"
	"debug/elf"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The non-root user the image runs as.
const (
	uid  = 65532
	user = "65532:65532"
)

// exportRootfs writes the root filesystem of image (podman create, podman
// export) to dir/rootfs.tar, checks what an image FROM scratch must bring
// along, and extracts the signet binary to dir; it returns the binary's
// path.
func exportRootfs(t *testing.T, image, dir string) string {
	t.Helper()
	id, err := podman(t.Context(), "create", image)
	if err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSpace(id)
	defer podman(t.Context(), "rm", "-f", "-v", id) //nolint:errcheck // best effort
	tarPath := filepath.Join(dir, "rootfs.tar")
	if _, err := podman(t.Context(), "export", "-o", tarPath, id); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	bin := filepath.Join(dir, "signet-from-image")
	seen := map[string]*tar.Header{}
	var passwd string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimPrefix(strings.TrimSuffix(h.Name, "/"), "./")
		seen[name] = h
		switch name {
		case "/etc/passwd":
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			passwd = string(b)
		case "/usr/local/bin/signet":
			out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, want := range []string{"/usr/local/bin/signet", "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo/UTC",
		"/usr/share/zoneinfo/Europe/Berlin", "/etc/passwd", "/etc/group", "/data", "/tmp"} {
		if seen[want] == nil {
			t.Errorf("the image has no %s", want)
		}
	}
	if h := seen["/etc/ssl/certs/ca-certificates.crt"]; h != nil && h.Size < 10_000 {
		t.Errorf("the CA bundle has %d bytes", h.Size)
	}
	if h := seen["/data"]; h != nil && (h.Typeflag != tar.TypeDir || h.Uid != uid || h.Gid != uid || h.Mode&0o077 != 0) {
		t.Errorf("/data: type %c, owner %d:%d, mode %o; want a directory only %d may enter", h.Typeflag, h.Uid, h.Gid, h.Mode, uid)
	}
	if !strings.Contains(passwd, "signet:x:65532:65532:") {
		t.Errorf("/etc/passwd has no line for the signet user:\n%s", passwd)
	}
	// Nothing else: no shell, no package manager.
	for name, h := range seen {
		if h.Typeflag == tar.TypeReg && h.Mode&0o111 != 0 && name != "/usr/local/bin/signet" {
			t.Errorf("the image holds another executable: %s", name)
		}
	}

	// The binary is static: it runs on any Linux, with no libc in the image.
	exe, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	for _, p := range exe.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary needs a dynamic loader")
		}
	}
	return bin
}
