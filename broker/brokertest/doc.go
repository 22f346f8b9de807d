// Package brokertest provides a fake upstream token provider for tests of
// package broker and its wire adapters: a real TLS server that behaves like
// Figma's OAuth token API as documented, and like an RFC 6749 token
// endpoint, with scriptable faults (slow, hanging and dripping answers,
// 5xx, 429, redirects, oversized bodies) and call counters.
package brokertest
