package scim

import (
	"encoding/json"
	"strings"
)

// readOnly attributes no operation may touch (RFC 7643 §3.1, §4.1.2).
var readOnly = map[string]bool{"id": true, "meta": true, "groups": true, "schemas": true}

// applyPatch applies ops to res in order and returns how many members the
// operations named (what the engine bounds). The operations' values are
// copied in, so ops can be applied again (the engine retries an update
// that met a concurrent write).
func applyPatch(res map[string]any, ops []patchOp) (members int, err error) {
	for _, o := range ops {
		o.value = deepCopy(o.value)
		if o.path.attr != "" {
			n, err := applyAt(res, o.op, o.path, o.value)
			if err != nil {
				return 0, err
			}
			members += n
			continue
		}
		obj, ok := o.value.(map[string]any)
		if !ok {
			return 0, errInvalidValue("An operation without a path needs an object value.")
		}
		for k, v := range obj {
			a, perr := parseAttrPath(k)
			if perr != nil {
				return 0, errInvalidPath("A key of the value is not an attribute path.")
			}
			n, err := applyAt(res, o.op, patchPath{attr: a.attr, sub: a.sub}, v)
			if err != nil {
				return 0, err
			}
			members += n
		}
	}
	return members, nil
}

// key returns res's key for attr, whatever its case, or attr.
func key(res map[string]any, attr string) string {
	for k := range res {
		if strings.EqualFold(k, attr) {
			return k
		}
	}
	return attr
}

// applyAt applies one operation at path.
func applyAt(res map[string]any, op string, p patchPath, value any) (int, error) {
	k := key(res, p.attr)
	if readOnly[p.attr] {
		// Okta renames a group with its id in the value: the same value
		// is no change (RFC 7643 §2.2, immutable).
		if op == "replace" && p.sub == "" && p.filter == nil && sameJSON(res[k], value) {
			return 0, nil
		}
		return 0, errMutability("The attribute " + p.attr + " cannot be changed.")
	}
	named := 0
	if p.attr == "members" {
		named = len(values(value))
	}
	if p.filter != nil {
		n, err := applyFiltered(res, k, op, p, value)
		if p.attr == "members" && op == "remove" {
			named = n
		}
		return named, err
	}
	if p.sub != "" {
		for _, e := range targets(res, k) {
			if op == "remove" {
				delete(e, key(e, p.sub))
			} else {
				e[key(e, p.sub)] = value
			}
		}
		return named, nil
	}
	cur, isList := res[k].([]any)
	switch {
	case op == "remove" && value != nil && isList:
		res[k] = without(cur, values(value))
	case op == "remove":
		delete(res, k)
	case op == "add" && (isList || isSlice(value)):
		res[k] = union(cur, values(value))
	default:
		res[k] = value
	}
	return named, nil
}

// applyFiltered applies an operation to the elements of res[k] that match
// p.filter; it returns how many matched.
func applyFiltered(res map[string]any, k, op string, p patchPath, value any) (int, error) {
	cur, _ := res[k].([]any)
	var keep []any
	n := 0
	for _, e := range cur {
		if !p.filter.match(e) {
			keep = append(keep, e)
			continue
		}
		n++
		m, _ := e.(map[string]any)
		switch {
		case op == "remove" && p.sub == "":
			continue
		case op == "remove":
			if m != nil {
				delete(m, key(m, p.sub))
			}
		case p.sub != "":
			if m != nil {
				m[key(m, p.sub)] = value
			}
		default:
			if v, ok := value.(map[string]any); ok && m != nil {
				for vk, vv := range v {
					m[key(m, vk)] = vv
				}
			} else {
				e = value
			}
		}
		keep = append(keep, e)
	}
	if n == 0 {
		return 0, errNoTarget("No value matches the path's filter.")
	}
	if keep == nil {
		delete(res, k)
	} else {
		res[k] = keep
	}
	return n, nil
}

// targets are the objects a sub-attribute path reaches: res[k] itself
// (created when missing) or every object of a multi-valued one.
func targets(res map[string]any, k string) []map[string]any {
	switch v := res[k].(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	m := map[string]any{}
	res[k] = m
	return []map[string]any{m}
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = deepCopy(x)
		}
		return l
	}
	return v
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func isSlice(v any) bool { _, ok := v.([]any); return ok }

// identity is what makes two values of a multi-valued attribute the same:
// their "value" when they have one.
func identity(e any) any {
	if m, ok := e.(map[string]any); ok {
		if v, ok := field(m, "value").(string); ok {
			return v
		}
	}
	if s, ok := e.(string); ok {
		return s
	}
	return nil
}

// union appends the values of add not already in cur.
func union(cur, add []any) []any {
	seen := make(map[any]bool, len(cur)+len(add))
	out := make([]any, 0, len(cur)+len(add))
	for _, e := range append(append([]any(nil), cur...), add...) {
		if id := identity(e); id != nil {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		out = append(out, e)
	}
	return out
}

// without removes from cur the values whose identity one of drop has.
func without(cur, drop []any) []any {
	gone := make(map[any]bool, len(drop))
	for _, d := range drop {
		if id := identity(d); id != nil {
			gone[id] = true
		}
	}
	var out []any
	for _, e := range cur {
		if id := identity(e); id == nil || !gone[id] {
			out = append(out, e)
		}
	}
	return out
}
