package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/upstream"
)

// adminIdPCmd manages upstream identity providers. A provider the
// configuration file declares is written again at every start, so a change
// made here to one of those lasts until the next start (the file wins).
func (a *cli) adminIdPCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "idp", Short: "Manage the identity providers people sign in with"}

	var s config.IdPSettings
	var claims []string
	add := &cobra.Command{
		Use:   "add NAME --issuer URL --client-id ID [--client-secret env:VAR|file:PATH] [--scope S]... [--claim KEY=CLAIM]... [--domain D]... [--allow-group G]...",
		Short: "Add (or replace) an upstream OpenID Provider",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			s.Name, s.Claims = args[0], map[string]string{}
			for _, c := range claims {
				k, v, ok := strings.Cut(c, "=")
				if !ok || v == "" {
					return fmt.Errorf("--claim %q: want KEY=CLAIM (keys: sub, username, name, email, groups)", c)
				}
				s.Claims[k] = v
			}
			if !config.IdPNameRe.MatchString(s.Name) {
				return fmt.Errorf("name %q: want 1 to 64 of a-z, 0-9 and -", s.Name)
			}
			if u, err := url.Parse(s.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				return fmt.Errorf("--issuer %q: want the provider's issuer URL", s.Issuer)
			}
			if !upstream.ValidSecretRef(s.ClientSecret) {
				return fmt.Errorf("--client-secret %q: want env:VAR or file:PATH, never the secret itself", s.ClientSecret)
			}
			c := config.Config{Federation: config.Federation{IdentityProviders: []config.IdPSettings{s}}}
			if err := c.ValidateFederation(); err != nil {
				return err
			}
			now := a.clock.Now()
			p := app.IdPFromSettings(s)
			p.CreatedAt, p.UpdatedAt = now, now
			if err := svc.Stores.Federation.SetIdP(ctx, p); err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", app.IdPChangeDetail("set", p)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: register <issuer>%s as the redirect URI at the provider\n", s.Name, upstream.CallbackPath(s.Name))
			return nil
		}),
	}
	add.Flags().StringVar(&s.DisplayName, "display-name", "", `the button's label ("Continue with …"); default the name`)
	add.Flags().StringVar(&s.Issuer, "issuer", "", "the provider's issuer URL (its discovery document's issuer)")
	add.Flags().StringVar(&s.ClientID, "client-id", "", "signet's client id at the provider")
	add.Flags().StringVar(&s.ClientSecret, "client-secret", "", "where the client secret is read: env:VAR or file:PATH (empty: a public client)")
	add.Flags().StringSliceVar(&s.Scopes, "scope", nil, "scope to ask for besides openid (repeatable), e.g. profile, email, groups")
	add.Flags().StringSliceVar(&claims, "claim", nil, "claim mapping KEY=CLAIM (repeatable; keys sub, username, name, email, groups)")
	add.Flags().StringSliceVar(&s.Domains, "domain", nil, "e-mail domain whose login_hint goes straight to this provider (repeatable)")
	add.Flags().StringSliceVar(&s.AllowedGroups, "allow-group", nil, "admit only members of this upstream group (repeatable; default: everyone the provider vouches for)")
	add.MarkFlagRequired("issuer")
	add.MarkFlagRequired("client-id")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the identity providers",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			ps, err := svc.Stores.Federation.ListIdPs(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"NAME", "KIND", "ISSUER", "CLIENT_ID", "DOMAINS", "UPDATED"}}
			for _, p := range ps {
				rows = append(rows, []any{p.Name, string(p.Kind), p.Issuer, p.ClientID, strings.Join(p.Domains, ","), fmtTime(p.UpdatedAt)})
			}
			return a.table(rows)
		}),
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show an identity provider",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			p, err := svc.Stores.Federation.GetIdP(ctx, args[0])
			if errors.Is(err, signet.ErrNotFound) {
				return fmt.Errorf("no identity provider %q", args[0])
			}
			if err != nil {
				return err
			}
			if p.Kind == signet.IdPSAML {
				return a.table(samlShowRows(p))
			}
			return a.table([][]any{
				{"name", p.Name}, {"kind", string(p.Kind)}, {"display_name", p.DisplayName}, {"issuer", p.Issuer},
				{"client_id", p.ClientID}, {"client_secret", p.ClientSecretRef}, {"scopes", strings.Join(p.Scopes, " ")},
				{"claims", fmt.Sprintf("sub=%s username=%s name=%s email=%s groups=%s", p.Claims.Subject, p.Claims.Username,
					p.Claims.DisplayName, p.Claims.Email, p.Claims.Groups)},
				{"domains", strings.Join(p.Domains, " ")},
				{"allowed_groups", strings.Join(p.AllowedGroups, " ")},
				{"redirect_uri", "<issuer>" + upstream.CallbackPath(p.Name)},
			})
		}),
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an identity provider (its users and their identities stay)",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			err := svc.Stores.Federation.DeleteIdP(ctx, args[0])
			if errors.Is(err, signet.ErrNotFound) {
				return fmt.Errorf("no identity provider %q", args[0])
			}
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", "idp removed name="+args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(add, a.adminIdPAddSAMLCmd(with), list, show, remove)
	return cmd
}

