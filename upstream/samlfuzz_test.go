package upstream

import (
	"encoding/base64"
	"testing"
)

// FuzzDecodeSAMLResponse: the checks run on every posted SAMLResponse
// before any signature is looked at never panic, and what they pass is one
// Response holding exactly one signed assertion, without DTD or comment.
func FuzzDecodeSAMLResponse(f *testing.F) {
	f.Add(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></saml:Assertion></samlp:Response>`)
	f.Add(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`)
	f.Add(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><!-- c --></samlp:Response>`)
	f.Fuzz(func(t *testing.T, doc string) {
		b, err := DecodeSAMLResponse(base64.StdEncoding.EncodeToString([]byte(doc)))
		if err != nil {
			return
		}
		if checkXML(b, false) != nil || checkShape(b) != nil {
			t.Fatalf("passed a document its own checks refuse: %q", doc)
		}
	})
}
