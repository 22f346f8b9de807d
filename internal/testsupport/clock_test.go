package testsupport_test

import (
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet/internal/testsupport"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	c := testsupport.NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("the clock moved by itself: %v", got)
	}
	c.Add(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Add: %v, want %v", got, want)
	}
	c.Add(-time.Minute)
	if got, want := c.Now(), t0.Add(30*time.Second); !got.Equal(want) {
		t.Fatalf("after a negative Add: %v, want %v", got, want)
	}
	later := t0.Add(24 * time.Hour)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Fatalf("after Set: %v, want %v", got, later)
	}
}

// TestClockConcurrent is for -race: readers and writers at once.
func TestClockConcurrent(t *testing.T) {
	c := testsupport.NewClock(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Add(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), time.Unix(0, 0).Add(400*time.Millisecond); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
}
