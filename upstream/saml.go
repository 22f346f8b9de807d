package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/signet-auth/signet"
)

// NameIDPersistent is the NameID format asked for unless a provider says
// otherwise: stable, never reassigned, opaque (saml-core §8.3.7).
const NameIDPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

// nameIDTransient changes at every login: it cannot key an identity.
const nameIDTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

// SAMLMetadataPath is the path of signet's SP metadata for provider idp;
// its URL is also signet's SP entity id for that provider.
func SAMLMetadataPath(idp string) string { return "/login/federated/" + idp + "/saml/metadata" }

// SAMLACSPath is the path of the assertion consumer service of provider idp
// (HTTP-POST binding).
func SAMLACSPath(idp string) string { return "/login/federated/" + idp + "/saml/acs" }

// SAML runs logins at upstream SAML 2.0 identity providers, with signet as
// the service provider (github.com/crewjam/saml). Providers come from
// Store at each login; Replay remembers every accepted assertion id until
// it expires, across every node sharing the store (catalogue FD-04).
type SAML struct {
	Store        signet.FederationStore
	Replay       signet.ReplayStore
	BaseURL      string
	Clock        signet.Clock
	Rand         io.Reader
	LoginTimeout time.Duration // 0: DefaultLoginTimeout
}

// samlProvider returns the provider idp if it is a SAML one.
func (s *SAML) samlProvider(ctx context.Context, idp string) (signet.IdentityProvider, error) {
	p, err := s.Store.GetIdP(ctx, idp)
	if err != nil {
		return p, err
	}
	if p.Kind != signet.IdPSAML {
		return p, fmt.Errorf("upstream: %s is not a SAML provider: %w", idp, signet.ErrNotFound)
	}
	return p, nil
}

// ParseIdPMetadata checks an IdP metadata document and returns its entity
// descriptor: one IdP, with a single sign-on service and a signing
// certificate.
func ParseIdPMetadata(doc string) (*saml.EntityDescriptor, error) {
	if len(doc) > maxSAMLMetadata {
		return nil, errors.New("upstream: SAML metadata larger than 1 MiB")
	}
	if err := checkXML([]byte(doc), true); err != nil {
		return nil, fmt.Errorf("upstream: SAML metadata: %w", err)
	}
	ed, err := samlsp.ParseMetadata([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("upstream: SAML metadata: %w", err)
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return nil, errors.New("upstream: SAML metadata without an IDPSSODescriptor")
	}
	hasSign := false
	for _, kd := range ed.IDPSSODescriptors[0].KeyDescriptors {
		if (kd.Use == "" || kd.Use == "signing") && len(kd.KeyInfo.X509Data.X509Certificates) > 0 {
			hasSign = true
		}
	}
	if !hasSign {
		return nil, errors.New("upstream: SAML metadata names no signing certificate")
	}
	return ed, nil
}

// sp builds the service provider of p as of now.
func (s *SAML) sp(p signet.IdentityProvider, now time.Time) (*saml.ServiceProvider, error) {
	ed, err := ParseIdPMetadata(p.SAML.Metadata)
	if err != nil {
		return nil, err
	}
	if p.Issuer != "" && ed.EntityID != p.Issuer {
		return nil, fmt.Errorf("upstream: SAML metadata of %s is for entity %q, not %q", p.Name, ed.EntityID, p.Issuer)
	}
	base := strings.TrimSuffix(s.BaseURL, "/")
	md, err := url.Parse(base + SAMLMetadataPath(p.Name))
	if err != nil {
		return nil, err
	}
	acs, err := url.Parse(base + SAMLACSPath(p.Name))
	if err != nil {
		return nil, err
	}
	format := p.SAML.NameIDFormat
	if format == "" {
		format = NameIDPersistent
	}
	return &saml.ServiceProvider{
		EntityID:    md.String(),
		MetadataURL: *md,
		AcsURL:      *acs,
		IDPMetadata: ed,
		// Only HTTP-POST: the artifact binding would make this server
		// call out to the IdP on a browser's say-so.
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		AuthnNameIDFormat:                saml.NameIDFormat(format),
		AllowIDPInitiated:                p.SAML.AllowIdPInitiated,
		RejectSHA1Signatures:             true,
		RejectUnknownConditions:          true,
		RequireSignedResponseForCBC:      true,
		Clock:                            dsig.NewFakeClockAt(now),
	}, nil
}

// Metadata returns signet's SP metadata for provider idp, for its
// administrator to upload to the IdP: entity id, ACS URL (HTTP-POST),
// NameID format, and that assertions must be signed.
func (s *SAML) Metadata(ctx context.Context, idp string) ([]byte, error) {
	p, err := s.samlProvider(ctx, idp)
	if err != nil {
		return nil, err
	}
	sp, err := s.sp(p, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	md := sp.Metadata()
	yes := true
	for i := range md.SPSSODescriptors {
		md.SPSSODescriptors[i].WantAssertionsSigned = &yes
	}
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// requestID is the AuthnRequest ID of a login: derived from its state and
// the browser's secret, so it is never stored and only the browser that
// started the login, with its RelayState, gives it back.
func requestID(binding, state string) string { return "id-" + derive(binding, "saml-request", state) }

// Begin starts a login at SAML provider idp for the browser whose
// secret session id is binding, to continue at ret, and returns the URL
// (HTTP-Redirect binding) that sends the browser to the IdP.
func (s *SAML) Begin(ctx context.Context, idp, binding, ret string) (string, error) {
	if len(binding) < 16 {
		return "", errors.New("upstream: a browser binding of at least 128 bits is required")
	}
	p, err := s.samlProvider(ctx, idp)
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	sp, err := s.sp(p, now)
	if err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := io.ReadFull(s.Rand, b[:]); err != nil {
		return "", fmt.Errorf("upstream: random source: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(b[:])
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding),
		saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", fmt.Errorf("upstream: AuthnRequest for %s: %w", idp, err)
	}
	if req.Destination == "" {
		return "", fmt.Errorf("upstream: SAML metadata of %s has no HTTP-Redirect single sign-on service", idp)
	}
	req.ID = requestID(binding, state)
	timeout := s.LoginTimeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	if err := s.Store.CreateUpstreamLogin(ctx, signet.UpstreamLogin{
		Digest: stateDigest(state), IdP: p.Name, Binding: BindingDigest(binding), Return: ret,
		CreatedAt: now, ExpiresAt: now.Add(timeout),
	}); err != nil {
		return "", err
	}
	u, err := req.Redirect(state, sp)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// replayCache is crewjam's AssertionReplayCache over the store's
// ReplayStore: an assertion id of provider idp is taken once, on any node.
type replayCache struct {
	ctx context.Context
	s   *SAML
	idp string
	now time.Time
}

func (c replayCache) Consume(id string, expiresAt time.Time) error {
	d := signet.Digest(sha256.Sum256([]byte("signet saml assertion v1\x00" + c.idp + "\x00" + id)))
	fresh, err := c.s.Replay.MarkUsed(c.ctx, d, expiresAt, c.now)
	if err != nil {
		return err
	}
	if !fresh {
		return saml.ErrAssertionReplayed
	}
	return nil
}
