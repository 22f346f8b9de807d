package httpserver

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signet-auth/signet"
)

// Metrics are the server's Prometheus collectors, registered on a registry
// the caller owns (no global registry: two servers in one test process do
// not collide).
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// Observer is the part the engine and the stores report to.
	Observer *Observer
}

// Observer records what happens behind the HTTP layer: grants issued and
// store latency. Its methods are safe on a nil *Observer, so a component
// built without metrics (a unit test) needs no stand-in.
type Observer struct {
	grants      *prometheus.CounterVec
	store       *prometheus.HistogramVec
	clientCache *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		Observer: &Observer{
			grants: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "signet_grants_issued_total",
				Help: "Token sets issued by protocol and grant type.",
			}, []string{"protocol", "grant"}),
			store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name:    "signet_store_latency_seconds",
				Help:    "Store operation latency by operation.",
				Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
			}, []string{"op"}),
			clientCache: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "signet_client_cache_total",
				Help: "Client reads of the refresh grant through the node's client cache: hit, miss (read from the store), stale (the store said a client was deleted since; the cache was emptied).",
			}, []string{"result"}),
		},
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.Observer.grants, m.Observer.store, m.Observer.clientCache} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// GrantIssued counts one token set issued through protocol by grant type.
func (o *Observer) GrantIssued(protocol signet.Protocol, grant string) {
	if o == nil {
		return
	}
	o.grants.WithLabelValues(string(protocol), grant).Inc()
}

// ClientCache counts one use of the engine's client cache: "hit", "miss"
// or "stale".
func (o *Observer) ClientCache(result string) {
	if o == nil {
		return
	}
	o.clientCache.WithLabelValues(result).Inc()
}

// StoreLatency records how long the store operation op took.
func (o *Observer) StoreLatency(op string, d time.Duration) {
	if o == nil {
		return
	}
	o.store.WithLabelValues(op).Observe(d.Seconds())
}

// observe records one finished request. Methods outside the standard set are
// folded into one label value so that a client cannot grow the series count.
func (m *Metrics) observe(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}
