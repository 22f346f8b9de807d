package sqlite_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// A client's private_key_jwt keys: stored and replaced per client, refused
// for an unknown client, and gone with the client.
func TestClientJWKS(t *testing.T) {
	ctx := t.Context()
	db := open(t, filepath.Join(t.TempDir(), "s.db"))
	if err := db.SetClientJWKS(ctx, "nobody", []byte(`{"keys":[]}`)); !errors.Is(err, signet.ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	now := time.Now()
	if err := db.CreateClient(ctx, signet.Client{ID: "svc", Name: "svc", Type: signet.ClientConfidential, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClientJWKS(ctx, "svc"); !errors.Is(err, signet.ErrNotFound) {
		t.Fatalf("no keys yet: %v", err)
	}
	for _, set := range []string{`{"keys":[1]}`, `{"keys":[2]}`} {
		if err := db.SetClientJWKS(ctx, "svc", []byte(set)); err != nil {
			t.Fatal(err)
		}
		if got, err := db.ClientJWKS(ctx, "svc"); err != nil || string(got) != set {
			t.Fatalf("got %s, %v; want %s", got, err, set)
		}
	}
	if err := db.DeleteClient(ctx, "svc", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClientJWKS(ctx, "svc"); !errors.Is(err, signet.ErrNotFound) {
		t.Fatalf("after the client was deleted: %v", err)
	}
}
