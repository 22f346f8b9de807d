package awscreds

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/signet-auth/signet"
)

const accessKeyADLabel = "signet awscreds access key v1\x00"

var errNoKeyStore = errors.New("awscreds: no access key store configured")

// CreateAccessKey mints a long-term key for the principal an IAM user or
// root ARN names, stores it with its secret sealed, and returns the key and
// the plain secret (to be shown once).
func (a *Authority) CreateAccessKey(ctx context.Context, principalARN string) (signet.AccessKey, string, error) {
	if a.c.Keys == nil {
		return signet.AccessKey{}, "", errNoKeyStore
	}
	p, err := ParsePrincipalARN(principalARN)
	if err != nil {
		return signet.AccessKey{}, "", signet.Errorf(signet.CodeInvalidRequest, "%s", err.Error())
	}
	if !IsLongTermPrincipal(p) {
		return signet.AccessKey{}, "", signet.Errorf(signet.CodeInvalidRequest, "long-term access keys belong to IAM users (arn:aws:iam::<account>:user/<name>) or the root user")
	}
	// An 80-bit id collides with negligible probability; retry a few times
	// anyway rather than fail on the store's uniqueness check.
	for range 3 {
		var b [keyIDRandBytes + secretBytes]byte
		if _, err := io.ReadFull(a.c.Rand, b[:]); err != nil {
			return signet.AccessKey{}, "", fmt.Errorf("awscreds: random source: %w", err)
		}
		k := signet.AccessKey{ID: formatKeyID(PrefixLongTerm, b[:keyIDRandBytes]), PrincipalARN: p.ARN, CreatedAt: a.c.Clock.Now().UTC()}
		secret := formatSecret(b[keyIDRandBytes:])
		k.SealedSecret, err = a.c.AEAD.Seal([]byte(secret), accessKeyAD(k.ID))
		if err != nil {
			return signet.AccessKey{}, "", fmt.Errorf("awscreds: seal secret: %w", err)
		}
		err = a.c.Keys.CreateAccessKey(ctx, k)
		if errors.Is(err, signet.ErrConflict) {
			continue
		}
		if err != nil {
			return signet.AccessKey{}, "", err
		}
		return k, secret, nil
	}
	return signet.AccessKey{}, "", fmt.Errorf("awscreds: could not draw a free access key id: %w", signet.ErrConflict)
}

// ListAccessKeys returns the keys of principalARN ("" for all).
func (a *Authority) ListAccessKeys(ctx context.Context, principalARN string) ([]signet.AccessKey, error) {
	if a.c.Keys == nil {
		return nil, errNoKeyStore
	}
	return a.c.Keys.ListAccessKeys(ctx, principalARN)
}

// DeleteAccessKey removes a key; requests signed with it stop verifying at
// once (long-term keys are looked up on every request).
func (a *Authority) DeleteAccessKey(ctx context.Context, id string) error {
	if a.c.Keys == nil {
		return errNoKeyStore
	}
	return a.c.Keys.DeleteAccessKey(ctx, id)
}

func (a *Authority) lookupLongTerm(ctx context.Context, id string) (Principal, string, error) {
	if a.c.Keys == nil {
		return Principal{}, "", errInvalidToken.Wrap(errNoKeyStore)
	}
	k, err := a.c.Keys.GetAccessKey(ctx, id)
	if errors.Is(err, signet.ErrNotFound) {
		return Principal{}, "", errInvalidToken.Wrap(err)
	}
	if err != nil {
		return Principal{}, "", signet.AsError(fmt.Errorf("awscreds: get access key: %w", err))
	}
	if k.Disabled {
		// AWS answers an inactive key exactly like an unknown one.
		return Principal{}, "", errInvalidToken.Wrap(errors.New("access key disabled"))
	}
	secret, err := a.c.AEAD.Open(k.SealedSecret, accessKeyAD(k.ID))
	if err != nil {
		return Principal{}, "", signet.Internal(fmt.Errorf("awscreds: open sealed secret of %s: %w", k.ID, err))
	}
	p, err := ParsePrincipalARN(k.PrincipalARN)
	if err != nil {
		return Principal{}, "", signet.Internal(fmt.Errorf("awscreds: stored principal of %s: %w", k.ID, err))
	}
	return p, string(secret), nil
}

func accessKeyAD(id string) []byte { return append([]byte(accessKeyADLabel), id...) }
