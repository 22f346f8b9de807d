package storetiming

import (
	"context"
	"time"

	"github.com/signet-auth/signet"
)

type browser struct {
	s signet.BrowserSessionStore
	o Observer
}

var _ signet.BrowserSessionStore = browser{}

func (w browser) CreateBrowserSession(ctx context.Context, s signet.BrowserSession) error {
	return timedErr(ctx, w.o, "create_browser_session", func() error { return w.s.CreateBrowserSession(ctx, s) })
}
func (w browser) GetBrowserSession(ctx context.Context, d signet.Digest) (signet.BrowserSession, error) {
	return timed(ctx, w.o, "get_browser_session", func() (signet.BrowserSession, error) { return w.s.GetBrowserSession(ctx, d) })
}
func (w browser) TouchBrowserSession(ctx context.Context, id string, at time.Time) error {
	return timedErr(ctx, w.o, "touch_browser_session", func() error { return w.s.TouchBrowserSession(ctx, id, at) })
}
func (w browser) ListBrowserSessions(ctx context.Context, f signet.SessionFilter) ([]signet.BrowserSession, error) {
	return timed(ctx, w.o, "list_browser_sessions", func() ([]signet.BrowserSession, error) { return w.s.ListBrowserSessions(ctx, f) })
}
func (w browser) RevokeBrowserSession(ctx context.Context, id string, now time.Time, reason string) error {
	return timedErr(ctx, w.o, "revoke_browser_session", func() error { return w.s.RevokeBrowserSession(ctx, id, now, reason) })
}
func (w browser) RevokeUserBrowserSessions(ctx context.Context, userID string, now time.Time, reason string) (int, error) {
	return timed(ctx, w.o, "revoke_user_browser_sessions", func() (int, error) {
		return w.s.RevokeUserBrowserSessions(ctx, userID, now, reason)
	})
}
