package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
)

// adminCmd works directly on the store named by --data-dir or
// --database-url, with the same master key the server uses; it needs no
// running server.
func (a *cli) adminCmd() *cobra.Command {
	var c config.Config
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage users, clients, keys and sessions directly in the store",
	}
	config.StoreFlags(cmd.PersistentFlags(), &c)
	var actor string
	cmd.PersistentFlags().StringVar(&actor, "actor", "", "who the audit trail records as making the change (default: the OS user)")

	// with opens the services for one command and closes them after.
	with := func(run func(ctx context.Context, svc *app.Core, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			if err := config.Load(cmd.Flags(), &c, a.getenv); err != nil {
				return err
			}
			if err := c.ValidateStore(); err != nil {
				return err
			}
			svc, err := app.OpenCore(cmd.Context(), &c, a.deps(newLogger(&c, a.stderr)))
			if err != nil {
				return err
			}
			defer svc.Close()
			// Every change the command makes is recorded as this actor's.
			ctx := audit.WithOrigin(cmd.Context(), audit.Origin{Actor: a.adminActor(actor)})
			return run(ctx, svc, args)
		}
	}
	cmd.AddCommand(a.adminUserCmd(with), a.adminClientCmd(with), a.adminKeysCmd(with), a.adminSessionsCmd(with),
		a.adminAccessKeyCmd(with), a.adminRoleCmd(with),
		a.adminIdPCmd(with), a.adminGroupRuleCmd(with), a.adminAuditCmd(with),
		a.adminSCIMTokenCmd(with))
	return cmd
}

type withServices func(func(context.Context, *app.Core, []string) error) func(*cobra.Command, []string) error

func (a *cli) adminUserCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}

	var displayName, account, role string
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a user; the password is prompted for, or read from stdin with --password-stdin",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			// Check the assignment first so that a bad one creates nobody.
			if (account != "" || role != "") && !(config.ValidAccountID(account) && config.ValidRoleName(role)) {
				return errors.New("--account needs a 12-digit account id and --role a role name")
			}
			pw, err := a.readPassword(pwStdin)
			if err != nil {
				return err
			}
			u, err := svc.Engine.CreateUser(ctx, args[0], displayName, pw)
			if err != nil {
				return err
			}
			if account != "" || role != "" {
				if err := svc.Engine.SetAssignments(ctx, u.ID, []signet.Assignment{{AccountID: account, RoleName: role}}); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.stdout, "created user %s (%s)\n", u.Name, u.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&displayName, "display-name", "", "name shown on the pages")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	add.Flags().StringVar(&account, "account", "", "assign the user to this 12-digit AWS account id (with --role)")
	add.Flags().StringVar(&role, "role", "", "role name for --account")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			users, err := svc.Stores.Users.ListUsers(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"NAME", "ID", "DISABLED", "ASSIGNMENTS"}}
			for _, u := range users {
				var as []string
				for _, x := range u.Assignments {
					as = append(as, x.AccountID+"/"+x.RoleName)
				}
				rows = append(rows, []any{u.Name, u.ID, u.Disabled, strings.Join(as, ",")})
			}
			return a.table(rows)
		}),
	}

	var enable bool
	disable := &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable a user and revoke the user's sessions (--enable undoes the disabling)",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
			if err != nil {
				return userNotFound(args[0], err)
			}
			if err := svc.Engine.SetDisabled(ctx, u.ID, !enable); err != nil {
				return err
			}
			if enable {
				fmt.Fprintf(a.stdout, "enabled user %s\n", u.Name)
				return nil
			}
			n, browser, err := svc.Engine.RevokeUserSessions(ctx, u.ID, "admin")
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "disabled user %s; revoked %d sessions and %d browser sessions\n", u.Name, n, browser)
			return nil
		}),
	}
	disable.Flags().BoolVar(&enable, "enable", false, "enable the user again")

	var passwdStdin bool
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password; sessions begun before fail their next refresh",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
			if err != nil {
				return userNotFound(args[0], err)
			}
			pw, err := a.readPassword(passwdStdin)
			if err != nil {
				return err
			}
			if err := svc.Engine.SetPassword(ctx, u.ID, pw); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "password of %s changed\n", u.Name)
			return nil
		}),
	}
	passwd.Flags().BoolVar(&passwdStdin, "password-stdin", false, "read the password from the first line of standard input")

	var assignAccount, assignRole string
	var remove bool
	assign := &cobra.Command{
		Use:   "assign NAME --account ID --role ROLE",
		Short: "Give a user a role in an AWS account (--remove takes it away)",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			u, err := svc.Stores.Users.GetUserByName(ctx, args[0])
			if err != nil {
				return userNotFound(args[0], err)
			}
			as := signet.Assignment{AccountID: assignAccount, RoleName: assignRole}
			var next []signet.Assignment
			for _, x := range u.Assignments {
				if x != as {
					next = append(next, x)
				}
			}
			if !remove {
				next = append(next, as)
			}
			if err := svc.Engine.SetAssignments(ctx, u.ID, next); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s now has %d assignments\n", u.Name, len(next))
			return nil
		}),
	}
	assign.Flags().StringVar(&assignAccount, "account", "", "12-digit AWS account id")
	assign.Flags().StringVar(&assignRole, "role", "", "role name")
	assign.Flags().BoolVar(&remove, "remove", false, "remove the assignment instead")
	assign.MarkFlagRequired("account")
	assign.MarkFlagRequired("role")

	cmd.AddCommand(add, list, disable, passwd, assign, a.adminUserMFACmd(with))
	return cmd
}

