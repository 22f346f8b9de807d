package app

import (
	"fmt"
	"os"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/config"
	"github.com/signet-auth/signet/upstream"
)

// readSAMLMetadata makes p, declared by s, a SAML provider when s says
// kind saml: its IdP metadata is read from the file and checked now, so a
// missing or broken file stops the start instead of the first login; an
// empty issuer takes the metadata's entity id.
func readSAMLMetadata(p *signet.IdentityProvider, s config.IdPSettings) error {
	if s.Kind != string(signet.IdPSAML) {
		return nil
	}
	b, err := os.ReadFile(s.SAMLMetadataFile)
	if err != nil {
		return fmt.Errorf("saml_metadata_file: %w", err)
	}
	return SAMLIdP(p, string(b), s.SAMLNameIDFormat, s.SAMLAllowIdPInitiated)
}

// SAMLIdP makes p a SAML provider with the IdP metadata doc: the metadata
// must be valid and, when p.Issuer is set, be that entity's.
func SAMLIdP(p *signet.IdentityProvider, doc, nameIDFormat string, allowIdPInitiated bool) error {
	ed, err := upstream.ParseIdPMetadata(doc)
	if err != nil {
		return err
	}
	if p.Issuer == "" {
		p.Issuer = ed.EntityID
	}
	if p.Issuer != ed.EntityID {
		return fmt.Errorf("the metadata is for entity %q, not %q", ed.EntityID, p.Issuer)
	}
	p.Kind, p.ClientID, p.ClientSecretRef, p.Scopes = signet.IdPSAML, "", "", nil
	p.SAML = signet.SAMLSettings{Metadata: doc, NameIDFormat: nameIDFormat, AllowIdPInitiated: allowIdPInitiated}
	return nil
}
