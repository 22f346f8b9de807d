package ratelimit

import "time"

// Policy is every limit signet applies. The per-node ones are token buckets
// each node keeps in memory; the shared ones are fixed windows of failures
// counted in the store, so they hold across nodes and restarts. A zero
// Limit is off.
type Policy struct {
	// Per node.

	// Node is the node's ceiling: every rate-limited request it serves.
	Node Limit
	// IP: rate-limited requests per client address.
	IP Limit
	// Client: token, device-authorization and Sign-In token requests per
	// client and address. Must admit polling every device interval (at
	// least 1 s) plus refreshes (catalogue RL-06).
	Client Limit
	// Register: client registrations per address.
	Register Limit
	// Introspect: introspection requests per calling client (catalogue
	// SD-01, against token scanning).
	Introspect Limit

	// Shared across nodes.

	// RegisterShared: client registrations per address across every node,
	// so that storage stays bounded (catalogue RL-03). Not brute-forceable:
	// fails open when the store does.
	RegisterShared Limit
	// LoginAccount: failed logins per address and account name; LoginIP:
	// per address, any account. Keyed by address so that nobody can lock
	// an account out from elsewhere (catalogue RL-04).
	LoginAccount Limit
	LoginIP      Limit
	// UserCodeIP, UserCodeSession, UserCodeGlobal: user-code misses per
	// address, per browser session, and for the whole deployment (catalogue
	// DV-07; UserCodeGuesses sizes the global one).
	UserCodeIP      Limit
	UserCodeSession Limit
	UserCodeGlobal  Limit
	// ClientAuth: failed client authentications (client secrets) per client
	// and address, so the real client calling from elsewhere is never
	// locked out (catalogue CL-04).
	ClientAuth Limit
}

// DefaultDeviceLifetime is the device code lifetime DefaultPolicy sizes the
// user-code budget for (the engine's default, 10 minutes).
const DefaultDeviceLifetime = 10 * time.Minute

// DefaultPolicy returns the defaults:
//
//	Node            2000/s   per node
//	IP              50/s     per address, per node
//	Client          10/s     per client and address, per node: ten times a
//	                         client polling at the 1 s minimum interval
//	Register        10/m     per address, per node
//	Introspect      100/s    per calling client, per node
//	RegisterShared  100/h    per address, all nodes
//	LoginAccount    5/15m    per address and account, all nodes
//	LoginIP         30/15m   per address, all nodes
//	UserCodeIP      10/15m   per address, all nodes
//	UserCodeSession 10/15m   per browser session, all nodes
//	UserCodeGlobal  2/10m    deployment-wide: UserCodeGuesses(20^8, 10m)
//	ClientAuth      10/15m   per client and address, all nodes
func DefaultPolicy() Policy {
	global, _ := UserCodeGuesses(UserCodeSpace, DefaultDeviceLifetime) // positive inputs never fail
	return Policy{
		Node:            Limit{2000, time.Second},
		IP:              Limit{50, time.Second},
		Client:          Limit{10, time.Second},
		Register:        Limit{10, time.Minute},
		Introspect:      Limit{100, time.Second},
		RegisterShared:  Limit{100, time.Hour},
		LoginAccount:    Limit{5, 15 * time.Minute},
		LoginIP:         Limit{30, 15 * time.Minute},
		UserCodeIP:      Limit{10, 15 * time.Minute},
		UserCodeSession: Limit{10, 15 * time.Minute},
		UserCodeGlobal:  global,
		ClientAuth:      Limit{10, 15 * time.Minute},
	}
}
