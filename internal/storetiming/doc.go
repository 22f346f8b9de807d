// Package storetiming wraps a backend's signet.Stores so that every call is
// timed and reported by operation name: the store latency histogram on
// /metrics, and the store calls per request that the load generator
// divides by. It adds one time.Now pair per call and changes nothing else.
package storetiming
