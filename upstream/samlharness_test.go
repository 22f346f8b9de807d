package upstream_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/pgtest"
	"github.com/signet-auth/signet/postgres"
	"github.com/signet-auth/signet/sqlite"
	"github.com/signet-auth/signet/upstream"
)

// samlEnv is one SAML provider, "corp", served by crewjam/saml's own
// IdentityProvider, and signet's SP leg on two nodes: two store handles
// on one SQLite file, as two servers over one database.
type samlEnv struct {
	t     testing.TB
	now   time.Time
	idp   *saml.IdentityProvider
	nodes [2]*upstream.SAML
}

const (
	samlBase    = "https://signet.example.test"
	idpMetadata = "https://idp.example.test/metadata"
	browserA    = "browser-a-secret-0123456789"
)

// newIdP is a crewjam IdentityProvider with a fresh RSA key, its clock at now.
func newIdP(t testing.TB, now time.Time, sp saml.ServiceProviderProvider) *saml.IdentityProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := url.Parse(idpMetadata)
	sso, _ := url.Parse("https://idp.example.test/sso")
	return &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *md, SSOURL: *sso,
		Clock: dsig.NewFakeClockAt(now), ServiceProviderProvider: sp}
}

// spProvider hands the IdP signet's SP metadata, as an administrator
// uploads it.
type spProvider struct{ e *samlEnv }

func (p spProvider) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	b, err := p.e.nodes[0].Metadata(context.Background(), "corp")
	if err != nil {
		return nil, err
	}
	ed, err := samlsp.ParseMetadata(b)
	if err != nil || ed.EntityID != id {
		return nil, os.ErrNotExist
	}
	return ed, nil
}

// samlStore is what a node needs of the store.
type samlStore interface {
	signet.FederationStore
	signet.ReplayStore
	Close() error
}

// sqliteNodes opens two handles on one SQLite file.
func sqliteNodes(t testing.TB) [2]samlStore {
	path := filepath.Join(t.TempDir(), "signet.db")
	var s [2]samlStore
	for i := range s {
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		s[i] = db
	}
	return s
}

// postgresNodes opens two pools on one PostgreSQL schema (skipped without
// SIGNET_TEST_POSTGRES_URL).
func postgresNodes(t testing.TB) [2]samlStore {
	u := pgtest.SchemaURL(t, "saml")
	var s [2]samlStore
	for i := range s {
		db, err := postgres.Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		s[i] = db
	}
	return s
}

func newSAMLEnv(t testing.TB, configure func(*signet.IdentityProvider)) *samlEnv {
	return newSAMLEnvOn(t, sqliteNodes(t), configure)
}

func newSAMLEnvOn(t testing.TB, stores [2]samlStore, configure func(*signet.IdentityProvider)) *samlEnv {
	t.Helper()
	e := &samlEnv{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.idp = newIdP(t, e.now, spProvider{e})
	md, err := xml.Marshal(e.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	for i, db := range stores {
		t.Cleanup(func() { _ = db.Close() })
		e.nodes[i] = &upstream.SAML{Store: db, Replay: db, BaseURL: samlBase,
			Clock: signet.ClockFunc(func() time.Time { return e.now }), Rand: rand.Reader}
	}
	p := signet.IdentityProvider{Name: "corp", Kind: signet.IdPSAML, DisplayName: "Corp", Issuer: idpMetadata,
		Claims:    signet.ClaimMapping{Username: "uid", Email: "mail", Groups: "eduPersonAffiliation"},
		SAML:      signet.SAMLSettings{Metadata: string(md)},
		CreatedAt: e.now, UpdatedAt: e.now}
	if configure != nil {
		configure(&p)
	}
	if err := e.nodes[0].Store.SetIdP(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return e
}

// begin starts a login for browserA and returns the IdP redirect URL and
// the RelayState.
func (e *samlEnv) begin() (string, string) {
	e.t.Helper()
	to, err := e.nodes[0].Begin(e.t.Context(), "corp", browserA, "/authorize?x=1")
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := url.Parse(to)
	if err != nil {
		e.t.Fatal(err)
	}
	return to, u.Query().Get("RelayState")
}

// answer is how the IdP answers: edit changes the assertion before it is
// signed; unsigned leaves the assertion unsigned (the Response is signed
// either way); signer, if set, is the IdP that signs.
type answer struct {
	nameID   string
	format   string
	edit     func(*saml.IdpAuthnRequest)
	unsigned bool
	signer   *saml.IdentityProvider
}

// respond answers the AuthnRequest in the redirect URL as the IdP, and
// returns the Response XML.
func (e *samlEnv) respond(redirect string, a answer) []byte {
	e.t.Helper()
	idp := e.idp
	if a.signer != nil {
		idp = a.signer
	}
	req, err := saml.NewIdpAuthnRequest(idp, httptest.NewRequest("GET", redirect, nil))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := req.Validate(); err != nil {
		e.t.Fatal(err)
	}
	if a.nameID == "" {
		a.nameID = "00u-alice-persistent"
	}
	if a.format == "" {
		a.format = upstream.NameIDPersistent
	}
	sess := &saml.Session{ID: "idp-session", CreateTime: e.now, ExpireTime: e.now.Add(time.Hour),
		NameID: a.nameID, NameIDFormat: a.format, UserName: "alice", UserEmail: "alice@corp.example",
		UserCommonName: "Alice Liddell", Groups: []string{"aws-dev", "staff"}}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, sess); err != nil {
		e.t.Fatal(err)
	}
	if a.edit != nil {
		a.edit(req)
	}
	if a.unsigned {
		req.AssertionEl = req.Assertion.Element()
	}
	if err := req.MakeResponse(); err != nil {
		e.t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.ResponseEl)
	b, err := doc.WriteToBytes()
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// complete posts xml to node n's ACS as browser binding.
func (e *samlEnv) complete(n int, xmlResp []byte, relay, binding string) (upstream.Identity, string, error) {
	return e.nodes[n].Complete(e.t.Context(), "corp", b64(xmlResp), relay, binding)
}
