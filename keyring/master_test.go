package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadMasterKey_Env(t *testing.T) {
	key := bytes.Repeat([]byte{0xfb, 0xff, 0x3e}, 11)[:32] // has '+', '/' and '-', '_' in base64
	tests := []struct {
		name, value string
		ok          bool
	}{
		{"hex", hex.EncodeToString(key), true},
		{"hex upper case", strings.ToUpper(hex.EncodeToString(key)), true},
		{"base64 std", base64.StdEncoding.EncodeToString(key), true},
		{"base64 std unpadded", base64.RawStdEncoding.EncodeToString(key), true},
		{"base64url", base64.URLEncoding.EncodeToString(key), true},
		{"base64url unpadded", base64.RawURLEncoding.EncodeToString(key), true},
		{"surrounding white space", " " + hex.EncodeToString(key) + "\n", true},
		{"too short", hex.EncodeToString(key[:31]), false},
		{"too long", base64.StdEncoding.EncodeToString(append(key, 0)), false},
		{"not an encoding", strings.Repeat("z", 64), false},
		{"raw bytes", string(key), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadMasterKey(env(map[string]string{MasterKeyEnv: tt.value}), "")
			if tt.ok != (err == nil) {
				t.Fatalf("LoadMasterKey = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && !bytes.Equal(got, key) {
				t.Fatalf("key = %x, want %x", got, key)
			}
		})
	}
}

func TestLoadMasterKey_Sources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	want, err := GenerateMasterKeyFile(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMasterKey(env(nil), ""); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("no source: %v, want ErrNoMasterKey", err)
	}
	if _, err := LoadMasterKey(env(map[string]string{MasterKeyEnv: hex.EncodeToString(want)}), path); err == nil {
		t.Error("both the environment and a file were accepted")
	}
	got, err := LoadMasterKey(env(nil), path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("load the generated file = %x, %v; want %x", got, err, want)
	}
	if _, err := LoadMasterKey(env(nil), filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadMasterKey(env(nil), t.TempDir()); err == nil {
		t.Error("a directory was accepted")
	}

	raw := filepath.Join(t.TempDir(), "raw.key")
	if err := os.WriteFile(raw, want, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadMasterKey(env(nil), raw); err != nil || !bytes.Equal(got, want) {
		t.Errorf("a file of 32 raw bytes = %x, %v", got, err)
	}
}

func TestGenerateMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	key, err := GenerateMasterKeyFile(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != MasterKeySize {
		t.Fatalf("key is %d bytes", len(key))
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	// Never overwrites: the data sealed under the first key would be lost.
	if _, err := GenerateMasterKeyFile(path, rand.Reader); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second GenerateMasterKeyFile: %v, want fs.ErrExist", err)
	}
	if got, _ := LoadMasterKey(env(nil), path); !bytes.Equal(got, key) {
		t.Error("the file was changed by the second call")
	}
}

func TestSE07_LooseMasterKeyFileRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "master.key")
	if _, err := GenerateMasterKeyFile(path, rand.Reader); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode fs.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o700, true},
		{0o640, false},
		{0o604, false},
		{0o660, false},
		{0o644, false},
		{0o610, false},
		{0o601, false},
		{0o602, false},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadMasterKey(env(nil), path)
			if tt.ok != (err == nil) {
				t.Fatalf("mode %04o: LoadMasterKey = %v, want ok=%v", tt.mode, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %q does not say how to fix it", err)
			}
		})
	}
	// A link to a loose file is judged by the file.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link.key")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMasterKey(env(nil), link); err == nil {
		t.Error("a symlink to a 0644 file was accepted")
	}
}
