//go:build linux

package keyring

import (
	"encoding/binary"
	"os"
	"strconv"
	"syscall"
)

// The POSIX access ACL as Linux stores it in the system.posix_acl_access
// extended attribute: a version word, then entries of tag, permissions and
// id (linux/posix_acl_xattr.h).
const (
	aclXattr    = "system.posix_acl_access"
	aclVersion  = 2
	aclUser     = 0x02 // a named user
	aclGroupObj = 0x04
	aclGroup    = 0x08 // a named group
	aclOther    = 0x20
	aclRead     = 0x4
)

// groupBitsAreACLMask reports whether the group bits of the open file f are
// only the mask of an access ACL that lets no group, no one else and no
// user but this process's read the file. That is how systemd's
// LoadCredential= grants a service its credential on a file system with
// ACLs: root-owned, mode 0400 plus a named-user entry, which stat shows
// as mode 0440.
func groupBitsAreACLMask(f *os.File) bool {
	buf := make([]byte, 512)
	n, err := syscall.Getxattr("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), aclXattr, buf)
	if err != nil || n < 4 || (n-4)%8 != 0 || binary.LittleEndian.Uint32(buf) != aclVersion {
		return false
	}
	for e := buf[4:n]; len(e) > 0; e = e[8:] {
		tag, perm, id := binary.LittleEndian.Uint16(e), binary.LittleEndian.Uint16(e[2:]), binary.LittleEndian.Uint32(e[4:])
		if perm&aclRead == 0 {
			continue
		}
		switch tag {
		case aclGroupObj, aclGroup, aclOther:
			return false
		case aclUser:
			if int64(id) != int64(os.Geteuid()) {
				return false
			}
		}
	}
	return true
}
