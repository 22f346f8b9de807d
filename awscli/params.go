package awscli

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/signet-auth/signet/awscli/shorthand"
)

// paramError is the AWS CLI's "Error parsing parameter" (exit 252).
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func newParamError(opt, msg string) error {
	return &paramError{fmt.Sprintf("Error parsing parameter '--%s': %s", opt, msg)}
}

// loadParamFile resolves file:// (text) and fileb:// (bytes) values, as
// the AWS CLI does for every parameter.
func loadParamFile(env Env, opt, v string) (string, error) {
	for _, prefix := range []string{"file://", "fileb://"} {
		if p, ok := strings.CutPrefix(v, prefix); ok {
			b, err := os.ReadFile(env.expandHome(p))
			if err != nil {
				return "", newParamError(opt, fmt.Sprintf("Unable to load paramfile %s: %v", v, err))
			}
			return string(b), nil
		}
	}
	return v, nil
}

// unpack turns the words given for one option into a value of the
// member's shape: scalars as given, lists from several words or a JSON
// array, structures from shorthand or JSON.
func unpack(env Env, svc *Service, opt string, sh *Shape, words []string) (any, error) {
	for i, w := range words {
		v, err := loadParamFile(env, opt, w)
		if err != nil {
			return nil, err
		}
		words[i] = v
	}
	switch sh.Type {
	case "structure", "map":
		v := words[0]
		if strings.HasPrefix(strings.TrimSpace(v), "{") {
			return unpackJSON(opt, v)
		}
		if sh.Type == "map" {
			return nil, newParamError(opt, "Invalid JSON:\n"+v)
		}
		return unpackShorthand(svc, opt, sh, v)
	case "list":
		if len(words) == 1 && strings.HasPrefix(strings.TrimSpace(words[0]), "[") {
			return unpackJSON(opt, words[0])
		}
		member := svc.Shapes[sh.Member]
		l := make([]any, 0, len(words))
		for _, w := range words {
			v, err := unpack(env, svc, opt, member, []string{w})
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case "integer", "long":
		n, err := strconv.ParseInt(strings.TrimSpace(words[0]), 10, 64)
		if err != nil {
			return nil, newParamError(opt, fmt.Sprintf("invalid literal for int() with base 10: '%s'", words[0]))
		}
		return n, nil
	case "float", "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(words[0]), 64)
		if err != nil {
			return nil, newParamError(opt, fmt.Sprintf("could not convert string to float: '%s'", words[0]))
		}
		return f, nil
	case "boolean":
		return !strings.EqualFold(words[0], "false"), nil
	}
	return words[0], nil
}

func unpackJSON(opt, v string) (any, error) {
	out, err := decodeJSON([]byte(v))
	if err != nil {
		return nil, newParamError(opt, fmt.Sprintf("Invalid JSON: %v\nJSON received: %s", err, v))
	}
	return out, nil
}

func unpackShorthand(svc *Service, opt string, sh *Shape, v string) (any, error) {
	parsed, err := shorthand.Parse(v)
	if err != nil {
		return nil, newParamError(opt, err.Error())
	}
	return coerce(svc, sh, fromShorthand(parsed)), nil
}

func fromShorthand(v shorthand.Value) any {
	switch v := v.(type) {
	case *shorthand.Object:
		o := newObj()
		for _, k := range v.Keys {
			o.Set(k, fromShorthand(v.Values[k]))
		}
		return o
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = fromShorthand(e)
		}
		return l
	}
	return v
}

