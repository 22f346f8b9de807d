package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// The fake engine's browser sessions: records by token, with the rules the
// pages rely on (revoked, ended, user disabled or with new credentials).
// The real rules are the engine's and are tested there and end to end.

func (b *fakeBackend) StartBrowserSession(_ context.Context, userID string, amr []string, address, userAgent string) (string, signet.BrowserSession, error) {
	var raw [secret.Bytes]byte
	_, _ = rand.Read(raw[:])
	token := secret.PrefixBrowserSession + base64.RawURLEncoding.EncodeToString(raw[:])
	now := b.clock.Now()
	rec := signet.BrowserSession{ID: token[len(token)-8:], UserID: userID, AuthTime: now, AMR: amr,
		Address: address, UserAgent: userAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(cmp.Or(b.browserLifetime, 12*time.Hour))}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.browser == nil {
		b.browser = map[string]*signet.BrowserSession{}
	}
	b.browser[token] = &rec
	return token, rec, nil
}

func (b *fakeBackend) BrowserSession(_ context.Context, token string) (signet.BrowserSession, signet.User, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ended := signet.Errorf(signet.CodeExpiredToken, "The sign-in has ended.")
	rec, ok := b.browser[token]
	if !ok || !rec.Live(b.clock.Now()) {
		return signet.BrowserSession{}, signet.User{}, ended
	}
	u, ok := b.users[rec.UserID]
	if !ok || u.Disabled || u.CredentialsChangedAt.After(rec.AuthTime) {
		return signet.BrowserSession{}, signet.User{}, ended
	}
	return *rec, u, nil
}

func (b *fakeBackend) EndBrowserSession(_ context.Context, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rec, ok := b.browser[token]; ok && rec.RevokedAt.IsZero() {
		rec.RevokedAt, rec.RevokeReason = b.clock.Now(), "logout"
	}
	return nil
}
