package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// AU-01 under load: rotations racing over two handles, which the SQLite
// backend runs in shared group-commit batches (its audit records go in
// together before each batch commits). Every rotation that succeeds — a
// fresh one or a retry within the grace window — has exactly one record,
// and one that is refused (reuse, unknown token) has none.
func testRacingAuditedRotations(t *testing.T, a, b signet.Stores) {
	f := newFixture(t, a)
	const pairs, reused, unknown = 30, 10, 10
	now := t0.Add(10 * time.Minute)
	grace := 30 * time.Second
	var fresh, stale []signet.TokenGeneration
	for i := range pairs {
		_, g := f.session("pair" + strconv.Itoa(i))
		fresh = append(fresh, g)
	}
	for i := range reused {
		_, g := f.session("reused" + strconv.Itoa(i))
		_, err := a.Grants.Rotate(f.ctx, rotation(g, t0.Add(time.Minute), grace))
		noErr(t, "rotate before the race", err)
		stale = append(stale, g)
	}
	audited := func(g signet.TokenGeneration) signet.Rotation {
		r := rotation(g, now, grace)
		r.Audit = func(s signet.Session, _ signet.TokenGeneration, retry bool) signet.AuditRecord {
			return signet.AuditRecord{Time: now, Event: signet.AuditTokensIssued, ClientID: s.ClientID, UserID: s.UserID,
				Outcome: signet.AuditSuccess, Detail: fmt.Sprintf("race session=%s retry=%t", s.ID, retry)}
		}
		return r
	}
	// Each fresh token twice (one rotation and one retry), each stale one
	// once (reuse), and tokens no one issued.
	var rots []signet.Rotation
	for _, g := range fresh {
		rots = append(rots, audited(g), audited(g))
	}
	for _, g := range stale {
		rots = append(rots, audited(g))
	}
	for i := range unknown {
		rots = append(rots, audited(signet.TokenGeneration{RefreshDigest: dg("nobody", strconv.Itoa(i))}))
	}
	errs := make([]error, len(rots))
	res := make([]signet.RotationResult, len(rots))
	parallel(len(rots), a, b, func(i int, s signet.Stores) {
		res[i], errs[i] = s.Grants.Rotate(t.Context(), rots[i])
	})
	want := map[string]int{}
	for i, err := range errs {
		switch {
		case i < 2*pairs && err != nil:
			t.Errorf("rotation %d of a fresh token: %v", i, err)
		case i < 2*pairs:
			want[fmt.Sprintf("race session=%s retry=%t", res[i].Session.ID, res[i].Retry)]++
		case i < 2*pairs+reused && !errors.Is(err, signet.ErrTokenReused):
			t.Errorf("rotation %d of a rotated-out token: %v, want ErrTokenReused", i, err)
		case i >= 2*pairs+reused && !errors.Is(err, signet.ErrNotFound):
			t.Errorf("rotation %d of an unknown token: %v, want ErrNotFound", i, err)
		}
	}
	got := map[string]int{}
	for _, r := range f.scan(signet.AuditFilter{Events: []signet.AuditEvent{signet.AuditTokensIssued}}) {
		if strings.HasPrefix(r.Detail, "race ") {
			got[r.Detail]++
		}
	}
	eq(t, "audit records of the race (detail: count)", got, want)
	eq(t, "sessions with a fresh and a retried record", len(want), 2*pairs)
}
