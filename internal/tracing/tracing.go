package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/internal/storetiming"
)

// Name is the instrumentation scope of every span.
const Name = "github.com/signet-auth/signet"

// AttrRequestID is the attribute holding the request id (X-Request-Id).
const AttrRequestID = "signet.request_id"

// NewOTLP returns a provider that batches spans to the OTLP/HTTP collector
// at endpoint (e.g. http://collector:4318; the path defaults to
// /v1/traces). Shut it down to flush.
func NewOTLP(ctx context.Context, endpoint string) (*sdktrace.TracerProvider, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--otlp-endpoint %q: want an http(s) URL", endpoint)
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	res := resource.NewSchemaless(semconv.ServiceName("signet"), semconv.ServiceVersion(version))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Middleware opens a server span around each request. It goes inside the
// request-id middleware (httpserver.Server.Wrap), so the id is known, and
// names the span by the route pattern once the mux has matched.
func Middleware(tp trace.TracerProvider) func(http.Handler) http.Handler {
	tr := tp.Tracer(Name)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, span := tr.Start(r.Context(), r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method),
					attribute.String(AttrRequestID, httpserver.RequestID(r.Context()))))
			defer span.End()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r.WithContext(ctx))
			if route := httpserver.MatchedRoute(ctx); route != "" {
				span.SetName(route)
				span.SetAttributes(semconv.HTTPRoute(route))
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(rec.status))
			if rec.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(rec.status))
			}
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// StoreObserver times store calls for Next (the metrics; nil: none) and
// opens a client span for each (storetiming.Tracer).
type StoreObserver struct {
	Next   storetiming.Observer
	Tracer trace.Tracer
	// System names the database (semconv db.system.name): "sqlite",
	// "postgresql".
	System string
}

var (
	_ storetiming.Observer = StoreObserver{}
	_ storetiming.Tracer   = StoreObserver{}
)

// StoreLatency implements storetiming.Observer.
func (o StoreObserver) StoreLatency(op string, d time.Duration) {
	if o.Next != nil {
		o.Next.StoreLatency(op, d)
	}
}

// StartStoreSpan implements storetiming.Tracer. The span names the
// operation only; an error is recorded by its class, never its text
// (driver messages can quote values).
func (o StoreObserver) StartStoreSpan(ctx context.Context, op string) func(error) {
	_, span := o.Tracer.Start(ctx, "store."+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", o.System), attribute.String("db.operation.name", op)))
	return func(err error) {
		if err != nil {
			span.SetAttributes(attribute.String("error.type", errorClass(err)))
			if !errors.Is(err, signet.ErrNotFound) && !errors.Is(err, signet.ErrAlreadyUsed) {
				span.SetStatus(codes.Error, errorClass(err))
			}
		}
		span.End()
	}
}

// errorClass names an error by the store sentinel it wraps.
func errorClass(err error) string {
	for _, s := range []struct {
		err  error
		name string
	}{{signet.ErrNotFound, "not_found"}, {signet.ErrConflict, "conflict"}, {signet.ErrAlreadyUsed, "already_used"},
		{signet.ErrUnavailable, "unavailable"}, {signet.ErrTokenReused, "token_reused"}} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	if e := signet.AsError(err); e.Code != signet.CodeInternal {
		return string(e.Code)
	}
	return "internal"
}
