package authserver

import (
	"errors"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

func (f *fixture) browserLogin(u signet.User) (string, signet.BrowserSession) {
	f.t.Helper()
	token, rec, err := f.srv.StartBrowserSession(f.ctx, BrowserLogin{UserID: u.ID, AMR: []string{signet.AMRPassword},
		Address: "192.0.2.7", UserAgent: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
	return token, rec
}

// browserEnded asserts that token no longer opens a browser session, with
// reason r.
func (f *fixture) browserEnded(what, token string, r signet.Reason) {
	f.t.Helper()
	_, _, err := f.srv.BrowserSession(f.ctx, token)
	var e *signet.Error
	if !errors.As(err, &e) || e.Code != signet.CodeExpiredToken || e.Reason != r {
		f.t.Errorf("%s: err = %v, want expired_token (%s)", what, err, r)
	}
}

// The record: only a digest is stored, the token opens it, and the
// engine fills the times from its clock and lifetimes.
func TestBrowserSessionRecord(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	token, rec := f.browserLogin(u)
	if rec.Digest.IsZero() || rec.ID == "" || rec.ID == token {
		t.Fatalf("record %+v", rec)
	}
	got, gotUser, err := f.srv.BrowserSession(f.ctx, token)
	if err != nil || got.ID != rec.ID || gotUser.ID != u.ID {
		t.Fatalf("BrowserSession: %+v %v", got, err)
	}
	now := f.clock.Now()
	if !got.AuthTime.Equal(now) || !got.ExpiresAt.Equal(now.Add(12*time.Hour)) || got.AMR[0] != signet.AMRPassword {
		t.Errorf("times/amr: %+v", got)
	}
	f.browserEnded("garbage", "sbs_nope", signet.ReasonTokenExpired)
	f.browserEnded("unknown", token[:len(token)-1]+"A", signet.ReasonTokenExpired)
}

// BS-02: the idle limit and the absolute limit end a session, on the
// engine's clock; use touches LastSeenAt at most once a minute.
func TestBS02_IdleAndAbsoluteLimits(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Lifetimes.BrowserSession = 2 * time.Hour
		c.Lifetimes.BrowserIdle = 30 * time.Minute
	})
	u := f.user("alice")
	token, rec := f.browserLogin(u)

	// Used every 20 minutes, it outlives the idle limit but not the
	// absolute one.
	for range 5 {
		f.clock.Add(20 * time.Minute)
		if _, _, err := f.srv.BrowserSession(f.ctx, token); err != nil {
			t.Fatalf("in use after %v: %v", f.clock.Now().Sub(rec.CreatedAt), err)
		}
	}
	// A use within the touch interval writes nothing.
	seen := f.clock.Now()
	f.clock.Add(30 * time.Second)
	got, _, err := f.srv.BrowserSession(f.ctx, token)
	if err != nil || !got.LastSeenAt.Equal(seen) {
		t.Fatalf("touch within a minute: last seen %v, want %v (%v)", got.LastSeenAt, seen, err)
	}
	f.clock.Set(rec.ExpiresAt)
	f.browserEnded("at its absolute end", token, signet.ReasonTokenExpired)

	token, _ = f.browserLogin(u)
	f.clock.Add(30 * time.Minute)
	f.browserEnded("idle for the limit", token, signet.ReasonTokenExpired)
}

// BS-02: no browser session outlives --session-lifetime: the default
// follows a shorter Session, and a longer one is refused.
func TestBS02_BrowserSessionWithinSessionLifetime(t *testing.T) {
	l, err := Lifetimes{Session: 2 * time.Hour}.WithDefaults()
	if err != nil || l.BrowserSession != 2*time.Hour || l.BrowserIdle != time.Hour {
		t.Fatalf("defaults under a 2 h session: %+v %v", l, err)
	}
	l, err = Lifetimes{Session: 10 * time.Minute}.WithDefaults()
	if err != nil || l.BrowserSession != 10*time.Minute || l.BrowserIdle != 10*time.Minute {
		t.Fatalf("defaults under a 10 min session: %+v %v", l, err)
	}
	if _, err := (Lifetimes{Session: time.Hour, BrowserSession: 2 * time.Hour}).WithDefaults(); err == nil {
		t.Fatal("a browser session longer than the session lifetime was accepted")
	}
	f := newFixture(t, func(c *Config) { c.Lifetimes.Session = 5 * time.Minute })
	_, rec := f.browserLogin(f.user("alice"))
	if got := rec.ExpiresAt.Sub(rec.CreatedAt); got != 5*time.Minute {
		t.Errorf("browser session lives %v under a 5 min session lifetime", got)
	}
}

// BS-01: sign-out, revocation of the user's sessions, disabling and a
// password change each end the browser session at once.
func TestBS01_EngineEndsBrowserSessions(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")

	token, _ := f.browserLogin(u)
	if err := f.srv.EndBrowserSession(f.ctx, token); err != nil {
		t.Fatal(err)
	}
	f.browserEnded("after sign-out", token, signet.ReasonTokenExpired)

	token, _ = f.browserLogin(u)
	tokens, browser, err := f.srv.RevokeUserSessions(f.ctx, u.ID, "admin")
	if err != nil || tokens != 0 || browser != 1 {
		t.Fatalf("RevokeUserSessions: %d %d %v", tokens, browser, err)
	}
	f.browserEnded("after revoke --user", token, signet.ReasonTokenExpired)

	token, rec := f.browserLogin(u)
	if err := f.srv.RevokeSession(f.ctx, rec.ID); err != nil {
		t.Fatalf("RevokeSession of a browser session: %v", err)
	}
	f.browserEnded("after revoke ID", token, signet.ReasonTokenExpired)

	token, _ = f.browserLogin(u)
	f.clock.Add(time.Second)
	if err := f.srv.SetDisabled(f.ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	f.browserEnded("after disable", token, signet.ReasonTokenExpired)
	if err := f.srv.SetDisabled(f.ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}

	token, _ = f.browserLogin(u)
	f.clock.Add(time.Second)
	if err := f.srv.SetPassword(f.ctx, u.ID, "another good password"); err != nil {
		t.Fatal(err)
	}
	f.browserEnded("after password change", token, signet.ReasonTokenExpired)
	list, err := f.srv.ListBrowserSessions(f.ctx, signet.SessionFilter{UserID: u.ID})
	if err != nil || len(list) != 5 {
		t.Fatalf("ListBrowserSessions: %d %v", len(list), err)
	}
	for _, s := range list {
		if s.RevokedAt.IsZero() {
			t.Errorf("session %s not revoked", s.ID)
		}
	}
}

// The user's state is checked on every use even where nothing revoked the
// record (a change made behind the engine's back, or before this build).
func TestBrowserSessionChecksUser(t *testing.T) {
	f := newFixture(t)
	u := f.user("alice")
	token, _ := f.browserLogin(u)
	u.Disabled = true
	if err := f.stores.Users.UpdateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	f.browserEnded("disabled in the store", token, signet.ReasonUserDisabled)
	u.Disabled = false
	u.CredentialsChangedAt = f.clock.Now().Add(time.Millisecond)
	if err := f.stores.Users.UpdateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	f.browserEnded("credentials changed in the store", token, signet.ReasonCredentialsChanged)
}
