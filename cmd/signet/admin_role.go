package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/app"
	"github.com/signet-auth/signet/internal/config"
)

// roleARNRe is an IAM role ARN: account, optional path, name
// (IAM User Guide, IAM identifiers).
var roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\x21-\x7e]{1,510}/)?[\w+=,.@-]{1,64}$`)

// adminRoleCmd manages role bindings: which (account, role) assignments
// hand out STS's credentials for a real IAM role instead of signet's own.
func (a *cli) adminRoleCmd(with withServices) *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "Back an (account, role) assignment with a real IAM role"}

	var account, role, roleARN string
	var maxDuration time.Duration
	set := &cobra.Command{
		Use:   "set --account ID --role ROLE --role-arn ARN [--max-duration D]",
		Short: "Hand out real credentials for ROLE in ACCOUNT, from STS AssumeRoleWithWebIdentity on ARN",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			if !config.ValidAccountID(account) {
				return fmt.Errorf("--account %q: want 12 digits", account)
			}
			if !config.ValidRoleName(role) {
				return fmt.Errorf("--role %q: want 1 to 64 characters of letters, digits and +=,.@_-", role)
			}
			m := roleARNRe.FindStringSubmatch(roleARN)
			if m == nil {
				return fmt.Errorf("--role-arn %q: want arn:aws:iam::<account>:role/[path/]name", roleARN)
			}
			if m[1] != account {
				return fmt.Errorf("--role-arn %q is in account %s, not %s", roleARN, m[1], account)
			}
			if maxDuration != 0 && (maxDuration < iamrole.MinDuration || maxDuration > iamrole.MaxDuration) {
				return fmt.Errorf("--max-duration %s: want %s to %s (and at most the role's own maximum)",
					maxDuration, iamrole.MinDuration, iamrole.MaxDuration)
			}
			now := a.clock.Now()
			b := signet.RoleBinding{AccountID: account, RoleName: role, RoleARN: roleARN,
				MaxDuration: maxDuration.Truncate(time.Second), CreatedAt: now, UpdatedAt: now}
			if err := svc.Stores.RoleBindings.SetRoleBinding(ctx, b); err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", "role binding set "+account+"/"+role+" arn="+roleARN); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s/%s now hands out credentials for %s\n", account, role, roleARN)
			return nil
		}),
	}
	set.Flags().StringVar(&account, "account", "", "12-digit AWS account id of the assignment")
	set.Flags().StringVar(&role, "role", "", "role name of the assignment")
	set.Flags().StringVar(&roleARN, "role-arn", "", "the IAM role to assume (arn:aws:iam::<account>:role/<name>)")
	set.Flags().DurationVar(&maxDuration, "max-duration", 0, "longest role session to ask for (0: --aws-role-duration)")
	set.MarkFlagRequired("account")
	set.MarkFlagRequired("role")
	set.MarkFlagRequired("role-arn")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the assignments backed by real IAM roles",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			bs, err := svc.Stores.RoleBindings.ListRoleBindings(ctx)
			if err != nil {
				return err
			}
			rows := [][]any{{"ACCOUNT", "ROLE", "ROLE_ARN", "MAX_DURATION", "UPDATED"}}
			for _, b := range bs {
				d := "default"
				if b.MaxDuration > 0 {
					d = b.MaxDuration.String()
				}
				rows = append(rows, []any{b.AccountID, b.RoleName, b.RoleARN, d, fmtTime(b.UpdatedAt)})
			}
			return a.table(rows)
		}),
	}

	var unAccount, unRole string
	unset := &cobra.Command{
		Use:   "unset --account ID --role ROLE",
		Short: "Return an assignment to signet's own (local) credentials",
		Args:  cobra.NoArgs,
		RunE: with(func(ctx context.Context, svc *app.Core, _ []string) error {
			err := svc.Stores.RoleBindings.DeleteRoleBinding(ctx, unAccount, unRole)
			if errors.Is(err, signet.ErrNotFound) {
				return fmt.Errorf("%s/%s is not bound to an IAM role", unAccount, unRole)
			}
			if err != nil {
				return err
			}
			if err := adminRecord(ctx, svc, signet.AuditAdminChange, "", "role binding unset "+unAccount+"/"+unRole); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s/%s now hands out local credentials\n", unAccount, unRole)
			return nil
		}),
	}
	unset.Flags().StringVar(&unAccount, "account", "", "12-digit AWS account id")
	unset.Flags().StringVar(&unRole, "role", "", "role name")
	unset.MarkFlagRequired("account")
	unset.MarkFlagRequired("role")

	cmd.AddCommand(set, list, unset)
	return cmd
}
