package upstream_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/upstream"
)

// wrap parses a signed response, lets f rearrange it and serialises it
// again: signature wrapping moves signed content, it does not re-sign.
func wrap(t testing.TB, resp []byte, f func(root, signed *etree.Element)) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(resp); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	signed := root.FindElement("./Assertion")
	if signed == nil {
		t.Fatal("no assertion")
	}
	f(root, signed)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// evil is an unsigned copy of the signed assertion that names another
// person: what a wrapping attack hopes the SP reads.
func evil(signed *etree.Element) *etree.Element {
	e := signed.Copy()
	if s := e.FindElement("./Signature"); s != nil {
		e.RemoveChild(s)
	}
	e.FindElement("./Subject/NameID").SetText("00u-admin-persistent")
	return e
}

// TestFD04_SAMLResponses: crafted responses, each refused (catalogue
// FD-04), and unsolicited or other-browser responses (FD-02).
func TestFD04_SAMLResponses(t *testing.T) {
	type tc struct {
		name   string
		answer answer
		// craft rearranges the signed response; nil: sent as signed.
		craft func(root, signed *etree.Element)
		// raw changes the serialised response.
		raw func([]byte) []byte
	}
	minus := func(d time.Duration) func(*saml.IdpAuthnRequest) {
		return func(r *saml.IdpAuthnRequest) {
			r.Assertion.Conditions.NotOnOrAfter = r.Now.Add(-d)
			r.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = r.Now.Add(-d)
		}
	}
	cases := []tc{
		{name: "FD-04/XSW-UnsignedAssertionBefore", craft: func(root, signed *etree.Element) {
			root.InsertChildAt(signed.Index(), evil(signed))
		}},
		{name: "FD-04/XSW-UnsignedAssertionAfter", craft: func(root, signed *etree.Element) {
			root.AddChild(evil(signed))
		}},
		{name: "FD-04/XSW-UnsignedAssertionOtherID", craft: func(root, signed *etree.Element) {
			e := evil(signed)
			e.CreateAttr("ID", "id-evil")
			root.InsertChildAt(signed.Index(), e)
		}},
		{name: "FD-04/XSW-SignedMovedInsideEvil", craft: func(root, signed *etree.Element) {
			e := evil(signed)
			root.InsertChildAt(signed.Index(), e)
			root.RemoveChild(signed)
			e.AddChild(signed)
		}},
		{name: "FD-04/XSW-SignedMovedToExtensions", craft: func(root, signed *etree.Element) {
			e := evil(signed)
			root.InsertChildAt(signed.Index(), e)
			root.RemoveChild(signed)
			ext := root.CreateElement("samlp:Extensions")
			ext.AddChild(signed)
		}},
		{name: "FD-04/XSW-EvilInsideSignatureObject", craft: func(root, signed *etree.Element) {
			sig := signed.FindElement("./Signature")
			obj := sig.CreateElement("ds:Object")
			obj.AddChild(evil(signed))
		}},
		{name: "FD-04/XSW-EvilInsideSignedAssertion", craft: func(root, signed *etree.Element) {
			signed.AddChild(evil(signed))
		}},
		{name: "FD-04/AssertionUnsigned", answer: answer{unsigned: true}},
		{name: "FD-04/NameIDChangedAfterSigning", craft: func(root, signed *etree.Element) {
			signed.FindElement("./Subject/NameID").SetText("00u-admin-persistent")
		}},
		{name: "FD-04/CommentInNameID", answer: answer{nameID: "admin@corp.example.evil.test"},
			raw: func(b []byte) []byte {
				return bytes.Replace(b, []byte(">admin@corp.example.evil.test<"), []byte(">admin@corp.example<!---->.evil.test<"), 1)
			}},
		{name: "FD-04/NotOnOrAfterPassed", answer: answer{edit: minus(5 * time.Minute)}},
		{name: "FD-04/WrongAudience", answer: answer{edit: func(r *saml.IdpAuthnRequest) {
			r.Assertion.Conditions.AudienceRestrictions[0].Audience.Value = "https://other-sp.example.test/metadata"
		}}},
		{name: "FD-04/WrongRecipient", answer: answer{edit: func(r *saml.IdpAuthnRequest) {
			r.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other-sp.example.test/acs"
		}}},
		{name: "FD-04/WrongInResponseTo", answer: answer{edit: func(r *saml.IdpAuthnRequest) {
			r.Request.ID = "id-of-another-request"
			r.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = r.Request.ID
		}}},
		{name: "FD-04/DTD-XXE", raw: func(b []byte) []byte {
			return append([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>`), b...)
		}},
		{name: "FD-04/DTD-EntityExpansion", raw: func(b []byte) []byte {
			return append([]byte(`<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>`), b...)
		}},
		{name: "FD-04/ProcessingInstruction", raw: func(b []byte) []byte {
			return append([]byte(`<?xml-stylesheet href="http://evil.test/x.xsl"?>`), b...)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newSAMLEnv(t, nil)
			to, relay := e.begin()
			resp := e.respond(to, c.answer)
			if c.craft != nil {
				resp = wrap(t, resp, c.craft)
			}
			if c.raw != nil {
				resp = c.raw(resp)
			}
			id, _, err := e.complete(0, resp, relay, browserA)
			if err == nil {
				t.Fatalf("accepted, identity %+v", id)
			}
			refused(t, err)
		})
	}

	t.Run("FD-04/SignedByAnotherCert", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, relay := e.begin()
		other := newIdP(t, e.now, spProvider{e})
		_, _, err := e.complete(0, e.respond(to, answer{signer: other}), relay, browserA)
		refused(t, err)
	})

	unsolicited := answer{edit: func(r *saml.IdpAuthnRequest) {
		r.Request.ID = ""
		r.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = ""
	}}
	for name, nodes := range map[string]func(testing.TB) [2]samlStore{"SQLite": sqliteNodes, "PostgreSQL": postgresNodes} {
		t.Run("FD-04/ReplayedAssertionAcrossNodes/"+name, func(t *testing.T) {
			e := newSAMLEnvOn(t, nodes(t), func(p *signet.IdentityProvider) { p.SAML.AllowIdPInitiated = true })
			to, _ := e.begin()
			resp := e.respond(to, unsolicited)
			if _, _, err := e.complete(0, resp, "", ""); err != nil {
				t.Fatalf("first use: %v", err)
			}
			_, _, err := e.complete(1, resp, "", "")
			refused(t, err)
			if !strings.Contains(err.Error(), "already been used") {
				t.Errorf("refused for another reason: %v", err)
			}
		})
	}
	t.Run("FD-02/SAMLUnsolicitedWhereNoneAllowed", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, _ := e.begin()
		_, _, err := e.complete(0, e.respond(to, unsolicited), "", browserA)
		refused(t, err)
	})
	t.Run("FD-02/SAMLUnsolicitedResponseWithRelayStateOfAnotherLogin", func(t *testing.T) {
		e := newSAMLEnv(t, func(p *signet.IdentityProvider) { p.SAML.AllowIdPInitiated = true })
		to, relay := e.begin()
		_, _, err := e.complete(0, e.respond(to, unsolicited), relay, browserA)
		refused(t, err)
	})
	t.Run("FD-02/SAMLAnotherBrowser", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, relay := e.begin()
		_, _, err := e.complete(0, e.respond(to, answer{}), relay, "browser-b-secret-0123456789")
		refused(t, err)
	})
	t.Run("FD-02/SAMLRelayStateUsedTwice", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, relay := e.begin()
		if _, _, err := e.complete(0, e.respond(to, answer{}), relay, browserA); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.complete(1, e.respond(to, answer{}), relay, browserA)
		refused(t, err)
	})
	t.Run("FD-03/SAMLTransientNameID", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, relay := e.begin()
		_, _, err := e.complete(0, e.respond(to, answer{format: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"}), relay, browserA)
		refused(t, err)
	})
	t.Run("FD-03/SAMLEmailNameIDWhereNotChosen", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		to, relay := e.begin()
		_, _, err := e.complete(0, e.respond(to, answer{nameID: "alice@corp.example",
			format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"}), relay, browserA)
		refused(t, err)
	})
	t.Run("FD-04/Oversized", func(t *testing.T) {
		e := newSAMLEnv(t, nil)
		_, relay := e.begin()
		big := make([]byte, upstream.MaxSAMLResponse)
		_, _ = rand.Read(big)
		_, _, err := e.complete(0, big, relay, browserA)
		refused(t, err)
	})
}

// FuzzSAMLACS: whatever a browser posts to the ACS of a provider that
// accepts unsolicited responses, Complete never panics and accepts nothing
// the IdP did not sign as is. The seeds are a genuine signed response with
// its NameID changed, and a wrapped one.
func FuzzSAMLACS(f *testing.F) {
	e := newSAMLEnv(f, func(p *signet.IdentityProvider) { p.SAML.AllowIdPInitiated = true })
	to, _ := e.begin()
	resp := e.respond(to, answer{edit: func(r *saml.IdpAuthnRequest) {
		r.Request.ID = ""
		r.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = ""
	}})
	f.Add(bytes.Replace(resp, []byte("00u-alice-persistent"), []byte("00u-admin-persistent"), 1))
	f.Add(wrap(f, resp, func(root, signed *etree.Element) { root.InsertChildAt(signed.Index(), evil(signed)) }))
	f.Add([]byte(`<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.Equal(body, resp) {
			return // the genuine response is accepted once, rightly
		}
		id, _, err := e.nodes[0].Complete(t.Context(), "corp", b64(body), "", "")
		if err == nil {
			t.Fatalf("accepted %q as %+v", body, id)
		}
	})
}
