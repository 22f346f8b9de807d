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
	Msg string
}

func (e *DecodeError) Error() string { return e.Msg }
func (e *DecodeError) Unwrap() error { return ErrMalformed }

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
			return nil, malformed("Request body too large.")
		}
		return nil, malformed("Could not read the request body.")
	}
	if len(body) > MaxBodyBytes {
		return nil, malformed("Request body too large.")
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

// checkStructure walks the token stream once: it bounds nesting, rejects
// duplicate member names in any object and anything after the top value.
func checkStructure(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object  bool
		wantKey bool
		seen    map[string]struct{}
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return malformed("Request body is not valid JSON.")
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
				if len(stack) >= MaxDepth {
					return malformed("Request body is nested too deeply.")
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) == 0 && dec.More() {
					return malformed("Request body has data after the JSON object.")
				}
			}
			continue
		}
		if len(stack) == 0 {
			return malformed("Request body must be a JSON object.")
		}
		top := &stack[len(stack)-1]
		if !top.object {
			continue
		}
		if top.wantKey {
			name, _ := tok.(string)
			if top.seen == nil {
				top.seen = make(map[string]struct{}, 8)
			}
			if _, dup := top.seen[name]; dup {
				return malformed("Member %s appears more than once.", safeName(name))
			}
			top.seen[name] = struct{}{}
			top.wantKey = false
		} else {
			top.wantKey = true
		}
	}
	if len(stack) != 0 {
		return malformed("Request body is not valid JSON.")
	}
	return nil
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
