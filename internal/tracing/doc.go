// Package tracing turns on OpenTelemetry traces, opt-in (--otlp-endpoint,
// OTLP/HTTP): a server span per request, named by its route, with the
// request id as an attribute, and a client span per store call beneath it.
//
// No span carries request data beyond the method, the route pattern (never
// the path with its values, nor a query string), the status code and the
// request id; store spans carry the operation name and the error class.
// Tokens, codes and secrets therefore never reach a trace (catalogue
// SE-06).
package tracing
