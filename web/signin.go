package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/signet-auth/signet"
)

// The built-in Sign-In clients of aws login (signin.md §6.1). They are not
// in the store: AWS fixes them, and this package holds their one rule, the
// redirect URI each may use.
const (
	SignInSameDevice  = signet.SignInSameDevice
	SignInCrossDevice = signet.SignInCrossDevice
)

// confirmationPath is where the cross-device flow sends the browser.
const confirmationPath = "/v1/sessions/confirmation"

// sameDeviceCallbackPath is the one path the same-device client registers
// (api/signin.ClientSpecs: http://127.0.0.1/oauth/callback, any port).
const sameDeviceCallbackPath = "/oauth/callback"

// signInClient returns the built-in Sign-In client with that id.
func signInClient(id string) (signet.Client, bool) {
	c := signet.Client{
		ID:         id,
		Type:       signet.ClientPublic,
		GrantTypes: []string{signet.GrantAuthorizationCode, signet.GrantRefreshToken},
		Scopes:     []string{"openid"},
	}
	switch id {
	case SignInSameDevice:
		c.Name = "AWS CLI (aws login)"
	case SignInCrossDevice:
		c.Name = "AWS CLI on another device (aws login --remote)"
	default:
		return signet.Client{}, false
	}
	return c, true
}

// signInRedirectAllowed: the same-device client may use
// http://127.0.0.1:<any port>/oauth/callback, the URI it is registered
// with, with only the port varying (RFC 8252 §7.3; catalogue WB-11: the
// path and the query are exact, so no other local listener can be made a
// target); the cross-device client only this server's confirmation page.
func (h *Handler) signInRedirectAllowed(clientID, uri string) bool {
	switch clientID {
	case SignInSameDevice:
		if !isLoopbackRedirect(uri) {
			return false
		}
		u, err := url.Parse(uri)
		return err == nil && u.EscapedPath() == sameDeviceCallbackPath
	case SignInCrossDevice:
		return uri == h.url(confirmationPath)
	}
	return false
}

// isLoopbackRedirect reports whether uri is http://127.0.0.1[:port]/path
// with nothing else: no user info, query or fragment, and the host the IPv4
// loopback literal itself, never a name that resolves to it (catalogue
// WB-02).
func isLoopbackRedirect(uri string) bool {
	if strings.ContainsAny(uri, "#\\") {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.ForceQuery {
		return false
	}
	if u.Host != "127.0.0.1" {
		port, ok := strings.CutPrefix(u.Host, "127.0.0.1:")
		if !ok || !isPort(port) {
			return false
		}
	}
	return strings.HasPrefix(u.EscapedPath(), "/")
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, _ := strconv.Atoi(s)
	return n <= 65535
}

// verificationCode is what aws login --remote asks the user to paste:
// standard base64 with padding of "code=<code>&state=<state>"; the CLI
// decodes it and parse_qsl's the result (signin.md §6.2).
func verificationCode(code, state string) string {
	q := "code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state)
	return base64.StdEncoding.EncodeToString([]byte(q))
}

type confirmationView struct {
	common
	Code string
}

// signInConfirmation serves GET /v1/sessions/confirmation: the cross-device
// flow's landing page, which shows the code to paste into the CLI.
func (h *Handler) signInConfirmation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("error") {
		h.errorPage(w, r, http.StatusOK, "Sign-in cancelled",
			"The sign-in was not approved, so there is no code to copy. Start again with aws login --remote.")
		return
	}
	code, state := q.Get("code"), q.Get("state")
	if len(q["code"]) != 1 || len(q["state"]) > 1 || code == "" || len(code) > 512 || len(state) > maxState {
		h.errorPage(w, r, http.StatusBadRequest, "No sign-in code", "This page was opened without a sign-in code. Start again with aws login --remote.")
		return
	}
	h.render(w, r, http.StatusOK, "confirmation", confirmationView{
		common: common{Title: "Finish signing in"},
		Code:   verificationCode(code, state),
	})
}
