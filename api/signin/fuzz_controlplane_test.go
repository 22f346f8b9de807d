package signin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzControlPlaneInput feeds the control-plane decoders (a Put
// statement body, a list page token) arbitrary input: they never panic,
// and what they accept satisfies the model's constraints.
func FuzzControlPlaneInput(f *testing.F) {
	for _, s := range []string{
		`{"sourceIp":"10.0.0.0/8","excludedPrincipal":"arn:aws:iam::123456789012:role/Admin","clientToken":"t"}`,
		`{"sourceVpc":"vpc-0123abcd","requestedRegion":"us-east-1"}`, `{"sourceIp":1}`, `{}`, ``, `[]`,
		`{"clientToken":"a b"}`, `{"sourceIp":"a","sourceIp":"b"}`,
	} {
		f.Add([]byte(s), "MTcwMDAwMDAwMDAwMC5BQUFB")
	}
	f.Fuzz(func(t *testing.T, body []byte, tok string) {
		r := httptest.NewRequest(http.MethodPost, PathPutStatement, strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		var in putStatementInput
		if readInput(r, &in) == nil && in.validate() == nil {
			if in.ClientToken != nil && !clientTokenPattern.MatchString(*in.ClientToken) {
				t.Fatalf("accepted client token %q", *in.ClientToken)
			}
			if in.SourceVpc != nil && !vpcPattern.MatchString(*in.SourceVpc) {
				t.Fatalf("accepted vpc %q", *in.SourceVpc)
			}
		}
		if p, ok := parseNextToken(tok); ok && p != nil && !statementIDPattern.MatchString(p.id) {
			t.Fatalf("accepted next token %q", tok)
		}
	})
}
