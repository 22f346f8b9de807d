package awscli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/signet-auth/signet/awscli/internal/xform"
	"github.com/spf13/cobra"
)

// Commands returns one command per service ("sso-oidc", "signin",
// "amplifyuibuilder", "sso", "sts"), each with one subcommand per operation
// signet serves, named as the AWS CLI names them; "sso" also has "login".
func Commands(env Env) []*cobra.Command {
	var cmds []*cobra.Command
	for _, svc := range builtinServices() {
		svc := svc
		sc := &cobra.Command{
			Use:           svc.Name,
			Short:         serviceHelp(svc.Name),
			Args:          cobra.ArbitraryArgs,
			SilenceErrors: true,
			SilenceUsage:  true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 || args[0] == "help" {
					return cmd.Help()
				}
				names := make([]string, 0, len(cmd.Commands()))
				for _, c := range cmd.Commands() {
					names = append(names, c.Name())
				}
				return usageError(env, fmt.Sprintf("argument operation: Invalid choice, valid choices are:\n\n%s", strings.Join(names, " | ")))
			},
		}
		for _, op := range svc.Operations {
			sc.AddCommand(operationCommand(env, svc, op))
		}
		if svc.Name == "sso" {
			sc.AddCommand(loginCommand(env))
		}
		cmds = append(cmds, sc)
	}
	return cmds
}

func operationCommand(env Env, svc *Service, op *Operation) *cobra.Command {
	c := &cobra.Command{
		Use:                op.CLIName + " [options]",
		Short:              operationHelp(svc.Name + "." + op.Name),
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runOperation(ctx, env, svc, op, args)
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return completeOperation(svc, op, args, toComplete)
		},
	}
	// botocore's names for these look odd (create-o-auth2-token); accept the
	// spelling people type as well.
	if alias := strings.ReplaceAll(op.CLIName, "o-auth2", "oauth2"); alias != op.CLIName {
		c.Aliases = []string{alias}
	}
	return c
}

// optSpec describes one option of an operation command.
type optSpec struct {
	name   string // without "--"
	nargs  string // "0", "1", "+", "?"
	member string // input member for parameters
	help   string
	enum   []string
	global bool
}

// globalOptions are the AWS CLI's options that every operation accepts.
func globalOptions() []optSpec {
	return []optSpec{
		{name: "debug", nargs: "0", help: "Log each request and response to stderr, secrets masked.", global: true},
		{name: "endpoint-url", nargs: "1", help: "Send requests to this URL instead of the configured or default endpoint.", global: true},
		{name: "no-verify-ssl", nargs: "0", help: "Accepted for compatibility; certificates are always verified.", global: true},
		{name: "no-paginate", nargs: "0", help: "Make one call only, even when the response says there is more.", global: true},
		{name: "output", nargs: "1", help: "Output format.", enum: outputFormats, global: true},
		{name: "query", nargs: "1", help: "A JMESPath expression that picks what to print.", global: true},
		{name: "profile", nargs: "1", help: "A profile from the shared config and credentials files.", global: true},
		{name: "region", nargs: "1", help: "The AWS region.", global: true},
		{name: "color", nargs: "1", help: "Accepted for compatibility; output is never colored.", enum: []string{"on", "off", "auto"}, global: true},
		{name: "no-sign-request", nargs: "0", help: "Send the request without SigV4 credentials.", global: true},
		{name: "ca-bundle", nargs: "1", help: "Accepted for compatibility.", global: true},
		{name: "cli-read-timeout", nargs: "1", help: "Seconds to wait for the response; 0 waits forever. Default 60.", global: true},
		{name: "cli-connect-timeout", nargs: "1", help: "Seconds to wait for the connection; 0 waits forever. Default 60.", global: true},
		{name: "cli-binary-format", nargs: "1", help: "Accepted for compatibility.", enum: []string{"base64", "raw-in-base64-out"}, global: true},
		{name: "no-cli-pager", nargs: "0", help: "Accepted for compatibility; output is never paged.", global: true},
		{name: "cli-auto-prompt", nargs: "0", help: "Not supported.", global: true},
		{name: "no-cli-auto-prompt", nargs: "0", help: "Accepted for compatibility.", global: true},
	}
}