// coerce adjusts shorthand strings to the model as the AWS CLI does: a
// single value where a list is expected becomes a one-element list; numbers
// and booleans are converted.
func coerce(svc *Service, sh *Shape, v any) any {
	switch sh.Type {
	case "structure":
		o, ok := v.(*Obj)
		if !ok {
			return v
		}
		for _, m := range sh.Members {
			if mv, ok := o.M[m.Name]; ok {
				o.M[m.Name] = coerce(svc, svc.Shapes[m.Shape], mv)
			}
		}
		return o
	case "list":
		l, ok := v.([]any)
		if !ok {
			l = []any{v}
		}
		for i, e := range l {
			l[i] = coerce(svc, svc.Shapes[sh.Member], e)
		}
		return l
	case "map":
		if o, ok := v.(*Obj); ok {
			for _, k := range o.Keys {
				o.M[k] = coerce(svc, svc.Shapes[sh.Value], o.M[k])
			}
		}
		return v
	}
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch sh.Type {
	case "integer", "long":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "float", "double":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case "boolean":
		switch strings.ToLower(s) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return v
}

// validate checks params against the input shape as botocore's parameter
// validation does (required members, unknown members, types, minimum
// lengths and values) and, beyond botocore, enum values. It returns every
// problem, one per line.
func validate(svc *Service, sh *Shape, v any) []string {
	var errs []string
	validateShape(svc, sh, v, "input", &errs)
	return errs
}

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'str'>"
	case int64, json.Number:
		if n, ok := v.(json.Number); ok && strings.ContainsAny(string(n), ".eE") {
			return "<class 'float'>"
		}
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case bool:
		return "<class 'bool'>"
	case *Obj:
		return "<class 'dict'>"
	case []any:
		return "<class 'list'>"
	case nil:
		return "<class 'NoneType'>"
	}
	return fmt.Sprintf("%T", v)
}