func userNotFound(name string, err error) error {
	if errors.Is(err, signet.ErrNotFound) {
		return fmt.Errorf("no user named %q", name)
	}
	return err
}

func (a *cli) adminClientCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Create, inspect and delete OAuth clients"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List clients",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			clients, err := svc.Stores.Clients.ListClients(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"ID", "NAME", "TYPE", "DYNAMIC", "EXPIRES"}}
			for _, c := range clients {
				rows = append(rows, []any{c.ID, c.Name, c.Type, c.Dynamic, fmtTime(c.ExpiresAt)})
			}
			return a.table(rows)
		}),
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one client",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			c, err := svc.Stores.Clients.GetClient(ctx, args[0])
			if err != nil {
				return notFound("client", args[0], err)
			}
			keys, err := jwksSize(ctx, svc, c.ID)
			if err != nil {
				return err
			}
			return a.table([][]any{
				{"id", c.ID}, {"name", c.Name}, {"type", c.Type},
				{"has secret", !c.SecretDigest.IsZero()}, {"secret expires", fmtTime(c.SecretExpiresAt)},
				{"grant types", strings.Join(c.GrantTypes, ",")},
				{"redirect uris", strings.Join(c.RedirectURIs, ",")},
				{"scopes", strings.Join(c.Scopes, ",")}, {"issuer url", c.IssuerURL},
				{"dynamic", c.Dynamic}, {"created", fmtTime(c.CreatedAt)},
				{"expires", fmtTime(c.ExpiresAt)}, {"private_key_jwt keys", keys},
			})
		}),
	}
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a client and revoke its sessions",
		Args:  cobra.ExactArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			if err := svc.Stores.Clients.DeleteClient(ctx, args[0], a.clock.Now()); err != nil {
				return notFound("client", args[0], err)
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, args[0], "client deleted"); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "deleted client %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(a.clientCreateCmd(with), list, show, del)
	return cmd
}

func (a *cli) adminKeysCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate the server's keys"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (never their material)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			rows := [][]any{{"ID", "PURPOSE", "ALGORITHM", "CREATED", "ACTIVE", "RETIRED", "CURRENT"}}
			for _, k := range svc.Keyring.List() {
				rows = append(rows, []any{k.ID, k.Purpose, k.Algorithm, fmtTime(k.CreatedAt),
					fmtTime(k.ActiveAt), fmtTime(k.RetiredAt), k.Current})
			}
			return a.table(rows)
		}),
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Add a new signing key; it is published at once and signs after the publish delay",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			k, err := svc.Keyring.RotateSigningKey(ctx)
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditKeyRotated, "", "signing key="+k.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "new signing key %s, signs from %s\n", k.ID, k.ActiveAt.UTC().Format(time.RFC3339))
			return nil
		}),
	}
	cmd.AddCommand(list, rotate)
	return cmd
}

