package awscli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	jmespath "github.com/jmespath-community/go-jmespath"
)

// runOperation is one "signet <service> <operation> ..." call.
func runOperation(ctx context.Context, env Env, svc *Service, op *Operation, args []string) error {
	opts := operationOptions(svc, op)
	p, err := parseArgs(opts, args)
	if err != nil {
		return usageError(env, err.Error())
	}
	if p.help {
		writeOperationHelp(env.Stdout, svc, op)
		return nil
	}
	if len(p.unknown) > 0 {
		return usageError(env, "Unknown options: "+strings.Join(p.unknown, ", "))
	}
	in := svc.Shapes[op.Input]
	if in == nil {
		in = &Shape{Type: "structure"}
	}
	skel, _ := p.get("generate-cli-skeleton")
	switch skel {
	case "input":
		var b strings.Builder
		writeJSON(&b, skeleton(svc, op.Input, false), 0)
		fmt.Fprintln(env.Stdout, b.String())
		return nil
	case "yaml-input":
		fmt.Fprint(env.Stdout, yamlSkeleton(svc, op.Input))
		return nil
	}
	if p.has("cli-input-json") && p.has("cli-input-yaml") {
		return usageError(env, "argument --cli-input-yaml: not allowed with argument --cli-input-json")
	}
	if !p.has("cli-input-json") && !p.has("cli-input-yaml") {
		if missing := requiredMissing(in, p, opts); len(missing) > 0 {
			return usageError(env, "the following arguments are required: "+strings.Join(missing, ", "))
		}
	}

	st, err := loadSettings(env, first(p.get("profile")))
	if err != nil {
		return fail(env, ExitConfig, err.Error())
	}
	format := first(p.get("output"))
	if format == "" {
		format = env.getenv("AWS_DEFAULT_OUTPUT")
	}
	if format == "" {
		format = st.get("output")
	}
	if format == "" {
		format = "json"
	}
	if !contains(outputFormats, format) {
		return usageError(env, fmt.Sprintf("argument --output: invalid choice: '%s' (choose from %s)", format, quoteList(outputFormats)))
	}
	var query jmespath.JMESPath
	if q, ok := p.get("query"); ok {
		query, err = jmespath.Compile(q)
		if err != nil {
			return usageError(env, fmt.Sprintf("argument --query: Bad value for --query %s: %v", q, err))
		}
	}

	params, err := buildParams(env, svc, op, in, opts, p)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return fail(env, ExitUsage, pe.msg)
		}
		return fail(env, ExitOther, err.Error())
	}
	if errs := validate(svc, in, params); len(errs) > 0 {
		return fail(env, ExitUsage, "Parameter validation failed:\n"+strings.Join(errs, "\n"))
	}

	var result any
	var pages []*Obj
	if skel == "output" {
		result = newObj()
		if op.Output != "" {
			result = skeleton(svc, op.Output, true)
		}
	} else {
		c, err := newCaller(ctx, env, st, svc, op, p)
		if err != nil {
			return err
		}
		result, pages, err = c.callAll(ctx, params)
		if err != nil {
			return err
		}
	}
	// text and yaml-stream print page by page, the query applied to each,
	// as the AWS CLI streams them.
	if pg := paginator(op); pg != nil && len(pages) > 1 && (format == "text" || format == "yaml-stream") {
		for i, page := range pages {
			cur := newObj()
			if i == 0 {
				for _, k := range page.Keys {
					if k != pg.outputToken {
						cur.Set(k, page.M[k])
					}
				}
			}
			if v, ok := page.M[pg.resultKey]; ok {
				cur.Set(pg.resultKey, v)
			}
			if err := printResult(env, format, op.Name, cur, query, queryText(p)); err != nil {
				return err
			}
		}
		return nil
	}
	return printResult(env, format, op.Name, result, query, queryText(p))
}

func queryText(p *parsedArgs) string {
	q, _ := p.get("query")
	return q
}

func printResult(env Env, format, title string, result any, query jmespath.JMESPath, expr string) error {
	if query != nil {
		order := orderTable{}
		r, err := query.Search(plain(result, order))
		if err != nil {
			return fail(env, ExitOther, err.Error())
		}
		result = ordered(r, order, expr)
	}
	if err := writeOutput(env.Stdout, format, title, result); err != nil {
		return fail(env, ExitOther, err.Error())
	}
	return nil
}

func first(s string, _ bool) string { return s }

// buildParams assembles the request parameters: the input file first, then
// every option given on the command line on top of it.
func buildParams(env Env, svc *Service, op *Operation, in *Shape, opts []optSpec, p *parsedArgs) (*Obj, error) {
	params := newObj()
	for _, name := range []string{"cli-input-json", "cli-input-yaml"} {
		raw, ok := p.get(name)
		if !ok {
			continue
		}
		raw, err := loadParamFile(env, name, raw)
		if err != nil {
			return nil, err
		}
		var doc any
		if name == "cli-input-json" {
			doc, err = decodeJSON([]byte(raw))
			if err != nil {
				return nil, newParamError(name, fmt.Sprintf("Invalid JSON: %v\nJSON received: %s", err, raw))
			}
		} else {
			doc, err = decodeYAML([]byte(raw))
			if err != nil {
				return nil, newParamError(name, fmt.Sprintf("Invalid YAML: %v", err))
			}
		}
		o, ok := doc.(*Obj)
		if !ok {
			if doc == nil {
				continue
			}
			return nil, newParamError(name, "Invalid JSON received.")
		}
		for _, k := range o.Keys {
			params.Set(k, o.M[k])
		}
	}
	byName := map[string]optSpec{}
	for _, o := range opts {
		byName[o.name] = o
	}
	for _, name := range p.order {
		o := byName[name]
		if o.member == "" {
			continue
		}
		m, _ := in.member(o.member)
		sh := svc.Shapes[m.Shape]
		if sh.Type == "boolean" {
			params.Set(o.member, !strings.HasPrefix(name, "no-"))
			continue
		}
		v, err := unpack(env, svc, name, sh, append([]string(nil), p.values[name]...))
		if err != nil {
			return nil, err
		}
		params.Set(o.member, v)
	}
	// Paging options map onto the paginator's members.
	if pg := paginator(op); pg != nil {
		if v, ok := p.get("starting-token"); ok {
			params.Set(pg.inputToken, v)
		}
		if v, ok := p.get("page-size"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, newParamError("page-size", fmt.Sprintf("invalid literal for int() with base 10: '%s'", v))
			}
			params.Set(pg.limitKey, n)
		}
	}
	return params, nil
}

// timeoutFlag reads --cli-read-timeout / --cli-connect-timeout (seconds,
// 0 for none, default 60).
func timeoutFlag(p *parsedArgs, name string) (time.Duration, error) {
	v, ok := p.get(name)
	if !ok {
		return 60 * time.Second, nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("argument --%s: invalid int value: '%s'", name, v)
	}
	return time.Duration(n * float64(time.Second)), nil
}
