package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/sqlite"
)

// testURL is the configured external URL of the token endpoint in tests.
const testURL = "https://signin.example.test/v1/token"

// t0 is the server time tests stand at.
var t0 = time.Unix(1763769600, 0)

// openReplay opens a fresh SQLite database in the test's temporary
// directory and returns its replay store: jtis are checked by the real store.
func openReplay(t testing.TB) signet.ReplayStore {
	t.Helper()
	return openDB(t, filepath.Join(t.TempDir(), "signet.db")).Stores().Replay
}

// openDB opens the database file at path; two handles on one file stand
// for two nodes sharing a database.
func openDB(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// clockAt is a settable clock.
type clockAt struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clockAt) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clockAt) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// newVerifier returns a verifier at t0 with its own store, after edit has
// adjusted the options.
func newVerifier(t testing.TB, edit ...func(*Options)) *Verifier {
	t.Helper()
	o := Options{Replay: openReplay(t), Clock: signet.ClockFunc(func() time.Time { return t0 })}
	for _, e := range edit {
		e(&o)
	}
	v, err := NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newECKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// request is the request a proof from proofFor is checked against.
func request(proof ...string) Request {
	return Request{Header: proof, Method: "POST", URL: testURL}
}

// jtiSeq hands out distinct jtis within one test.
type jtiSeq struct{ n int }

func (s *jtiSeq) next() string { s.n++; return fmt.Sprintf("jti-%d", s.n) }

// proofFor returns a valid ES256-or-per-key proof for request() at t0.
func proofFor(t testing.TB, key crypto.Signer, jti string, opts ...ProofOption) string {
	t.Helper()
	p, err := NewProof(key, "POST", testURL, t0, jti, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// parts are a proof's header and claims as JSON objects, for tests that
// break one member and sign the result.
type parts struct {
	header, claims map[string]any
}

// validParts returns the members of a valid proof by key for request().
func validParts(t testing.TB, key crypto.Signer, jti string) parts {
	t.Helper()
	jwk, err := canonicalJWK(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return parts{
		header: map[string]any{"typ": typDPoP, "alg": defaultAlgorithm(key.Public()), "jwk": jwkMap(jwk)},
		claims: map[string]any{"htm": "POST", "htu": testURL, "iat": t0.Unix(), "jti": jti},
	}
}

func jwkMap(m jwkMembers) map[string]any {
	var out map[string]any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &out)
	return out
}

// sign encodes p and signs it with key under signAlg, whatever p's alg says.
func (p parts) sign(t testing.TB, key crypto.Signer, signAlg string) string {
	t.Helper()
	h, err := json.Marshal(p.header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(p.claims)
	if err != nil {
		t.Fatal(err)
	}
	input := encodeB64(h) + "." + encodeB64(c)
	a, ok := lookupAlgorithm(signAlg)
	if !ok {
		t.Fatalf("no algorithm %s", signAlg)
	}
	sig, err := a.sign(key, input, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + encodeB64(sig)
}

// wantInvalid asserts that err is an invalid_dpop_proof failure for reason,
// with the generic client message.
func wantInvalid(t testing.TB, err, reason error) {
	t.Helper()
	wantCode(t, err, signet.CodeInvalidDPoPProof, reason)
	var e *signet.Error
	if errors.As(err, &e) && e.Message != messageInvalidProof {
		t.Errorf("client message %q, want the generic one", e.Message)
	}
}

func wantCode(t testing.TB, err error, code signet.ErrorCode, reason error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %s (%v)", code, reason)
	}
	if got := signet.ErrorCodeOf(err); got != code {
		t.Fatalf("code %s, want %s: %v", got, code, err)
	}
	if !errors.Is(err, reason) {
		t.Fatalf("error %v, want reason %v", err, reason)
	}
}

func mustVerify(t testing.TB, v *Verifier, r Request) Proof {
	t.Helper()
	p, err := v.Verify(context.Background(), r)
	if err != nil {
		t.Fatalf("refused a valid proof: %v", err)
	}
	return p
}

// proofCase is one row of a table of proofs: accepted when reason is nil,
// otherwise refused for reason.
type proofCase struct {
	name   string
	proof  func(*testing.T) string
	reason error
}

func runProofCases(t *testing.T, v *Verifier, cases []proofCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), request(tc.proof(t)))
			wantResult(t, err, tc.reason)
		})
	}
}

// wantResult asserts acceptance when reason is nil, otherwise an
// invalid_dpop_proof refusal for reason.
func wantResult(t testing.TB, err, reason error) {
	t.Helper()
	if reason == nil {
		if err != nil {
			t.Fatalf("refused a valid proof: %v", err)
		}
		return
	}
	wantInvalid(t, err, reason)
}
