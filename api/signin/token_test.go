package signin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/broker/brokertest"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/signintest"
	"github.com/signet-auth/signet/internal/testsupport"
)

func TestCreateTokenAuthorizationCode(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	r := h.login()
	at, _ := r.Body["accessToken"].(map[string]any)
	if id, _ := at["accessKeyId"].(string); !strings.HasPrefix(id, "ASIA") || at["secretAccessKey"] == "" || at["sessionToken"] == "" {
		t.Fatalf("accessToken = %v", at)
	}
	if r.str("tokenType") != signin.TokenType {
		t.Errorf("tokenType = %q", r.str("tokenType"))
	}
	if n, _ := r.Body["expiresIn"].(float64); n < 1 || n > 900 {
		t.Errorf("expiresIn = %v", r.Body["expiresIn"])
	}
	if !strings.HasPrefix(r.str("refreshToken"), "ASOR") {
		t.Errorf("refreshToken = %q", r.str("refreshToken"))
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	// The idToken is an ES256 JWT with a kid, signed by the keyring, whose
	// sub is the principal ARN the CLI takes the account from.
	var claims map[string]any
	if err := e.Keyring.VerifyJWT(r.str("idToken"), &claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"sub": signintest.PrincipalARN, "session_arn": signintest.PrincipalARN, "aud": sameDevice, "iss": e.URL}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("idToken %s = %v, want %v", k, claims[k], v)
		}
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp <= iat {
		t.Errorf("idToken exp %v iat %v", exp, iat)
	}
	if account := strings.Split(claims["sub"].(string), ":")[4]; account != signintest.AccountID {
		t.Errorf("account field of sub = %q", account)
	}

	// A refresh answers without an idToken, with a rotated refresh token.
	r2 := h.refresh(r.str("refreshToken"))
	wantOK(t, r2)
	if r2.Body["idToken"] != nil || r2.str("refreshToken") == r.str("refreshToken") || r2.str("refreshToken") == "" {
		t.Fatalf("refresh: %s", r2.Raw)
	}
}

// The model documents a form-encoded variant with snake_case names.
func TestCreateTokenFormEncoded(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	form := url.Values{"client_id": {sameDevice}, "grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}
	r := post(t, e, "application/x-www-form-urlencoded", form.Encode(), h.proof())
	wantOK(t, r)
	form = url.Values{"client_id": {sameDevice}, "grant_type": {"refresh_token"}, "refresh_token": {r.str("refreshToken")}}
	wantOK(t, post(t, e, "application/x-www-form-urlencoded", form.Encode(), h.proof()))
}

func TestDP01_RefreshWithoutProofIsRefusedAndTheTokenStillWorks(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	wantValidation(t, post(t, e, "application/json", refreshBody(rt)))
	wantOK(t, h.refresh(rt))
}

func TestDP02_ProofFromAnotherKeyIsRefusedAndTheTokenStillWorks(t *testing.T) {
	var logs testsupport.Logs
	e := signintest.New(t, signintest.Options{Log: logs.Logger()})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	thief := newHolder(t, e)
	wantValidation(t, thief.refresh(rt))
	wantValidation(t, thief.refresh(rt))
	// The attempt is an event in the log, without the token.
	if got := logs.String(); !strings.Contains(got, "not bound to") || len(brokertest.Leaks(got, rt)) > 0 {
		t.Fatalf("log:\n%s", got)
	}
	r := h.refresh(rt)
	wantOK(t, r)
	wantOK(t, h.refresh(r.str("refreshToken")))
	// A code redeemed with one key is bound to it from then on.
	code := e.Code(t, sameDevice, redirect, verifier)
	rt2 := thief.redeem(sameDevice, code, redirect, verifier).str("refreshToken")
	wantValidation(t, h.refresh(rt2))
	wantOK(t, thief.refresh(rt2))
}

func TestDP03_ReplayedProofIsRefused(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	p := h.proof()
	first := post(t, e, "application/json", refreshBody(rt), p)
	wantOK(t, first)
	// The same proof again, even for an idempotent retry of the same body.
	wantValidation(t, post(t, e, "application/json", refreshBody(rt), p))
	// A proof refused for another reason leaves nothing behind, and the
	// token is intact.
	wantOK(t, h.refresh(first.str("refreshToken")))
}

// proofCase changes a valid proof in one way.
type proofCase struct {
	name   string
	change func(h *holder, p *proofParts)
}

// runProofCases checks that each changed proof is refused on a refresh
// with 400 ValidationException INVALID_REQUEST (or accepted, if ok), and
// that the refresh token works afterwards for its holder (catalogue §3:
// the refresh token is not consumed, rotated or revoked).
func runProofCases(t *testing.T, cases []proofCase, ok bool) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := h.parts()
			c.change(h, &p)
			r := post(t, e, "application/json", refreshBody(rt), h.encode(p))
			if ok {
				wantOK(t, r)
				rt = r.str("refreshToken")
				return
			}
			wantValidation(t, r)
		})
	}
	wantOK(t, h.refresh(rt))
}

