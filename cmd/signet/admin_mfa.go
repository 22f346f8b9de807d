package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
)

// adminUserMFACmd shows and resets users' second factors and sets their
// own MFA policy.
func (a *cli) adminUserMFACmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "mfa", Short: "Show, reset and set the policy of users' second factors"}

	list := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List users' second factors and own MFA policy (one user with NAME)",
		Args:  cobra.MaximumNArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			var users []signet.User
			if len(args) == 1 {
				u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
				if err != nil {
					return userNotFound(args[0], err)
				}
				users = []signet.User{u}
			} else {
				var err error
				if users, err = svc.Stores.Users.ListUsers(ctx); err != nil {
					return err
				}
			}
			rows := [][]any{{"NAME", "POLICY", "AUTHENTICATOR", "PASSKEYS", "RECOVERY CODES"}}
			for _, u := range users {
				st, err := svc.Engine.MFAStatus(ctx, u)
				if err != nil {
					return err
				}
				policy, totp, codes := "default", "-", "-"
				if st.Override != signet.MFADefault {
					policy = string(st.Override)
				}
				if st.TOTP {
					totp = "added " + st.TOTPAdded.UTC().Format("2006-01-02")
				}
				if st.RecoveryAll > 0 {
					codes = fmt.Sprintf("%d of %d unused", st.RecoveryLeft, st.RecoveryAll)
				}
				rows = append(rows, []any{u.Name, policy, totp, len(st.Passkeys), codes})
			}
			return a.table(rows)
		}),
	}

	reset := &cobra.Command{
		Use:   "reset NAME",
		Short: "Remove a user's authenticator, passkeys and recovery codes and end the user's sessions (a lost phone)",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
			if err != nil {
				return userNotFound(args[0], err)
			}
			// The audit record of an administrator's reset belongs here.
			n, browser, err := svc.Engine.ResetMFA(ctx, u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reset the second factors of %s; revoked %d sessions and %d browser sessions\n", u.Name, n, browser)
			return nil
		}),
	}

	policy := &cobra.Command{
		Use:   "policy NAME off|optional|required|default",
		Short: "Set a user's own MFA policy; default follows --mfa (and --mfa-admin-roles)",
		Args:  cobra.ExactArgs(2),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
			if err != nil {
				return userNotFound(args[0], err)
			}
			p := signet.MFAPolicy(args[1])
			if args[1] == "default" {
				p = signet.MFADefault
			} else if p == signet.MFADefault || !p.Valid() {
				return fmt.Errorf("policy %q: want off, optional, required or default", args[1])
			}
			if err := svc.Engine.SetMFAPolicy(ctx, u.ID, p); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "MFA policy of %s: %s\n", u.Name, args[1])
			return nil
		}),
	}
	cmd.AddCommand(list, reset, policy)
	return cmd
}
