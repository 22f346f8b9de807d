package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/internal/testsupport"
)

// With --dpop-nonces, every node of a deployment (one store, one master
// key) derives the same nonce key, so a nonce one node hands out is the
// nonce every node accepts; another deployment's nonces differ.
func TestDPoPNonceKeySharedByNodes(t *testing.T) {
	clock := testsupport.NewClock(time.Unix(1_800_000_000, 0))
	node := func(cfg config.Config) *app.App {
		t.Helper()
		cfg.DPoPNonces = true
		a, err := app.New(context.Background(), cfg, app.Deps{Clock: clock, Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	shared := fullConfig(t)
	a, b, other := node(shared), node(shared), node(fullConfig(t))
	na, nb, no := a.DPoP.Nonce(), b.DPoP.Nonce(), other.DPoP.Nonce()
	if na == "" || na != nb {
		t.Fatalf("two nodes of one deployment mint %q and %q", na, nb)
	}
	if no == na {
		t.Fatal("another deployment mints the same nonce")
	}
	// Off, there are no nonces.
	off := fullConfig(t)
	c, err := app.New(context.Background(), off, app.Deps{Clock: clock, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.DPoP.Nonce() != "" {
		t.Fatal("nonces without --dpop-nonces")
	}
}