func TestDP04_AlgorithmsOutsideES256AreRefused(t *testing.T) {
	runProofCases(t, []proofCase{
		{"none", func(h *holder, p *proofParts) {
			p.header["alg"] = "none"
			p.sign = func(string) []byte { return nil }
		}},
		{"HS256 keyed with the public key", func(h *holder, p *proofParts) { p.header["alg"] = "HS256" }},
		{"ES384 not offered", func(h *holder, p *proofParts) { p.header["alg"] = "ES384" }},
		{"RS256 with an EC key", func(h *holder, p *proofParts) { p.header["alg"] = "RS256" }},
	}, false)
}

func TestDP05_BadSignatureOrKeyIsRefused(t *testing.T) {
	runProofCases(t, []proofCase{
		{"bad signature", func(h *holder, p *proofParts) {
			p.sign = func(in string) []byte { s := h.es256(in); s[10] ^= 1; return s }
		}},
		{"signature by another key", func(h *holder, p *proofParts) {
			other := newHolder(h.t, h.e)
			p.sign = other.es256
		}},
		{"no jwk", func(h *holder, p *proofParts) { delete(p.header, "jwk") }},
		{"jwk with a private member", func(h *holder, p *proofParts) {
			j := h.jwk()
			d, _ := h.key.Bytes()
			j["d"] = b64(d)
			p.header["jwk"] = j
		}},
		{"point off the curve", func(h *holder, p *proofParts) {
			j := h.jwk()
			y := []byte(j["y"].(string))
			y[5] ^= 2
			j["y"] = string(y)
			p.header["jwk"] = j
		}},
	}, false)
}

func TestDP06_TypOtherThanDPoPJWTIsRefused(t *testing.T) {
	runProofCases(t, []proofCase{
		{"typ missing", func(h *holder, p *proofParts) { delete(p.header, "typ") }},
		{"typ JWT", func(h *holder, p *proofParts) { p.header["typ"] = "JWT" }},
		{"typ at+jwt", func(h *holder, p *proofParts) { p.header["typ"] = "at+jwt" }},
	}, false)
}

