package iamrole

import (
	"context"
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/testsupport"
)

// The role session asked of STS is the binding's duration (or the
// default), shortened to the latest expiry the surface wants (the portal's
// role credential lifetime, Sign-In's 900 s), never under STS's 15-minute
// floor nor over its 12 hours; the credentials carry the expiry STS
// answered, not the one asked for.
func TestExchangeAsksForTheDurationTheBindingAllows(t *testing.T) {
	fake := iamroletest.NewFakeSTS(t)
	clock := testsupport.NewClock(time.Now().Truncate(time.Second))
	x, err := NewExchanger(Config{Issuer: "https://signet.example.com", Endpoint: fake.URL, Signer: nopSigner{},
		Clock: clock, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		binding time.Duration // 0: none named
		expiry  time.Duration // from now; 0: none asked
		want    time.Duration
	}{
		{"default", 0, 0, DefaultDuration},
		{"binding", 30 * time.Minute, 0, 30 * time.Minute},
		{"binding under the portal's lifetime", 30 * time.Minute, time.Hour, 30 * time.Minute},
		{"portal's lifetime under the binding", 2 * time.Hour, time.Hour, time.Hour},
		{"Sign-In", 0, 900 * time.Second, 900 * time.Second},
		{"STS's floor", 0, 5 * time.Minute, MinDuration},
		{"STS's ceiling", MaxDuration, 0, MaxDuration},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := awscreds.RoleRequest{Assignment: signet.Assignment{AccountID: "111122223333", RoleName: "Dev"},
				UserID: "u-1", UserName: "alice", SessionID: "s-1"}
			if tc.expiry > 0 {
				r.Expiry = clock.Now().Add(tc.expiry)
			}
			c, err := x.Exchange(context.Background(), signet.RoleBinding{AccountID: "111122223333", RoleName: "Dev",
				RoleARN: "arn:aws:iam::111122223333:role/Dev", MaxDuration: tc.binding}, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := fake.Last().Get("DurationSeconds"); got != strconv.Itoa(int(tc.want/time.Second)) {
				t.Fatalf("DurationSeconds %s, want %d", got, int(tc.want/time.Second))
			}
			// The fake answers the duration asked for, from the wall clock.
			if d := time.Until(c.Expiration); d < tc.want-time.Minute || d > tc.want {
				t.Fatalf("credentials expire in %s, want what STS answered (%s)", d, tc.want)
			}
		})
	}
}
