package web

import (
	"context"
	"strconv"
	"testing"
	"time"
)

func TestMemoryLimiter(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLimiter()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := 10 * time.Minute

	steps := []struct {
		at        time.Duration
		fail      bool
		wantCount int
		wantReset time.Duration
	}{
		{at: 0, wantCount: 0},
		{at: 0, fail: true, wantCount: 1, wantReset: w},
		{at: time.Minute, fail: true, wantCount: 2, wantReset: w}, // same window
		{at: w - 1, wantCount: 2, wantReset: w},                   // still open
		{at: w, wantCount: 0},                                     // ended
		{at: w, fail: true, wantCount: 1, wantReset: 2 * w},       // a new window
		{at: 2*w + time.Second, fail: true, wantCount: 1, wantReset: 3*w + time.Second},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if s.fail {
			if err := l.Fail(ctx, "k", w, now); err != nil {
				t.Fatal(err)
			}
		}
		n, reset, err := l.Failures(ctx, "k", now)
		if err != nil || n != s.wantCount || (s.wantCount > 0 && !reset.Equal(t0.Add(s.wantReset))) {
			t.Errorf("step %d: count %d reset %v err %v; want %d at %v", i, n, reset, err, s.wantCount, t0.Add(s.wantReset))
		}
	}
	if err := l.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := l.Failures(ctx, "k", t0.Add(2*w+2*time.Second)); n != 0 {
		t.Errorf("after Reset: %d", n)
	}

	// Ended windows are dropped once the map is large.
	for i := range pruneAt {
		_ = l.Fail(ctx, "old"+strconv.Itoa(i), time.Second, t0)
	}
	_ = l.Fail(ctx, "new", time.Second, t0.Add(time.Hour))
	if len(l.m) != 1 {
		t.Errorf("%d windows kept, want 1", len(l.m))
	}
}
