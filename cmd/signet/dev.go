package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
)

// devUser makes sure the user "dev" exists with the dev assignment. A new
// user's password (random unless --dev-password) is printed once, to
// stdout, never to the log. On a restart the user is kept; its password
// changes only when --dev-password asks for it.
func (a *cli) devUser(ctx context.Context, c *config.Config, svc *app.Core, log *slog.Logger) error {
	const name = app.DevUserName
	pw := c.DevPassword
	u, err := svc.Stores.Users.GetUserByName(ctx, name)
	switch {
	case errors.Is(err, signet.ErrNotFound):
		if pw == "" {
			if pw, err = randomPassword(a.rand); err != nil {
				return err
			}
		}
		if u, err = svc.Engine.CreateUser(ctx, name, "Developer", pw); err != nil {
			return fmt.Errorf("create the dev user: %w", err)
		}
		fmt.Fprintf(a.stdout, "dev user: %s  password: %s\n", name, pw)
	case err != nil:
		return fmt.Errorf("look up the dev user: %w", err)
	case pw != "":
		if err := svc.Engine.SetPassword(ctx, u.ID, pw); err != nil {
			return fmt.Errorf("set the dev user's password: %w", err)
		}
		fmt.Fprintf(a.stdout, "dev user: %s  password: %s\n", name, pw)
	default:
		fmt.Fprintf(a.stdout, "dev user: %s  password: unchanged (reset with: signet admin user passwd %s)\n", name, name)
	}
	as := signet.Assignment{AccountID: c.DevAccount, RoleName: c.DevRole}
	if !slices.Contains(u.Assignments, as) {
		if err := svc.Engine.SetAssignments(ctx, u.ID, append(u.Assignments, as)); err != nil {
			return fmt.Errorf("assign the dev user: %w", err)
		}
	}
	log.Info("dev user ready", "user", name, "account", c.DevAccount, "role", c.DevRole, "auto_approve", c.DevAutoApprove)
	return nil
}

// randomPassword draws 128 bits for the dev user.
func randomPassword(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
