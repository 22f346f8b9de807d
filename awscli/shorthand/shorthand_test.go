package shorthand

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// toJSON renders a parsed value with keys in input order.
func toJSON(v Value) string {
	switch v := v.(type) {
	case string:
		b, _ := json.Marshal(v)
		return string(b)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = toJSON(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *Object:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			kb, _ := json.Marshal(k)
			parts[i] = string(kb) + ":" + toJSON(v.Values[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return "?"
}

// The expectations were taken from the AWS CLI's own parser on the same
// inputs.
func TestParse(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: `a=b`, want: `{"a":"b"}`},
		{in: `a=b,c=d`, want: `{"a":"b","c":"d"}`},
		{in: `a=b,c`, want: `{"a":["b","c"]}`},
		{in: `a=b,c,d=e`, want: `{"a":["b","c"],"d":"e"}`},
		{in: `a=[b,c],d={e=f,g=[h]}`, want: `{"a":["b","c"],"d":{"e":"f","g":["h"]}}`},
		{in: `a='x,y',b="q\"r"`, want: `{"a":"x,y","b":"q\"r"}`},
		{in: `a=x\,y`, want: `{"a":"x,y"}`},
		{in: `a= b , c=d `, want: `{"a":"b","c":"d"}`},
		{in: `a=`, want: `{"a":""}`},
		{in: `a=b,,c=d`, want: `{"a":"b","c":"d"}`},
		{in: `k=v=w`, want: `{"k":"v=w"}`},
		{in: `a=b\c`, want: `{"a":"b\\c"}`},
		{in: `a='it\'s'`, want: `{"a":"it's"}`},
		{in: `a=[]`, want: `{"a":[]}`},
		{in: `a={}`, want: `{"a":{}}`},
		{in: `a=b c`, want: `{"a":"b c"}`},
		{in: `a=[ b , c ]`, want: `{"a":["b","c"]}`},
		{in: `=x`, want: `{"":"x"}`},
		{in: `code=abc,redirectUri=https://x.example/cb?a=1&b=2`, want: `{"code":"abc","redirectUri":"https://x.example/cb?a=1\u0026b=2"}`},
		{in: `a={b={c=[1,2]}}`, want: `{"a":{"b":{"c":["1","2"]}}}`},
		{in: `a=[{b=c},{d=e}]`, want: `{"a":[{"b":"c"},{"d":"e"}]}`},
		{in: `a=https://x/y,b=2`, want: `{"a":"https://x/y","b":"2"}`},
		{in: `a={`, err: "Expected: '=', received: 'EOF' for input:\na={\n   ^"},
		{in: `a=[b`, err: "Expected: ',', received: 'EOF'"},
		{in: `a=b,c=[d,e],f`, err: "Expected: '=', received: 'EOF'"},
		{in: `a=b,`, err: "Expected: '<second>', received: '<none>'"},
		{in: `a=b,c,`, err: "Expected: '<second>', received: '<none>'"},
		{in: `a="x`, err: "Expected: '<double quoted>', received: '<none>'"},
		{in: `a=b,a=c`, err: "Second instance of key \"a\" encountered for input:\na=b,a=c\n    ^\nThis is often because there is a preceding \",\" instead of a space."},
		{in: "a=" + strings.Repeat("[", 100), err: "Nesting deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) error = %v, want prefix %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if s := toJSON(got); s != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, s, tt.want)
			}
		})
	}
}

// FuzzShorthand checks that no input panics, that every failure is a
// *SyntaxError with an offset inside the input, and that parsing is
// deterministic.
func FuzzShorthand(f *testing.F) {
	for _, s := range []string{
		"a=b", "a=b,c", "a=[b,c],d={e=f,g=[h]}", `a='x,y',b="q\"r"`, `a=x\,y`, "a={b={c=[1,2]}}",
		"code=abc,redirectUri=https://x.example/cb", "a=b,,c=d", "a=", "=", "", "[", "a=[{", "a=\xff", "a=b\n,c=\td",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v1, err1 := Parse(s)
		if err1 != nil {
			var se *SyntaxError
			if !errors.As(err1, &se) {
				t.Fatalf("error of type %T", err1)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("offset %d outside input of %d bytes", se.Offset, len(s))
			}
		}
		v2, err2 := Parse(s)
		if (err1 == nil) != (err2 == nil) || (err1 == nil && toJSON(v1) != toJSON(v2)) {
			t.Fatalf("not deterministic")
		}
	})
}
