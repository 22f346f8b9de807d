// Package awscli is the AWS-CLI-compatible client built into the signet
// binary: "signet <service> <operation> --kebab-case-params" for every
// operation signet serves (sso-oidc, signin, amplifyuibuilder, sso, sts),
// with the AWS CLI's option names, input forms (scalars, lists, shorthand,
// JSON, file:// and fileb://, --cli-input-json/--cli-input-yaml,
// --generate-cli-skeleton), global options, output formats (json, yaml,
// yaml-stream, text, table), --query, error text and exit codes, plus
// "signet sso login".
//
// The binary's root command adds the commands with one line and maps the
// returned error to the process exit code:
//
//	root.AddCommand(awscli.Commands(awscli.Env{
//		Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
//		HTTPClient: http.DefaultClient, Clock: signet.SystemClock{}, Rand: rand.Reader,
//	})...)
//	if err := root.ExecuteContext(ctx); err != nil {
//		return awscli.ExitCode(err) // 252 usage, 253 configuration, 254 service, 255 other
//	}
//
// The commands print their own error messages (the AWS CLI's wording) and
// set SilenceErrors, so the root must not print the error again.
//
// Global options are accepted after the operation name, where these commands
// parse them ("signet sso-oidc create-token --region eu-west-1 ..."); the
// root command owns everything before the service name.
//
// Exit codes follow the AWS CLI v2
// (https://docs.aws.amazon.com/cli/latest/userguide/cli-chap-troubleshooting.html#tshoot-return-codes):
// 0 success, 252 the command line could not be parsed or a parameter is
// invalid (checked before any request), 253 the environment or configuration
// is invalid (no region, no credentials, bad config file), 254 the service
// answered with an error, 255 anything else (connection failures, unreadable
// responses). AWS CLI v1 uses 255 for parsing errors and 255 for service
// errors; v2's distinction is kept because scripts can act on it.
//
// Operation and shape tables are generated from the service models by
// internal/gen (model_gen.go); help text is our own.
package awscli
