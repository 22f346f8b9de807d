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

// mac is a pooled HMAC state with a scratch buffer: writing a string
// through hash.Hash would otherwise copy it to the heap each time.
type mac struct {
	h   hash.Hash
	buf []byte
	out []byte // the MAC, by sum
}

// get returns a state at its keyed start.
func (p *macPool) get() *mac {
	if m, ok := p.pool.Get().(*mac); ok {
		return m
	}
	return &mac{h: hmac.New(sha256.New, p.key), buf: make([]byte, 0, 128), out: make([]byte, 0, sha256.Size)}
}

// put resets m and keeps it for the next caller.
func (p *macPool) put(m *mac) {
	m.h.Reset()
	p.pool.Put(m)
}

// writeString writes s without allocating (beyond growing the scratch
// buffer once for a longer s than any before).
func (m *mac) writeString(s string) {
	m.buf = append(m.buf[:0], s...)
	m.h.Write(m.buf)
}

// sum copies the MAC of what was written into dst. Through hash.Hash,
// summing into a caller's array would move the array to the heap.
func (m *mac) sum(dst []byte) {
	m.out = m.h.Sum(m.out[:0])
	copy(dst, m.out)
}
