package shorthand

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Value is what Parse yields: string, []any (a list) or *Object.
type Value = any

// Object is a parsed key=value group. Keys keeps the order of appearance,
// which the JSON skeletons and request bodies preserve.
type Object struct {
	Keys   []string
	Values map[string]Value
}

// Get returns the value of key and whether it is present.
func (o *Object) Get(key string) (Value, bool) {
	v, ok := o.Values[key]
	return v, ok
}

func (o *Object) set(key string, v Value) {
	if _, ok := o.Values[key]; !ok {
		o.Keys = append(o.Keys, key)
	}
	o.Values[key] = v
}

// SyntaxError reports where the input stopped making sense.
type SyntaxError struct {
	Input  string
	Offset int // byte offset into Input
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// location renders the input with a caret under the failing character, on
// the line it belongs to.
func location(input string, offset int) string {
	consumed, remaining := input, ""
	lineStart := strings.LastIndexByte(input[:offset], '\n') + 1
	spaces := utf8.RuneCountInString(input[lineStart:offset])
	if nl := strings.IndexByte(input[offset:], '\n'); nl >= 0 {
		consumed, remaining = input[:offset+nl], input[offset+nl:]
	}
	return consumed + "\n" + strings.Repeat(" ", spaces) + "^" + remaining
}

// The character classes of bare values. Whitespace is Python's str.isspace
// set, so that " \x1c" and friends split and trim exactly as the reference
// parser does.
const ws = `\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// Anchored at the start of the remaining input; Go's regexp picks the same
// leftmost-first match a backtracking engine would.
type grammar struct {
	single, double, first, second *regexp.Regexp
}

func newGrammar() grammar {
	const (
		start        = `!#-&(-+\--<>-Z\\-z|-\x{FFFF}`
		firstFollow  = ws + `!#-&(-+\--\\\^-\|~-\x{FFFF}`
		secondFollow = ws + `!#-&(-+\--<>-\x{FFFF}`
		escComma     = `\\,`
	)
	return grammar{
		single: regexp.MustCompile(`^'(?:\\'|[^'])*'`),
		double: regexp.MustCompile(`^"(?:\\"|[^"])*"`),
		first:  regexp.MustCompile(`^(?:` + escComma + `|[` + start + `])(?:` + escComma + `|[` + firstFollow + `])*`),
		second: regexp.MustCompile(`^(?:` + escComma + `|[` + start + `])(?:` + escComma + `|[` + secondFollow + `])*`),
	}
}

type parser struct {
	g     grammar
	in    string
	pos   int
	depth int
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.pos, fmt.Sprintf("Nesting deeper than %d levels for input:\n%s", maxDepth, location(p.in, p.pos)))
	}
}

// Parse parses one shorthand value into an *Object. It never panics, and
// every error is a *SyntaxError.
func Parse(s string) (obj *Object, err error) {
	p := &parser{g: newGrammar(), in: s}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			obj, err = nil, se
		}
	}()
	return p.parameter(), nil
}

func (p *parser) fail(offset int, msg string) {
	panic(&SyntaxError{Input: p.in, Offset: offset, Msg: msg})
}

func (p *parser) eof() bool { return p.pos >= len(p.in) }

func (p *parser) cur() byte {
	if p.eof() {
		return 0
	}
	return p.in[p.pos]
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'
}

func (p *parser) skipSpace() {
	for !p.eof() && isSpaceByte(p.in[p.pos]) {
		p.pos++
	}
}

func (p *parser) expect(c byte, skipSpace bool) {
	if skipSpace {
		p.skipSpace()
	}
	if p.eof() {
		p.fail(p.pos, fmt.Sprintf("Expected: '%c', received: 'EOF' for input:\n%s", c, location(p.in, p.pos)))
	}
	if p.in[p.pos] != c {
		r, _ := utf8.DecodeRuneInString(p.in[p.pos:])
		p.fail(p.pos, fmt.Sprintf("Expected: '%c', received: '%c' for input:\n%s", c, r, location(p.in, p.pos)))
	}
	p.pos++
	if skipSpace {
		p.skipSpace()
	}
}

func (p *parser) parameter() *Object {
	obj := &Object{Values: map[string]Value{}}
	k, v := p.keyval()
	obj.set(k, v)
	last := p.pos
	for !p.eof() {
		p.expect(',', true)
		k, v := p.keyval()
		if _, dup := obj.Values[k]; dup {
			off := min(last+1, len(p.in))
			p.fail(off, fmt.Sprintf("Second instance of key \"%s\" encountered for input:\n%s\nThis is often because there is a preceding \",\" instead of a space.", k, location(p.in, off)))
		}
		obj.set(k, v)
		last = p.pos
	}
	return obj
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.#/:", c) >= 0
}

