package authserver

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// TestAB03_CLIDoublePollNotPunished: the AWS CLI polls CreateToken twice,
// ~2 ms apart, at the start of a device flow, then every interval (a little
// late each time, as it sleeps). None of that is slow_down; sustained
// polling faster than the interval is.
func TestAB03_CLIDoublePollNotPunished(t *testing.T) {
	f := newFixture(t)
	c := f.deviceClient()
	d := f.startDevice(c)
	r := deviceRequest(c, d.DeviceCode)
	poll := func(what string, want signet.ErrorCode) {
		t.Helper()
		_, err := f.srv.Token(f.ctx, r)
		if e := wantErr(t, err, want, ""); e != nil && e.Code == signet.CodeSlowDown && want != signet.CodeSlowDown {
			t.Fatalf("%s: slow_down", what)
		}
	}
	poll("first poll", signet.CodeAuthorizationPending)
	f.clock.Add(2 * time.Millisecond)
	poll("the CLI's second poll 2 ms later", signet.CodeAuthorizationPending)
	for range 5 {
		f.clock.Add(5*time.Second + 3*time.Millisecond)
		poll("poll at the interval", signet.CodeAuthorizationPending)
	}

	// Sustained polling at half the interval is slowed.
	f.clock.Add(2500 * time.Millisecond)
	_, err := f.srv.Token(f.ctx, r)
	for i := 0; i < 3 && signet.ErrorCodeOf(err) != signet.CodeSlowDown; i++ {
		f.clock.Add(2500 * time.Millisecond)
		_, err = f.srv.Token(f.ctx, r)
	}
	wantErr(t, err, signet.CodeSlowDown, "")

	// The approved flow still completes with the CLI's pattern.
	d2 := f.startDevice(c)
	r2 := deviceRequest(c, d2.DeviceCode)
	if _, err := f.srv.ApproveDevice(f.ctx, d2.UserCode, f.user("alice").ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Token(f.ctx, r2); err != nil {
		t.Fatalf("poll after approval: %v", err)
	}
}
