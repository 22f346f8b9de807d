package signettest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browse is the default Person: a browser that opens authorizeURL, signs
// in on the login page with user and password, approves the consent page
// (with the preselected account and role for Sign-In) and follows the
// server's last redirect to the waiting loopback listener. Given a device
// verification URL, it submits the code, signs in and approves, and stops
// at the result page. With WithAutoApprove the server skips the pages of
// an authorization request and Browse only follows the redirect.
func Browse(ctx context.Context, authorizeURL, user, password string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	b := &browser{ctx: ctx, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	start, err := url.Parse(authorizeURL)
	if err != nil {
		return err
	}
	device := start.Path == "/device"
	signedIn, posted := false, false
	p, err := b.do(http.MethodGet, authorizeURL, nil)
	for range 12 {
		if err != nil {
			return err
		}
		switch {
		case p.status == http.StatusSeeOther || p.status == http.StatusFound:
			next, perr := start.Parse(p.location)
			if perr != nil {
				return perr
			}
			if next.Host != start.Host {
				// The redirect to the client: the browser's last step.
				_, err = b.do(http.MethodGet, next.String(), nil)
				return err
			}
			p, err = b.do(http.MethodGet, next.String(), nil)
		case strings.Contains(p.body, `action="/login"`):
			if signedIn {
				return fmt.Errorf("signettest: %s cannot sign in (status %d)", user, p.status)
			}
			signedIn = true
			form := p.hidden()
			form.Set("username", user)
			form.Set("password", password)
			p, err = b.do(http.MethodPost, start.ResolveReference(&url.URL{Path: "/login"}).String(), form)
		case strings.Contains(p.body, `action="/consent"`):
			form := p.hidden()
			if m := assignmentRadio.FindStringSubmatch(p.body); m != nil && form.Get("assignment") == "" {
				form.Set("assignment", html.UnescapeString(m[1]))
			}
			form.Set("decision", "approve")
			p, err = b.do(http.MethodPost, start.ResolveReference(&url.URL{Path: "/consent"}).String(), form)
		case strings.Contains(p.body, `action="/device/decision"`):
			form := p.hidden()
			form.Set("decision", "approve")
			p, err = b.do(http.MethodPost, start.ResolveReference(&url.URL{Path: "/device/decision"}).String(), form)
			posted = true
		case strings.Contains(p.body, `action="/device"`) && !posted:
			form := p.hidden()
			form.Set("user_code", start.Query().Get("user_code"))
			p, err = b.do(http.MethodPost, start.ResolveReference(&url.URL{Path: "/device"}).String(), form)
			posted = true
		case device && posted && p.status == http.StatusOK:
			return nil // the device page's result: approved, or approved before
		default:
			return fmt.Errorf("signettest: the browser is stuck at status %d:\n%s", p.status, p.body)
		}
	}
	return fmt.Errorf("signettest: the browser went round in circles")
}

type browser struct {
	ctx    context.Context
	client *http.Client
}

type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, u string, form url.Values) (page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.ctx, method, u, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(data)}, err
}

var (
	hiddenInput     = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)
	assignmentRadio = regexp.MustCompile(`name="assignment" value="([^"]*)"[^>]*checked`)
)

// hidden returns the hidden inputs of the page's form.
func (p page) hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}
