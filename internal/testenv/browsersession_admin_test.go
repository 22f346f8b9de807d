package testenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testenv"
)

// TestBS03_AdminListsAndRevokesBrowserSessions: the administrator's view
// (the engine calls behind `admin sessions list` and `revoke ID`) shows
// each sign-in with its times, address and user agent, beside the token
// sessions, and revokes one without touching the others.
func TestBS03_AdminListsAndRevokesBrowserSessions(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t, testenv.Options{})
	start := e.Clock.Now()
	one, two := e.Browser(t), e.Browser(t)
	one.SignIn()
	e.Clock.Add(time.Minute)
	two.SignIn()
	e.Clock.Add(5 * time.Minute)
	if !one.SignedIn() {
		t.Fatal("first browser not signed in")
	}
	e.SSOTokens(t, "sso:account:access") // a token session beside them

	list, err := e.Engine.ListBrowserSessions(ctx, signet.SessionFilter{UserID: e.User.ID, LiveOnly: true})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListBrowserSessions: %d, %v", len(list), err)
	}
	first, second := list[0], list[1]
	if !first.CreatedAt.Equal(start) || !second.CreatedAt.Equal(start.Add(time.Minute)) {
		t.Errorf("created %v and %v", first.CreatedAt, second.CreatedAt)
	}
	if !first.LastSeenAt.Equal(start.Add(6*time.Minute)) || !second.LastSeenAt.Equal(second.CreatedAt) {
		t.Errorf("last seen %v and %v: the first was used 6 min after it began", first.LastSeenAt, second.LastSeenAt)
	}
	for _, s := range list {
		if s.Address != "127.0.0.1" || s.UserAgent == "" || len(s.AMR) != 1 || s.AMR[0] != signet.AMRPassword {
			t.Errorf("session %s: address %q, user agent %q, amr %v", s.ID, s.Address, s.UserAgent, s.AMR)
		}
	}
	tokens, err := e.Engine.ListSessions(ctx, signet.SessionFilter{UserID: e.User.ID, LiveOnly: true})
	if err != nil || len(tokens) != 1 {
		t.Fatalf("ListSessions: %d, %v", len(tokens), err)
	}

	if err := e.Engine.RevokeSession(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if one.SignedIn() {
		t.Error("the revoked browser session still signs in")
	}
	if !two.SignedIn() {
		t.Error("revoking one browser session signed out another")
	}
	if live, _ := e.Engine.ListSessions(ctx, signet.SessionFilter{UserID: e.User.ID, LiveOnly: true}); len(live) != 1 {
		t.Errorf("revoking a browser session touched token sessions: %d live", len(live))
	}
	if err := e.Engine.RevokeSession(ctx, "no-such-session"); signet.ErrorCodeOf(err) != signet.CodeNotFound {
		t.Errorf("revoking an unknown id: %v", err)
	}
}