func (a *cli) adminSessionsCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "sessions", Short: "List and revoke sessions"}
	var listUser string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List live token and browser sessions (--all: revoked and expired too)",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			f := signet.SessionFilter{LiveOnly: !all, Now: a.clock.Now()}
			if listUser != "" {
				u, err := svc.Stores.Users.GetUserByName(ctx, listUser)
				if err != nil {
					return userNotFound(listUser, err)
				}
				f.UserID = u.ID
			}
			ss, err := svc.Engine.ListSessions(ctx, f)
			if err != nil {
				return err
			}
			bs, err := svc.Engine.ListBrowserSessions(ctx, f)
			if err != nil {
				return err
			}
			rows := [][]any{{"ID", "KIND", "USER", "CLIENT", "PROTOCOL", "CREATED", "LAST SEEN", "EXPIRES", "REVOKED", "ADDRESS", "USER AGENT"}}
			for _, s := range ss {
				rows = append(rows, []any{s.ID, "token", s.UserID, s.ClientID, s.Protocol, fmtTime(s.CreatedAt), "-",
					fmtTime(s.ExpiresAt), fmtTime(s.RevokedAt), "-", "-"})
			}
			for _, s := range bs {
				rows = append(rows, []any{s.ID, "browser", s.UserID, "-", "-", fmtTime(s.CreatedAt), fmtTime(s.LastSeenAt),
					fmtTime(s.ExpiresAt), fmtTime(s.RevokedAt), orDash(s.Address), orDash(printableUA(s.UserAgent))})
			}
			return a.table(rows)
		}),
	}
	list.Flags().StringVar(&listUser, "user", "", "only this user's sessions")
	list.Flags().BoolVar(&all, "all", false, "include revoked and expired sessions")

	var revokeUser string
	revoke := &cobra.Command{
		Use:   "revoke [SESSION_ID] [--user NAME]",
		Short: "Revoke one session (token or browser), or every session of a user",
		Args:  cobra.MaximumNArgs(1),
		RunE: with(func(ctx context.Context, svc *app.Core, args []string) error {
			switch {
			case len(args) == 1 && revokeUser == "":
				if err := svc.Engine.RevokeSession(ctx, args[0]); err != nil {
					if signet.ErrorCodeOf(err) == signet.CodeNotFound {
						return fmt.Errorf("no session %q", args[0])
					}
					return err
				}
				fmt.Fprintf(a.stdout, "revoked session %s\n", args[0])
			case len(args) == 0 && revokeUser != "":
				u, err := svc.Stores.Users.GetUserByName(ctx, revokeUser)
				if err != nil {
					return userNotFound(revokeUser, err)
				}
				n, browser, err := svc.Engine.RevokeUserSessions(ctx, u.ID, "admin")
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "revoked %d sessions and %d browser sessions of %s\n", n, browser, u.Name)
			default:
				return errors.New("give a session id or --user NAME, not both")
			}
			return nil
		}),
	}
	revoke.Flags().StringVar(&revokeUser, "user", "", "revoke every session of this user")
	cmd.AddCommand(list, revoke)
	return cmd
}

func notFound(what, id string, err error) error {
	if errors.Is(err, signet.ErrNotFound) {
		return fmt.Errorf("no %s %q", what, id)
	}
	return err
}

// table prints rows aligned in columns; list commands put a header first.
func (a *cli) table(rows [][]any) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// orDash prints an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printableUA keeps a user agent, which the browser chose, from moving the
// terminal: control characters become '?'.
func printableUA(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// fmtTime prints t in UTC, RFC 3339, or "-" for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// readPassword takes a password from the first line of stdin (with
// --password-stdin) or prompts twice on the terminal without echo. Passwords
// never come from argv, where ps and shell history would keep them.
func (a *cli) readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", errors.New("no password on standard input")
		}
		return line, nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("standard input is not a terminal: pass the password on standard input with --password-stdin")
	}
	prompt := func(p string) (string, error) {
		fmt.Fprint(a.stderr, p)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		return string(b), err
	}
	pw, err := prompt("Password: ")
	if err != nil {
		return "", err
	}
	again, err := prompt("Repeat password: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the passwords differ")
	}
	return pw, nil
}
