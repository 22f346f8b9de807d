package dpop

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/signet-auth/signet"
)

// Defaults of Options.
const (
	DefaultMaxAge        = 60 * time.Second
	DefaultFutureSkew    = 15 * time.Second
	DefaultNoncePeriod   = 5 * time.Minute
	maxJTILen            = 256
	minNonceKeyLen       = 32
	typDPoP              = "dpop+jwt"
	messageInvalidProof  = "The DPoP proof is invalid."
	messageNonceRequired = "A fresh DPoP nonce is required; retry with the value of the DPoP-Nonce header."
)

// Reasons a proof is refused. Each is wrapped, with detail, in the Err of
// the *signet.Error Verify returns, for the log and for tests.
var (
	errMissing     = errors.New("dpop: no DPoP header")
	errMultiple    = errors.New("dpop: more than one DPoP header")
	errTooLarge    = errors.New("dpop: proof too large")
	errShape       = errors.New("dpop: not a compact JWS")
	errJSON        = errors.New("dpop: malformed JSON")
	errTyp         = errors.New("dpop: typ is not dpop+jwt")
	errAlg         = errors.New("dpop: alg not allowed")
	errCrit        = errors.New("dpop: crit header present")
	errJWK         = errors.New("dpop: bad jwk")
	errPrivateKey  = errors.New("dpop: jwk is not a public key")
	errWeakKey     = errors.New("dpop: key too small")
	errKeyMismatch = errors.New("dpop: alg does not fit the jwk")
	errClaim       = errors.New("dpop: missing or malformed claim")
	errMethod      = errors.New("dpop: htm does not match the request method")
	errURL         = errors.New("dpop: htu does not match the request URL")
	errIAT         = errors.New("dpop: iat outside the acceptance window")
	errATH         = errors.New("dpop: ath does not match the access token")
	errSignature   = errors.New("dpop: bad signature")
	errNonce       = errors.New("dpop: nonce required")
	errReplay      = errors.New("dpop: jti already used")
)

// Options configures a Verifier.
type Options struct {
	// Algorithms the verifier accepts (RFC 9449 §5.1
	// dpop_signing_alg_values_supported): any of ES256, ES384, ES512, PS256,
	// RS256 and EdDSA. Empty means ES256 only, which is what the AWS CLI and
	// SDKs send.
	Algorithms []string
	// MaxAge is how far in the past iat may be; FutureSkew how far ahead of
	// the server clock. Zero means DefaultMaxAge and DefaultFutureSkew.
	MaxAge, FutureSkew time.Duration
	// Replay records each accepted jti (per key) across every node sharing
	// the store (RFC 9449 §11.1). Required.
	Replay signet.ReplayStore
	// Clock is the server clock. Required.
	Clock signet.Clock
	// NonceKey turns server nonces on (RFC 9449 §8) when set: at least 32
	// bytes, the same on every node. NoncePeriod is how often a fresh nonce
	// is minted (zero: DefaultNoncePeriod); a nonce is accepted for one to
	// two periods.
	NonceKey    []byte
	NoncePeriod time.Duration
}

// Verifier checks DPoP proofs. It is safe for concurrent use.
type Verifier struct {
	algs       []string
	maxAge     time.Duration
	futureSkew time.Duration
	replay     signet.ReplayStore
	clock      signet.Clock
	nonces     *nonces // nil: nonces off
}

// NewVerifier checks o and returns a Verifier.
func NewVerifier(o Options) (*Verifier, error) {
	if o.Replay == nil || o.Clock == nil {
		return nil, errors.New("dpop: Options.Replay and Options.Clock are required")
	}
	v := &Verifier{algs: []string{ES256}, maxAge: o.MaxAge, futureSkew: o.FutureSkew, replay: o.Replay, clock: o.Clock}
	if len(o.Algorithms) > 0 {
		v.algs = nil
		for _, a := range o.Algorithms {
			if _, ok := lookupAlgorithm(a); !ok {
				return nil, fmt.Errorf("dpop: unsupported algorithm %q", a)
			}
			if !slices.Contains(v.algs, a) {
				v.algs = append(v.algs, a)
			}
		}
	}
	if v.maxAge == 0 {
		v.maxAge = DefaultMaxAge
	}
	if v.futureSkew == 0 {
		v.futureSkew = DefaultFutureSkew
	}
	if v.maxAge < 0 || v.futureSkew < 0 {
		return nil, errors.New("dpop: negative iat window")
	}
	if o.NonceKey != nil {
		if len(o.NonceKey) < minNonceKeyLen {
			return nil, fmt.Errorf("dpop: nonce key shorter than %d bytes", minNonceKeyLen)
		}
		period := o.NoncePeriod
		if period == 0 {
			period = DefaultNoncePeriod
		}
		if period < time.Second {
			return nil, errors.New("dpop: nonce period under one second")
		}
		v.nonces = &nonces{key: slices.Clone(o.NonceKey), period: period}
	}
	return v, nil
}

