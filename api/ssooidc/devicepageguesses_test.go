package ssooidc_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

// AB-01: at the default limits, anonymous visitors typing wrong user codes
// on the device page never stop a signed-in user from approving theirs:
// `aws sso login --use-device-code` through aws-sdk-go-v2 gets its tokens.
// The visitors' codes are not looked up: each is sent to sign in.
func TestAB01_AnonymousWrongCodesDoNotCloseTheDevicePage(t *testing.T) {
	e := withDefaultLimits(t)
	c := register(t, e)
	d := startDevice(t, e, c)
	wrong := strings.Repeat("B", len(strings.ReplaceAll(d.UserCode, "-", "")))
	for i := range 5 {
		v := e.Browser(t)
		f := v.Get("/login").Hidden() // any page starts a browser session
		f.Set("user_code", wrong)
		if p := v.Post("/device", f); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Errorf("anonymous wrong code %d: %d to %q, want 303 to /login", i, p.Status, p.Location)
		}
	}
	if p := e.Browser(t).DecideDevice(d.UserCode, true); !strings.Contains(p.Body, "Device approved") {
		t.Fatalf("the signed-in user's approval: %d %s", p.Status, gistOf(p.Body))
	}
	tok, err := oidcClient(e, nil).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(c.ID), ClientSecret: aws.String(c.Secret),
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: aws.String(d.DeviceCode)})
	if err != nil || aws.ToString(tok.AccessToken) == "" {
		t.Fatalf("CreateToken after approval: %v", err)
	}
}

// gistOf is the heading of a page.
func gistOf(body string) string {
	_, rest, ok := strings.Cut(body, "<h1>")
	if !ok {
		return body
	}
	h, _, _ := strings.Cut(rest, "</h1>")
	return h
}