func TestDP07_MethodAndURLMustMatchTheConfiguredIssuer(t *testing.T) {
	refused := []proofCase{
		{"htm GET", func(h *holder, p *proofParts) { p.claims["htm"] = "GET" }},
		{"another path", func(h *holder, p *proofParts) { p.claims["htu"] = h.e.URL + "/v1/introspect" }},
		{"another host", func(h *holder, p *proofParts) {
			p.claims["htu"] = strings.Replace(h.e.URL, "127.0.0.1", "signin.example.com", 1) + "/v1/token"
		}},
		{"another port", func(h *holder, p *proofParts) { p.claims["htu"] = "http://127.0.0.1:1/v1/token" }},
		{"https for http", func(h *holder, p *proofParts) {
			p.claims["htu"] = strings.Replace(h.e.URL, "http:", "https:", 1) + "/v1/token"
		}},
	}
	runProofCases(t, refused, false)
	accepted := []proofCase{
		{"with a query, as the Go SDK sends it", func(h *holder, p *proofParts) { p.claims["htu"] = h.e.URL + "/v1/token?x=1" }},
		{"with a fragment", func(h *holder, p *proofParts) { p.claims["htu"] = h.e.URL + "/v1/token#f" }},
		{"upper-case scheme", func(h *holder, p *proofParts) {
			p.claims["htu"] = strings.Replace(h.e.URL, "http:", "HTTP:", 1) + "/v1/token"
		}},
	}
	runProofCases(t, accepted, true)

	// The request's Host and X-Forwarded-* never stand in for the issuer.
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	send := func(htu, host string) reply {
		p := h.parts()
		p.claims["htu"] = htu
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/v1/token", strings.NewReader(refreshBody(rt)))
		req.Host = host
		req.Header.Set("X-Forwarded-Host", host)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("DPoP", h.encode(p))
		return do(t, req)
	}
	wantValidation(t, send("https://evil.example/v1/token", "evil.example"))
	r := send(e.URL+"/v1/token", "evil.example")
	wantOK(t, r)
}

func TestDP08_IssuedAtOutsideTheWindowIsRefused(t *testing.T) {
	at := func(d time.Duration) func(h *holder, p *proofParts) {
		return func(h *holder, p *proofParts) { p.claims["iat"] = h.e.Clock.Now().Add(d).Unix() }
	}
	runProofCases(t, []proofCase{
		{"an hour old", at(-time.Hour)},
		{"an hour ahead", at(time.Hour)},
		{"61 s old", at(-61 * time.Second)},
		{"16 s ahead", at(16 * time.Second)},
		{"not a number", func(h *holder, p *proofParts) { p.claims["iat"] = "now" }},
	}, false)
	runProofCases(t, []proofCase{
		{"10 s old", at(-10 * time.Second)},
		{"10 s ahead", at(10 * time.Second)},
	}, true)
}

func TestDP09_MalformedProofsAreRefused(t *testing.T) {
	runProofCases(t, []proofCase{
		{"no jti", func(h *holder, p *proofParts) { delete(p.claims, "jti") }},
		{"no htm", func(h *holder, p *proofParts) { delete(p.claims, "htm") }},
		{"no htu", func(h *holder, p *proofParts) { delete(p.claims, "htu") }},
		{"no iat", func(h *holder, p *proofParts) { delete(p.claims, "iat") }},
		{"jti over 256 bytes", func(h *holder, p *proofParts) { p.claims["jti"] = strings.Repeat("j", 257) }},
	}, false)
	runProofCases(t, []proofCase{
		{"unknown claims and headers are ignored", func(h *holder, p *proofParts) {
			p.claims["extra"] = "x"
			p.header["x5u"] = "ignored"
		}},
	}, true)

	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	for name, headers := range map[string][]string{
		"two DPoP headers":   {h.proof(), h.proof()},
		"not a compact JWS":  {"not-a-jws"},
		"four parts":         {h.proof() + ".x"},
		"padded base64":      {strings.Replace(h.proof(), ".", "=.", 1)},
		"empty header value": {""},
	} {
		t.Run(name, func(t *testing.T) { wantValidation(t, post(t, e, "application/json", refreshBody(rt), headers...)) })
	}
	// The header name is case-insensitive.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/v1/token", strings.NewReader(refreshBody(rt)))
	req.Header.Set("Content-Type", "application/json")
	req.Header["dpop"] = []string{h.proof()}
	wantOK(t, do(t, req))
}

