package authserver

import (
	"testing"

	"github.com/signet-auth/signet"
)

func openStores(t testing.TB) signet.Stores {
	m := newMemStore()
	return signet.Stores{Users: m, Clients: m, Grants: m}
}
