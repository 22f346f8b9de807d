package keyring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/signet-auth/signet"
)

// Errors from VerifyJWT. All wrap ErrInvalidToken; callers answer every one
// the same way and log the detail.
var (
	ErrInvalidToken = errors.New("keyring: invalid token")
	// ErrUnknownKey: the kid names no signing key, even after a reload.
	ErrUnknownKey = fmt.Errorf("%w: unknown key id", ErrInvalidToken)
	// ErrKeyRetired: the kid names a retired key (catalogue SE-05).
	ErrKeyRetired = fmt.Errorf("%w: key retired", ErrInvalidToken)
	// ErrAlgMismatch: the header's alg is not the key's (RFC 8725 §3.1).
	ErrAlgMismatch = fmt.Errorf("%w: header alg does not match the key", ErrInvalidToken)
	// ErrTypeMismatch: the header's typ is not the kind the caller
	// verifies (RFC 8725 §3.11; catalogue JT-01).
	ErrTypeMismatch = fmt.Errorf("%w: header typ is not the expected kind", ErrInvalidToken)
)

// Every JWT this server signs says in its typ header what kind of token it
// is, so that one kind cannot be presented as another under the same key
// (RFC 8725 §3.11, catalogue JT-01).
const (
	// TypeJWT is the typ of ID tokens (OIDC Core §2 defines no other) and
	// of claims that say nothing else.
	TypeJWT = signet.JWTTypeID
	// TypeAccessToken is RFC 9068 §2.1's typ of JWT access tokens.
	TypeAccessToken = signet.JWTTypeAccess
)

// Typed is implemented by claims that are not an ID token: SignJWT writes
// JWTType as the typ header, and VerifyJWT into a Typed destination
// accepts only tokens of that typ. Claims that do not implement it are
// signed, and verified, as TypeJWT.
type Typed interface {
	JWTType() string
}

// typeOf is the typ a claims value is signed or verified as.
func typeOf(claims any) string {
	if t, ok := claims.(Typed); ok {
		return t.JWTType()
	}
	return TypeJWT
}

// sameType compares typ values as RFC 7515 §4.1.9 says: case-insensitive,
// with an "application/" prefix optional.
func sameType(got, want string) bool {
	norm := func(s string) string {
		s = strings.ToLower(s)
		return strings.TrimPrefix(s, "application/")
	}
	return got != "" && norm(got) == norm(want)
}

// maxTokenSize bounds what VerifyJWT parses; our ID tokens are far smaller.
const maxTokenSize = 16 << 10

// SignJWT signs claims (marshalled with encoding/json) as a compact JWS with
// the active signing key: header alg ES256, kid, and typ JWT, or the claims'
// own JWTType (Typed).
func (kr *Keyring) SignJWT(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keyring: claims: %w", err)
	}
	st := kr.cur.Load()
	id := st.active(signet.KeySigning, kr.clock.Now())
	if id == "" {
		return "", errors.New("keyring: no active signing key")
	}
	k := st.signing[id]
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(k.info.Algorithm),
		Key:       jose.JSONWebKey{Key: k.priv, KeyID: k.info.ID, Algorithm: k.info.Algorithm},
	}, (&jose.SignerOptions{}).WithType(jose.ContentType(typeOf(claims))))
	if err != nil {
		return "", fmt.Errorf("keyring: signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keyring: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// everyAlg lets the parser read any header, so that the alg check below is
// ours and explicit rather than a side effect of the parser's allow list.
func everyAlg() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{
		jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, jose.RS256, jose.RS384, jose.RS512,
		jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
	}
}

// VerifyJWT checks a compact JWS signed by one of our signing keys and
// unmarshals its payload into dst. The key is chosen by kid; a kid this node
// does not know makes it reload the keys (at most once per
// Options.MissReloadInterval) before rejecting, so tokens signed by a key
// another node just added verify here (catalogue CC-09). The algorithm is the
// key's: a header alg that differs is rejected (RFC 8725 §3.1), and a retired
// key verifies nothing (catalogue SE-05).
//
// The typ header must be the kind dst is (Typed; TypeJWT otherwise), so an
// access token never verifies as an ID token nor the other way round
// (RFC 8725 §3.11; catalogue JT-01). Beyond that only the signature is
// checked: expiry, audience and issuer are the caller's, against its own
// clock and policy.
func (kr *Keyring) VerifyJWT(token string, dst any) error {
	if len(token) > maxTokenSize {
		return fmt.Errorf("%w: too large", ErrInvalidToken)
	}
	jws, err := jose.ParseSignedCompact(token, everyAlg())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if len(jws.Signatures) != 1 {
		return fmt.Errorf("%w: not one signature", ErrInvalidToken)
	}
	h := jws.Signatures[0].Protected
	k, err := kr.verificationKey(h.KeyID)
	if err != nil {
		return err
	}
	if h.Algorithm != k.info.Algorithm {
		return ErrAlgMismatch
	}
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !sameType(typ, typeOf(dst)) {
		return ErrTypeMismatch
	}
	payload, err := jws.Verify(&k.priv.PublicKey)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if err := json.Unmarshal(payload, dst); err != nil {
		return fmt.Errorf("%w: payload: %v", ErrInvalidToken, err)
	}
	return nil
}

func (kr *Keyring) verificationKey(kid string) (*signingKey, error) {
	if kid == "" {
		return nil, ErrUnknownKey
	}
	find := func(st *state) bool { return st.signing[kid] != nil }
	st := kr.cur.Load()
	if !find(st) {
		st = kr.reloadOnMiss(find)
	}
	k := st.signing[kid]
	switch {
	case k == nil:
		return nil, ErrUnknownKey
	case k.info.Retired(kr.clock.Now()):
		return nil, ErrKeyRetired
	}
	return k, nil
}

// JWKS returns the public halves of every signing key not retired — the
// active one, older ones whose tokens may still be live, and a rotated-in
// one not yet signing — for the jwks_uri (RFC 7517 §5, RFC 8414 §2). Only
// public members appear (catalogue SE-04, RFC 7517 §9.2); use is "sig", alg
// "ES256".
func (kr *Keyring) JWKS() jose.JSONWebKeySet {
	st := kr.cur.Load()
	now := kr.clock.Now()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, info := range st.infos {
		k := st.signing[info.ID]
		if k == nil || info.Retired(now) {
			continue
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       k.priv.Public(),
			KeyID:     info.ID,
			Use:       "sig",
			Algorithm: info.Algorithm,
		})
	}
	return set
}

