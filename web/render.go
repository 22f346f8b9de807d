package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/signet-auth/signet"
)

// assets are the built-in templates and style sheet; a theme directory may
// replace any of them by name.
//
//go:embed templates/*.html static/*
var assets embed.FS

// pages are the parsed templates, one set per page (the shared layout plus
// the page's "content"), and the static files.
type pages struct {
	t      map[string]*template.Template
	static fs.FS
}

// overlay serves top's files in place of base's of the same name.
type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.base.Open(name)
}

func loadPages(themeDir string) (*pages, error) {
	var fsys fs.FS = assets
	if themeDir != "" {
		fsys = overlay{top: os.DirFS(themeDir), base: assets}
	}
	layout, err := fs.ReadFile(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	// The set of pages is the embedded one; a theme can only replace.
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{t: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		t, err := template.New(name).Parse(string(layout))
		if err == nil {
			t, err = t.Parse(string(body))
		}
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		p.t[name] = t
	}
	if p.static, err = fs.Sub(fsys, "static"); err != nil {
		return nil, err
	}
	return p, nil
}

// csp allows nothing but our own style sheet and images: no script at all,
// no inline style, no framing (catalogue WB-06, WB-07). It has no
// form-action: browsers apply that to the redirect that follows a form post,
// and the consent form's 303 goes to the client's redirect URI.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets what every response of this package carries:
// no framing (WB-06), no script or sniffing (WB-07), no Referer and no
// caching of pages that hold codes (WB-09).
func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// common is what the layout reads from every page's data.
type common struct {
	Title      string
	CSRF       string // for the sign-out form
	SignedInAs string
	Wide       bool // the admin console's tables
	// SecurityLink shows the link to the security page (second factors).
	SecurityLink bool
}

func (h *Handler) common(title string, s *browserSession) common {
	c := common{Title: title}
	if s.signedIn() {
		c.CSRF = csrfToken(s)
		c.SignedInAs = s.user.Name
		c.SecurityLink = h.mfa != nil
	}
	return c
}

// render executes page name with data and writes it with status. The page
// is rendered in full first, so a template error is a clean 500.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	t, ok := h.pages.t[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "web: no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.ErrorContext(r.Context(), "web: template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorView struct {
	common
	Message  string
	LinkHref string // a path of ours, never caller input
	LinkText string
}

// errorPage renders the error page. title and msg are ours: caller input is
// never copied into them (catalogue WB-07).
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", errorView{common: common{Title: title}, Message: msg})
}

// internalError logs err and renders a page that says nothing about it.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	e := signet.AsError(err)
	h.log.ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "err", err)
	if e.Code == signet.CodeUnavailable || errors.Is(err, signet.ErrUnavailable) {
		h.errorPage(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", "The service is busy. Try again in a moment.")
		return
	}
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "An internal error occurred. Try again later.")
}

// static serves the style sheet (and whatever a theme adds under static/).
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !fs.ValidPath(name) || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	if st, err := fs.Stat(h.pages.static, name); err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, h.pages.static, name)
}

// seeOther redirects with 303: after a POST the browser follows with GET
// and never re-sends the form (catalogue WB-08: never 307).
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusSeeOther)
}
