package awscli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Obj is a JSON object that remembers key order: the AWS CLI prints members
// in model order and reads input files in file order.
type Obj struct {
	Keys []string
	M    map[string]any
}

func newObj() *Obj { return &Obj{M: map[string]any{}} }

// Set adds or replaces key, keeping its first position.
func (o *Obj) Set(k string, v any) {
	if _, ok := o.M[k]; !ok {
		o.Keys = append(o.Keys, k)
	}
	o.M[k] = v
}

// Get returns the value of k.
func (o *Obj) Get(k string) (any, bool) {
	v, ok := o.M[k]
	return v, ok
}

func (o *Obj) del(k string) {
	if _, ok := o.M[k]; !ok {
		return
	}
	delete(o.M, k)
	for i, kk := range o.Keys {
		if kk == k {
			o.Keys = append(o.Keys[:i:i], o.Keys[i+1:]...)
			break
		}
	}
}

// decodeJSON decodes one JSON document into Obj, []any, string,
// json.Number, bool and nil, keeping object key order.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("extra data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObj()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.Set(k, v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// decodeYAML decodes one YAML document the same way.
func decodeYAML(data []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if n.Kind == 0 {
		return nil, nil
	}
	return yamlValue(&n, 0)
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("YAML nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1)
	case yaml.MappingNode:
		o := newObj()
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			o.Set(n.Content[i].Value, v)
		}
		return o, nil
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	default:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			err := n.Decode(&b)
			return b, err
		case "!!int", "!!float":
			return json.Number(n.Value), nil
		}
		return n.Value, nil
	}
}

// orderTable remembers the key order of the maps handed to JMESPath, by
// map identity, so that objects that pass through a query unchanged print
// in their original order.
type orderTable map[uintptr][]string

// plain converts to the map[string]any form JMESPath evaluates.
func plain(v any, order orderTable) any {
	switch v := v.(type) {
	case *Obj:
		m := make(map[string]any, len(v.Keys))
		for _, k := range v.Keys {
			m[k] = plain(v.M[k], order)
		}
		order[reflect.ValueOf(m).Pointer()] = v.Keys
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = plain(e, order)
		}
		return l
	case json.Number:
		f, _ := v.Float64()
		return f
	case int64:
		return float64(v)
	}
	return v
}

// ordered converts a query result back, restoring known key orders. Maps
// the query built (multi-select hashes) take the order their keys appear in
// the expression, as Python's ordered dicts give the AWS CLI.
func ordered(v any, order orderTable, expr string) any {
	switch v := v.(type) {
	case map[string]any:
		keys, ok := order[reflect.ValueOf(v).Pointer()]
		if !ok || len(keys) != len(v) {
			keys = make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			pos := func(k string) int {
				re := regexp.MustCompile(`(^|[{,\s])` + regexp.QuoteMeta(k) + `\s*:`)
				if loc := re.FindStringIndex(expr); loc != nil {
					return loc[0]
				}
				return len(expr)
			}
			sort.Slice(keys, func(i, j int) bool {
				pi, pj := pos(keys[i]), pos(keys[j])
				if pi != pj {
					return pi < pj
				}
				return keys[i] < keys[j]
			})
		}
		o := newObj()
		for _, k := range keys {
			o.Set(k, ordered(v[k], order, expr))
		}
		return o
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = ordered(e, order, expr)
		}
		return l
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case int:
		return int64(v)
	}
	return v
}

// pyStr renders a scalar as Python's str() does, which is what the AWS
// CLI's text and table output print.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
