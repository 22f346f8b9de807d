package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/scim"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/app"
)

// adminSCIMTokenCmd manages the bearer tokens of SCIM provisioning
// clients. A token is printed once, at creation; the store keeps its
// digest only.
func (a *cli) adminSCIMTokenCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "scim-token", Short: "Manage the bearer tokens of SCIM provisioning (Okta, Entra ID)"}
	var idp string
	create := &cobra.Command{
		Use:   "create NAME [--idp PROVIDER]",
		Short: "Create a SCIM token (printed once) for the people of an identity provider",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			p := svc.Engine.SCIM(svc.Stores.SCIM, authserver.SCIMLimits{})
			tok, t, err := p.CreateToken(ctx, args[0], idp)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "id:       %s\ntenant:   %s\nbase URL: <issuer>%s\ntoken:    %s\n", t.ID, t.Tenant, scim.Prefix, tok)
			fmt.Fprintln(a.stderr, "The token is shown once; signet keeps only its digest.")
			return nil
		}),
	}
	create.Flags().StringVar(&idp, "idp", "", "the identity provider whose people the token provisions (its externalId is that provider's subject)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List SCIM tokens (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			ts, err := svc.Stores.SCIM.ListSCIMTokens(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"ID", "NAME", "IDP", "CREATED", "REVOKED"}}
			for _, t := range ts {
				revoked := "-"
				if !t.RevokedAt.IsZero() {
					revoked = fmtTime(t.RevokedAt)
				}
				rows = append(rows, []any{t.ID, t.Name, t.Tenant, fmtTime(t.CreatedAt), revoked})
			}
			return a.table(rows)
		}),
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a SCIM token; its next request is refused",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			err := svc.Stores.SCIM.RevokeSCIMToken(ctx, args[0], a.clock.Now())
			if errors.Is(err, signet.ErrNotFound) {
				return fmt.Errorf("no live SCIM token has id %s", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "SCIM token %s revoked\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
