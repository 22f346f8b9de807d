package scim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/httpserver"
)

// Engine is what the SCIM server needs of the provisioning engine;
// *authserver.SCIM implements it.
type Engine interface {
	Authenticate(ctx context.Context, bearer string) (signet.SCIMToken, error)
	Limits() authserver.SCIMLimits
	CreateUser(ctx context.Context, tenant string, in signet.SCIMUser) (signet.SCIMUser, error)
	GetUser(ctx context.Context, tenant, id string) (signet.SCIMUser, error)
	ListUsers(ctx context.Context, tenant string) ([]signet.SCIMUser, error)
	UpdateUser(ctx context.Context, tenant, id string, change func(signet.SCIMUser) (signet.SCIMUser, error)) (signet.SCIMUser, error)
	DeleteUser(ctx context.Context, tenant, id string) error
	CreateGroup(ctx context.Context, tenant string, in signet.SCIMGroup) (signet.SCIMGroup, error)
	GetGroup(ctx context.Context, tenant, id string) (signet.SCIMGroup, error)
	ListGroups(ctx context.Context, tenant string) ([]signet.SCIMGroup, error)
	UpdateGroup(ctx context.Context, tenant, id string,
		change func(signet.SCIMGroup) (signet.SCIMGroup, int, error)) (signet.SCIMGroup, error)
	DeleteGroup(ctx context.Context, tenant, id string) error
}

var _ Engine = (*authserver.SCIM)(nil)

// Surface names this package in the route listing.
const Surface = "scim"

// Prefix is the SCIM base path; a provider is given Issuer + Prefix.
const Prefix = "/scim/v2"

// Handler serves SCIM 2.0. Issuer is the public base URL (for locations).
type Handler struct {
	Engine Engine
	Issuer string
	Log    *slog.Logger
}

func (h *Handler) base() string { return strings.TrimSuffix(h.Issuer, "/") + Prefix }

// Routes lists every SCIM endpoint. It panics without Engine.
func (h *Handler) Routes() httpserver.Table {
	if h.Engine == nil {
		panic("scim: Handler needs Engine")
	}
	r := func(method, path string, f func(http.ResponseWriter, *http.Request, signet.SCIMToken) error) httpserver.Route {
		return httpserver.Route{Method: method, Path: Prefix + path, Handler: h.authed(f)}
	}
	return httpserver.Table{Surface: Surface, Routes: []httpserver.Route{
		r("GET", "/Users", h.listUsers),
		r("POST", "/Users", h.createUser),
		r("GET", "/Users/{id}", h.getUser),
		r("PUT", "/Users/{id}", h.putUser),
		r("PATCH", "/Users/{id}", h.patchUser),
		r("DELETE", "/Users/{id}", h.deleteUser),
		r("GET", "/Groups", h.listGroups),
		r("POST", "/Groups", h.createGroup),
		r("GET", "/Groups/{id}", h.getGroup),
		r("PUT", "/Groups/{id}", h.putGroup),
		r("PATCH", "/Groups/{id}", h.patchGroup),
		r("DELETE", "/Groups/{id}", h.deleteGroup),
		r("GET", "/ServiceProviderConfig", h.serviceProviderConfig),
		r("GET", "/Schemas", h.schemas),
		r("GET", "/ResourceTypes", h.resourceTypes),
	}, NotAllowed: func(allow []string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, nil, &wireError{http.StatusMethodNotAllowed, "", "The method is not allowed here."})
		})
	}}
}

// Mount registers the routes on mux.
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

// authed checks the bearer token before anything else (catalogue FD-06):
// without a live token nothing is read or written.
func (h *Handler) authed(f func(http.ResponseWriter, *http.Request, signet.SCIMToken) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeError(w, h.Log, &signet.Error{Code: signet.CodeInvalidClient, Message: "Authorization failure: a valid bearer token is required."})
			return
		}
		tok, err := h.Engine.Authenticate(r.Context(), strings.TrimSpace(bearer))
		if err == nil {
			err = f(w, r, tok)
		}
		if err != nil {
			writeError(w, h.Log, err)
		}
	})
}

// readBody reads a JSON object body of at most the engine's bound.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/scim+json" && ct != "application/json") {
		return nil, errInvalidSyntax("The body must be application/scim+json.")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.Engine.Limits().MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &wireError{http.StatusRequestEntityTooLarge, "tooMany", "The body is larger than the server accepts."}
	case err != nil:
		return nil, errInvalidSyntax("The body could not be read.")
	}
	return b, nil
}

// readObject reads a JSON object body.
func (h *Handler) readObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	b, err := h.readBody(w, r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errInvalidSyntax("The body is not a JSON object.")
	}
	return m, nil
}
