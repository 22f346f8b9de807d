package signet_test

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// TestRT04_DecideRefresh walks the refresh decision across its boundaries:
// expiry at its instant, the grace window's end, and a successor that
// expired within the window (the grace never extends an expiry).
func TestRT04_DecideRefresh(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sess := signet.Session{ExpiresAt: t0.Add(time.Hour), Generation: 1}
	g := signet.TokenGeneration{Generation: 0, RefreshExpiresAt: t0.Add(10 * time.Minute)}
	rotated := g
	rotated.RotatedAt = t0
	next := signet.TokenGeneration{Generation: 1, RefreshExpiresAt: t0.Add(20 * time.Minute)}
	deadNext := signet.TokenGeneration{Generation: 1, RefreshExpiresAt: t0.Add(time.Second)}
	at := func(d time.Duration) signet.Rotation { return signet.Rotation{Now: t0.Add(d), Grace: 5 * time.Second} }
	current := sess
	current.Generation = 0
	revoked := current
	revoked.RevokedAt = t0
	for _, tc := range []struct {
		name string
		r    signet.Rotation
		s    signet.Session
		g    signet.TokenGeneration
		next *signet.TokenGeneration
		want signet.RefreshStep
	}{
		{"current", at(time.Minute), current, g, nil, signet.RefreshRotate},
		{"current at its expiry", at(10 * time.Minute), current, g, nil, signet.RefreshExpired},
		{"session revoked", at(time.Minute), revoked, g, nil, signet.RefreshExpired},
		{"rotated within grace", at(time.Second), sess, rotated, nil, signet.RefreshNeedsSuccessor},
		{"retry", at(time.Second), sess, rotated, &next, signet.RefreshRetry},
		{"successor expired within grace", at(2 * time.Second), sess, rotated, &deadNext, signet.RefreshReuse},
		{"at the grace window's end", at(5 * time.Second), sess, rotated, &next, signet.RefreshReuse},
		{"not the current's predecessor", at(time.Second), signet.Session{ExpiresAt: sess.ExpiresAt, Generation: 2}, rotated, nil, signet.RefreshReuse},
		{"rotated and expired, outside grace", at(11 * time.Minute), sess, rotated, nil, signet.RefreshReuse},
	} {
		if got := tc.r.Decide(tc.s, tc.g, tc.next); got != tc.want {
			t.Errorf("%s: Decide = %d, want %d", tc.name, got, tc.want)
		}
	}
}