// RotateSigningKey adds a signing key. It is published in JWKS at once and
// signs from now + Options.PublishDelay, so that every node and every
// relying party's JWKS cache knows it before the first token it signs
// (catalogue CC-09). Older keys keep verifying until RetireSigningKeys.
func (kr *Keyring) RotateSigningKey(ctx context.Context) (KeyInfo, error) {
	return kr.rotate(ctx, signet.KeySigning)
}

// RetireSigningKeys retires the signing keys that have been superseded (a
// newer key became active) for longer than maxTokenLifetime, the longest
// life of a token they signed: no live token needs them any more. The active
// key is never retired. It returns the keys it retired.
func (kr *Keyring) RetireSigningKeys(ctx context.Context, maxTokenLifetime time.Duration) ([]KeyInfo, error) {
	return kr.retire(ctx, signet.KeySigning, maxTokenLifetime)
}

func (kr *Keyring) rotate(ctx context.Context, p signet.KeyPurpose) (KeyInfo, error) {
	now := kr.clock.Now()
	info, err := kr.add(ctx, p, "", now, now.Add(kr.opts.PublishDelay))
	if err != nil {
		return KeyInfo{}, err
	}
	if err := kr.Reload(ctx); err != nil {
		return KeyInfo{}, err
	}
	return info, nil
}

func (kr *Keyring) retire(ctx context.Context, p signet.KeyPurpose, maxLifetime time.Duration) ([]KeyInfo, error) {
	if err := kr.Reload(ctx); err != nil {
		return nil, err
	}
	now := kr.clock.Now()
	var keys []KeyInfo
	for _, k := range kr.cur.Load().infos {
		if k.Purpose == p && !k.Retired(now) {
			keys = append(keys, k)
		}
	}
	// In the order they became active, the same order active() uses: each key
	// was superseded when the next one in line became active.
	slices.SortFunc(keys, activeOrder)
	var retired []KeyInfo
	for i := 0; i+1 < len(keys); i++ {
		next := keys[i+1].ActiveAt
		if next.After(now) || now.Sub(next) <= maxLifetime {
			continue
		}
		if err := kr.store.RetireKey(ctx, keys[i].ID, now); err != nil && !errors.Is(err, signet.ErrNotFound) {
			return retired, fmt.Errorf("keyring: retire %s: %w", keys[i].ID, err)
		}
		keys[i].RetiredAt = now
		retired = append(retired, keys[i])
	}
	if len(retired) > 0 {
		if err := kr.Reload(ctx); err != nil {
			return retired, err
		}
	}
	return retired, nil
}
