package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/signet-auth/signet"
)

// Associated data for everything this package seals: each kind of sealed
// value has its own, so a session cookie can never be replayed as flow
// state or the other way round.
const (
	adSession = "signet web session v1"
	adFlow    = "signet web flow v1"
	adTicket  = "signet web device ticket v1"
)

// maxSealed bounds any sealed value we are asked to open; ours are far
// smaller.
const maxSealed = 8 << 10

// browserSession is what the session cookie holds, sealed. An anonymous
// session (no Token) exists so that the login form has a CSRF token to
// carry. A signed-in one carries the token of its server-side record
// (signet.BrowserSession), which the engine checks on every use: the
// cookie alone proves nothing (catalogue BS-01).
type browserSession struct {
	// ID is 128 random bits. It is secret: it keys the CSRF token and binds
	// flow state, and it never appears outside the sealed cookie.
	ID string `json:"sid"`
	// Token is the signed-in session's 256-bit token; the store keeps only
	// its keyed digest.
	Token   string    `json:"tok,omitempty"`
	Expires time.Time `json:"exp"`

	// From the record, for a signed-in session; not sealed.
	UserID   string    `json:"-"`
	AuthTime time.Time `json:"-"`
	record   signet.BrowserSession
	user     signet.User
	// pending is set, and UserID empty, while the sign-in waits for its
	// second factor (mfa.go).
	pending *pendingMFA
}

func (s *browserSession) signedIn() bool { return s != nil && s.UserID != "" }

// seal seals v as JSON with ad and returns it base64url-encoded.
func (h *Handler) seal(v any, ad string) (string, error) {
	pt, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	ct, err := h.sealer.Seal(pt, []byte(ad))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(ct), nil
}

// open reverses seal. Any failure is just "not valid".
func (h *Handler) open(s, ad string, v any) bool {
	if s == "" || len(s) > maxSealed {
		return false
	}
	ct, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	pt, err := h.sealer.Open(ct, []byte(ad))
	if err != nil {
		return false
	}
	return json.Unmarshal(pt, v) == nil
}

func (h *Handler) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(h.rand, b[:]); err != nil {
		return "", fmt.Errorf("web: random source: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// session returns the browser session of r, or nil if r has none that is
// valid now. A signed-in session counts only while the engine says its
// record is good (live, not idle too long, its user enabled and with the
// same credentials); otherwise the user is signed out.
func (h *Handler) session(r *http.Request) (*browserSession, error) {
	c, err := r.Cookie(h.cookieName)
	if err != nil {
		return nil, nil
	}
	var s browserSession
	if !h.open(c.Value, adSession, &s) || s.ID == "" || !h.clock.Now().Before(s.Expires) {
		return nil, nil
	}
	if s.Token == "" {
		return &s, nil
	}
	rec, u, err := h.backend.BrowserSession(r.Context(), s.Token)
	switch signet.ErrorCodeOf(err) {
	case "":
	case signet.CodeInternal, signet.CodeUnavailable:
		return nil, err
	default:
		h.log.InfoContext(r.Context(), "web: browser session ended", "err", err)
		return nil, nil
	}
	s.UserID, s.AuthTime, s.record, s.user = u.ID, rec.AuthTime, rec, u
	if err := h.checkSecondStep(r.Context(), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ensureSession returns r's session, starting an anonymous one (and
// setting its cookie) if there is none.
func (h *Handler) ensureSession(w http.ResponseWriter, r *http.Request) (*browserSession, error) {
	s, err := h.session(r)
	if err != nil || s != nil {
		return s, err
	}
	return h.startSession(w, r, signet.User{})
}

// startSession starts a new session, always under a fresh id: signing in
// rotates the id, so an id planted or seen before login is worthless after
// it (catalogue WB-10). For a user it records the sign-in on the server
// first; the cookie lives no longer than the record.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u signet.User) (*browserSession, error) {
	id, err := h.newID()
	if err != nil {
		return nil, err
	}
	s := &browserSession{ID: id, Expires: h.clock.Now().Add(h.opts.SessionLifetime)}
	if u.ID != "" {
		token, rec, err := h.backend.StartBrowserSession(r.Context(), u.ID, []string{signet.AMRPassword},
			h.opts.ClientIP(r), r.UserAgent())
		if err != nil {
			return nil, err
		}
		s.Token, s.Expires = token, rec.ExpiresAt
		s.UserID, s.AuthTime, s.record, s.user = u.ID, rec.AuthTime, rec, u
		if err := h.checkSecondStep(r.Context(), s); err != nil {
			return nil, err
		}
	}
	v, err := h.seal(s, adSession)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(v, int(s.Expires.Sub(h.clock.Now())/time.Second)))
	return s, nil
}

// endSession revokes the signed-in session's record, if any, and deletes
// the cookie.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request, s *browserSession) error {
	http.SetCookie(w, h.cookie("", -1))
	if s == nil || s.Token == "" {
		return nil
	}
	return h.backend.EndBrowserSession(r.Context(), s.Token)
}

// cookie builds the session cookie: __Host- prefixed, Secure, HttpOnly,
// SameSite=Lax, Path=/ and no Domain on an https issuer (catalogue WB-10);
// without prefix and Secure on a plain-http loopback issuer, where a
// browser would drop both.
func (h *Handler) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     h.cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   h.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// csrfToken is derived from the session: HMAC-SHA-256 keyed by the secret
// session id. A token from another session, or from before the id rotated
// at login, does not match (catalogue WB-04).
func csrfToken(s *browserSession) string {
	m := hmac.New(sha256.New, []byte(s.ID))
	m.Write([]byte("signet csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errForbidden is a refused cross-site or token-less POST.
var errForbidden = errors.New("web: cross-site request or bad CSRF token")

// maxForm bounds a form body.
const maxForm = 64 << 10

// checkPost guards every POST (catalogue WB-04): the browser's own
// cross-site signals first, then the CSRF token. It parses the form and
// returns the session the token belongs to.
//
// Sec-Fetch-Site is set by the browser and cannot be forged by a page;
// anything but same-origin (or none: the user typed or bookmarked it) is
// refused, same-site included, since a sibling host is another party. An
// Origin other than the issuer's is refused; "null" is what browsers send
// for a same-origin form post under Referrer-Policy: no-referrer, so it
// passes only when Sec-Fetch-Site vouches for same-origin.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request) (*browserSession, error) {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return nil, errForbidden
	}
	if o := r.Header.Get("Origin"); o != "" && o != h.issuerOrigin && (o != "null" || site != "same-origin") {
		return nil, errForbidden
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, errForbidden
	}
	s, err := h.session(r)
	if err != nil {
		return nil, err
	}
	if s == nil || !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(csrfToken(s))) {
		return nil, errForbidden
	}
	return s, nil
}

// post wraps a POST handler with checkPost: a refused request gets 403 and
// reaches nothing else.
func (h *Handler) post(next func(http.ResponseWriter, *http.Request, *browserSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.checkPost(w, r)
		switch {
		case errors.Is(err, errForbidden):
			h.errorPage(w, r, http.StatusForbidden, "Request refused",
				"This form was not sent from this site, or it has expired. Go back, reload the page and try again.")
			return
		case err != nil:
			h.internalError(w, r, err)
			return
		}
		next(w, r, s)
	}
}