// pyRepr renders a value roughly as Python's repr, for error messages.
func pyRepr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case *Obj:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			parts[i] = "'" + k + "': " + pyReprNested(v.M[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyReprNested(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return pyStr(v)
}

func pyReprNested(v any) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return pyRepr(v)
}

func validateShape(svc *Service, sh *Shape, v any, path string, errs *[]string) {
	badType := func(valid string) {
		*errs = append(*errs, fmt.Sprintf("Invalid type for parameter %s, value: %s, type: %s, valid types: %s", path, pyRepr(v), pyType(v), valid))
	}
	join := func(name string) string {
		if path == "input" {
			return name
		}
		return path + "." + name
	}
	switch sh.Type {
	case "structure":
		o, ok := v.(*Obj)
		if !ok {
			badType("<class 'dict'>")
			return
		}
		where := path
		for _, r := range sh.Required {
			if _, ok := o.M[r]; !ok {
				*errs = append(*errs, fmt.Sprintf("Missing required parameter in %s: \"%s\"", where, r))
			}
		}
		names := make([]string, len(sh.Members))
		for i, m := range sh.Members {
			names[i] = m.Name
		}
		for _, k := range o.Keys {
			if _, ok := sh.member(k); !ok {
				*errs = append(*errs, fmt.Sprintf("Unknown parameter in %s: \"%s\", must be one of: %s", where, k, strings.Join(names, ", ")))
			}
		}
		for _, m := range sh.Members {
			if mv, ok := o.M[m.Name]; ok {
				validateShape(svc, svc.Shapes[m.Shape], mv, join(m.Name), errs)
			}
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			badType("<class 'list'>, <class 'tuple'>")
			return
		}
		if sh.Min != nil && int64(len(l)) < *sh.Min {
			*errs = append(*errs, fmt.Sprintf("Invalid length for parameter %s, value: %d, valid min length: %d", path, len(l), *sh.Min))
		}
		for i, e := range l {
			validateShape(svc, svc.Shapes[sh.Member], e, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case "map":
		o, ok := v.(*Obj)
		if !ok {
			badType("<class 'dict'>")
			return
		}
		for _, k := range o.Keys {
			validateShape(svc, svc.Shapes[sh.Value], o.M[k], path+"."+k, errs)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			badType("<class 'str'>")
			return
		}
		if sh.Min != nil && int64(len([]rune(s))) < *sh.Min {
			*errs = append(*errs, fmt.Sprintf("Invalid length for parameter %s, value: %d, valid min length: %d", path, len([]rune(s)), *sh.Min))
		}
		if len(sh.Enum) > 0 && !contains(sh.Enum, s) {
			*errs = append(*errs, fmt.Sprintf("Invalid value for parameter %s, value: %s, valid values: %s", path, s, strings.Join(sh.Enum, ", ")))
		}
	case "integer", "long":
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case json.Number:
			i, err := x.Int64()
			if err != nil {
				badType("<class 'int'>")
				return
			}
			n = i
		default:
			badType("<class 'int'>")
			return
		}
		if sh.Min != nil && n < *sh.Min {
			*errs = append(*errs, fmt.Sprintf("Invalid value for parameter %s, value: %d, valid min value: %d", path, n, *sh.Min))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			badType("<class 'bool'>")
		}
	}
}

// skeleton builds the AWS CLI's sample of a shape: for input, empty
// strings, 0, true and one-element lists (enums show their first value);
// for output (memberNames), strings hold their member's name.
func skeleton(svc *Service, name string, memberNames bool) any {
	return skel(svc, name, "", memberNames, map[string]int{})
}

func skel(svc *Service, name, member string, memberNames bool, stack map[string]int) any {
	sh := svc.Shapes[name]
	stack[name]++
	defer func() { stack[name]-- }()
	switch sh.Type {
	case "structure":
		o := newObj()
		if stack[name] > 1 {
			return o
		}
		for _, m := range sh.Members {
			o.Set(m.Name, skel(svc, m.Shape, m.Name, memberNames, stack))
		}
		return o
	case "list":
		elem := ""
		if memberNames {
			elem = sh.Member
		}
		return []any{skel(svc, sh.Member, elem, memberNames, stack)}
	case "map":
		o := newObj()
		o.Set("KeyName", skel(svc, sh.Value, "", memberNames, stack))
		return o
	case "string":
		if memberNames {
			return member
		}
		if len(sh.Enum) > 0 {
			return sh.Enum[0]
		}
		return ""
	case "integer", "long":
		return int64(0)
	case "float", "double":
		return 0.0
	case "boolean":
		return true
	case "timestamp":
		return "1970-01-01T00:00:00"
	}
	return ""
}

// yamlSkeleton is --generate-cli-skeleton yaml-input: the input skeleton as
// YAML, each member annotated with [REQUIRED], its help and its values.
func yamlSkeleton(svc *Service, name string) string {
	var b strings.Builder
	sh := svc.Shapes[name]
	if sh == nil || len(sh.Members) == 0 {
		return "{}\n"
	}
	yamlSkelStruct(&b, svc, sh, 0, map[string]int{name: 1})
	return b.String()
}

func yamlSkelStruct(b *strings.Builder, svc *Service, sh *Shape, indent int, stack map[string]int) {
	pad := strings.Repeat(" ", indent)
	for _, m := range sh.Members {
		ms := svc.Shapes[m.Shape]
		var comment []string
		if sh.isRequired(m.Name) {
			comment = append(comment, "[REQUIRED]")
		}
		if h := memberHelp(m.Name); h != "" {
			comment = append(comment, h)
		}
		if len(ms.Enum) > 0 {
			comment = append(comment, "Valid values are: "+strings.Join(ms.Enum, ", ")+".")
		}
		c := ""
		if len(comment) > 0 {
			c = "  # " + strings.Join(comment, " ")
		}
		switch {
		case ms.Type == "structure" && stack[m.Shape] == 0 && len(ms.Members) > 0:
			fmt.Fprintf(b, "%s%s:%s\n", pad, m.Name, c)
			stack[m.Shape]++
			yamlSkelStruct(b, svc, ms, indent+2, stack)
			stack[m.Shape]--
		case ms.Type == "structure" || ms.Type == "map":
			fmt.Fprintf(b, "%s%s: {}%s\n", pad, m.Name, c)
		case ms.Type == "list":
			var lb strings.Builder
			writeYAML(&lb, skeleton(svc, m.Shape, false), indent, false)
			fmt.Fprintf(b, "%s%s:%s\n%s", pad, m.Name, c, lb.String())
		default:
			fmt.Fprintf(b, "%s%s: %s%s\n", pad, m.Name, yamlScalar(skeleton(svc, m.Shape, false)), c)
		}
	}
}

// requiredMissing lists the required options absent from the command line,
// in model order, for argparse's "the following arguments are required".
func requiredMissing(in *Shape, p *parsedArgs, opts []optSpec) []string {
	var missing []string
	for _, o := range opts {
		if o.member == "" || strings.HasPrefix(o.name, "no-") {
			continue
		}
		if in.isRequired(o.member) && !p.has(o.name) {
			missing = append(missing, "--"+o.name)
		}
	}
	return missing
}