// DP-10: the binding is by RFC 7638 thumbprint, so extra or reordered JWK
// members, and coordinates without their leading zero bytes (as the Go
// SDK sends about one key in 128), prove the same key.
func TestDP10_ThumbprintIgnoresExtraMembersAndPadding(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	// A key with a coordinate that has a leading zero byte.
	var h *holder
	for h == nil {
		c := newHolder(t, e)
		pub, _ := c.key.PublicKey.Bytes()
		if pub[1] == 0 || pub[33] == 0 {
			h = c
		}
	}
	rt := h.login().str("refreshToken")
	for name, change := range map[string]func(j map[string]any){
		"kid, use and alg": func(j map[string]any) { j["kid"], j["use"], j["alg"] = "k1", "sig", "ES256" },
		"unpadded coordinates": func(j map[string]any) {
			j["x"] = b64(h.key.X.Bytes())
			j["y"] = b64(h.key.Y.Bytes())
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := h.parts()
			j := h.jwk()
			change(j)
			p.header["jwk"] = j
			r := post(t, e, "application/json", refreshBody(rt), h.encode(p))
			wantOK(t, r)
			rt = r.str("refreshToken")
		})
	}
}

func TestDP11_ServerNonces(t *testing.T) {
	e := signintest.New(t, signintest.Options{DPoPNonces: true})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	// Without a nonce: ValidationException and exactly one DPoP-Nonce.
	r := h.redeem(sameDevice, code, redirect, verifier)
	wantValidation(t, r)
	if n := r.Header.Values("DPoP-Nonce"); len(n) != 1 || n[0] == "" {
		t.Fatalf("DPoP-Nonce = %q", n)
	}
	withNonce := func(nonce string) string {
		p := h.parts()
		p.claims["nonce"] = nonce
		return h.encode(p)
	}
	body := jsonBody(map[string]string{"clientId": sameDevice, "grantType": "authorization_code", "code": code, "redirectUri": redirect, "codeVerifier": verifier})
	// A nonce the server never issued is refused; the code is not spent.
	wantValidation(t, post(t, e, "application/json", body, withNonce("made-up-nonce")))
	ok := post(t, e, "application/json", body, withNonce(r.Header.Get("DPoP-Nonce")))
	wantOK(t, ok)
	rt := ok.str("refreshToken")
	// Once nonces are on, nonce-less proofs never pass; a stale nonce
	// (two periods later) neither.
	wantValidation(t, h.refresh(rt))
	e.Clock.Add(11 * time.Minute)
	stale := post(t, e, "application/json", refreshBody(rt), withNonce(ok.Header.Get("DPoP-Nonce")))
	wantValidation(t, stale)
	wantOK(t, post(t, e, "application/json", refreshBody(rt), withNonce(stale.Header.Get("DPoP-Nonce"))))
}

func TestRT03_RefreshIsIdempotentWithinTheWindow(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	first := h.refresh(rt)
	wantOK(t, first)
	for i := range 3 {
		again := h.refresh(rt)
		wantOK(t, again)
		if again.Raw != first.Raw {
			t.Fatalf("retry %d: %s, first %s", i, again.Raw, first.Raw)
		}
	}
	// Nothing was revoked: the lineage goes on from the one successor.
	next := h.refresh(first.str("refreshToken"))
	wantOK(t, next)
	wantOK(t, h.refresh(next.str("refreshToken")))
}

func TestRT04_RefreshTokenPastItsSessionEndIsExpired(t *testing.T) {
	e := signintest.New(t, signintest.Options{Lifetimes: authserver.Lifetimes{Session: 10 * time.Minute}})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	e.Clock.Add(9*time.Minute + 50*time.Second)
	first := h.refresh(rt)
	wantOK(t, first)
	if n := first.Body["expiresIn"].(float64); n > 10 {
		t.Fatalf("expiresIn %v outlives the session", n)
	}
	// At the session's end, also within the idempotency window of the
	// last refresh.
	e.Clock.Add(10 * time.Second)
	wantError(t, h.refresh(rt), http.StatusUnauthorized, "AccessDeniedException", "TOKEN_EXPIRED")
	wantError(t, h.refresh(first.str("refreshToken")), http.StatusUnauthorized, "AccessDeniedException", "TOKEN_EXPIRED")
}

