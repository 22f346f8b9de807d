package dpop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxProofSize bounds a DPoP header value. Real proofs are well under 1 KiB
// (ES256) or 2 KiB (RSA-4096); the bound keeps hostile input cheap to refuse
// (RFC 9449 §11.1; catalogue IN-07).
const MaxProofSize = 8 << 10

// decodeB64 decodes base64url without padding (RFC 7515 §2), strictly, so
// that one value has one encoding.
func decodeB64(s string) ([]byte, error) { return base64.RawURLEncoding.Strict().DecodeString(s) }

// encodeB64 is the encoding decodeB64 reads.
func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// splitCompact checks the compact JWS shape (RFC 7515 §7.1) without decoding
// anything: three non-empty parts of the base64url alphabet, no padding, no
// white space, and lengths a base64url string can have. It returns the parts
// and the signing input (header.payload).
func splitCompact(s string) (header, payload, sig, input string, err error) {
	var dots [2]int
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.':
			if n == 2 {
				return "", "", "", "", fmt.Errorf("%w: more than three parts", errShape)
			}
			dots[n] = i
			n++
		default:
			return "", "", "", "", fmt.Errorf("%w: byte %#x at offset %d", errShape, c, i)
		}
	}
	if n != 2 {
		return "", "", "", "", fmt.Errorf("%w: %d parts", errShape, n+1)
	}
	header, payload, sig = s[:dots[0]], s[dots[0]+1:dots[1]], s[dots[1]+1:]
	for _, p := range [...]string{header, payload, sig} {
		// An empty signature would be an unsecured JWS; a length of 1 mod 4
		// is not base64 at all.
		if len(p) == 0 || len(p)%4 == 1 {
			return "", "", "", "", fmt.Errorf("%w: part of length %d", errShape, len(p))
		}
	}
	return header, payload, sig, s[:dots[1]], nil
}

// decodeObject base64url-decodes part and calls fn for each member of the
// JSON object it holds, with the member's raw value. Member names are
// matched exactly by the caller; a duplicate name is refused (RFC 7515 §5.2
// allows either refusing or taking the last; refusing leaves no doubt about
// which alg or jwk was meant).
func decodeObject(part string, fn func(name string, value json.RawMessage) error) error {
	data, err := decodeB64(part)
	if err != nil {
		return fmt.Errorf("%w: base64url: %v", errShape, err)
	}
	return members(data, fn)
}

// members walks the top-level members of the JSON object in data.
func members(data []byte, fn func(name string, value json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%w: not a JSON object", errJSON)
	}
	seen := make(map[string]struct{}, 8)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", errJSON, err)
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%w: member name is not a string", errJSON)
		}
		if _, dup := seen[name]; dup {
			return fmt.Errorf("%w: duplicate member %.32q", errJSON, name)
		}
		seen[name] = struct{}{}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return fmt.Errorf("%w: %v", errJSON, err)
		}
		if err := fn(name, value); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fmt.Errorf("%w: %v", errJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the object", errJSON)
	}
	return nil
}

// jsonString decodes a member that must be a JSON string.
func jsonString(name string, value json.RawMessage) (string, error) {
	if len(value) == 0 || value[0] != '"' {
		return "", fmt.Errorf("%w: %s is not a string", errClaim, name)
	}
	// value is a well-formed JSON string (the decoder checked); most need no
	// unescaping.
	if inner := value[1 : len(value)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return "", fmt.Errorf("%w: %s: %v", errClaim, name, err)
	}
	return s, nil
}
