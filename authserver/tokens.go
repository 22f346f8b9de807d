package authserver

import (
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/secret"
)

// prefixes are a protocol's token prefixes (package secret).
type prefixes struct{ access, refresh string }

// protocols lists the protocols the engine serves.
func protocols() []signet.Protocol {
	return []signet.Protocol{signet.ProtocolSSOOIDC, signet.ProtocolSignIn, signet.ProtocolOAuth2}
}

// prefixesFor returns p's prefixes; ok is false for an unknown protocol.
func prefixesFor(p signet.Protocol) (_ prefixes, ok bool) {
	switch p {
	case signet.ProtocolSSOOIDC:
		return prefixes{secret.PrefixSSOAccess, secret.PrefixSSORefresh}, true
	case signet.ProtocolSignIn:
		return prefixes{secret.PrefixSignInAccess, secret.PrefixSignInRefresh}, true
	case signet.ProtocolOAuth2:
		return prefixes{secret.PrefixOAuthAccess, secret.PrefixOAuthRefresh}, true
	}
	return prefixes{}, false
}

// Labels of the per-generation derivations. Distinct labels keep every
// derived value independent of the others.
const (
	labelSeed    = "signet generation seed v1"
	labelAccess  = "signet access token v1"
	labelRefresh = "signet refresh token v1"
)

// material is one generation's plaintext tokens and their digests.
type material struct {
	seed                        string
	access, refresh             string
	accessDigest, refreshDigest signet.Digest
}

// deriveMaterial computes a generation's tokens from its seed.
func (s *Server) deriveMaterial(p prefixes, seed string) material {
	m := material{seed: seed}
	m.access, m.accessDigest = s.minter.Derive(p.access, seed, labelAccess)
	m.refresh, m.refreshDigest = s.minter.Derive(p.refresh, seed, labelRefresh)
	return m
}

// firstMaterial draws a fresh seed for generation 0.
func (s *Server) firstMaterial(p prefixes) (material, error) {
	seed, _, err := s.minter.New("")
	if err != nil {
		return material{}, signet.Internal(err)
	}
	return s.deriveMaterial(p, seed), nil
}

// successorMaterial derives the successor's tokens from the refresh token
// the client presented, so a retry derives the same ones again.
func (s *Server) successorMaterial(p prefixes, presentedRefresh string) material {
	seed, _ := s.minter.Derive("", presentedRefresh, labelSeed)
	return s.deriveMaterial(p, seed)
}

// generation builds the TokenGeneration for m issued at now within session
// sess; the store fills SessionID and Generation.
func (s *Server) generation(m material, sess signet.Session, now time.Time) signet.TokenGeneration {
	return signet.TokenGeneration{
		RefreshDigest:    m.refreshDigest,
		AccessDigest:     m.accessDigest,
		IssuedAt:         now,
		AccessExpiresAt:  earliest(now.Add(s.life.access(sess.Protocol)), sess.ExpiresAt),
		RefreshExpiresAt: earliest(now.Add(s.life.RefreshToken), sess.ExpiresAt),
	}
}

// newSession builds a session that begins at now.
func (s *Server) newSession(id, clientID, userID string, p signet.Protocol, now time.Time) signet.Session {
	return signet.Session{
		ID: id, ClientID: clientID, UserID: userID, Protocol: p,
		CreatedAt: now, ExpiresAt: now.Add(s.life.Session),
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// expired is the one expiry rule: at or after its end, a thing has expired.
func expired(end, now time.Time) bool { return !now.Before(end) }
