package keyring

import (
	"bytes"
	"cmp"
	"context"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-auth/signet"
)

// Algorithms, as signet.Key.Algorithm spells them.
const (
	AlgHMAC    = "HS256"
	AlgAEAD    = "A256GCM"
	AlgSigning = "ES256"
)

// IDs of the first HMAC and AEAD keys. They are fixed so that nodes starting
// at once on an empty store collide on the id (ErrConflict) and all end up
// with the winner's key, instead of each hashing with a key of its own.
const (
	FirstHMACKeyID = "hmac-1"
	FirstAEADKeyID = "aead-1"
)

const materialSize = 32

// Options tunes a Keyring; the zero value takes the defaults.
type Options struct {
	// PublishDelay is how long a rotated-in signing or AEAD key is known
	// (published in JWKS, able to open) before any node uses it: long enough
	// for every node to reload and every relying party's JWKS cache to see
	// it (catalogue CC-09, RFC 7517 §4.5). Default 5 minutes. The server
	// must call Reload at an interval well below it (say, every minute).
	PublishDelay time.Duration
	// MissReloadInterval: a token or ciphertext naming a key id this node
	// does not know makes it reload the keys from the store, at most once per
	// interval, so that a flood of made-up kids cannot hammer the store.
	// Default 10 seconds.
	MissReloadInterval time.Duration
	// ReloadTimeout bounds such a reload. Default 5 seconds.
	ReloadTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.PublishDelay == 0 {
		o.PublishDelay = 5 * time.Minute
	}
	if o.MissReloadInterval == 0 {
		o.MissReloadInterval = 10 * time.Second
	}
	if o.ReloadTimeout == 0 {
		o.ReloadTimeout = 5 * time.Second
	}
	return o
}

// KeyInfo describes a key without its material, for `signet admin keys
// list` and for the result of a rotation.
type KeyInfo struct {
	ID        string
	Purpose   signet.KeyPurpose
	Algorithm string
	CreatedAt time.Time
	ActiveAt  time.Time // used from then on (published from CreatedAt)
	RetiredAt time.Time // zero: not retired
	// Current marks the key in use for its purpose now: the HMAC key, the
	// AEAD key that seals, the signing key that signs.
	Current bool
}

// Retired reports whether the key is retired at now.
func (k KeyInfo) Retired(now time.Time) bool {
	return !k.RetiredAt.IsZero() && !now.Before(k.RetiredAt)
}

// Keyring holds the server's keys, opened from a KeyStore with the master
// key. It is safe for concurrent use.
type Keyring struct {
	store  signet.KeyStore
	sealer *sealer
	clock  signet.Clock
	rand   io.Reader
	opts   Options

	reloadMu sync.Mutex // one reload at a time
	lastMiss time.Time  // guarded by reloadMu: the last reload an unknown id caused
	cur      atomic.Pointer[state]
}

// state is one immutable snapshot of the store's keys, opened.
type state struct {
	infos   []KeyInfo // ordered by CreatedAt, then ID; Current unset
	hmac    []byte
	aead    map[string]*aeadKey
	signing map[string]*signingKey
}

type aeadKey struct {
	info     KeyInfo
	gcm      cipher.AEAD
	nonceKey []byte // for SealDeterministic
}

type signingKey struct {
	info KeyInfo
	priv *ecdsa.PrivateKey
}

// Open opens the keys in store with master, creating the first HMAC, AEAD
// and signing keys if the store has none. Nodes that start at once on an
// empty store agree on the HMAC and AEAD keys (fixed ids; the loser of the
// insert reads the winner's). Each may add a signing key of its own; all of
// them are published and the newest signs.
//
// A master key that does not open the stored keys fails here, with an error
// that wraps ErrWrongMasterKey, before anything is written.
//
// rand (crypto/rand.Reader in production) draws key material and nonces; it
// must be safe for concurrent use, as Seal may be called from any goroutine.
func Open(ctx context.Context, store signet.KeyStore, master []byte, clock signet.Clock, rand io.Reader, opts Options) (*Keyring, error) {
	s, err := newSealer(master, rand)
	if err != nil {
		return nil, err
	}
	kr := &Keyring{store: store, sealer: s, clock: clock, rand: rand, opts: opts.withDefaults()}
	kr.reloadMu.Lock()
	defer kr.reloadMu.Unlock()
	if err := kr.reloadLocked(ctx); err != nil {
		return nil, err
	}
	st := kr.cur.Load()
	now := clock.Now()
	added := false
	for _, p := range []signet.KeyPurpose{signet.KeyHMAC, signet.KeyAEAD, signet.KeySigning} {
		if st.usable(p, now) {
			continue
		}
		id := ""
		if !st.has(p) {
			id = map[signet.KeyPurpose]string{signet.KeyHMAC: FirstHMACKeyID, signet.KeyAEAD: FirstAEADKeyID}[p]
		}
		if _, err := kr.add(ctx, p, id, now, now); err != nil && !errors.Is(err, signet.ErrConflict) {
			return nil, err
		}
		added = true
	}
	if added {
		if err := kr.reloadLocked(ctx); err != nil {
			return nil, err
		}
	}
	if st := kr.cur.Load(); st.hmac == nil || st.active(signet.KeyAEAD, now) == "" || st.active(signet.KeySigning, now) == "" {
		return nil, errors.New("keyring: the store holds no usable keys after creating them")
	}
	return kr, nil
}

