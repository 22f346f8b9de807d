package iamrole_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/testenv"
)

// iamAlgorithms are the signing algorithms IAM accepts from an OIDC
// provider (IAM User Guide, "Create an OpenID Connect (OIDC) identity
// provider in IAM").
var iamAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// The token signet sends STS, checked the way IAM checks one: discovery
// from the issuer URL, the key from the JWKS it names, the signature, and
// iss, aud, exp; plus what signet promises beyond that: a typ of its own,
// a sub that is the user's id, at most five minutes of life, and the
// person's name in the source identity and session tags.
func TestAW01_WebIdentityTokenValidatesAsIAMDoes(t *testing.T) {
	fake := iamroletest.NewFakeSTS(t)
	const audience = "signet-iam-test"
	e := boundEnv(t, fake, iamrole.Config{Audience: audience})
	_, tok := e.SSOTokens(t, "sso:account:access")
	out, err := portal(e).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(testenv.AccountID), RoleName: aws.String("Admin")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.RoleCredentials.AccessKeyId); !strings.HasPrefix(got, "ASIAFAKESTS") {
		t.Fatalf("credentials %s are not STS's", got)
	}
	call := fake.Last()
	if call.Get("Action") != "AssumeRoleWithWebIdentity" || call.Get("RoleArn") != "arn:aws:iam::"+testenv.AccountID+":role/Admin" ||
		call.Get("RoleSessionName") != testenv.UserName || call.Get("DurationSeconds") != "3600" {
		t.Fatalf("STS call %v", call)
	}
	raw := call.Get("WebIdentityToken")

	// Discovery, then the JWKS, from the token's own iss.
	jws, err := jose.ParseSignedCompact(raw, iamAlgorithms)
	if err != nil {
		t.Fatalf("not a JWS with an algorithm IAM accepts: %v", err)
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != iamrole.TokenType || typ == "JWT" {
		t.Fatalf("typ %q, want %q", typ, iamrole.TokenType)
	}
	var unverified struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil || unverified.Iss != e.URL {
		t.Fatalf("iss %q, want the issuer %q (%v)", unverified.Iss, e.URL, err)
	}
	var disco struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, unverified.Iss+"/.well-known/openid-configuration", &disco)
	if disco.Issuer != unverified.Iss || disco.JWKSURI == "" || !slices.Contains(disco.Algs, h.Algorithm) {
		t.Fatalf("discovery %+v for a token signed with %s", disco, h.Algorithm)
	}
	var set jose.JSONWebKeySet
	getJSON(t, disco.JWKSURI, &set)
	keys := set.Key(h.KeyID)
	if h.KeyID == "" || len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in the JWKS", h.KeyID, len(keys))
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var c struct {
		Iss, Sub, Aud, Jti string
		Iat, Nbf, Exp      int64
		SourceIdentity     string `json:"https://aws.amazon.com/source_identity"`
		Tags               struct {
			PrincipalTags     map[string][]string `json:"principal_tags"`
			TransitiveTagKeys []string            `json:"transitive_tag_keys"`
		} `json:"https://aws.amazon.com/tags"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now().Unix()
	switch {
	case c.Aud != audience:
		t.Errorf("aud %q, want %q", c.Aud, audience)
	case c.Sub != e.User.ID:
		t.Errorf("sub %q, want the user's id %q", c.Sub, e.User.ID)
	case c.Exp <= now || c.Nbf > now || c.Iat > now:
		t.Errorf("not valid now (%d): iat %d nbf %d exp %d", now, c.Iat, c.Nbf, c.Exp)
	case c.Exp-c.Iat > int64(5*time.Minute/time.Second):
		t.Errorf("lifetime %ds, want at most 300", c.Exp-c.Iat)
	case c.Jti == "":
		t.Error("no jti")
	case c.SourceIdentity != testenv.UserName:
		t.Errorf("source identity %q", c.SourceIdentity)
	case !slices.Equal(c.Tags.PrincipalTags[iamrole.TagUser], []string{testenv.UserName}) ||
		!slices.Contains(c.Tags.TransitiveTagKeys, iamrole.TagUser):
		t.Errorf("session tags %+v", c.Tags)
	}

	// sub is stable per user: the next token names the same subject, with
	// a new jti.
	if _, err := portal(e).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(testenv.AccountID), RoleName: aws.String("Admin")}); err != nil {
		t.Fatal(err)
	}
	next, err := jose.ParseSignedCompact(fake.Last().Get("WebIdentityToken"), iamAlgorithms)
	if err != nil {
		t.Fatal(err)
	}
	var c2 struct{ Sub, Jti string }
	json.Unmarshal(next.UnsafePayloadWithoutVerification(), &c2)
	if c2.Sub != c.Sub || c2.Jti == c.Jti {
		t.Fatalf("second token: sub %q jti %q after sub %q jti %q", c2.Sub, c2.Jti, c.Sub, c.Jti)
	}
}
