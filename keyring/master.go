package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/signet-auth/signet"
)

// MasterKeyEnv is the environment variable that may carry the master key.
const MasterKeyEnv = "SIGNET_MASTER_KEY"

// MasterKeySize is the length of the master key: an AES-256 key.
const MasterKeySize = 32

// ErrNoMasterKey: neither the environment nor a file gave a master key.
var ErrNoMasterKey = errors.New("keyring: no master key: set " + MasterKeyEnv + " or pass --master-key-file")

// ErrWrongMasterKey: a stored key does not open under the master key given —
// the wrong master key, or a sealed key moved to another row.
var ErrWrongMasterKey = errors.New("keyring: master key does not open the stored keys")

// LoadMasterKey returns the 32-byte master key from the environment variable
// SIGNET_MASTER_KEY (read through getenv) or from the file at path; giving
// both is refused as ambiguous, giving neither is ErrNoMasterKey.
//
// The environment value is the key as 64 hex digits or as base64 (standard
// or URL alphabet, padded or not). A file holds the same text (surrounding
// white space is ignored) or exactly 32 raw bytes. A file readable by group
// or others (mode & 0o077 != 0) is refused: the master key opens every other
// key (catalogue SE-07, RFC 6819 §5.1.4.1.1).
func LoadMasterKey(getenv func(string) string, path string) ([]byte, error) {
	env := getenv(MasterKeyEnv)
	switch {
	case env != "" && path != "":
		return nil, fmt.Errorf("keyring: both %s and a master key file are set; give one", MasterKeyEnv)
	case env != "":
		k, err := decodeMasterKey([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("keyring: %s: %w", MasterKeyEnv, err)
		}
		return k, nil
	case path != "":
		return readMasterKeyFile(path)
	}
	return nil, ErrNoMasterKey
}

func readMasterKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	defer f.Close()
	// Check the mode of the file we opened, not of whatever the path names
	// a moment later.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: master key file %s is not a regular file", path)
	}
	// Windows has no Unix permission bits; its ACLs are the operator's.
	// Group read shown by an ACL mask that grants only this process's
	// user (systemd's LoadCredential=) is not group read.
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 && (perm&0o037 != 0 || !groupBitsAreACLMask(f)) {
		return nil, fmt.Errorf("keyring: master key file %s has mode %04o; it must not be readable by group or others (chmod 600)", path, fi.Mode().Perm())
	}
	// Anything longer than the longest accepted text is not a key file.
	raw, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	if len(raw) == MasterKeySize {
		return raw, nil
	}
	k, err := decodeMasterKey(raw)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file %s: %w", path, err)
	}
	return k, nil
}

// decodeMasterKey accepts 64 hex digits or base64 of 32 bytes in any of the
// four RFC 4648 variants. The lengths never overlap (64 against 43 or 44
// characters), so no text decodes two ways.
func decodeMasterKey(text []byte) ([]byte, error) {
	s := string(bytes.TrimSpace(text))
	if len(s) == hex.EncodedLen(MasterKeySize) {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.Strict().DecodeString(s); err == nil && len(k) == MasterKeySize {
			return k, nil
		}
	}
	return nil, errors.New("not 32 bytes as hex or base64")
}

// GenerateMasterKeyFile draws a fresh master key from rand and writes it,
// base64, to a new file at path with mode 0600. It never overwrites: if the
// file exists the error wraps fs.ErrExist and the caller loads it instead.
// `signet serve --dev` uses it so that a development server needs no setup.
func GenerateMasterKeyFile(path string, rand io.Reader) ([]byte, error) {
	k := make([]byte, MasterKeySize)
	if _, err := io.ReadFull(rand, k); err != nil {
		return nil, fmt.Errorf("keyring: random source: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	return k, nil
}

// sealer seals key material under the master key with AES-256-GCM. The
// associated data names the key's id, purpose and algorithm, so a sealed
// blob copied into another row (say, the AEAD key into the HMAC row) does not
// open there.
type sealer struct {
	gcm  cipher.AEAD
	rand io.Reader
}

func newSealer(master []byte, rand io.Reader) (*sealer, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("keyring: master key is %d bytes, want %d", len(master), MasterKeySize)
	}
	gcm, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	return &sealer{gcm: gcm, rand: rand}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func keyAD(k signet.Key) []byte {
	return lengthPrefixed("signet keyring v1", string(k.Purpose), k.ID, k.Algorithm)
}

// lengthPrefixed joins parts unambiguously: each is preceded by its length.
func lengthPrefixed(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, byte(len(p)>>8), byte(len(p)))
		b = append(b, p...)
	}
	return b
}

func (s *sealer) seal(k signet.Key, material []byte) ([]byte, error) {
	nonce := make([]byte, s.gcm.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("keyring: random source: %w", err)
	}
	return s.gcm.Seal(nonce, nonce, material, keyAD(k)), nil
}

func (s *sealer) open(k signet.Key) ([]byte, error) {
	n := s.gcm.NonceSize()
	if len(k.Sealed) < n+s.gcm.Overhead() {
		return nil, fmt.Errorf("key %q: %w", k.ID, ErrWrongMasterKey)
	}
	m, err := s.gcm.Open(nil, k.Sealed[:n], k.Sealed[n:], keyAD(k))
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", k.ID, ErrWrongMasterKey)
	}
	return m, nil
}