// add creates a key of purpose p and stores it sealed. An empty id draws a
// random one.
func (kr *Keyring) add(ctx context.Context, p signet.KeyPurpose, id string, created, active time.Time) (KeyInfo, error) {
	if id == "" {
		var err error
		if id, err = kr.randomID(p); err != nil {
			return KeyInfo{}, err
		}
	}
	material, alg, err := kr.newMaterial(p)
	if err != nil {
		return KeyInfo{}, err
	}
	k := signet.Key{ID: id, Purpose: p, Algorithm: alg, CreatedAt: created, ActiveAt: active}
	if k.Sealed, err = kr.sealer.seal(k, material); err != nil {
		return KeyInfo{}, err
	}
	if err := kr.store.AddKey(ctx, k); err != nil {
		return KeyInfo{}, fmt.Errorf("keyring: add %s key: %w", p, err)
	}
	return infoOf(k), nil
}

// randomID names a rotated-in key. AEAD ids are short because every
// ciphertext carries one; signing kids are longer because relying parties
// cache them.
func (kr *Keyring) randomID(p signet.KeyPurpose) (string, error) {
	n, prefix := 12, ""
	switch p {
	case signet.KeyAEAD:
		n, prefix = 6, "aead-"
	case signet.KeyHMAC:
		n, prefix = 6, "hmac-"
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(kr.rand, b); err != nil {
		return "", fmt.Errorf("keyring: random source: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func (kr *Keyring) newMaterial(p signet.KeyPurpose) ([]byte, string, error) {
	b := make([]byte, materialSize)
	switch p {
	case signet.KeyHMAC, signet.KeyAEAD:
		if _, err := io.ReadFull(kr.rand, b); err != nil {
			return nil, "", fmt.Errorf("keyring: random source: %w", err)
		}
		return b, map[signet.KeyPurpose]string{signet.KeyHMAC: AlgHMAC, signet.KeyAEAD: AlgAEAD}[p], nil
	case signet.KeySigning:
		// A P-256 scalar drawn from the injected source (ecdsa.GenerateKey
		// ignores its reader since Go 1.26); a draw ≥ the group order, about
		// one in 2^32, is drawn again.
		for range 64 {
			if _, err := io.ReadFull(kr.rand, b); err != nil {
				return nil, "", fmt.Errorf("keyring: random source: %w", err)
			}
			if _, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b); err == nil {
				return b, AlgSigning, nil
			}
		}
		return nil, "", errors.New("keyring: random source gave no valid P-256 scalar")
	}
	return nil, "", fmt.Errorf("keyring: unknown key purpose %q", p)
}

// Reload reads the keys again, picking up keys other nodes added or
// retired. The server calls it periodically; a token with an unknown kid
// also triggers it (rate-limited).
func (kr *Keyring) Reload(ctx context.Context) error {
	kr.reloadMu.Lock()
	defer kr.reloadMu.Unlock()
	return kr.reloadLocked(ctx)
}

func (kr *Keyring) reloadLocked(ctx context.Context) error {
	keys, err := kr.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("keyring: list keys: %w", err)
	}
	st, err := kr.build(keys)
	if err != nil {
		return err
	}
	kr.cur.Store(st)
	return nil
}

// reloadOnMiss reloads once for an id the current snapshot lacks, unless
// found reports that a concurrent reload already brought it in or the last
// miss-triggered reload was less than MissReloadInterval ago. A failed
// reload leaves the snapshot as it was; the caller then rejects.
func (kr *Keyring) reloadOnMiss(found func(*state) bool) *state {
	kr.reloadMu.Lock()
	defer kr.reloadMu.Unlock()
	st := kr.cur.Load()
	if found(st) {
		return st
	}
	now := kr.clock.Now()
	if !kr.lastMiss.IsZero() && now.Sub(kr.lastMiss) < kr.opts.MissReloadInterval {
		return st
	}
	kr.lastMiss = now
	ctx, cancel := context.WithTimeout(context.Background(), kr.opts.ReloadTimeout)
	defer cancel()
	if err := kr.reloadLocked(ctx); err != nil {
		return st
	}
	return kr.cur.Load()
}

// build opens every stored key. Keys of a purpose this version does not know
// are listed but not opened, so that an older node keeps running next to a
// newer one.
func (kr *Keyring) build(keys []signet.Key) (*state, error) {
	st := &state{aead: map[string]*aeadKey{}, signing: map[string]*signingKey{}}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b signet.Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, k := range keys {
		info := infoOf(k)
		st.infos = append(st.infos, info)
		switch k.Purpose {
		case signet.KeyHMAC, signet.KeyAEAD, signet.KeySigning:
		default:
			continue
		}
		m, err := kr.sealer.open(k)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		if len(m) != materialSize {
			return nil, fmt.Errorf("keyring: key %q: material is %d bytes, want %d", k.ID, len(m), materialSize)
		}
		switch k.Purpose {
		case signet.KeyHMAC:
			// Digests are looked up, so the HMAC key never rotates: the
			// first one is the one.
			if st.hmac == nil {
				st.hmac = m
			}
		case signet.KeyAEAD:
			if k.Algorithm != AlgAEAD {
				return nil, fmt.Errorf("keyring: key %q: unknown algorithm %q", k.ID, k.Algorithm)
			}
			if len(k.ID) > 255 {
				// Every ciphertext carries the id behind a one-byte length.
				return nil, fmt.Errorf("keyring: AEAD key id %.16q... is longer than 255 bytes", k.ID)
			}
			gcm, err := newGCM(subkey(m, "signet aead enc v1"))
			if err != nil {
				return nil, err
			}
			st.aead[k.ID] = &aeadKey{info: info, gcm: gcm, nonceKey: subkey(m, "signet aead nonce v1")}
		case signet.KeySigning:
			if k.Algorithm != AlgSigning {
				return nil, fmt.Errorf("keyring: key %q: unknown algorithm %q", k.ID, k.Algorithm)
			}
			priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), m)
			if err != nil {
				return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
			}
			st.signing[k.ID] = &signingKey{info: info, priv: priv}
		}
	}
	return st, nil
}

