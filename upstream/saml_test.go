package upstream_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/signet-auth/signet/upstream"
)

// An SP-initiated login completes: the identity is keyed by the NameID,
// the mapped attributes fill the rest, and the return path comes back.
func TestSAMLLogin(t *testing.T) {
	e := newSAMLEnv(t, nil)
	to, relay := e.begin()
	id, ret, err := e.complete(1, e.respond(to, answer{}), relay, browserA)
	if err != nil {
		t.Fatal(err)
	}
	if id.IdP != "corp" || id.Subject != "00u-alice-persistent" || id.Username != "alice" ||
		id.Email != "alice@corp.example" || !slices.Equal(id.Groups, []string{"aws-dev", "staff"}) {
		t.Errorf("identity %+v", id)
	}
	if ret != "/authorize?x=1" {
		t.Errorf("return %q", ret)
	}
}

func TestSAMLMetadata(t *testing.T) {
	e := newSAMLEnv(t, nil)
	b, err := e.nodes[0].Metadata(t.Context(), "corp")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`entityID="` + samlBase + upstream.SAMLMetadataPath("corp") + `"`,
		`Location="` + samlBase + upstream.SAMLACSPath("corp") + `"`, `WantAssertionsSigned="true"`,
		upstream.NameIDPersistent, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metadata lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "HTTP-Artifact") {
		t.Errorf("metadata offers the artifact binding:\n%s", b)
	}
}

func refused(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, upstream.ErrRefused) {
		t.Fatalf("err %v, want a refusal", err)
	}
}
