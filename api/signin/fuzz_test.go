package signin

import (
	"strings"
	"testing"
)

// FuzzTokenBody feeds both body parsers (JSON and form) and the
// constraint check with arbitrary input: they must never panic, and
// whatever they accept must satisfy the model's constraints.
func FuzzTokenBody(f *testing.F) {
	for _, s := range []string{
		`{"clientId":"arn:aws:signin:::devtools/same-device","grantType":"refresh_token","refreshToken":"ASORx"}`,
		`{"clientId":"arn:aws:signin:::devtools/same-device","grantType":"authorization_code","code":"c","redirectUri":"http://127.0.0.1:1/oauth/callback","codeVerifier":"Vq3n.f~X0aJ-3kR8pUo2LmZt9yWc7eHb5sNd1gQx4iKvA6rT_jE0uYhB2oCw8lMz"}`,
		`{"grantType":"a","grant_type":"b"}`, `{"code":null}`, `{"a":{"b":[1,2,{"c":3}]}}`, `[]`, ``,
		`client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&grant_type=refresh_token&refresh_token=ASORx`,
		`code=a&code=b`, `%zz`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) (tokenInput, present, error){parseJSON, parseForm} {
			in, seen, err := parse(body)
			if err != nil {
				continue
			}
			if in.validate(seen) != nil {
				continue
			}
			if !clientIDPattern.MatchString(in.ClientID) || !grantTypePattern.MatchString(in.GrantType) {
				t.Fatalf("accepted %+v", in)
			}
			if seen["codeVerifier"] && (len(in.CodeVerifier) < minVerifier || strings.ContainsAny(in.CodeVerifier, " +/=")) {
				t.Fatalf("accepted verifier %q", in.CodeVerifier)
			}
		}
	})
}