// Algorithms returns the accepted algorithms, for the
// dpop_signing_alg_values_supported metadata (RFC 9449 §5.1).
func (v *Verifier) Algorithms() []string { return slices.Clone(v.algs) }

// Nonce returns the current server nonce, for a DPoP-Nonce header on any
// response (RFC 9449 §8.2), or "" when nonces are off.
func (v *Verifier) Nonce() string {
	if v.nonces == nil {
		return ""
	}
	return v.nonces.mint(v.clock.Now())
}

// Request is what Verify checks a proof against.
type Request struct {
	// Header holds every DPoP header value the request carried
	// (http.Header.Values("DPoP")): none or more than one is refused.
	Header []string
	// Method is the request method; URL the request URL built from the
	// configured external URL and the request path, never from Host or
	// X-Forwarded-* (RFC 9700 §4.13).
	Method, URL string
	// AccessToken, when set, is the access token the request presents; the
	// proof must then carry its hash in ath (RFC 9449 §4.3 step 12, §7).
	AccessToken string
}

// Proof is an accepted proof.
type Proof struct {
	JKT      string // RFC 7638 SHA-256 thumbprint of Key, base64url
	Key      crypto.PublicKey
	JTI      string
	IssuedAt time.Time
	Nonce    string // the proof's nonce claim, if any
}

// Verify checks the DPoP proof of r (RFC 9449 §4.3) and records its jti. It
// returns a *signet.Error with CodeInvalidDPoPProof, or CodeUseDPoPNonce
// (carrying a *NonceError with the nonce to send) when nonces are on and the
// proof's is missing or no longer valid; a replay store failure is returned
// as it came, wrapped.
func (v *Verifier) Verify(ctx context.Context, r Request) (Proof, error) {
	now := v.clock.Now()
	want, err := parseHTTPURI(r.URL)
	if err != nil {
		return Proof{}, signet.Internal(fmt.Errorf("dpop: request URL %q: %w", r.URL, err))
	}
	p, err := v.check(r, want, now)
	if err != nil {
		return Proof{}, invalid(err)
	}
	if v.nonces != nil {
		if err := v.nonces.check(p.Nonce, now); err != nil {
			return Proof{}, &signet.Error{
				Code:    signet.CodeUseDPoPNonce,
				Message: messageNonceRequired,
				Err:     &NonceError{Nonce: v.nonces.mint(now), Err: err},
			}
		}
	}
	// Last, so that a proof refused for any other reason leaves its jti
	// unused. Keyed by key and jti so that one client cannot use up another's
	// jti; kept as long as the proof could pass the iat check anywhere.
	key := sha256.Sum256([]byte(p.JKT + "\x00" + p.JTI))
	fresh, err := v.replay.MarkUsed(ctx, signet.Digest(key), p.IssuedAt.Add(v.maxAge+v.futureSkew), now)
	if err != nil {
		return Proof{}, fmt.Errorf("dpop: replay store: %w", err)
	}
	if !fresh {
		return Proof{}, invalid(errReplay)
	}
	return p, nil
}

func invalid(err error) *signet.Error {
	return &signet.Error{Code: signet.CodeInvalidDPoPProof, Message: messageInvalidProof, Err: err}
}

