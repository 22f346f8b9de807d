package upstream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/signet-auth/signet"
)

// Size limits of what a browser posts to the ACS, checked before anything
// is parsed: a real response is a few KiB.
const (
	// MaxSAMLResponse bounds the SAMLResponse form value (base64).
	MaxSAMLResponse = 256 << 10
	maxSAMLMetadata = 1 << 20
	maxRelayState   = 80 // saml-bindings §3.5.3
	maxXMLDepth     = 32
)

const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
)

// checkXML refuses what no SAML message needs and XML attacks use: a
// DOCTYPE or any other directive (entities, XXE, billion laughs), processing
// instructions other than the XML declaration, comments (canonical XML
// drops them before signing, so one put inside a signed NameID splits its
// text without breaking the signature: CVE-2017-11427), and nesting deeper
// than maxXMLDepth. It reads tokens only, expanding nothing.
func checkXML(b []byte, comments bool) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth := 0
	for {
		t, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("malformed XML: %w", err)
		}
		switch t := t.(type) {
		case xml.Directive:
			return errors.New("XML with a DOCTYPE or another directive")
		case xml.Comment:
			if !comments {
				return errors.New("XML with a comment")
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return errors.New("XML with a processing instruction")
			}
		case xml.StartElement:
			if depth++; depth > maxXMLDepth {
				return errors.New("XML nested too deep")
			}
		case xml.EndElement:
			depth--
		}
	}
}

// checkShape refuses a Response that is not exactly one samlp:Response
// holding exactly one saml:Assertion, as its direct child, that carries its
// own ds:Signature. One assertion in the whole document leaves no room for
// signature wrapping (an unsigned assertion beside, inside or around the
// signed one); the signature being required on the assertion, not only on
// the Response, is this server's policy (crewjam accepts either). Encrypted
// assertions are not supported.
func checkShape(b []byte) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return fmt.Errorf("malformed XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return errors.New("not a samlp:Response")
	}
	var assertions []*etree.Element
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			if (c.Tag == "Assertion" || c.Tag == "EncryptedAssertion") && c.NamespaceURI() == nsAssertion {
				assertions = append(assertions, c)
			}
			walk(c)
		}
	}
	walk(root)
	switch {
	case len(assertions) != 1:
		return fmt.Errorf("%d assertions in the response, want exactly one", len(assertions))
	case assertions[0].Tag != "Assertion":
		return errors.New("encrypted assertions are not supported")
	case assertions[0].Parent() != root:
		return errors.New("the assertion is not a child of the Response")
	}
	signed := false
	for _, c := range assertions[0].ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			signed = true
		}
	}
	if !signed {
		return errors.New("the assertion is not signed")
	}
	return nil
}

// DecodeSAMLResponse checks the size and shape of a posted SAMLResponse and
// returns its XML; it verifies no signature (Complete does).
func DecodeSAMLResponse(form string) ([]byte, error) {
	if form == "" || len(form) > MaxSAMLResponse {
		return nil, refused("SAMLResponse missing or larger than %d bytes", MaxSAMLResponse)
	}
	b, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, form))
	if err != nil {
		return nil, refused("SAMLResponse is not base64")
	}
	if err := checkXML(b, false); err != nil {
		return nil, refused("SAMLResponse: %v", err)
	}
	if err := checkShape(b); err != nil {
		return nil, refused("SAMLResponse: %v", err)
	}
	return b, nil
}

// Complete checks a response posted to the ACS of provider idp (its form
// values SAMLResponse and RelayState) for the browser whose secret session
// id is binding ("" if it has none), and returns the identity with the
// return path its login was begun with. A response to a login of ours
// must come back with its RelayState to the browser that began it, and
// answer that login's AuthnRequest (InResponseTo); one without RelayState
// is IdP-initiated, accepted only where the provider allows it. Every
// refusal wraps ErrRefused.
func (s *SAML) Complete(ctx context.Context, idp, samlResponse, relayState, binding string) (Identity, string, error) {
	raw, err := DecodeSAMLResponse(samlResponse)
	if err != nil {
		return Identity{}, "", err
	}
	p, err := s.samlProvider(ctx, idp)
	if err != nil {
		return Identity{}, "", err
	}
	now := s.Clock.Now()
	var ids []string
	var ret string
	switch {
	case relayState == "" && !p.SAML.AllowIdPInitiated:
		return Identity{}, "", refused("unsolicited response from %s (IdP-initiated login is off)", idp)
	case relayState == "":
		// IdP-initiated: no request to answer; the replay cache makes the
		// assertion single-use.
	case len(relayState) != 43 || len(relayState) > maxRelayState:
		return Identity{}, "", refused("malformed RelayState")
	default:
		l, err := s.Store.TakeUpstreamLogin(ctx, stateDigest(relayState), now)
		switch {
		case errors.Is(err, signet.ErrNotFound):
			return Identity{}, "", refused("unknown, used or expired RelayState")
		case err != nil:
			return Identity{}, "", err
		case l.IdP != idp:
			return Identity{}, "", refused("RelayState of provider %s answered at %s", l.IdP, idp)
		case binding == "" || !l.Binding.Equal(BindingDigest(binding)):
			return Identity{}, "", refused("RelayState of a login started by another browser")
		}
		ids, ret = []string{requestID(binding, relayState)}, l.Return
	}
	sp, err := s.sp(p, now)
	if err != nil {
		return Identity{}, "", err
	}
	sp.ReplayCache = replayCache{ctx: ctx, s: s, idp: p.Name, now: now}
	// A response to a login of ours must answer its AuthnRequest, even
	// where unsolicited ones are allowed.
	sp.AllowIDPInitiated = len(ids) == 0
	a, err := sp.ParseXMLResponse(raw, ids, sp.AcsURL)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			err = ire.PrivateErr
		}
		return Identity{}, "", refused("response from %s: %v", idp, err)
	}
	id, err := mapAssertion(p, a)
	if err != nil {
		return Identity{}, "", err
	}
	return id, ret, nil
}