// operationOptions lists the parameters of op in model order, then the
// input-file and skeleton options, then paging options where they apply.
func operationOptions(svc *Service, op *Operation) []optSpec {
	var opts []optSpec
	if in := svc.Shapes[op.Input]; in != nil {
		for _, m := range in.Members {
			sh := svc.Shapes[m.Shape]
			o := optSpec{name: xform.Name(m.Name, "-"), nargs: "1", member: m.Name, help: memberHelp(m.Name), enum: sh.Enum}
			if sh.Type == "list" {
				o.nargs = "+"
			}
			if sh.Type == "boolean" {
				o.nargs = "0"
			}
			opts = append(opts, o)
			if sh.Type == "boolean" {
				opts = append(opts, optSpec{name: "no-" + o.name, nargs: "0", member: m.Name})
			}
		}
	}
	opts = append(opts,
		optSpec{name: "cli-input-json", nargs: "1", help: "Read the parameters from this JSON document (or file://path); options given on the command line win."},
		optSpec{name: "cli-input-yaml", nargs: "1", help: "Read the parameters from this YAML document (or file://path); options given on the command line win."},
		optSpec{name: "generate-cli-skeleton", nargs: "?", enum: []string{"input", "yaml-input", "output"}, help: "Print a JSON (input, the default) or YAML (yaml-input) template of the parameters, or a sample response (output, after checking the parameters); send nothing."},
	)
	if paginator(op) != nil {
		opts = append(opts,
			optSpec{name: "starting-token", nargs: "1", help: "Continue from this token (the nextToken of an earlier page)."},
			optSpec{name: "page-size", nargs: "1", help: "Ask for pages of this many items; all pages are still fetched."},
			optSpec{name: "max-items", nargs: "1", help: "Not supported; use --no-paginate with --max-results."},
		)
	}
	return append(opts, globalOptions()...)
}

// paging describes an operation the AWS CLI pages through on its own.
type paging struct{ inputToken, outputToken, limitKey, resultKey string }

func paginator(op *Operation) *paging {
	switch op.Name {
	case "ListAccounts":
		return &paging{"nextToken", "nextToken", "maxResults", "accountList"}
	case "ListAccountRoles":
		return &paging{"nextToken", "nextToken", "maxResults", "roleList"}
	}
	return nil
}

// parsedArgs is the command line of one operation call.
type parsedArgs struct {
	values  map[string][]string // option name → values (nargs "0": ["true"])
	order   []string            // option names in the order seen
	unknown []string
	help    bool
}

func (p *parsedArgs) get(name string) (string, bool) {
	v, ok := p.values[name]
	if !ok || len(v) == 0 {
		return "", ok
	}
	return v[len(v)-1], true
}

func (p *parsedArgs) has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// looksLikeOption is argparse's test: a leading '-' that is not a negative
// number.
func looksLikeOption(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	rest := s[1:]
	for _, r := range rest {
		if (r < '0' || r > '9') && r != '.' {
			return true
		}
	}
	return false
}

