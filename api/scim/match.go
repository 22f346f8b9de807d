package scim

import (
	"strings"
)

// Evaluating a filter against a rendered resource. Attribute names are
// case-insensitive; string values compare case-insensitively except the
// case-exact ones (id, externalId, and members' and groups' value: RFC 7643
// §4.1, §4.2 and §8.7.1). A comparison on a multi-valued attribute holds
// when it holds for some value. An attribute the resource lacks matches
// nothing but "ne".

// caseExact names the attributes compared case-sensitively.
var caseExact = map[string]bool{"id": true, "externalid": true, "value": true}

func (f orF) match(v any) bool  { return f.l.match(v) || f.r.match(v) }
func (f andF) match(v any) bool { return f.l.match(v) && f.r.match(v) }
func (f notF) match(v any) bool { return !f.f.match(v) }

func (f valueF) match(v any) bool {
	for _, e := range values(field(v, f.attr)) {
		if f.inner.match(e) {
			return true
		}
	}
	return false
}

func (f cmpF) match(v any) bool {
	got := field(v, f.path.attr)
	exactName := f.path.attr
	if f.path.sub != "" {
		var subs []any
		for _, e := range values(got) {
			if x := field(e, f.path.sub); x != nil {
				subs = append(subs, values(x)...)
			}
		}
		got, exactName = subs, f.path.sub
	}
	vals := values(got)
	if f.path.sub == "" {
		// A complex value compares by its "value" (members eq "…").
		flat := make([]any, len(vals))
		for i, x := range vals {
			flat[i] = x
			if m, ok := x.(map[string]any); ok {
				flat[i], exactName = field(m, "value"), "value"
			}
		}
		vals = flat
	}
	if f.op == "pr" {
		for _, x := range vals {
			if s, ok := x.(string); !ok || s != "" {
				return true
			}
		}
		return false
	}
	if f.op == "ne" {
		for _, x := range vals {
			if compare(x, "eq", f.value, caseExact[exactName]) {
				return false
			}
		}
		return true
	}
	for _, x := range vals {
		if compare(x, f.op, f.value, caseExact[exactName]) {
			return true
		}
	}
	return false
}

// field returns v's attribute name (lower-cased), whatever its case.
func field(v any, name string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if x, ok := m[name]; ok {
		return x
	}
	for k, x := range m {
		if strings.EqualFold(k, name) {
			return x
		}
	}
	return nil
}

// values is x as a list: a multi-valued attribute's elements, a single
// value alone, nothing for nil.
func values(x any) []any {
	switch x := x.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{x}
}

// compare applies op to got and want.
func compare(got any, op string, want any, exact bool) bool {
	switch w := want.(type) {
	case nil:
		return op == "eq" && got == nil
	case bool:
		g, ok := got.(bool)
		return ok && op == "eq" && g == w
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return g == w
		case "gt":
			return g > w
		case "ge":
			return g >= w
		case "lt":
			return g < w
		case "le":
			return g <= w
		}
		return false
	case string:
		g, ok := got.(string)
		if !ok {
			return false
		}
		if !exact {
			g, w = strings.ToLower(g), strings.ToLower(w)
		}
		switch op {
		case "eq":
			return g == w
		case "co":
			return strings.Contains(g, w)
		case "sw":
			return strings.HasPrefix(g, w)
		case "ew":
			return strings.HasSuffix(g, w)
		case "gt":
			return g > w
		case "ge":
			return g >= w
		case "lt":
			return g < w
		case "le":
			return g <= w
		}
	}
	return false
}
