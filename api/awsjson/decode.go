package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Limits on request bodies. The SSO OIDC and Sign-In inputs are a handful of
// strings; 64 KiB leaves room for long redirect URI lists and no more.
const (
	MaxBodyBytes = 64 << 10
	MaxDepth     = 8
)

// ErrMalformed is wrapped by every decoding failure; callers render it as
// their dialect's "invalid request" shape.
var ErrMalformed = errors.New("malformed request body")

// DecodeError says what was wrong with a body, in words safe to send back: it
// names a member at most, never echoes a value.
type DecodeError struct {
	Msg      string
	tooLarge bool
}

func (e *DecodeError) Error() string { return e.Msg }

// Unwrap gives ErrMalformed, and ErrTooLarge for a body over the cap.
func (e *DecodeError) Unwrap() []error {
	if e.tooLarge {
		return []error{ErrMalformed, ErrTooLarge}
	}
	return []error{ErrMalformed}
}

// ErrTooLarge is wrapped by the error of a body over MaxBodyBytes or over
// the HTTP shell's cap, however the body was framed: each dialect answers
// it 413 in its own error shape (catalogue IN-01; see StatusFor).
var ErrTooLarge = errors.New("request body too large")

// StatusFor is status, or 413 Content Too Large when err is a body over
// the cap.
func StatusFor(err error, status int) int {
	if errors.Is(err, ErrTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return status
}

// TooLarge is the DecodeError of a body over the cap, for a reader of a
// body that is not JSON (a form) in a dialect that renders DecodeError.
func TooLarge() error {
	return &DecodeError{Msg: "Request body too large.", tooLarge: true}
}

func malformed(format string, args ...any) error {
	return &DecodeError{Msg: fmt.Sprintf(format, args...)}
}

// ReadBody reads at most MaxBodyBytes of r's body and checks the media type:
// JSON (application/json or application/x-amz-json-1.1, which some SDKs send)
// or an empty Content-Type with an empty body.
func ReadBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/x-amz-json-1.1" && mt != "application/x-amz-json-1.0") {
			return nil, malformed("Content-Type must be application/json.")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge()
		}
		return nil, malformed("Could not read the request body.")
	}
	if len(body) > MaxBodyBytes {
		return nil, TooLarge()
	}
	return body, nil
}

// Unmarshal decodes body, which must be one JSON object, into dst (a pointer
// to a struct). It is stricter than encoding/json where strictness matters
// for a token service (catalogue IN-02, IN-03): a member given twice is an
// error rather than "last one wins", nesting deeper than MaxDepth is refused
// before decoding, and trailing data is an error. Unknown members are
// ignored (IN-04). An empty body decodes as {}.
func Unmarshal(body []byte, dst any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		return malformed("Request body must be a JSON object.")
	}
	if err := checkStructure(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return malformed("Member %s has the wrong type.", te.Field)
		}
		return malformed("Request body is not valid JSON.")
	}
	return nil
}

// checkStructure walks body once: it bounds nesting, rejects duplicate
// member names in any object and anything after the top value, and refuses
// what is not JSON (RFC 8259) with the same answers encoding/json's token
// stream gave. It scans bytes instead of using that token stream, which
// allocated for every token and was a measurable share of every API call
// (docs/performance.md); FuzzCheckStructureMatchesTokens holds it to the
// tokenizer's verdicts.
func checkStructure(body []byte) error {
	s := structScanner{b: body}
	s.space()
	if err := s.value(0); err != nil {
		return err
	}
	s.space()
	switch {
	case s.i == len(s.b):
		return nil
	case s.b[s.i] == '}' || s.b[s.i] == ']':
		return notJSON()
	}
	return malformed("Request body has data after the JSON object.")
}

func notJSON() error { return malformed("Request body is not valid JSON.") }

// structScanner is checkStructure's cursor over the body.
type structScanner struct {
	b []byte
	i int
}

func (s *structScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans one value; depth is how many containers enclose it.
func (s *structScanner) value(depth int) error {
	if s.i >= len(s.b) {
		return notJSON()
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return malformed("Request body is nested too deeply.")
		}
		s.i++
		if c == '{' {
			return s.object(depth + 1)
		}
		return s.array(depth + 1)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return notJSON()
}

// smallObject is how many member names an object's duplicate check
// compares one by one before it switches to a map.
const smallObject = 16

func (s *structScanner) object(depth int) error {
	var (
		names [smallObject]string
		n     int
		seen  map[string]struct{}
	)
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return notJSON()
		}
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		name := string(raw)
		if escaped || !ascii(raw) {
			// The name as decoded: escapes resolved, bad UTF-8 replaced,
			// so two spellings of one name are one name.
			if json.Unmarshal(s.b[s.i-len(raw)-2:s.i], &name) != nil {
				return notJSON()
			}
		}
		dup := false
		if seen == nil {
			for _, m := range names[:n] {
				if m == name {
					dup = true
					break
				}
			}
			if n < smallObject {
				names[n] = name
				n++
			} else {
				seen = make(map[string]struct{}, 2*smallObject)
				for _, m := range names {
					seen[m] = struct{}{}
				}
			}
		}
		if seen != nil {
			_, dup = seen[name]
			seen[name] = struct{}{}
		}
		if dup {
			return malformed("Member %s appears more than once.", safeName(name))
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return notJSON()
		}
		s.i++
		s.space()
		if err := s.value(depth); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return notJSON()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			return nil
		default:
			return notJSON()
		}
	}
}

func (s *structScanner) array(depth int) error {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return notJSON()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			return nil
		default:
			return notJSON()
		}
	}
}

// str scans a string whose opening quote is at s.i and returns its raw
// contents and whether they hold an escape.
func (s *structScanner) str() (raw []byte, escaped bool, err error) {
	start := s.i + 1
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], escaped, nil
		case c < 0x20:
			return nil, false, notJSON()
		case c == '\\':
			escaped = true
			i++
			if i >= len(s.b) {
				return nil, false, notJSON()
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) {
					return nil, false, notJSON()
				}
				for _, h := range s.b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false, notJSON()
					}
				}
				i += 4
			default:
				return nil, false, notJSON()
			}
		}
	}
	return nil, false, notJSON()
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *structScanner) number() error {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return notJSON()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return notJSON()
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return notJSON()
		}
	}
	s.i = i
	return s.delimited()
}

func (s *structScanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return notJSON()
	}
	s.i += len(word)
	return s.delimited()
}

// delimited refuses a number or literal run into more letters or digits
// ("truex", "01"), as a tokenizer does.
func (s *structScanner) delimited() error {
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r', ',', ':', ']', '}', '[', '{', '"':
		default:
			return notJSON()
		}
	}
	return nil
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// safeName returns name if it looks like a member name a client would send,
// so that an error message never reflects arbitrary input.
func safeName(name string) string {
	if len(name) == 0 || len(name) > 64 {
		return "(a member)"
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "(a member)"
		}
	}
	return name
}
