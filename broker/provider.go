package broker

import (
	"net/url"
	"slices"
	"strings"

	"github.com/signet-auth/signet/awscreds"
)

// provider is a configured provider, secrets resolved.
type provider struct {
	name          string
	kind          Kind
	tokenURL      string
	refreshURL    string
	auth          AuthMethod
	defaultClient string
	clients       map[string]*client
}

type client struct {
	id           string
	secret       string
	redirectURIs []string
	principals   []string
}

// allows reports whether principal p may use the client.
func (c *client) allows(p awscreds.Principal) bool {
	for _, pat := range c.principals {
		switch {
		case pat == "*":
			return true
		case !strings.HasPrefix(pat, "arn:"):
			if p.AccountID != "" && pat == p.AccountID {
				return true
			}
		case arnMatch(pat, p.ARN):
			return true
		}
	}
	return false
}

// arnMatch matches an ARN against a pattern in which "*" stands for any run
// of characters, "/" included (IAM policy semantics, not path.Match's).
func arnMatch(pattern, arn string) bool {
	if arn == "" {
		return false
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == arn
	}
	if !strings.HasPrefix(arn, parts[0]) {
		return false
	}
	rest := arn[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// redirectAllowed compares exactly (RFC 9700 §2.1, RFC 6749 §3.1.2.3's
// simple string comparison): no normalisation, no prefix, no pattern.
func (c *client) redirectAllowed(uri string) bool { return slices.Contains(c.redirectURIs, uri) }

// exchangeRequest builds the code exchange.
//
// Figma ("OAuth apps", https://developers.figma.com/docs/rest-api/authentication/):
// POST https://api.figma.com/v1/oauth/token, Content-Type
// application/x-www-form-urlencoded, the client authenticated with
// Authorization: Basic base64(client_id:client_secret), the body
// redirect_uri, code and grant_type=authorization_code; the answer is
// {"user_id_string","access_token","token_type","expires_in","refresh_token"}
// (expires_in in seconds, 90 days at the time of writing).
//
// OAuth 2.0: RFC 6749 §4.1.3, grant_type, code, redirect_uri, plus
// client_id and client_secret in the body for client_secret_post
// (§2.3.1).
func (p *provider) exchangeRequest(c *client, code, redirectURI string) upstreamRequest {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	return p.authenticate(c, p.tokenURL, form)
}

// refreshRequest builds the refresh.
//
// Figma: POST https://api.figma.com/v1/oauth/refresh with the same Basic
// authentication and a body of refresh_token alone (Figma documents no
// grant_type for this endpoint); the answer has access_token, token_type
// and expires_in, no new refresh token.
//
// OAuth 2.0: RFC 6749 §6, grant_type=refresh_token and refresh_token.
func (p *provider) refreshRequest(c *client, token string) upstreamRequest {
	form := url.Values{"refresh_token": {token}}
	if p.kind != KindFigma {
		form.Set("grant_type", "refresh_token")
	}
	return p.authenticate(c, p.refreshURL, form)
}

func (p *provider) authenticate(c *client, u string, form url.Values) upstreamRequest {
	r := upstreamRequest{url: u, form: form}
	switch {
	case p.kind == KindFigma:
		// Figma's documentation base64-encodes "client_id:client_secret"
		// as they are; its ids and secrets are URL-safe, so this is also
		// what RFC 6749 §2.3.1 would send.
		r.basicUser, r.basicPass = c.id, c.secret
	case p.auth == AuthPost:
		form.Set("client_id", c.id)
		form.Set("client_secret", c.secret)
	default:
		// RFC 6749 §2.3.1: id and secret are form-urlencoded before they
		// are joined and base64-encoded.
		r.basicUser, r.basicPass = url.QueryEscape(c.id), url.QueryEscape(c.secret)
	}
	return r
}
