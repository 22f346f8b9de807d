package ratelimit

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// A flood of distinct addresses never holds more buckets than MaxKeys.
func TestBucketsBounded(t *testing.T) {
	l, err := New(Config{
		Store: NewMemoryStore(0), Clock: signet.ClockFunc(func() time.Time { return time.Unix(0, 0) }), MaxKeys: 64,
		Policy: Policy{Client: Limit{1, time.Hour}, IP: Limit{1, time.Hour}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		r := httptest.NewRequest("POST", "/token", nil)
		r.RemoteAddr = "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":1"
		l.Request(r, ClassToken, "c")
	}
	if n := l.buckets.Len(); n > 64 {
		t.Errorf("%d buckets held, want at most 64", n)
	}
}