func infoOf(k signet.Key) KeyInfo {
	return KeyInfo{ID: k.ID, Purpose: k.Purpose, Algorithm: k.Algorithm, CreatedAt: k.CreatedAt, ActiveAt: k.ActiveAt, RetiredAt: k.RetiredAt}
}

// subkey separates the uses of one key's material (RFC 2104 HMAC as a PRF).
func subkey(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// any reports whether the store holds a key of purpose p at all.
func (st *state) has(p signet.KeyPurpose) bool {
	return slices.ContainsFunc(st.infos, func(k KeyInfo) bool { return k.Purpose == p })
}

// usable reports whether a key of purpose p can serve now.
func (st *state) usable(p signet.KeyPurpose, now time.Time) bool {
	if p == signet.KeyHMAC {
		return st.hmac != nil
	}
	return st.active(p, now) != ""
}

// active returns the id of the key of purpose p in use at now: of the keys
// not retired whose ActiveAt has come, the one that became active last (ties
// by CreatedAt, then id, so that every node picks the same one).
func (st *state) active(p signet.KeyPurpose, now time.Time) string {
	var best *KeyInfo
	for i := range st.infos {
		k := &st.infos[i]
		if k.Purpose != p || k.Retired(now) || k.ActiveAt.After(now) {
			continue
		}
		if best == nil || activeOrder(*k, *best) > 0 {
			best = k
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

func activeOrder(a, b KeyInfo) int {
	return cmp.Or(a.ActiveAt.Compare(b.ActiveAt), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}

// HMACKey returns the key token digests are computed with; feed it to
// secret.NewHasher. It never rotates: stored digests are looked up by it.
func (kr *Keyring) HMACKey() []byte {
	return bytes.Clone(kr.cur.Load().hmac)
}

// List describes every stored key, oldest first, without material.
func (kr *Keyring) List() []KeyInfo {
	st := kr.cur.Load()
	now := kr.clock.Now()
	out := slices.Clone(st.infos)
	current := map[string]bool{st.active(signet.KeyAEAD, now): true, st.active(signet.KeySigning, now): true}
	hmacDone := false
	for i := range out {
		switch {
		case out[i].Purpose == signet.KeyHMAC && !hmacDone:
			out[i].Current, hmacDone = true, true
		case out[i].Purpose != signet.KeyHMAC:
			out[i].Current = current[out[i].ID]
		}
	}
	return out
}
