package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/signet-auth/signet"
)

// A grant is the secret a token request presents that the engine answers
// alike when it is presented again: a refresh token (within the refresh
// grace or Sign-In's idempotency window) or an authorization code. Two
// rules follow (catalogue AB-02):
//
//   - A retry is free. Parallel CLI commands at expiry present the same
//     refresh token at once, and the engine answers them alike (the refresh
//     grace, Sign-In's idempotency window); a grant this node admitted less
//     than Policy.Retry ago is admitted again without spending any budget of
//     the client, the address or the session.
//   - The client's bucket is keyed by the grant too (the session's current
//     refresh token, or the code) and the address, never by the client id
//     and address alone: Sign-In's public client is shared by every AWS
//     CLI, and the CLI's registered SSO client by every command on a
//     machine, so a thousand users behind one NAT, or 32 parallel logins,
//     do not share one bucket. The address's bucket (Policy.IP) and the
//     node's ceiling still bound what one address and one node take.
//
// A device code keys the bucket too, but its polls are not retries: each
// pays (WithDeviceCode).
//
// Guessing a grant is not what these buckets stop: grants are 256-bit
// secrets, and client secrets, passwords and user codes keep their own
// shared failure budgets.

type grantCtxKey struct{}

// presented is what a token request's context says it presents.
type presented struct {
	grant string
	free  bool // retries of it are free
}

// WithGrant returns ctx carrying the refresh token or authorization code a
// token request presents, for Request to key the client's bucket by and
// to admit its retries free. The grant never leaves the node: only a
// digest of it is held, in memory.
func WithGrant(ctx context.Context, grant string) context.Context {
	if grant == "" {
		return ctx
	}
	return context.WithValue(ctx, grantCtxKey{}, presented{grant, true})
}

// WithDeviceCode returns ctx carrying the device code a token request
// polls with: the client's bucket is keyed by it, so that parallel device
// logins of one client do not share one bucket, but every poll pays, since
// polling faster than the interval is what the bucket is for.
func WithDeviceCode(ctx context.Context, deviceCode string) context.Context {
	if deviceCode == "" {
		return ctx
	}
	return context.WithValue(ctx, grantCtxKey{}, presented{deviceCode, false})
}

func grantOf(ctx context.Context) presented {
	g, _ := ctx.Value(grantCtxKey{}).(presented)
	return g
}

// grantDigest is the in-memory key of a grant.
type grantDigest [sha256.Size]byte

func digestGrant(g string) grantDigest { return sha256.Sum256([]byte("signet grant\x00" + g)) }

// DefaultRetry is how long a grant's retries are free by default: the
// longest refresh grace the engine allows (1 minute), which also covers
// Sign-In's idempotency window.
const DefaultRetry = time.Minute

// admitGrant admits a token request presenting g: free when this node
// admitted the same grant from the same address within the retry window,
// otherwise through the buckets of class with the client's keyed by the
// grant, after which the grant is remembered (a device code: keyed, never
// free, never remembered). Checking, admitting and remembering happen
// under one lock, so that of N parallel first presentations exactly one
// spends budget.
func (l *Limiter) admitGrant(ctx context.Context, class Class, clientID, ip string, g presented, now time.Time) *signet.Error {
	d := digestGrant(g.grant)
	if !g.free {
		return l.admit(ctx, class, clientID+"\x00"+hex.EncodeToString(d[:16]), ip, now)
	}
	l.gmu.Lock()
	defer l.gmu.Unlock()
	if until, ok := l.grants.Get(grantSeen{d, ip}); ok && now.Before(until) {
		return nil
	}
	// Keyed by the grant too: parallel CLI commands on one machine share
	// the client they registered (and every AWS CLI shares Sign-In's), but
	// each login or session presents its own code or refresh token.
	clientID += "\x00" + hex.EncodeToString(d[:16])
	if e := l.admit(ctx, class, clientID, ip, now); e != nil {
		return e
	}
	if l.p.Retry > 0 {
		l.grants.Put(grantSeen{d, ip}, now.Add(l.p.Retry))
	}
	return nil
}

// grantSeen keys a remembered grant: retries are free from the address
// that presented it first, so a stolen token replayed from elsewhere pays.
type grantSeen struct {
	grant grantDigest
	ip    string
}
