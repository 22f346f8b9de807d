// Package boundcache is a small, bounded, concurrency-safe map for the
// per-process caches that sit on the request path (SigV4 signing keys,
// session liveness). It keeps two generations: entries go into the current
// one; when it is half the bound, it becomes the previous one and a fresh
// current starts. A hit in the previous generation is promoted. So memory is
// bounded by the configured size, recently used entries survive, and there is
// no per-entry bookkeeping or background goroutine.
package boundcache