func TestRT07_SecurityEventsEndTheSession(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name          string
		event         func(e *signintest.Env, sess signet.Session) error
		status        int
		code          string
		credsStopping bool
	}{
		{"password changed", func(e *signintest.Env, _ signet.Session) error {
			return e.Engine.SetPassword(ctx, e.User.ID, "another long passphrase")
		}, http.StatusForbidden, "USER_CREDENTIALS_CHANGED", false},
		{"user disabled", func(e *signintest.Env, _ signet.Session) error {
			return e.Engine.SetDisabled(ctx, e.User.ID, true)
		}, http.StatusUnauthorized, "TOKEN_EXPIRED", false},
		{"session revoked", func(e *signintest.Env, s signet.Session) error {
			return e.Engine.RevokeSession(ctx, s.ID)
		}, http.StatusUnauthorized, "TOKEN_EXPIRED", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := signintest.New(t, signintest.Options{})
			h := newHolder(t, e)
			rt := h.login().str("refreshToken")
			sessions, err := e.Stores.Grants.ListSessions(ctx, signet.SessionFilter{})
			if err != nil || len(sessions) != 1 {
				t.Fatal(len(sessions), err)
			}
			e.Clock.Add(time.Second)
			if err := c.event(e, sessions[0]); err != nil {
				t.Fatal(err)
			}
			wantError(t, h.refresh(rt), c.status, "AccessDeniedException", c.code)
		})
	}
}

func TestAC01_MissingVerifierGetsNoTokensAndBurnsTheCode(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	wantValidation(t, post(t, e, "application/json", jsonBody(map[string]string{
		"clientId": sameDevice, "grantType": "authorization_code", "code": code, "redirectUri": redirect,
	}), h.proof()))
	wantError(t, h.redeem(sameDevice, code, redirect, verifier), http.StatusUnauthorized, "AccessDeniedException", "AUTHCODE_EXPIRED")
}

func TestAC02_FailedVerifierBurnsCode(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	wantValidation(t, h.redeem(sameDevice, code, redirect, strings.Repeat("A", 64)))
	wantError(t, h.redeem(sameDevice, code, redirect, verifier), http.StatusUnauthorized, "AccessDeniedException", "AUTHCODE_EXPIRED")
}

func TestAC03_MalformedVerifiersAreRefusedBeforeAnyComparison(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	for name, v := range map[string]string{
		"42 characters": strings.Repeat("a", 42), "129 characters": strings.Repeat("a", 129),
		"space": verifier[:50] + " " + verifier[51:], "plus": verifier[:50] + "+" + verifier[51:],
		"slash": verifier[:50] + "/" + verifier[51:], "equals": verifier[:63] + "=",
		"non-ASCII": verifier[:60] + "é", "empty": "",
	} {
		t.Run(name, func(t *testing.T) { wantValidation(t, h.redeem(sameDevice, code, redirect, v)) })
	}
	// Refused as malformed, the code was never compared, so it still works.
	wantOK(t, h.redeem(sameDevice, code, redirect, verifier))
}

func TestAC07_ReusedCodeRevokesWhatItMinted(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	code := e.Code(t, sameDevice, redirect, verifier)
	first := h.redeem(sameDevice, code, redirect, verifier)
	wantOK(t, first)
	e.Clock.Add(time.Second)
	wantError(t, h.redeem(sameDevice, code, redirect, verifier), http.StatusUnauthorized, "AccessDeniedException", "AUTHCODE_EXPIRED")
	wantError(t, h.refresh(first.str("refreshToken")), http.StatusUnauthorized, "AccessDeniedException", "TOKEN_EXPIRED")
}

func TestAC08_CodeAfterItsLifetimeIsExpired(t *testing.T) {
	life := authserver.DefaultLifetimes().AuthorizationCode
	for _, c := range []struct {
		after time.Duration
		ok    bool
	}{{life - time.Second, true}, {life, false}, {life + time.Second, false}} {
		e := signintest.New(t, signintest.Options{})
		h := newHolder(t, e)
		code := e.Code(t, sameDevice, redirect, verifier)
		e.Clock.Add(c.after)
		r := h.redeem(sameDevice, code, redirect, verifier)
		if c.ok {
			wantOK(t, r)
		} else {
			wantError(t, r, http.StatusUnauthorized, "AccessDeniedException", "AUTHCODE_EXPIRED")
		}
	}
}

