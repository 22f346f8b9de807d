package oauth2_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/signet-auth/signet/internal/testenv"
)

// idPayload decodes the payload of an ID token (its signature is
// checked by the JWKS tests).
func idPayload(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func amrOf(c map[string]any) []string {
	var out []string
	list, _ := c["amr"].([]any)
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// The ID token says how the user signed in (OIDC Core §2 amr, RFC 8176
// values): pwd alone, or pwd, otp and mfa after the second step; the
// refreshed session keeps it. golang.org/x/oauth2 against the real server.
func TestIDTokenAMR(t *testing.T) {
	for _, tt := range []struct {
		policy string
		want   []string
	}{{"optional", []string{"pwd"}}, {"required", []string{"pwd", "otp", "mfa"}}} {
		t.Run(tt.policy, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{MFA: tt.policy})
			ctx := context.Background()
			b := e.Browser(t)
			if tt.policy == "required" {
				b.EnrolTOTP(e.Clock.Now, "")
			}
			c := webClient(t, e)
			cfg := config(e, c, "openid")
			const verifier = "0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
			loc := b.AuthorizeURL(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
			u, err := url.Parse(loc)
			if err != nil || u.Query().Get("code") == "" {
				t.Fatalf("authorize: %s", loc)
			}
			tok, err := cfg.Exchange(ctx, u.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			claims := idPayload(t, tok)
			if got := amrOf(claims); !slices.Equal(got, tt.want) {
				t.Errorf("amr %v, want %v", got, tt.want)
			}
			if _, ok := claims["auth_time"].(float64); !ok {
				t.Errorf("no auth_time: %v", claims)
			}
			tok.Expiry = tok.Expiry.Add(-24 * 3600e9)
			next, err := cfg.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatal(err)
			}
			if next.Extra("id_token") != nil {
				if got := amrOf(idPayload(t, next)); !slices.Equal(got, tt.want) {
					t.Errorf("amr after refresh %v, want %v", got, tt.want)
				}
			}
		})
	}
}
