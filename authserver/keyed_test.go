package authserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/keyring"
	"github.com/signet-auth/signet/sqlite"
)

const testIssuer = "https://signet.example"

// The keyring signs client_credentials tokens.
var _ JWTSigner = (*keyring.Keyring)(nil)

// keyedFixture is a fixture whose engine verifies client assertions
// against keys in the store and signs client_credentials tokens with a
// keyring over the same store.
type keyedFixture struct {
	*fixture
	db *sqlite.DB
	kr *keyring.Keyring
}

func newKeyedFixture(t *testing.T) *keyedFixture {
	t.Helper()
	f, cfg := newFixtureConfig(t)
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "keyed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st := db.Stores()
	f.stores = st
	cfg.Users, cfg.Clients, cfg.Grants = st.Users, st.Clients, st.Grants
	master := make([]byte, keyring.MasterKeySize)
	rand.Read(master)
	kr, err := keyring.Open(t.Context(), st.Keys, master, f.clock, rand.Reader, keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientKeys, cfg.Replay, cfg.Signer = db, st.Replay, kr
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return &keyedFixture{fixture: f, db: db, kr: kr}
}

// jwtClient creates a confidential client_credentials client with the
// public half of a fresh P-256 key registered for private_key_jwt.
func (f *keyedFixture) jwtClient(scopes ...string) (IssuedClient, *ecdsa.PrivateKey) {
	f.t.Helper()
	c, err := f.srv.CreateClient(f.ctx, ClientSpec{Name: "svc", Type: signet.ClientConfidential,
		GrantTypes: []string{signet.GrantClientCredentials}, Scopes: scopes})
	if err != nil {
		f.t.Fatal(err)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err := f.db.SetClientJWKS(f.ctx, c.Client.ID, set); err != nil {
		f.t.Fatal(err)
	}
	return c, priv
}

// assertion signs claims with key as an ES256 client assertion.
func (f *keyedFixture) assertion(key *ecdsa.PrivateKey, c jwt.Claims) string {
	f.t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}
