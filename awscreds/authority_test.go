package awscreds_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/awscreds/awscredstest"
	"github.com/signet-auth/signet/internal/testsupport"
	"github.com/signet-auth/signet/secret"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

type env struct {
	a     *awscreds.Authority
	clock *testsupport.Clock
	sess  *awscredstest.Sessions
	keys  *awscredstest.AccessKeys
	alice awscreds.Principal
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{clock: testsupport.NewClock(testNow), sess: &awscredstest.Sessions{}, keys: awscredstest.NewAccessKeys()}
	e.a = awscredstest.NewAuthority(t, e.clock, e.sess, e.keys)
	var err error
	e.alice, err = awscreds.AssumedRole(signet.Assignment{AccountID: "123456789012", RoleName: "Admin"}, "alice", "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func codeOf(err error) signet.ErrorCode { return signet.ErrorCodeOf(err) }

func TestMintAndLookup(t *testing.T) {
	e := newEnv(t)
	c, err := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !awscreds.IsTemporaryKeyID(c.AccessKeyID) || len(c.SecretAccessKey) != awscreds.SecretLen || c.SessionToken == "" {
		t.Fatalf("credentials have the wrong shape: %q %q %q", c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	if !c.Expiration.Equal(testNow.Add(15 * time.Minute)) {
		t.Fatalf("expiration %v", c.Expiration)
	}
	if strings.Contains(c.SessionToken, c.SecretAccessKey) || strings.Contains(c.SessionToken, "alice") {
		t.Fatal("the session token shows what it seals")
	}
	p, sec, err := e.a.Lookup(context.Background(), c.AccessKeyID, c.SessionToken)
	if err != nil || p != e.alice || sec != c.SecretAccessKey {
		t.Fatalf("Lookup = %+v, %q, %v", p, sec, err)
	}
	d, _ := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	if d.AccessKeyID == c.AccessKeyID || d.SecretAccessKey == c.SecretAccessKey {
		t.Fatal("two mints gave the same credentials")
	}
}

// Sign-In refresh retries must return the same credentials: equal seed,
// principal and expiry give equal credentials; anything else differs.
func TestMintFromSeedDeterministic(t *testing.T) {
	e := newEnv(t)
	exp := testNow.Add(15 * time.Minute)
	c1, err := e.a.MintFromSeed("ASORseed-one", e.alice, exp)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := e.a.MintFromSeed("ASORseed-one", e.alice, exp)
	if c1 != c2 {
		t.Fatalf("same input, different credentials:\n%+v\n%+v", c1, c2)
	}
	for name, c := range map[string]func() (awscreds.Credentials, error){
		"other seed": func() (awscreds.Credentials, error) { return e.a.MintFromSeed("ASORseed-two", e.alice, exp) },
		"other expiry": func() (awscreds.Credentials, error) {
			return e.a.MintFromSeed("ASORseed-one", e.alice, exp.Add(-time.Minute))
		},
	} {
		c3, err := c()
		if err != nil {
			t.Fatal(err)
		}
		if c3.SessionToken == c1.SessionToken {
			t.Errorf("%s: same session token", name)
		}
		if name == "other seed" && (c3.AccessKeyID == c1.AccessKeyID || c3.SecretAccessKey == c1.SecretAccessKey) {
			t.Errorf("%s: same key", name)
		}
		if _, _, err := e.a.Lookup(context.Background(), c3.AccessKeyID, c3.SessionToken); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.a.MintFromSeed("", e.alice, exp); err == nil {
		t.Fatal("empty seed accepted")
	}
}

func TestMintBounds(t *testing.T) {
	e := newEnv(t)
	for _, exp := range []time.Time{testNow, testNow.Add(-time.Second), testNow.Add(awscreds.DefaultMaxLifetime + time.Second)} {
		if _, err := e.a.Mint(e.alice, exp); err == nil {
			t.Errorf("expiry %v accepted", exp)
		}
	}
	if _, err := e.a.Mint(awscreds.Principal{ARN: "x"}, testNow.Add(time.Minute)); err == nil {
		t.Error("incomplete principal accepted")
	}
}

// Every way a temporary credential can be bad.
func TestLookupTemporaryRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c, _ := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	other, _ := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	raw, _ := base64.StdEncoding.DecodeString(c.SessionToken)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name, id, token string
		want            signet.ErrorCode
	}{
		{"no token", c.AccessKeyID, "", signet.CodeInvalidClient},
		{"token not base64", c.AccessKeyID, "!!!", signet.CodeInvalidClient},
		{"token format byte changed", c.AccessKeyID, flip(0), signet.CodeInvalidClient},
		{"token ciphertext changed", c.AccessKeyID, flip(len(raw) / 2), signet.CodeInvalidClient},
		{"token tag changed", c.AccessKeyID, flip(len(raw) - 1), signet.CodeInvalidClient},
		{"token truncated", c.AccessKeyID, base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), signet.CodeInvalidClient},
		{"token of another key", c.AccessKeyID, other.SessionToken, signet.CodeInvalidClient},
		{"token too long", c.AccessKeyID, strings.Repeat("A", awscreds.MaxSessionTokenLen+4), signet.CodeInvalidClient},
		{"key id not ours", "ASIAIOSFODNN7EXAMPLE", c.SessionToken, signet.CodeInvalidClient},
		{"malformed key id", "AKIDEXAMPLE", c.SessionToken, signet.CodeInvalidClient},
	} {
		_, _, err := e.a.Lookup(ctx, tc.id, tc.token)
		if codeOf(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}

	// Expired: valid up to the last second before Expiration, then not.
	e.clock.Add(15*time.Minute - time.Second)
	if _, _, err := e.a.Lookup(ctx, c.AccessKeyID, c.SessionToken); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	e.clock.Add(time.Second)
	if _, _, err := e.a.Lookup(ctx, c.AccessKeyID, c.SessionToken); codeOf(err) != signet.CodeExpiredToken {
		t.Fatalf("at expiry: %v", err)
	}
}

// A revoked session's credentials stop verifying once the liveness cache
// has aged out, or at once on the node that forgets the session.
func TestLookupRevokedSession(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c, _ := e.a.Mint(e.alice, testNow.Add(15*time.Minute))
	for range 3 {
		if _, _, err := e.a.Lookup(ctx, c.AccessKeyID, c.SessionToken); err != nil {
			t.Fatal(err)
		}
	}
	if e.sess.Calls() != 1 {
		t.Fatalf("liveness asked %d times for three lookups within the TTL, want 1", e.sess.Calls())
	}
	e.sess.Revoke("sess-1")
	e.clock.Add(awscreds.DefaultSessionCacheTTL)
	if _, _, err := e.a.Lookup(ctx, c.AccessKeyID, c.SessionToken); codeOf(err) != signet.CodeAccessDenied {
		t.Fatalf("revoked session after the TTL: %v", err)
	}

	d, _ := e.a.MintFromSeed("seed", awscreds.Principal{ARN: e.alice.ARN, AccountID: e.alice.AccountID, UserID: e.alice.UserID, SessionID: "sess-2"}, testNow.Add(20*time.Minute))
	if _, _, err := e.a.Lookup(ctx, d.AccessKeyID, d.SessionToken); err != nil {
		t.Fatal(err)
	}
	e.sess.Revoke("sess-2")
	e.a.ForgetSession("sess-2")
	if _, _, err := e.a.Lookup(ctx, d.AccessKeyID, d.SessionToken); codeOf(err) != signet.CodeAccessDenied {
		t.Fatalf("revoked and forgotten session: %v", err)
	}

	// The liveness check failing fails the request (closed, not open).
	e.sess.Fail(signet.ErrUnavailable)
	f, _ := e.a.Mint(awscreds.Principal{ARN: e.alice.ARN, AccountID: e.alice.AccountID, UserID: e.alice.UserID, SessionID: "sess-3"}, testNow.Add(20*time.Minute))
	if _, _, err := e.a.Lookup(ctx, f.AccessKeyID, f.SessionToken); err == nil || !errors.Is(err, signet.ErrUnavailable) {
		t.Fatalf("liveness failure: %v", err)
	}
}

func TestAccessKeys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	const arn = "arn:aws:iam::123456789012:user/figma-broker"
	k, sec, err := e.a.CreateAccessKey(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if !awscreds.IsLongTermKeyID(k.ID) || len(sec) != awscreds.SecretLen || k.PrincipalARN != arn {
		t.Fatalf("%+v %q", k, sec)
	}
	stored, _ := e.keys.GetAccessKey(ctx, k.ID)
	if strings.Contains(string(stored.SealedSecret), sec) {
		t.Fatal("the secret is stored in plain text")
	}
	p, got, err := e.a.Lookup(ctx, k.ID, "")
	if err != nil || got != sec || p.ARN != arn || !strings.HasPrefix(p.UserID, "AIDA") {
		t.Fatalf("Lookup = %+v, %q, %v", p, got, err)
	}
	if _, _, err := e.a.Lookup(ctx, k.ID, "some-token"); codeOf(err) != signet.CodeInvalidClient {
		t.Fatalf("long-term key with a session token: %v", err)
	}
	if list, _ := e.a.ListAccessKeys(ctx, arn); len(list) != 1 || list[0].ID != k.ID {
		t.Fatalf("List = %+v", list)
	}

	// A sealed secret moved to another key id does not open.
	k2, _, _ := e.a.CreateAccessKey(ctx, arn)
	e.keys.DeleteAccessKey(ctx, k2.ID)
	k2.SealedSecret = stored.SealedSecret
	e.keys.CreateAccessKey(ctx, k2)
	if _, _, err := e.a.Lookup(ctx, k2.ID, ""); codeOf(err) != signet.CodeInternal {
		t.Fatalf("moved sealed secret: %v", err)
	}

	e.keys.Disable(k.ID)
	if _, _, err := e.a.Lookup(ctx, k.ID, ""); codeOf(err) != signet.CodeInvalidClient {
		t.Fatalf("disabled key: %v", err)
	}
	if err := e.a.DeleteAccessKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.a.Lookup(ctx, k.ID, ""); codeOf(err) != signet.CodeInvalidClient {
		t.Fatalf("deleted key: %v", err)
	}
	for _, bad := range []string{"arn:aws:sts::123456789012:assumed-role/Admin/alice", "not an arn"} {
		if _, _, err := e.a.CreateAccessKey(ctx, bad); codeOf(err) != signet.CodeInvalidRequest {
			t.Errorf("CreateAccessKey(%q): %v", bad, err)
		}
	}
}

func TestNewRequiresRevocationHook(t *testing.T) {
	key := make([]byte, 32)
	aead, _ := awscredstest.NewAEAD(key, rand.Reader)
	h, _ := secret.NewHasher(key)
	_, err := awscreds.New(awscreds.Config{AEAD: aead, Deriver: secret.NewMinter(rand.Reader, h), Rand: rand.Reader, Clock: signet.SystemClock{}})
	if err == nil {
		t.Fatal("an Authority without SessionLive would never stop revoked credentials")
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