func (p *parser) key() string {
	start := p.pos
	for !p.eof() && isKeyByte(p.in[p.pos]) {
		p.pos++
	}
	return p.in[start:p.pos]
}

func (p *parser) keyval() (string, Value) {
	k := p.key()
	p.expect('=', true)
	return k, p.values()
}

func (p *parser) values() Value {
	switch {
	case p.eof():
		return ""
	case p.cur() == '[':
		return p.explicitList()
	case p.cur() == '{':
		return p.hashLiteral()
	default:
		return p.csvValue()
	}
}

func (p *parser) csvValue() Value {
	first := p.firstValue()
	p.skipSpace()
	if p.eof() || p.cur() != ',' {
		return first
	}
	p.expect(',', true)
	list := []any{first}
	for {
		v, ok, done := p.trySecond()
		if !ok {
			break
		}
		list = append(list, v)
		if done {
			break
		}
	}
	if len(list) == 1 {
		return first
	}
	return list
}

// trySecond reads one more element of a bare list. When what follows turns
// out to be the next key=value pair instead, it rewinds to the comma before
// it and reports false; at the end of input the error stands. done reports
// that the value ended the input.
func (p *parser) trySecond() (v Value, ok, done bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isSyntax := r.(*SyntaxError); !isSyntax || p.eof() {
				panic(r)
			}
			for p.pos >= 0 && (p.pos >= len(p.in) || p.in[p.pos] != ',') {
				p.pos--
			}
			p.pos = max(p.pos, 0)
			v, ok, done = nil, false, false
		}
	}()
	v = p.secondValue()
	p.skipSpace()
	if p.eof() {
		return v, true, true
	}
	p.expect(',', true)
	return v, true, false
}

func trimRightSpace(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool {
		return r == ' ' || r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f || r == 0x85 || r == 0xa0 ||
			r == 0x1680 || r >= 0x2000 && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
	})
}

func (p *parser) bare(re *regexp.Regexp, must bool, name string) (string, bool) {
	loc := re.FindStringIndex(p.in[p.pos:])
	if loc == nil {
		if must {
			p.fail(p.pos, fmt.Sprintf("Expected: '<%s>', received: '<none>' for input:\n%s", name, location(p.in, p.pos)))
		}
		return "", false
	}
	s := p.in[p.pos : p.pos+loc[1]]
	p.pos += loc[1]
	return trimRightSpace(strings.ReplaceAll(s, `\,`, ",")), true
}

func (p *parser) firstValue() Value {
	switch p.cur() {
	case '\'':
		return p.quoted(p.g.single, "singled quoted", '\'')
	case '"':
		return p.quoted(p.g.double, "double quoted", '"')
	}
	s, _ := p.bare(p.g.first, false, "first")
	return s
}

func (p *parser) secondValue() Value {
	switch p.cur() {
	case '\'':
		return p.quoted(p.g.single, "singled quoted", '\'')
	case '"':
		return p.quoted(p.g.double, "double quoted", '"')
	}
	s, _ := p.bare(p.g.second, true, "second")
	return s
}

func (p *parser) quoted(re *regexp.Regexp, name string, q byte) string {
	loc := re.FindStringIndex(p.in[p.pos:])
	if loc == nil {
		p.fail(p.pos, fmt.Sprintf("Expected: '<%s>', received: '<none>' for input:\n%s", name, location(p.in, p.pos)))
	}
	s := p.in[p.pos+1 : p.pos+loc[1]-1]
	p.pos += loc[1]
	s = strings.ReplaceAll(s, `\`+string(q), string(q))
	return strings.ReplaceAll(s, `\\`, `\`)
}

func (p *parser) explicitList() Value {
	p.enter()
	defer func() { p.depth-- }()
	p.expect('[', true)
	list := []any{}
	for p.eof() || p.cur() != ']' {
		list = append(list, p.explicitValue())
		p.skipSpace()
		if p.eof() || p.cur() != ']' {
			p.expect(',', false)
			p.skipSpace()
		}
	}
	p.expect(']', false)
	return list
}

func (p *parser) explicitValue() Value {
	switch {
	case p.eof():
		return ""
	case p.cur() == '[':
		return p.explicitList()
	case p.cur() == '{':
		return p.hashLiteral()
	}
	return p.firstValue()
}

func (p *parser) hashLiteral() Value {
	p.enter()
	defer func() { p.depth-- }()
	p.expect('{', true)
	obj := &Object{Values: map[string]Value{}}
	for p.eof() || p.cur() != '}' {
		k := p.key()
		p.expect('=', true)
		v := p.explicitValue()
		p.skipSpace()
		if p.eof() || p.cur() != '}' {
			p.expect(',', false)
			p.skipSpace()
		}
		obj.set(k, v)
	}
	p.expect('}', false)
	return obj
}
