package testsupport

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/dpop"
)

// Prover makes DPoP proofs (RFC 9449 §4.2) with the production
// dpop.NewProof, for tests that need a valid proof and do not test the
// proof's encoding itself: a POST, iat from Clock (nil: the wall clock), a
// fresh random jti, unless a ProofOption says otherwise.
type Prover struct {
	Key   crypto.Signer
	Clock signet.Clock
}

// NewProver returns a Prover with a fresh P-256 key, as aws login holds one.
func NewProver(t testing.TB, clock signet.Clock) *Prover {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Prover{Key: key, Clock: clock}
}

// ProofOption changes one member of a proof.
type ProofOption func(*proof)

type proof struct {
	htm string
	iat time.Time
	jti string
	opt []dpop.ProofOption
}

// Method sets htm (default POST).
func Method(m string) ProofOption { return func(p *proof) { p.htm = m } }

// IssuedAt sets iat (default the Prover's clock).
func IssuedAt(t time.Time) ProofOption { return func(p *proof) { p.iat = t } }

// JTI sets the jti (default 128 random bits).
func JTI(jti string) ProofOption { return func(p *proof) { p.jti = jti } }

// Nonce sets the server-provided nonce.
func Nonce(n string) ProofOption {
	return func(p *proof) { p.opt = append(p.opt, dpop.WithNonce(n)) }
}

// AccessToken binds the proof to token through ath.
func AccessToken(token string) ProofOption {
	return func(p *proof) { p.opt = append(p.opt, dpop.WithAccessToken(token)) }
}

// Proof returns a proof for a request to htu.
func (pr *Prover) Proof(t testing.TB, htu string, opts ...ProofOption) string {
	t.Helper()
	p := proof{htm: http.MethodPost, jti: rand.Text()}
	if pr.Clock != nil {
		p.iat = pr.Clock.Now()
	} else {
		p.iat = time.Now()
	}
	for _, o := range opts {
		o(&p)
	}
	s, err := dpop.NewProof(pr.Key, p.htm, htu, p.iat, p.jti, p.opt...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