func TestAC09_CodeIsBoundToItsClientAndRedirectURI(t *testing.T) {
	for name, redeem := range map[string]func(h *holder, code string) reply{
		"another client": func(h *holder, code string) reply {
			return h.redeem(crossDevice, code, redirect, verifier)
		},
		"another port": func(h *holder, code string) reply {
			return h.redeem(sameDevice, code, "http://127.0.0.1:53220/oauth/callback", verifier)
		},
		"differently encoded": func(h *holder, code string) reply {
			return h.redeem(sameDevice, code, "http://127.0.0.1:53219/oauth%2Fcallback", verifier)
		},
		"missing": func(h *holder, code string) reply {
			return post(h.t, h.e, "application/json", jsonBody(map[string]string{
				"clientId": sameDevice, "grantType": "authorization_code", "code": code, "codeVerifier": verifier,
			}), h.proof())
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := signintest.New(t, signintest.Options{})
			h := newHolder(t, e)
			code := e.Code(t, sameDevice, redirect, verifier)
			wantValidation(t, redeem(h, code))
			// Burned.
			wantError(t, h.redeem(sameDevice, code, redirect, verifier), http.StatusUnauthorized, "AccessDeniedException", "AUTHCODE_EXPIRED")
		})
	}
}

func TestCL08_OnlyTheTwoBuiltInClientIDs(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	for _, id := range []string{
		"ARN:AWS:SIGNIN:::DEVTOOLS/SAME-DEVICE", "arn:aws:signin:::devtools/Same-Device",
		sameDevice + " ", " " + sameDevice, sameDevice + "\n", "arn:aws:signin:::devtools/other-device",
		"arn:aws:signin:::cli/same-device", "arn:aws:iam::123456789012:role/Admin", "", "same-device",
	} {
		r := post(t, e, "application/json", jsonBody(map[string]string{"clientId": id, "grantType": "refresh_token", "refreshToken": rt}), h.proof())
		wantValidation(t, r)
	}
	wantOK(t, h.refresh(rt))
}

func TestIN03_DuplicatesAreRefused(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	for name, c := range map[string]struct{ ct, body string }{
		"duplicate JSON member": {"application/json",
			`{"clientId":"` + sameDevice + `","grantType":"refresh_token","refreshToken":"` + rt + `","refreshToken":"` + rt + `"}`},
		"grantType and grant_type": {"application/json",
			`{"clientId":"` + sameDevice + `","grantType":"refresh_token","grant_type":"refresh_token","refreshToken":"` + rt + `"}`},
		"repeated form parameter": {"application/x-www-form-urlencoded",
			"client_id=" + url.QueryEscape(sameDevice) + "&grant_type=refresh_token&refresh_token=" + rt + "&refresh_token=" + rt},
		"both spellings in a form": {"application/x-www-form-urlencoded",
			"client_id=" + url.QueryEscape(sameDevice) + "&clientId=" + url.QueryEscape(sameDevice) + "&grant_type=refresh_token&refresh_token=" + rt},
		"member of the wrong type": {"application/json", `{"clientId":"` + sameDevice + `","grantType":"refresh_token","refreshToken":5}`},
		"other grant type":         {"application/json", `{"clientId":"` + sameDevice + `","grantType":"client_credentials"}`},
		"not JSON":                 {"application/json", `{"clientId":`},
		"text/plain":               {"text/plain", refreshBody(rt)},
	} {
		t.Run(name, func(t *testing.T) { wantValidation(t, post(t, e, c.ct, c.body, h.proof())) })
	}
	wantOK(t, h.refresh(rt))
}

