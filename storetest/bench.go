package storetest

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// BenchRotate measures refresh rotations (one conditional UPDATE, one
// INSERT, one session UPDATE per transaction): one caller rotating one
// session's chain, and every GOMAXPROCS caller rotating its own session at
// once.
func BenchRotate(b *testing.B, s signet.Stores) {
	var seq atomic.Int64
	// chain returns a fresh session and a function that rotates it once.
	chain := func() func() {
		f := newFixture(b, s)
		_, g := f.session("bench" + strconv.FormatInt(seq.Add(1), 10))
		now := t0.Add(time.Minute)
		return func() {
			res, err := s.Grants.Rotate(f.ctx, rotation(g, now, 0))
			if err != nil {
				b.Fatal(err)
			}
			g = res.Tokens
		}
	}
	b.Run("serial", func(b *testing.B) {
		rotate := chain()
		b.ReportAllocs()
		for b.Loop() {
			rotate()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			rotate := chain()
			for pb.Next() {
				rotate()
			}
		})
	})
}

// BenchRedeemCode measures code redemptions (the conditional claim, a
// session and its first generation); creating each code is not timed.
func BenchRedeemCode(b *testing.B, s signet.Stores) {
	f := newFixture(b, s)
	cl := f.client("bench")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		id := "bench" + strconv.Itoa(i)
		c := f.code(id, cl.ID, "")
		b.StartTimer()
		if _, _, _, err := s.Grants.RedeemCode(f.ctx, redemption(c, id, t0)); err != nil {
			b.Fatal(err)
		}
	}
}
