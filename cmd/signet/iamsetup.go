package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/internal/config"
)

// iamSetup is what `signet aws iam-setup` prints for.
type iamSetup struct {
	issuer, audience, account, role string
	subjects                        []string
	maxDuration                     time.Duration
}

// awsCmd groups commands about real AWS accounts.
func (a *cli) awsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "aws", Short: "Connect signet to real AWS accounts"}
	var s iamSetup
	setup := &cobra.Command{
		Use:   "iam-setup --issuer URL --account ID --role NAME",
		Short: "Print what an administrator runs so that an IAM role trusts signet (AWS CLI and Terraform)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := s.validate(); err != nil {
				return &usageError{err}
			}
			return s.write(a.stdout)
		},
	}
	f := setup.Flags()
	f.StringVar(&s.issuer, "issuer", "", "signet's public https issuer URL, reachable by AWS (serve --issuer)")
	f.StringVar(&s.audience, "audience", iamrole.DefaultAudience, "the web identity tokens' aud (serve --aws-iam-audience)")
	f.StringVar(&s.account, "account", "", "12-digit AWS account id")
	f.StringVar(&s.role, "role", "", "name of the IAM role to create")
	f.StringSliceVar(&s.subjects, "sub", nil, "signet user id allowed to assume the role (repeatable; default: any user signet assigns it to)")
	f.DurationVar(&s.maxDuration, "max-duration", time.Hour, "the role's maximum session duration (1h to 12h)")
	setup.MarkFlagRequired("issuer")
	setup.MarkFlagRequired("account")
	setup.MarkFlagRequired("role")
	cmd.AddCommand(setup)
	return cmd
}

func (s *iamSetup) validate() error {
	u, err := url.Parse(s.issuer)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("--issuer %q: IAM wants an https URL without query or fragment", s.issuer)
	case u.Port() != "":
		return fmt.Errorf("--issuer %q: IAM OIDC provider URLs carry no port", s.issuer)
	case !config.ValidAccountID(s.account):
		return fmt.Errorf("--account %q: want 12 digits", s.account)
	case !config.ValidRoleName(s.role):
		return fmt.Errorf("--role %q: want 1 to 64 characters of letters, digits and +=,.@_-", s.role)
	case s.audience == "" || len(s.audience) > 255:
		return fmt.Errorf("--audience: want 1 to 255 characters")
	case s.maxDuration < time.Hour || s.maxDuration > iamrole.MaxDuration || s.maxDuration%time.Second != 0:
		return fmt.Errorf("--max-duration %s: IAM wants whole seconds from 1h to 12h", s.maxDuration)
	}
	return nil
}

// host is the provider's name in ARNs and condition keys: the issuer
// without its scheme.
func (s *iamSetup) host() string {
	return strings.TrimSuffix(strings.TrimPrefix(s.issuer, "https://"), "/")
}

// trustPolicy lets signet's web identity tokens, with signet's audience
// and (if given) one of the subjects, assume the role, set its source
// identity and pass session tags.
func (s *iamSetup) trustPolicy() map[string]any {
	h := s.host()
	cond := map[string]any{"StringEquals": map[string]any{h + ":aud": s.audience}}
	if len(s.subjects) > 0 {
		cond["StringEquals"].(map[string]any)[h+":sub"] = s.subjects
	} else {
		cond["StringLike"] = map[string]any{h + ":sub": "*"}
	}
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Federated": "arn:aws:iam::" + s.account + ":oidc-provider/" + h},
			"Action":    []string{"sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity", "sts:TagSession"},
			"Condition": cond,
		}},
	}
}

func (s *iamSetup) write(w io.Writer) error {
	policy, err := json.MarshalIndent(s.trustPolicy(), "", "  ")
	if err != nil {
		return err
	}
	secs := int(s.maxDuration / time.Second)
	file := "signet-trust-" + s.role + ".json"
	fmt.Fprintf(w, `# 1. AWS CLI. signet's issuer must be reachable by AWS over TLS at %[1]s
#    (its /.well-known/openid-configuration and JWKS).
aws iam create-open-id-connect-provider --url %[1]s --client-id-list %[2]s
cat > %[3]s <<'JSON'
%[4]s
JSON
aws iam create-role --role-name %[5]s --max-session-duration %[6]d --assume-role-policy-document file://%[3]s
# Give the role its permissions (aws iam attach-role-policy ...), then tell signet about it:
signet admin role set --account %[7]s --role %[5]s --role-arn arn:aws:iam::%[7]s:role/%[5]s --max-duration %[8]s

`, s.issuer, s.audience, file, policy, s.role, secs, s.account, s.maxDuration)

	indented := strings.ReplaceAll(string(policy), "\n", "\n  ")
	tf := strings.ToLower(strings.NewReplacer("+", "_", "=", "_", ",", "_", ".", "_", "@", "_", "-", "_").Replace(s.role))
	fmt.Fprintf(w, `# 2. Terraform (hashicorp/aws).
resource "aws_iam_openid_connect_provider" "signet" {
  url            = %[1]q
  client_id_list = [%[2]q]
}

resource "aws_iam_role" "%[3]s" {
  name                 = %[4]q
  max_session_duration = %[5]d
  assume_role_policy   = <<-JSON
  %[6]s
  JSON
  depends_on = [aws_iam_openid_connect_provider.signet]
}
`, s.issuer, s.audience, tf, s.role, secs, indented)
	return nil
}