// parseArgs reads the command line the way argparse does for the AWS CLI:
// "--name value", "--name=value", lists as the following words, and
// unknown words collected for one "Unknown options" error.
func parseArgs(opts []optSpec, args []string) (*parsedArgs, error) {
	byName := map[string]optSpec{}
	for _, o := range opts {
		byName[o.name] = o
	}
	p := &parsedArgs{values: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "help" || a == "--help" || a == "-h" {
			p.help = true
			continue
		}
		if !strings.HasPrefix(a, "--") {
			p.unknown = append(p.unknown, a)
			continue
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		o, ok := byName[name]
		if !ok {
			p.unknown = append(p.unknown, a)
			continue
		}
		var vals []string
		switch o.nargs {
		case "0":
			if hasVal {
				return nil, fmt.Errorf("argument --%s: ignored explicit argument '%s'", name, val)
			}
			vals = []string{"true"}
		case "1":
			switch {
			case hasVal:
				vals = []string{val}
			case i+1 < len(args) && !looksLikeOption(args[i+1]):
				i++
				vals = []string{args[i]}
			default:
				return nil, fmt.Errorf("argument --%s: expected one argument", name)
			}
		case "?":
			switch {
			case hasVal:
				vals = []string{val}
			case i+1 < len(args) && !looksLikeOption(args[i+1]):
				i++
				vals = []string{args[i]}
			default:
				vals = []string{o.enum[0]}
			}
			if !contains(o.enum, vals[0]) {
				return nil, fmt.Errorf("argument --%s: invalid choice: '%s' (choose from %s)", name, vals[0], quoteList(o.enum))
			}
		case "+":
			if hasVal {
				vals = []string{val}
			} else {
				for i+1 < len(args) && !looksLikeOption(args[i+1]) {
					i++
					vals = append(vals, args[i])
				}
				if len(vals) == 0 {
					return nil, fmt.Errorf("argument --%s: expected at least one argument", name)
				}
			}
		}
		if o.global && o.enum != nil && !contains(o.enum, vals[0]) {
			return nil, fmt.Errorf("argument --%s: invalid choice: '%s' (choose from %s)", name, vals[0], quoteList(o.enum))
		}
		if _, seen := p.values[name]; !seen {
			p.order = append(p.order, name)
		}
		p.values[name] = vals
	}
	return p, nil
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

const usageText = `usage: signet [options] <command> <subcommand> [<subcommand> ...] [parameters]
To see help text, you can run:

  signet help
  signet <command> help
  signet <command> <subcommand> help
`

// usageError prints an argparse-style error and yields exit code 252.
func usageError(env Env, msg string) error {
	fmt.Fprintf(env.Stderr, "\n%s\nsignet: error: %s\n", usageText, msg)
	return &ExitError{Code: ExitUsage, Err: errors.New(msg)}
}

// fail prints "\n<msg>\n" as the AWS CLI does for errors after parsing.
func fail(env Env, code int, msg string) error {
	fmt.Fprintf(env.Stderr, "\n%s\n", msg)
	return &ExitError{Code: code, Err: errors.New(msg)}
}

func writeOperationHelp(w io.Writer, svc *Service, op *Operation) {
	fmt.Fprintf(w, "NAME\n    %s\n\nDESCRIPTION\n    %s\n\nSYNOPSIS\n    signet %s %s\n", op.CLIName, operationHelp(svc.Name+"."+op.Name), svc.Name, op.CLIName)
	in := svc.Shapes[op.Input]
	opts := operationOptions(svc, op)
	for _, o := range opts {
		if o.global || (o.member != "" && strings.HasPrefix(o.name, "no-")) {
			continue
		}
		arg := " <value>"
		switch {
		case o.nargs == "0":
			arg = ""
		case o.nargs == "?":
			arg = " [<value>]"
		}
		if o.member != "" && in != nil && in.isRequired(o.member) {
			fmt.Fprintf(w, "    --%s%s\n", o.name, arg)
		} else {
			fmt.Fprintf(w, "    [--%s%s]\n", o.name, arg)
		}
	}
	fmt.Fprintf(w, "\nOPTIONS\n")
	for _, o := range opts {
		if o.global || o.help == "" {
			continue
		}
		typ := ""
		if o.member != "" && in != nil {
			m, _ := in.member(o.member)
			typ = " (" + typeLabel(svc, m.Shape) + ")"
			if in.isRequired(o.member) {
				typ += " [required]"
			}
		}
		fmt.Fprintf(w, "    --%s%s\n        %s\n", o.name, typ, o.help)
		if len(o.enum) > 0 {
			fmt.Fprintf(w, "        Possible values: %s\n", strings.Join(o.enum, ", "))
		}
		if o.member != "" {
			if m, _ := in.member(o.member); svc.Shapes[m.Shape].Type == "structure" {
				fmt.Fprintf(w, "        Shorthand: %s\n", shorthandExample(svc, svc.Shapes[m.Shape]))
			}
		}
	}
	fmt.Fprintf(w, "\nGLOBAL OPTIONS\n")
	for _, o := range globalOptions() {
		fmt.Fprintf(w, "    --%s\n        %s\n", o.name, o.help)
	}
}

func typeLabel(svc *Service, shape string) string {
	sh := svc.Shapes[shape]
	if sh.Type == "list" {
		return "list of " + typeLabel(svc, sh.Member)
	}
	return sh.Type
}

func shorthandExample(svc *Service, sh *Shape) string {
	parts := make([]string, 0, len(sh.Members))
	for _, m := range sh.Members {
		parts = append(parts, m.Name+"="+typeLabel(svc, m.Shape))
	}
	return strings.Join(parts, ",")
}

// completeOperation offers option names, and the values of options with a
// fixed set of values.
func completeOperation(svc *Service, op *Operation, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	opts := operationOptions(svc, op)
	if len(args) > 0 && strings.HasPrefix(args[len(args)-1], "--") && !strings.HasPrefix(toComplete, "-") {
		prev := strings.TrimPrefix(args[len(args)-1], "--")
		for _, o := range opts {
			if o.name == prev {
				if len(o.enum) > 0 {
					var out []cobra.Completion
					for _, v := range o.enum {
						if strings.HasPrefix(v, toComplete) {
							out = append(out, v)
						}
					}
					return out, cobra.ShellCompDirectiveNoFileComp
				}
				if o.nargs != "0" {
					return nil, cobra.ShellCompDirectiveDefault
				}
			}
		}
	}
	used := map[string]bool{}
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			n, _, _ := strings.Cut(a[2:], "=")
			used[n] = true
		}
	}
	var out []cobra.Completion
	for _, o := range opts {
		name := "--" + o.name
		if used[o.name] || !strings.HasPrefix(name, toComplete) {
			continue
		}
		out = append(out, cobra.CompletionWithDesc(name, o.help))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, cobra.ShellCompDirectiveNoFileComp
}
