//go:build linux

package keyring

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// acl encodes an access ACL: tag, permissions, id triples.
func acl(entries ...[3]uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, aclVersion)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, uint16(e[0]))
		b = binary.LittleEndian.AppendUint16(b, uint16(e[1]))
		b = binary.LittleEndian.AppendUint32(b, e[2])
	}
	return b
}

// A credential as systemd's LoadCredential= writes it where the file
// system has ACLs (mode 0400, read granted to the service's user by a
// named-user entry, so stat shows 0440) is accepted; the same mask over an
// ACL that lets a group, others or another user read is not.
func TestMasterKeyFileCredentialACL(t *testing.T) {
	const (
		userObj, mask, none = 0x01, 0x10, 0xffffffff
	)
	me, other := uint32(os.Geteuid()), uint32(os.Geteuid()+1)
	tests := []struct {
		name string
		acl  []byte
		ok   bool
	}{
		{"read for this user", acl([3]uint32{userObj, 4, none}, [3]uint32{aclUser, 4, me}, [3]uint32{aclGroupObj, 0, none}, [3]uint32{mask, 4, none}, [3]uint32{aclOther, 0, none}), true},
		{"read for another user", acl([3]uint32{userObj, 4, none}, [3]uint32{aclUser, 4, other}, [3]uint32{aclGroupObj, 0, none}, [3]uint32{mask, 4, none}, [3]uint32{aclOther, 0, none}), false},
		{"read for the group", acl([3]uint32{userObj, 4, none}, [3]uint32{aclUser, 4, me}, [3]uint32{aclGroupObj, 4, none}, [3]uint32{mask, 4, none}, [3]uint32{aclOther, 0, none}), false},
		{"read for a named group", acl([3]uint32{userObj, 4, none}, [3]uint32{aclGroupObj, 0, none}, [3]uint32{aclGroup, 4, 0}, [3]uint32{mask, 4, none}, [3]uint32{aclOther, 0, none}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master-key")
			if _, err := GenerateMasterKeyFile(path, rand.Reader); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o400); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Setxattr(path, aclXattr, tt.acl, 0); err != nil {
				if errors.Is(err, syscall.ENOTSUP) {
					t.Skipf("the file system of %s has no ACLs", path)
				}
				t.Fatal(err)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o440 {
				t.Fatalf("mode with the ACL: %v %v", fi.Mode(), err)
			}
			_, err := LoadMasterKey(env(nil), path)
			if tt.ok != (err == nil) {
				t.Fatalf("LoadMasterKey = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	// Group write is never a mask of a read-only grant.
	path := filepath.Join(t.TempDir(), "master-key")
	if _, err := GenerateMasterKeyFile(path, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o460); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMasterKey(env(nil), path); err == nil {
		t.Error("mode 0460 accepted")
	}
}
