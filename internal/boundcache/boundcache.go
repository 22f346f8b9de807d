package boundcache

import "sync"

// Cache maps K to V, holding at most Size entries.
type Cache[K comparable, V any] struct {
	mu   sync.RWMutex
	half int
	cur  map[K]V
	old  map[K]V
}

// New returns a cache of at most size entries (at least 2).
func New[K comparable, V any](size int) *Cache[K, V] {
	half := max(size/2, 1)
	return &Cache[K, V]{half: half, cur: make(map[K]V, half)}
}

// Get returns the value for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.cur[k]
	c.mu.RUnlock()
	if ok {
		return v, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok = c.cur[k]; ok {
		return v, true
	}
	if v, ok = c.old[k]; ok {
		delete(c.old, k)
		c.putLocked(k, v)
	}
	return v, ok
}

// Put stores v for k.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.old, k)
	c.putLocked(k, v)
}

// Delete removes k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.old, k)
}

// Len returns the number of entries held.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.old)
}

func (c *Cache[K, V]) putLocked(k K, v V) {
	if _, ok := c.cur[k]; !ok && len(c.cur) >= c.half {
		c.old = c.cur
		c.cur = make(map[K]V, c.half)
	}
	c.cur[k] = v
}
