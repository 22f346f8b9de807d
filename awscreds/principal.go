package awscreds

import (
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/signet-auth/signet"
)

// Principal is who a set of AWS credentials acts as: what STS
// GetCallerIdentity reports, plus the signet session the credentials belong
// to.
type Principal struct {
	ARN       string // arn:aws:sts::123456789012:assumed-role/Admin/alice
	AccountID string // 12 digits
	// UserID is GetCallerIdentity's UserId: "AROA…:alice" for an assumed
	// role, "AIDA…" for an IAM user, the account id for the root user.
	UserID string
	// SessionID is the signet session the credentials were minted for;
	// empty for long-term keys. Revoking the session stops the credentials.
	SessionID string
}

// ARN limits from the IAM quotas
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
const (
	maxRoleName    = 64
	maxSessionName = 64
	maxUserName    = 64
	maxUserPath    = 512
)

// AssumedRole returns the principal of a user acting in the role the
// assignment names: arn:aws:sts::<account>:assumed-role/<role>/<userName>.
// The user name becomes the role session name, so it must fit that name's
// rules (2–64 characters of letters, digits and +=,.@_-).
func AssumedRole(a signet.Assignment, userName, sessionID string) (Principal, error) {
	if !validAccountID(a.AccountID) {
		return Principal{}, errors.New("awscreds: account id must be 12 digits")
	}
	if !validIAMName(a.RoleName, 1, maxRoleName) {
		return Principal{}, errors.New("awscreds: role name must be 1-64 characters of letters, digits and +=,.@_-")
	}
	if !validIAMName(userName, 2, maxSessionName) {
		return Principal{}, errors.New("awscreds: user name is not a valid role session name (2-64 characters of letters, digits and +=,.@_-)")
	}
	return Principal{
		ARN:       "arn:aws:sts::" + a.AccountID + ":assumed-role/" + a.RoleName + "/" + userName,
		AccountID: a.AccountID,
		UserID:    uniqueID("AROA", a.AccountID, a.RoleName) + ":" + userName,
		SessionID: sessionID,
	}, nil
}

// ParsePrincipalARN returns the principal an ARN names. It accepts the
// three forms GetCallerIdentity reports: an IAM user
// (arn:aws:iam::<account>:user[/path/]<name>), the root user
// (arn:aws:iam::<account>:root) and an assumed role
// (arn:aws:sts::<account>:assumed-role/<role>/<session>).
func ParsePrincipalARN(arn string) (Principal, error) {
	bad := errors.New("awscreds: not a principal ARN (arn:aws:iam::<account>:user/<name>, arn:aws:iam::<account>:root or arn:aws:sts::<account>:assumed-role/<role>/<session>)")
	rest, ok := strings.CutPrefix(arn, "arn:aws:")
	if !ok {
		return Principal{}, bad
	}
	svc, rest, _ := strings.Cut(rest, "::")
	acct, res, ok := strings.Cut(rest, ":")
	if !ok || !validAccountID(acct) {
		return Principal{}, bad
	}
	switch {
	case svc == "iam" && res == "root":
		return Principal{ARN: arn, AccountID: acct, UserID: acct}, nil
	case svc == "iam" && strings.HasPrefix(res, "user/"):
		pathName := res[len("user"):] // "/path/name" or "/name"
		i := strings.LastIndexByte(pathName, '/')
		path, name := pathName[:i+1], pathName[i+1:]
		if !validIAMName(name, 1, maxUserName) || !validIAMPath(path) {
			return Principal{}, bad
		}
		return Principal{ARN: arn, AccountID: acct, UserID: uniqueID("AIDA", acct, pathName)}, nil
	case svc == "sts" && strings.HasPrefix(res, "assumed-role/"):
		role, session, ok := strings.Cut(res[len("assumed-role/"):], "/")
		if !ok {
			return Principal{}, bad
		}
		p, err := AssumedRole(signet.Assignment{AccountID: acct, RoleName: role}, session, "")
		if err != nil {
			return Principal{}, bad
		}
		return p, nil
	}
	return Principal{}, bad
}

// IsLongTermPrincipal reports whether p may hold long-term access keys: AWS
// issues them to IAM users and the root user only.
func IsLongTermPrincipal(p Principal) bool {
	return strings.HasPrefix(p.ARN, "arn:aws:iam::")
}

// uniqueID derives an AWS-style unique id (prefix + 17 characters of
// [A-Z2-7], 21 in all, like AROA3XFRBF535PLBIFPI4) from the names it stands
// for. It is an identifier, not a secret: it only has to be stable.
func uniqueID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return prefix + keyIDEncoding.EncodeToString(h.Sum(nil))[:17]
}

func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validIAMName checks the IAM name pattern [\w+=,.@-]{min,max}.
func validIAMName(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			return false
		}
	}
	return true
}

// validIAMPath checks the IAM path pattern: "/" or "/…/" of printable ASCII.
func validIAMPath(p string) bool {
	if len(p) == 0 || len(p) > maxUserPath || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for i := range len(p) {
		if p[i] < 0x21 || p[i] > 0x7e {
			return false
		}
	}
	return !strings.Contains(p, "//")
}
