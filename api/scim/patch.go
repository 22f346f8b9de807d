package scim

import (
	"bytes"
	"encoding/json"
	"strings"
)

// PATCH (RFC 7644 §3.5.2): operations are applied, in order, to the
// resource as rendered; the result is read back like a PUT body and
// replaces the resource in one transaction, so a refused operation leaves
// nothing applied. Okta's and Entra ID's forms are accepted: op in any
// case ("Replace"), no path with an object value, "members" removed by a
// value list, and Entra's "active" as the string "False".

const patchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// patchOp is one parsed operation.
type patchOp struct {
	op    string // add, replace or remove
	path  patchPath
	value any
}

// patchPath is attr[filter].sub with each part optional but attr; an
// empty attr means no path.
type patchPath struct {
	attr, sub string
	filter    filter
}

// parsePatch reads a PatchOp body of at most maxOps operations.
func parsePatch(body []byte, maxOps int) ([]patchOp, error) {
	var req struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		} `json:"Operations"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&req); err != nil {
		return nil, errInvalidSyntax("The body is not a PatchOp request.")
	}
	if !containsFold(req.Schemas, patchOpSchema) {
		return nil, errInvalidSyntax("The body's schemas must list " + patchOpSchema + ".")
	}
	switch {
	case len(req.Operations) == 0:
		return nil, errInvalidSyntax("A PatchOp request needs at least one operation.")
	case len(req.Operations) > maxOps:
		return nil, errTooMany("The request has more operations than the server accepts at once.")
	}
	ops := make([]patchOp, 0, len(req.Operations))
	for _, o := range req.Operations {
		op := patchOp{op: strings.ToLower(o.Op)}
		if op.op != "add" && op.op != "replace" && op.op != "remove" {
			return nil, errInvalidSyntax("An operation's op must be add, replace or remove.")
		}
		if o.Path != "" {
			p, err := parsePatchPath(o.Path)
			if err != nil {
				return nil, err
			}
			op.path = p
		}
		if len(o.Value) > 0 {
			if err := json.Unmarshal(o.Value, &op.value); err != nil {
				return nil, errInvalidSyntax("An operation's value is not JSON.")
			}
		}
		switch {
		case op.op == "remove" && op.path.attr == "":
			return nil, errNoTarget("A remove operation needs a path.")
		case op.op != "remove" && op.value == nil:
			return nil, errInvalidValue("An add or replace operation needs a value.")
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// parsePatchPath parses attrPath or valuePath ["." subAttr] (RFC 7644
// §3.5.2, PATH).
func parsePatchPath(s string) (patchPath, error) {
	if len(s) > maxFilterLen {
		return patchPath{}, errInvalidPath("The path is too long.")
	}
	i := strings.IndexByte(s, '[')
	if i < 0 {
		a, err := parseAttrPath(s)
		if err != nil {
			return patchPath{}, errInvalidPath("The path is not an attribute path.")
		}
		return patchPath{attr: a.attr, sub: a.sub}, nil
	}
	j := strings.LastIndexByte(s, ']')
	if j < i {
		return patchPath{}, errInvalidPath("The path's value filter is not closed.")
	}
	a, err := parseAttrPath(s[:i])
	if err != nil || a.sub != "" {
		return patchPath{}, errInvalidPath("The path is not an attribute path.")
	}
	f, err := parseFilter(s[i+1 : j])
	if err != nil {
		return patchPath{}, errInvalidPath("The path's value filter is not valid.")
	}
	p := patchPath{attr: a.attr, filter: f}
	if rest := s[j+1:]; rest != "" {
		if rest[0] != '.' || !validName(rest[1:]) {
			return patchPath{}, errInvalidPath("The path's sub-attribute is not valid.")
		}
		p.sub = strings.ToLower(rest[1:])
	}
	return p, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