// check runs every check but the nonce and the replay.
func (v *Verifier) check(r Request, want httpURI, now time.Time) (Proof, error) {
	// RFC 9449 §4.3 steps 1–2, before any decoding.
	switch {
	case len(r.Header) == 0:
		return Proof{}, errMissing
	case len(r.Header) > 1:
		return Proof{}, errMultiple
	}
	value := r.Header[0]
	if value == "" {
		return Proof{}, errMissing
	}
	if len(value) > MaxProofSize {
		return Proof{}, fmt.Errorf("%w: %d bytes", errTooLarge, len(value))
	}
	headerPart, payloadPart, sigPart, input, err := splitCompact(value)
	if err != nil {
		return Proof{}, err
	}

	// The JOSE header: typ, alg and jwk (steps 4, 5, 7).
	var typ, alg string
	var jwk json.RawMessage
	err = decodeObject(headerPart, func(name string, value json.RawMessage) error {
		var err error
		switch name {
		case "typ":
			typ, err = jsonString("typ", value)
		case "alg":
			alg, err = jsonString("alg", value)
		case "jwk":
			jwk = value
		case "crit":
			// No extension is understood here, so any crit must be refused
			// (RFC 7515 §4.1.11); it also rules out unencoded payloads
			// (RFC 7797).
			return errCrit
		}
		return err
	})
	if err != nil {
		return Proof{}, err
	}
	if typ != typDPoP {
		return Proof{}, fmt.Errorf("%w: %.32q", errTyp, typ)
	}
	a, ok := lookupAlgorithm(alg)
	if !ok || !slices.Contains(v.algs, alg) {
		return Proof{}, fmt.Errorf("%w: %.16q", errAlg, alg)
	}
	if jwk == nil {
		return Proof{}, fmt.Errorf("%w: no jwk", errJWK)
	}
	key, err := parseJWK(jwk)
	if err != nil {
		return Proof{}, err
	}
	if err := a.fits(key); err != nil {
		return Proof{}, fmt.Errorf("%w (alg %s)", err, alg)
	}

	// The claims (steps 3, 8, 9, 11, 12).
	var c claims
	if err := decodeObject(payloadPart, c.member); err != nil {
		return Proof{}, err
	}
	if err := v.checkClaims(&c, r, want, now); err != nil {
		return Proof{}, err
	}

	// The signature (step 6).
	sig, err := decodeB64(sigPart)
	if err != nil {
		return Proof{}, fmt.Errorf("%w: signature: %v", errShape, err)
	}
	if !a.verifySignature(key, input, sig) {
		return Proof{}, errSignature
	}
	jkt, err := KeyThumbprint(key)
	if err != nil {
		return Proof{}, err
	}
	return Proof{JKT: jkt, Key: key, JTI: c.jti, IssuedAt: c.iat, Nonce: c.nonce}, nil
}

// claims are the payload members a proof may carry (RFC 9449 §4.2).
type claims struct {
	jti, htm, htu, ath, nonce string
	iat                       time.Time
	has                       [4]bool // jti, htm, htu, iat
}

func (c *claims) member(name string, value json.RawMessage) error {
	var err error
	switch name {
	case "jti":
		c.jti, err = jsonString(name, value)
		c.has[0] = true
	case "htm":
		c.htm, err = jsonString(name, value)
		c.has[1] = true
	case "htu":
		c.htu, err = jsonString(name, value)
		c.has[2] = true
	case "iat":
		c.iat, err = numericDate(value)
		c.has[3] = true
	case "ath":
		c.ath, err = jsonString(name, value)
	case "nonce":
		c.nonce, err = jsonString(name, value)
	}
	return err
}

func (v *Verifier) checkClaims(c *claims, r Request, want httpURI, now time.Time) error {
	for i, name := range [...]string{"jti", "htm", "htu", "iat"} {
		if !c.has[i] {
			return fmt.Errorf("%w: no %s", errClaim, name)
		}
	}
	if c.jti == "" || len(c.jti) > maxJTILen {
		return fmt.Errorf("%w: jti of %d bytes", errClaim, len(c.jti))
	}
	if c.htm != r.Method {
		return fmt.Errorf("%w: %.16q", errMethod, c.htm)
	}
	got, err := parseHTTPURI(c.htu)
	if err != nil {
		return fmt.Errorf("%w: %v", errURL, err)
	}
	if got != want {
		return fmt.Errorf("%w: %.128q", errURL, c.htu)
	}
	if age := now.Sub(c.iat); age > v.maxAge || -age > v.futureSkew {
		return fmt.Errorf("%w: iat %s, now %s", errIAT, c.iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if r.AccessToken != "" {
		sum := sha256.Sum256([]byte(r.AccessToken))
		if subtle.ConstantTimeCompare([]byte(c.ath), []byte(encodeB64(sum[:]))) != 1 {
			return errATH
		}
	}
	return nil
}

// numericDate reads a JSON number of seconds since the epoch (RFC 7519
// §2), fractions allowed, within years 1970–9999.
func numericDate(value json.RawMessage) (time.Time, error) {
	if len(value) == 0 || !(value[0] == '-' || value[0] >= '0' && value[0] <= '9') {
		return time.Time{}, fmt.Errorf("%w: iat is not a number", errClaim)
	}
	f, err := strconv.ParseFloat(string(value), 64)
	if err != nil || f < 0 || f > 253402300799 {
		return time.Time{}, fmt.Errorf("%w: iat out of range", errClaim)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
