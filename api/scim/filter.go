package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Filters (RFC 7644 §3.4.2.2):
//
//	FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//	valuePath = attrPath "[" valFilter "]"
//	attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//	logExp    = FILTER SP ("and" / "or") SP FILTER
//
// "not" binds tighter than "and", and "and" tighter than "or". A filter is
// at most maxFilterLen bytes and maxFilterDepth deep, so parsing and
// evaluating it is bounded work (catalogue FD-06).

const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// filter is a parsed filter; match evaluates it against a resource as
// rendered (its JSON decoded into map[string]any).
type filter interface {
	match(v any) bool
}

type (
	orF  struct{ l, r filter }
	andF struct{ l, r filter }
	notF struct{ f filter }
	// cmpF compares an attribute with a value; op "pr" has no value.
	cmpF struct {
		path  attrPath
		op    string
		value any // string, float64, bool or nil
	}
	// valueF is attr[filter]: some element of the multi-valued attribute
	// matches the inner filter.
	valueF struct {
		attr  string
		inner filter
	}
)

// attrPath is [schema URI ":"] attr ["." sub], with names lower-cased
// (attribute names are case-insensitive, RFC 7643 §2.1).
type attrPath struct{ attr, sub string }

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true}

// filterError is a filter the server cannot parse: 400 invalidFilter.
type filterError struct{ msg string }

func (e *filterError) Error() string { return "invalid filter: " + e.msg }

// parseFilter parses a whole filter.
func parseFilter(s string) (filter, error) {
	if len(s) > maxFilterLen {
		return nil, &filterError{"the filter is too long"}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, &filterError{fmt.Sprintf("unexpected %q", p.toks[p.i].text)}
	}
	return f, nil
}

// token is a word, a quoted string (decoded), or one of ( ) [ ].
type token struct {
	text   string
	quoted bool
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			toks = append(toks, token{text: string(c)})
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, &filterError{"unterminated string"}
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return nil, &filterError{"bad string escape"}
			}
			toks = append(toks, token{text: v, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, &filterError{"empty filter"}
	}
	return toks, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peekWord(w string) bool {
	return p.i < len(p.toks) && !p.toks[p.i].quoted && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *parser) expect(w string) error {
	if !p.peekWord(w) {
		return &filterError{"expected " + w}
	}
	p.i++
	return nil
}

func (p *parser) or(depth int) (filter, error) {
	if depth > maxFilterDepth {
		return nil, &filterError{"the filter is nested too deep"}
	}
	l, err := p.and(depth)
	for err == nil && p.peekWord("or") {
		p.i++
		var r filter
		if r, err = p.and(depth); err == nil {
			l = orF{l, r}
		}
	}
	return l, err
}

func (p *parser) and(depth int) (filter, error) {
	l, err := p.unary(depth)
	for err == nil && p.peekWord("and") {
		p.i++
		var r filter
		if r, err = p.unary(depth); err == nil {
			l = andF{l, r}
		}
	}
	return l, err
}

func (p *parser) unary(depth int) (filter, error) {
	switch {
	case p.peekWord("not"):
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		f, err := p.group(depth)
		return notF{f}, err
	case p.peekWord("("):
		p.i++
		return p.group(depth)
	}
	return p.attrExp(depth)
}

// group parses FILTER ")" after an opening parenthesis.
func (p *parser) group(depth int) (filter, error) {
	f, err := p.or(depth + 1)
	if err != nil {
		return nil, err
	}
	return f, p.expect(")")
}

func (p *parser) attrExp(depth int) (filter, error) {
	if p.i >= len(p.toks) || p.toks[p.i].quoted {
		return nil, &filterError{"expected an attribute"}
	}
	path, err := parseAttrPath(p.toks[p.i].text)
	if err != nil {
		return nil, err
	}
	p.i++
	if p.peekWord("[") {
		if path.sub != "" {
			return nil, &filterError{"a value filter needs a plain attribute"}
		}
		p.i++
		inner, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		// attr[filter].sub op value, as in emails[type eq "work"].value:
		// some element matches the filter and its sub-attribute the
		// comparison.
		if p.i < len(p.toks) && !p.toks[p.i].quoted && strings.HasPrefix(p.toks[p.i].text, ".") {
			sub := p.toks[p.i].text[1:]
			if !validName(sub) {
				return nil, &filterError{fmt.Sprintf("bad sub-attribute %q", sub)}
			}
			p.i++
			c, err := p.comparison(attrPath{attr: strings.ToLower(sub)})
			if err != nil {
				return nil, err
			}
			inner = andF{inner, c}
		}
		return valueF{path.attr, inner}, nil
	}
	return p.comparison(path)
}

// comparison parses "pr" or compareOp compValue after path.
func (p *parser) comparison(path attrPath) (filter, error) {
	if p.peekWord("pr") {
		p.i++
		return cmpF{path: path, op: "pr"}, nil
	}
	if p.i >= len(p.toks) || p.toks[p.i].quoted || !compareOps[strings.ToLower(p.toks[p.i].text)] {
		return nil, &filterError{"expected a comparison operator"}
	}
	op := strings.ToLower(p.toks[p.i].text)
	p.i++
	if p.i >= len(p.toks) {
		return nil, &filterError{"expected a value"}
	}
	t := p.toks[p.i]
	p.i++
	if t.quoted {
		return cmpF{path, op, t.text}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(t.text), &v); err != nil {
		return nil, &filterError{fmt.Sprintf("bad value %q", t.text)}
	}
	switch v.(type) {
	case nil, bool, float64:
	default:
		return nil, &filterError{fmt.Sprintf("bad value %q", t.text)}
	}
	if op != "eq" && op != "ne" && v != nil {
		if _, isBool := v.(bool); isBool {
			return nil, &filterError{"booleans compare with eq and ne only"}
		}
	}
	return cmpF{path, op, v}, nil
}

// parseAttrPath parses [URI ":"] attr ["." sub]. A schema URN's own dots
// ("…:2.0:User:") stay with the URN.
func parseAttrPath(s string) (attrPath, error) {
	name := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if !strings.HasPrefix(strings.ToLower(s), "urn:") {
			return attrPath{}, &filterError{fmt.Sprintf("bad attribute %q", s)}
		}
		name = s[i+1:]
	}
	attr, sub, _ := strings.Cut(name, ".")
	if !validName(attr) || (sub != "" && !validName(sub)) || strings.Contains(sub, ".") {
		return attrPath{}, &filterError{fmt.Sprintf("bad attribute %q", s)}
	}
	return attrPath{strings.ToLower(attr), strings.ToLower(sub)}, nil
}

// validName: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT /
// ALPHA (RFC 7643 §2.1), and "$ref".
func validName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || len(s) > 128 || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
