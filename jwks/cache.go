package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Bounds of a fetch.
const (
	// MaxBody bounds a JWKS or discovery document.
	MaxBody = 256 << 10
	// DefaultTimeout bounds one fetch.
	DefaultTimeout = 5 * time.Second
	// DefaultTTL is how long a fetched set is used.
	DefaultTTL = 10 * time.Minute
	// DefaultMinRefresh is the least time between two fetches of one set.
	DefaultMinRefresh = 30 * time.Second
)

// ErrFetch wraps every failure to obtain a set.
var ErrFetch = errors.New("jwks: fetch failed")

// Cache fetches and keeps key sets. The zero value is not usable; use New.
type Cache struct {
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	minRefresh time.Duration

	mu  sync.Mutex
	set map[string]*entry // by issuer + "\x00" + JWKS URL
}

type entry struct {
	mu        sync.Mutex // one fetch at a time per set
	keys      jose.JSONWebKeySet
	fetchedAt time.Time
	ok        bool
}

// Options configures New; zero fields take the defaults.
type Options struct {
	Client     *http.Client // nil: a client with Timeout
	Timeout    time.Duration
	TTL        time.Duration
	MinRefresh time.Duration
	Now        func() time.Time // nil: time.Now
}

// New returns a Cache.
func New(o Options) *Cache {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MinRefresh <= 0 {
		o.MinRefresh = DefaultMinRefresh
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: o.Timeout}
	}
	cc := *c
	if cc.Timeout <= 0 || cc.Timeout > o.Timeout {
		cc.Timeout = o.Timeout
	}
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || (req.URL.Scheme != "https" && req.URL.Scheme != "http") {
			return errors.New("jwks: redirect refused")
		}
		return nil
	}
	return &Cache{client: &cc, now: o.Now, ttl: o.TTL, minRefresh: o.MinRefresh, set: map[string]*entry{}}
}

// Keys returns the set of issuer, fetched from jwksURL (or, when it is
// empty, from the jwks_uri of the issuer's discovery document). A cached
// set younger than the TTL is returned as it is unless refresh is true (a
// key id was not found in it) and the set is older than MinRefresh. When
// a refetch fails, a set fetched before is still returned.
func (c *Cache) Keys(ctx context.Context, issuer, jwksURL string, refresh bool) (jose.JSONWebKeySet, error) {
	c.mu.Lock()
	e := c.set[issuer+"\x00"+jwksURL]
	if e == nil {
		e = &entry{}
		c.set[issuer+"\x00"+jwksURL] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	now := c.now()
	age := now.Sub(e.fetchedAt)
	if e.ok && age < c.ttl && (!refresh || age < c.minRefresh) {
		return e.keys, nil
	}
	if !e.ok && !e.fetchedAt.IsZero() && age < c.minRefresh {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: the last attempt failed moments ago", ErrFetch)
	}
	keys, err := c.fetch(ctx, issuer, jwksURL)
	e.fetchedAt = now
	if err != nil {
		if e.ok {
			return e.keys, nil
		}
		return jose.JSONWebKeySet{}, err
	}
	e.keys, e.ok = keys, true
	return keys, nil
}

func (c *Cache) fetch(ctx context.Context, issuer, jwksURL string) (jose.JSONWebKeySet, error) {
	if jwksURL == "" {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := c.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
			return jose.JSONWebKeySet{}, err
		}
		if doc.Issuer != issuer || doc.JWKSURI == "" {
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: discovery document of %s names issuer %q", ErrFetch, issuer, doc.Issuer)
		}
		jwksURL = doc.JWKSURI
	}
	var set jose.JSONWebKeySet
	if err := c.getJSON(ctx, jwksURL, &set); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return set, nil
}

// getJSON GETs u and decodes at most MaxBody bytes of JSON into v.
func (c *Cache) getJSON(ctx context.Context, u string, v any) error {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return fmt.Errorf("%w: %q is not an http(s) URL", ErrFetch, u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", ErrFetch, u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	if len(body) > MaxBody {
		return fmt.Errorf("%w: %s is larger than %d bytes", ErrFetch, u, MaxBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFetch, u, err)
	}
	return nil
}