// adminGroupRuleCmd manages the rules that turn upstream groups into
// (account, role) assignments.
func (a *cli) adminGroupRuleCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "group-rule", Short: "Give the members of an upstream group an account and role"}
	var r signet.GroupRule
	flags := func(c *cobra.Command) {
		c.Flags().StringVar(&r.Group, "group", "", "the upstream group, as the provider names it")
		c.Flags().StringVar(&r.AccountID, "account", "", "12-digit AWS account id")
		c.Flags().StringVar(&r.RoleName, "role", "", "role name")
		c.MarkFlagRequired("group")
		c.MarkFlagRequired("account")
		c.MarkFlagRequired("role")
	}
	add := &cobra.Command{
		Use:   "add --group G --account ID --role ROLE",
		Short: "Members of group G get ROLE in ACCOUNT (checked at every login, refresh and call)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			switch {
			case r.Group == "" || len(r.Group) > 256:
				return fmt.Errorf("--group %q: want 1 to 256 characters", r.Group)
			case !config.ValidAccountID(r.AccountID):
				return fmt.Errorf("--account %q: want 12 digits", r.AccountID)
			case !config.ValidRoleName(r.RoleName):
				return fmt.Errorf("--role %q: want 1 to 64 characters of letters, digits and +=,.@_-", r.RoleName)
			}
			r.CreatedAt = a.clock.Now()
			err := svc.Stores.Federation.AddGroupRule(ctx, r)
			if errors.Is(err, signet.ErrConflict) {
				return fmt.Errorf("group %s already gives %s/%s", r.Group, r.AccountID, r.RoleName)
			}
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", app.GroupRuleChangeDetail("added", r)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "members of %s now get %s/%s\n", r.Group, r.AccountID, r.RoleName)
			return nil
		}),
	}
	flags(add)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the group rules",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			rs, err := svc.Stores.Federation.ListGroupRules(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"GROUP", "ACCOUNT", "ROLE", "CREATED"}}
			for _, r := range rs {
				rows = append(rows, []any{r.Group, r.AccountID, r.RoleName, fmtTime(r.CreatedAt)})
			}
			return a.table(rows)
		}),
	}
	remove := &cobra.Command{
		Use:   "remove --group G --account ID --role ROLE",
		Short: "Remove a group rule; its members lose the access at their next refresh or call",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			err := svc.Stores.Federation.DeleteGroupRule(ctx, r)
			if errors.Is(err, signet.ErrNotFound) {
				return fmt.Errorf("no rule gives group %s %s/%s", r.Group, r.AccountID, r.RoleName)
			}
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", app.GroupRuleChangeDetail("removed", r)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "members of %s no longer get %s/%s\n", r.Group, r.AccountID, r.RoleName)
			return nil
		}),
	}
	flags(remove)
	cmd.AddCommand(add, list, remove)
	return cmd
}