func TestRL01_ThrottledRefreshChangesNothing(t *testing.T) {
	e := signintest.New(t, signintest.Options{Limiter: signin.NewRateLimiter(1, 2, 100)})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken") // one of two
	first := h.refresh(rt)
	wantOK(t, first)
	r := h.refresh(first.str("refreshToken"))
	wantError(t, r, http.StatusTooManyRequests, "TooManyRequestsError", "INVALID_REQUEST")
	if r.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	e.Clock.Add(time.Second)
	wantOK(t, h.refresh(first.str("refreshToken")))
}

// Fifty clients refreshing one token at once (several processes sharing a
// cache file) all get the same answer, and the session lives on.
func TestParallelRefreshesOfOneToken(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	const n = 50
	proofs := make([]string, n)
	for i := range proofs {
		proofs[i] = h.proof()
	}
	replies := make([]reply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = post(t, e, "application/json", refreshBody(rt), proofs[i])
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range replies {
		wantOK(t, r)
		if r.Raw != replies[0].Raw {
			t.Fatalf("reply %d differs:\n%s\n%s", i, r.Raw, replies[0].Raw)
		}
	}
	sessions, err := e.Stores.Grants.ListSessions(context.Background(), signet.SessionFilter{LiveOnly: true, Now: e.Clock.Now()})
	if err != nil || len(sessions) != 1 || sessions[0].Generation != 1 {
		t.Fatalf("sessions after the race: %+v, %v", sessions, err)
	}
	wantOK(t, h.refresh(replies[0].str("refreshToken")))
}

// The WithIAM operations answer only signed requests, and only with the
// one client authentication method they have.
func TestWithIAMNeedsSigV4(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	for _, c := range []struct {
		path, shape string
		status      int
	}{
		{"/v1/token?x-amz-client-auth-method=iam", "MissingAuthenticationTokenException", http.StatusForbidden},
		{"/v1/introspect?x-amz-client-auth-method=iam", "MissingAuthenticationTokenException", http.StatusForbidden},
		{"/v1/revoke?x-amz-client-auth-method=iam", "MissingAuthenticationTokenException", http.StatusForbidden},
		{"/v1/revoke", "ValidationException", http.StatusBadRequest},
		{"/v1/token?x-amz-client-auth-method=secret", "ValidationException", http.StatusBadRequest},
		{"/v1/token?x-amz-oauth-token-method=token-exchange", "ValidationException", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+c.path, strings.NewReader(`{"token":"ASORx","grant_type":"client_credentials","resource":"r"}`))
		req.Header.Set("Content-Type", "application/json")
		r := do(t, req)
		if r.Status != c.status || r.Header.Get("X-Amzn-ErrorType") != c.shape {
			t.Errorf("%s: %d %s %s", c.path, r.Status, r.Header.Get("X-Amzn-ErrorType"), r.Raw)
		}
	}
}

// IN-02: hostile JSON shapes are refused before any work: deep nesting as
// malformed, and a 1 MB string or a huge array (over the server's body cap)
// with 413 in Sign-In's own error shape, the body unread (IN-01).
func TestIN02_NestingAndSizeBounds(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	rt := h.login().str("refreshToken")
	prefix := `{"clientId":"` + sameDevice + `","grantType":"refresh_token","refreshToken":"` + rt + `",`
	for name, body := range map[string]string{
		"nested 10 000 deep": prefix + `"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
		"1 MB string":        `{"clientId":"` + sameDevice + `","grantType":"refresh_token","refreshToken":"` + strings.Repeat("r", 1<<20) + `"}`,
		"10^5-element array": prefix + `"x":[` + strings.Repeat("0,", 99999) + `0]}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := post(t, e, "application/json", body, h.proof())
			if len(body) > httpserver.DefaultMaxBodyBytes {
				if r.Status != http.StatusRequestEntityTooLarge || r.Header.Get("X-Amzn-ErrorType") != "ValidationException" ||
					r.str("error") != "INVALID_REQUEST" {
					t.Fatalf("got %d %s %s, want 413 ValidationException INVALID_REQUEST", r.Status, r.Header.Get("X-Amzn-ErrorType"), r.Raw)
				}
				return
			}
			wantValidation(t, r)
		})
	}
	wantOK(t, h.refresh(rt))
}
