package awscli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The output formats of the AWS CLI. json, text and table reproduce what
// aws v1 and v2 print byte for byte; yaml and yaml-stream follow v2's
// documented format (block style, sequences not indented under their key,
// keys in response order, single quotes only where a plain scalar would
// change meaning).
var outputFormats = []string{"json", "text", "table", "yaml", "yaml-stream"}

func writeOutput(w io.Writer, format, title string, v any) error {
	var b strings.Builder
	switch format {
	case "json":
		if o, ok := v.(*Obj); ok && len(o.Keys) == 0 {
			return nil // an empty response prints nothing
		}
		writeJSON(&b, v, 0)
		b.WriteString("\n")
	case "yaml":
		if o, ok := v.(*Obj); ok && len(o.Keys) == 0 {
			return nil
		}
		writeYAML(&b, v, 0, false)
	case "yaml-stream":
		writeYAML(&b, []any{v}, 0, false)
	case "text":
		writeText(&b, v, "", nil)
	case "table":
		t := &table{width: 80}
		if t.build(title, v, 0) {
			t.render(&b)
		}
	default:
		return fmt.Errorf("unknown output type: %s", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ---- json: Python's json.dump(indent=4, ensure_ascii=False)

func writeJSON(b *strings.Builder, v any, depth int) {
	ind := strings.Repeat("    ", depth+1)
	switch v := v.(type) {
	case *Obj:
		if len(v.Keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(ind)
			writeJSONString(b, k)
			b.WriteString(": ")
			writeJSON(b, v.M[k], depth+1)
		}
		b.WriteString("\n" + strings.Repeat("    ", depth) + "}")
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(ind)
			writeJSON(b, e, depth+1)
		}
		b.WriteString("\n" + strings.Repeat("    ", depth) + "]")
	case string:
		writeJSONString(b, v)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case json.Number:
		b.WriteString(v.String())
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
	default:
		writeJSONString(b, fmt.Sprint(v))
	}
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// ---- yaml

func yamlScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return yamlString(v)
	}
	return yamlString(fmt.Sprint(v))
}

// yamlString picks the plain form when the YAML library would, else the
// single-quoted form, and the double-quoted form for strings that need
// escapes.
func yamlString(s string) string {
	if s == "" {
		return "''"
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		return strconv.Quote(s)
	}
	plain := strings.TrimSuffix(string(out), "\n")
	if plain == s {
		return s
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || !utf8.ValidRune(r) {
			return strconv.Quote(s)
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func isEmptyCollection(v any) (string, bool) {
	switch v := v.(type) {
	case *Obj:
		if len(v.Keys) == 0 {
			return "{}", true
		}
	case []any:
		if len(v) == 0 {
			return "[]", true
		}
	}
	return "", false
}

// writeYAML writes v at indent; inline reports that the first line already
// has its prefix ("- " of a sequence item).
func writeYAML(b *strings.Builder, v any, indent int, inline bool) {
	pad := strings.Repeat(" ", indent)
	if s, ok := isEmptyCollection(v); ok {
		b.WriteString(s + "\n")
		return
	}
	switch v := v.(type) {
	case *Obj:
		for i, k := range v.Keys {
			if i > 0 || !inline {
				b.WriteString(pad)
			}
			b.WriteString(yamlString(k) + ":")
			val := v.M[k]
			if s, ok := isEmptyCollection(val); ok {
				b.WriteString(" " + s + "\n")
				continue
			}
			switch val.(type) {
			case *Obj:
				b.WriteString("\n")
				writeYAML(b, val, indent+2, false)
			case []any:
				b.WriteString("\n")
				writeYAML(b, val, indent, false)
			default:
				b.WriteString(" " + yamlScalar(val) + "\n")
			}
		}
	case []any:
		for i, e := range v {
			if i > 0 || !inline {
				b.WriteString(pad)
			}
			b.WriteString("- ")
			switch e.(type) {
			case *Obj, []any:
				if s, ok := isEmptyCollection(e); ok {
					b.WriteString(s + "\n")
				} else {
					writeYAML(b, e, indent+2, true)
				}
			default:
				b.WriteString(yamlScalar(e) + "\n")
			}
		}
	default:
		b.WriteString(yamlScalar(v) + "\n")
	}
}

// ---- text: the AWS CLI's tab-separated format

func isScalar(v any) bool {
	switch v.(type) {
	case *Obj, []any:
		return false
	}
	return true
}

func writeText(b *strings.Builder, v any, ident string, scalarKeys []string) {
	switch v := v.(type) {
	case *Obj:
		textDict(b, v, ident, scalarKeys)
	case []any:
		textList(b, v, ident)
	default:
		b.WriteString(pyStr(v) + "\n")
	}
}

func textList(b *strings.Builder, l []any, ident string) {
	if len(l) == 0 {
		return
	}
	hasDict, hasList := false, false
	for _, e := range l {
		switch e.(type) {
		case *Obj:
			hasDict = true
		case []any:
			hasList = true
		}
	}
	switch {
	case hasDict:
		keys := allScalarKeys(l)
		for _, e := range l {
			writeText(b, e, ident, keys)
		}
	case hasList:
		var scalars, rest []any
		for _, e := range l {
			if isScalar(e) {
				scalars = append(scalars, e)
			} else {
				rest = append(rest, e)
			}
		}
		if len(scalars) > 0 {
			textScalarList(b, scalars, ident)
		}
		for _, e := range rest {
			writeText(b, e, ident, nil)
		}
	default:
		textScalarList(b, l, ident)
	}
}

func textScalarList(b *strings.Builder, l []any, ident string) {
	if ident != "" {
		for _, e := range l {
			b.WriteString(strings.ToUpper(ident) + "\t" + pyStr(e) + "\n")
		}
		return
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = pyStr(e)
	}
	b.WriteString(strings.Join(parts, "\t") + "\n")
}

func allScalarKeys(l []any) []string {
	seen := map[string]bool{}
	for _, e := range l {
		if o, ok := e.(*Obj); ok {
			for _, k := range o.Keys {
				if isScalar(o.M[k]) {
					seen[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func textDict(b *strings.Builder, o *Obj, ident string, scalarKeys []string) {
	var scalars []string
	type pair struct {
		k string
		v any
	}
	var rest []pair
	if scalarKeys == nil {
		keys := append([]string(nil), o.Keys...)
		sort.Strings(keys)
		for _, k := range keys {
			if isScalar(o.M[k]) {
				scalars = append(scalars, pyStr(o.M[k]))
			} else {
				rest = append(rest, pair{k, o.M[k]})
			}
		}
	} else {
		in := map[string]bool{}
		for _, k := range scalarKeys {
			in[k] = true
			if v, ok := o.M[k]; ok {
				scalars = append(scalars, pyStr(v))
			} else {
				scalars = append(scalars, "")
			}
		}
		keys := append([]string(nil), o.Keys...)
		sort.Strings(keys)
		for _, k := range keys {
			if !in[k] {
				rest = append(rest, pair{k, o.M[k]})
			}
		}
	}
	if len(scalars) > 0 {
		if ident != "" {
			scalars = append([]string{strings.ToUpper(ident)}, scalars...)
		}
		b.WriteString(strings.Join(scalars, "\t") + "\n")
	}
	for _, p := range rest {
		writeText(b, p.v, p.k, nil)
	}
}

// ---- table: the AWS CLI's boxed format, 80 columns when not on a terminal

type section struct {
	title     string
	headers   []string
	rows      [][]string
	indent    int
	maxWidths []int
	numCols   int
}

func textLen(s string) int { return utf8.RuneCountInString(s) }

func (s *section) updateWidths(row []string) {
	if len(s.maxWidths) == 0 {
		for _, e := range row {
			s.maxWidths = append(s.maxWidths, textLen(e))
		}
		return
	}
	for i, e := range row {
		if i < len(s.maxWidths) {
			s.maxWidths[i] = max(s.maxWidths[i], textLen(e))
		}
	}
}

func (s *section) addHeader(h []string) {
	s.updateWidths(h)
	if s.numCols == 0 {
		s.numCols = len(h)
	}
	s.headers = h
}

func (s *section) addRow(row []string) {
	if s.numCols == 0 {
		s.numCols = len(row)
	}
	s.rows = append(s.rows, row)
	s.updateWidths(row)
}

func (s *section) columnWidths(padding, maxWidth int) []int {
	widths := make([]int, len(s.maxWidths))
	sum := 0
	for i, w := range s.maxWidths {
		widths[i] = w + padding
		sum += widths[i]
	}
	if maxWidth < 0 || len(widths) == 0 {
		return widths
	}
	scale := float64(maxWidth) / float64(sum)
	total := 0
	for i, w := range widths {
		widths[i] = int(math.RoundToEven(scale * float64(w)))
		total += widths[i]
	}
	off := total - maxWidth
	for off != 0 {
		if off > 0 {
			for i := 0; i < len(widths) && off != 0; i++ {
				widths[i]--
				off--
			}
		} else {
			for i := len(widths) - 1; i >= 0 && off != 0; i-- {
				widths[i]++
				off++
			}
		}
	}
	return widths
}

func (s *section) totalWidth(padding, outer int) int {
	total := 0
	for _, w := range s.columnWidths(0, -1) {
		total += w + padding
	}
	total += 2 + 2*outer
	return max(textLen(s.title)+2+2*outer, total)
}

type table struct {
	sections []*section
	cur      *section
	width    int
}

func (t *table) newSection(title string, indent int) {
	t.cur = &section{title: title, indent: indent}
	t.sections = append(t.sections, t.cur)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case json.Number:
		f, _ := v.Float64()
		return f != 0
	case *Obj:
		return len(v.Keys) > 0
	case []any:
		return len(v) > 0
	}
	return true
}

// build lays out cur under a new section titled title; an untitled call
// (nested lists) adds to the current section, as the reference does.
func (t *table) build(title string, cur any, indent int) bool {
	return t.buildIn(&title, cur, indent)
}

func (t *table) buildIn(title *string, cur any, indent int) bool {
	if !truthy(cur) {
		return false
	}
	if title != nil || t.cur == nil {
		t.newSection(deref(title), indent)
	}
	switch cur := cur.(type) {
	case []any:
		if _, ok := cur[0].(*Obj); ok {
			t.subTableFromList(cur, indent, deref(title))
		} else {
			for _, item := range cur {
				switch item := item.(type) {
				case []any:
					all := true
					for _, e := range item {
						all = all && isScalar(e)
					}
					if all {
						row := make([]string, len(item))
						for i, e := range item {
							row[i] = pyStr(e)
						}
						t.cur.addRow(row)
					} else {
						t.buildIn(nil, item, 0)
					}
				case *Obj:
					t.cur.addRow(append([]string(nil), item.Keys...))
				default:
					t.cur.addRow([]string{pyStr(item)})
				}
			}
		}
	case *Obj:
		t.subTableFromDict(cur, indent)
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func groupScalarKeys(o *Obj) (headers, more []string) {
	for _, k := range o.Keys {
		if isScalar(o.M[k]) {
			headers = append(headers, k)
		} else {
			more = append(more, k)
		}
	}
	sort.Strings(headers)
	sort.Strings(more)
	return headers, more
}

func (t *table) subTableFromDict(o *Obj, indent int) {
	headers, more := groupScalarKeys(o)
	if len(headers) == 1 {
		t.cur.addRow([]string{headers[0], pyStr(o.M[headers[0]])})
	} else if len(headers) > 0 {
		t.cur.addHeader(headers)
		row := make([]string, len(headers))
		for i, h := range headers {
			row[i] = pyStr(o.M[h])
		}
		t.cur.addRow(row)
	}
	for _, k := range more {
		t.build(k, o.M[k], indent+1)
	}
}

func (t *table) subTableFromList(l []any, indent int, title string) {
	hs, ms := map[string]bool{}, map[string]bool{}
	for _, e := range l {
		if o, ok := e.(*Obj); ok {
			h, m := groupScalarKeys(o)
			for _, k := range h {
				hs[k] = true
			}
			for _, k := range m {
				ms[k] = true
			}
		}
	}
	headers, more := sortedKeys(hs), sortedKeys(ms)
	t.cur.addHeader(headers)
	for i, e := range l {
		o, _ := e.(*Obj)
		if o == nil {
			o = newObj()
		}
		if i > 0 && len(more) > 0 {
			t.newSection(title, indent)
			t.cur.addHeader(headers)
		}
		row := make([]string, len(headers))
		for j, h := range headers {
			if v, ok := o.M[h]; ok {
				row[j] = pyStr(v)
			}
		}
		t.cur.addRow(row)
		for _, k := range more {
			if v, ok := o.M[k]; ok {
				t.build(k, v, indent+1)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (t *table) maxWidth() int {
	w := 0
	for _, s := range t.sections {
		w = max(w, s.totalWidth(4, s.indent))
	}
	return w
}

func (t *table) render(b *strings.Builder) {
	mw := t.maxWidth()
	if mw > t.width {
		// Too wide for the terminal: single-row sections turn vertical.
		for i, s := range t.sections {
			if len(s.rows) == 1 && len(s.headers) > 0 {
				ns := &section{title: s.title, indent: s.indent}
				for j, h := range s.headers {
					if j < len(s.rows[0]) {
						ns.addRow([]string{h, s.rows[0][j]})
					}
				}
				t.sections[i] = ns
			}
		}
		mw = t.maxWidth()
	}
	b.WriteString(strings.Repeat("-", mw) + "\n")
	for _, s := range t.sections {
		t.renderSection(b, s, mw)
	}
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

func centerText(text string, length int, left, right string) string {
	tl := textLen(text)
	start := length/2 - tl/2 - 1
	out := left + spaces(start) + text
	soFar := textLen(left) + start + tl
	return out + spaces(length-textLen(right)-soFar) + right
}

func alignLeft(text string, length int, left, right string) string {
	tl := textLen(text)
	pad := 2
	if length-(tl+2+textLen(left)+textLen(right)) < 0 {
		pad = 0
	}
	soFar := textLen(left) + pad + tl
	return left + spaces(pad) + text + spaces(length-soFar-textLen(right)) + right
}

func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + strings.Repeat("-", max(w-2, 0)) + "+")
		} else {
			b.WriteString(strings.Repeat("-", max(w-1, 0)) + "+")
		}
	}
	return b.String()
}

func (t *table) renderSection(b *strings.Builder, s *section, mw int) {
	edge := strings.Repeat("|", s.indent)
	line := func(text string) { b.WriteString(edge + text + edge + "\n") }
	mw -= s.indent * 2
	if s.title != "" {
		line(centerText(s.title, mw, "|", "|"))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			line("+" + strings.Repeat("-", max(mw-2, 0)) + "+")
		}
	}
	if len(s.headers) > 0 {
		widths := s.columnWidths(4, mw)
		var cur strings.Builder
		for i, h := range s.headers {
			if i >= len(widths) {
				break
			}
			l := ""
			if i == 0 {
				l = "|"
			}
			cur.WriteString(centerText(h, widths[i], l, "|"))
		}
		line(lineBreak(widths))
		line(cur.String())
	}
	if len(s.rows) > 0 {
		widths := s.columnWidths(4, mw)
		if len(widths) == 0 {
			return
		}
		line(lineBreak(widths))
		for _, row := range s.rows {
			var cur strings.Builder
			for i, e := range row {
				if i >= len(widths) {
					break
				}
				l := ""
				if i == 0 {
					l = "|"
				}
				cur.WriteString(alignLeft(e, widths[i], l, "|"))
			}
			line(cur.String())
		}
		line(lineBreak(widths))
	}
}
