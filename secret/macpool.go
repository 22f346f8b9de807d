package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macPool hands out HMAC-SHA-256 states under one key, ready to write.
type macPool struct {
	key  []byte
	pool sync.Pool
}

// get returns a state at its keyed start.
func (p *macPool) get() hash.Hash {
	if m, ok := p.pool.Get().(hash.Hash); ok {
		return m
	}
	return hmac.New(sha256.New, p.key)
}

// put resets m and keeps it for the next caller.
func (p *macPool) put(m hash.Hash) {
	m.Reset()
	p.pool.Put(m)
}
