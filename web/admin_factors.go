package web

import (
	"context"

	"github.com/signet-auth/signet"
)

// The users page's second factors and identity providers: what each user
// signs in with, and an administrator's reset of a user who lost their
// factors (the engine ends the user's sessions and records it).

// AdminUserFactors is the console's view of users' sign-in methods. The
// server's adapter implements it beside AdminBackend; without it the users
// page shows neither.
type AdminUserFactors interface {
	UserFactors(ctx context.Context, u signet.User) (UserFactors, error)
	// ResetFactors removes the user's authenticator, passkeys and recovery
	// codes and ends their sessions.
	ResetFactors(ctx context.Context, userID string) error
}

// UserFactors is how one user signs in.
type UserFactors struct {
	TOTP         bool
	Passkeys     int
	RecoveryLeft int
	IdPs         []string // the providers the user has an identity at
}

// Any reports whether the user has a factor to reset.
func (f UserFactors) Any() bool { return f.TOTP || f.Passkeys > 0 || f.RecoveryLeft > 0 }

func (h *Handler) adminUserFactors() AdminUserFactors {
	f, _ := h.opts.Admin.(AdminUserFactors)
	return f
}

// usersFactors reads the factors of users, by user id; nil without a
// backend for them.
func (h *Handler) usersFactors(ctx context.Context, users []signet.User) (map[string]UserFactors, error) {
	b := h.adminUserFactors()
	if b == nil {
		return nil, nil
	}
	out := make(map[string]UserFactors, len(users))
	for _, u := range users {
		f, err := b.UserFactors(ctx, u)
		if err != nil {
			return nil, err
		}
		out[u.ID] = f
	}
	return out, nil
}

// resetFactors is the users page's "reset factors" action.
func (h *Handler) resetFactors(ctx context.Context, userID string) error {
	b := h.adminUserFactors()
	if b == nil {
		return &signet.Error{Code: signet.CodeInvalidRequest, Message: "Second factors are not available."}
	}
	return b.ResetFactors(ctx, userID)
}
