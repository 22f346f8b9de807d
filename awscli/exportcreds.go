package awscli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
)

// ConfigureCommands returns `configure export-credentials`, the AWS CLI
// v2 command that prints a profile's credentials, resolved the way the
// client commands resolve them (static keys, sso_session, login_session
// refreshed through Sign-In, role_arn, credential_process, ...). Its
// process format is what a credential_process line reads, so a tool that
// lacks a credential provider (the AWS CLI v1 without awscrt has no
// login_session provider) can still use a signet login:
//
//	[profile dev-v1]
//	credential_process = signet configure export-credentials --profile dev --format process
func ConfigureCommands(env Env) []*cobra.Command {
	configure := &cobra.Command{
		Use:   "configure",
		Short: "Show the credentials a profile resolves to.",
		Args:  cobra.NoArgs,
	}
	var profile, format string
	export := &cobra.Command{
		Use:           "export-credentials",
		Short:         "Print the profile's credentials: as credential_process JSON (process), or as shell variables (env, env-no-export).",
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: withContext(func(ctx context.Context) error {
			return exportCredentials(ctx, env, profile, format)
		}),
	}
	export.Flags().StringVar(&profile, "profile", "", "The profile whose credentials to print (default: AWS_PROFILE, else default).")
	export.Flags().StringVar(&format, "format", "process", "process, env or env-no-export.")
	configure.AddCommand(export)
	return []*cobra.Command{configure}
}

func exportCredentials(ctx context.Context, env Env, profile, format string) error {
	switch format {
	case "process", "env", "env-no-export":
	default:
		return fmt.Errorf("--format %q: want process, env or env-no-export", format)
	}
	st, err := loadSettings(env, profile)
	if err != nil {
		return err
	}
	c, err := st.credentials(ctx, env, st.region(env, ""))
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(formatCredentials(c, format))
	return err
}

// processCredentials is the credential_process output (version 1), as
// the AWS SDKs and CLIs read it.
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// formatCredentials renders c: credential_process JSON, or shell lines
// (with "export " for env) naming the variables the SDKs read.
func formatCredentials(c aws.Credentials, format string) []byte {
	expiry := ""
	if c.CanExpire {
		expiry = c.Expires.UTC().Format(time.RFC3339)
	}
	if format == "process" {
		b, _ := json.Marshal(processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, Expiration: expiry})
		return append(b, '\n')
	}
	prefix := ""
	if format == "env" {
		prefix = "export "
	}
	var out []byte
	line := func(k, v string) {
		if v != "" {
			out = append(out, fmt.Sprintf("%s%s=%s\n", prefix, k, v)...)
		}
	}
	line("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	line("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	line("AWS_SESSION_TOKEN", c.SessionToken)
	line("AWS_CREDENTIAL_EXPIRATION", expiry)
	return out
}
