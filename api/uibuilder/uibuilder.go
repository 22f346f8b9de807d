package uibuilder

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/httpserver"
	"github.com/signet-auth/signet/sigv4"
)

// SigningName is the SigV4 service name the SDKs sign with.
const SigningName = "amplifyuibuilder"

// Broker is what the handler needs of *broker.Broker.
type Broker interface {
	Exchange(ctx context.Context, r broker.ExchangeRequest) (broker.Tokens, error)
	Refresh(ctx context.Context, r broker.RefreshRequest) (broker.Tokens, error)
}

var _ Broker = (*broker.Broker)(nil)

// Handler serves the Amplify UI Builder token operations.
type Handler struct {
	Broker   Broker
	Verifier *sigv4.Verifier
	Logger   *slog.Logger // internal failures; nil: discard
	// Audit records each token set the broker hands out; nil records
	// none. When a record cannot be written the tokens are withheld
	// (catalogue AU-02).
	Audit Auditor
}

// Auditor records security events; *audit.Recorder implements it.
type Auditor interface {
	Record(ctx context.Context, r signet.AuditRecord) error
}

// audited records a broker answer for client through provider; false when
// the record could not be written, the error already answered.
func (h *Handler) audited(w http.ResponseWriter, r *http.Request, op, clientID string) bool {
	if h.Audit == nil {
		return true
	}
	p, _ := sigv4.PrincipalFrom(r.Context())
	detail := "provider=" + r.PathValue("provider") + " op=" + op
	if clientID == "" {
		detail += " client=default" // the provider's default client
	}
	err := h.Audit.Record(r.Context(), signet.AuditRecord{Event: signet.AuditBrokerTokens, Actor: "principal:" + p.ARN,
		ClientID: clientID, AccountID: p.AccountID, Surface: "broker", Detail: detail})
	if err != nil {
		h.writeError(w, r, signet.Internal(err))
		return false
	}
	return true
}

// Mount registers the routes, every one behind SigV4. "POST /tokens/"
// catches what the two patterns do not (an empty provider, extra
// segments) and answers it as an unknown provider, in the API's own error
// shape rather than a bare 404 (catalogue BR-01).
func (h *Handler) Mount(mux *http.ServeMux) { h.Routes().Mount(mux) }

// Surface names this package in the server's route listing.
const Surface = "uibuilder"

// Routes lists the two operations and the refusal of any other path under
// /tokens/.
func (h *Handler) Routes() httpserver.Table {
	signed := h.Verifier.Require(SigningName, awsjson.SigV4Error)
	return httpserver.Table{Surface: Surface, Wrap: sigv4.EchoRequestID(nil), Routes: []httpserver.Route{
		{Method: "POST", Path: "/tokens/{provider}", Handler: signed(h.recover(h.exchange))},
		{Method: "POST", Path: "/tokens/{provider}/refresh", Handler: signed(h.recover(h.refresh))},
		{Method: "POST", Path: "/tokens/", Handler: signed(h.recover(func(w http.ResponseWriter, r *http.Request) {
			h.writeError(w, r, signet.Errorf(signet.CodeInvalidRequest, "Unsupported provider."))
		}))},
	}}
}

// exchangeBody is ExchangeCodeForTokenRequestBody.
type exchangeBody struct {
	Code        string `json:"code"`
	RedirectURI string `json:"redirectUri"`
	ClientID    string `json:"clientId"`
}

// exchangeOutput is ExchangeCodeForTokenResponse.
type exchangeOutput struct {
	AccessToken  string `json:"accessToken"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken"`
}

// refreshBody is RefreshTokenRequestBody.
type refreshBody struct {
	Token    string `json:"token"`
	ClientID string `json:"clientId"`
}

// refreshOutput is RefreshTokenResponse.
type refreshOutput struct {
	AccessToken string `json:"accessToken"`
	ExpiresIn   int64  `json:"expiresIn"`
}

func (h *Handler) exchange(w http.ResponseWriter, r *http.Request) {
	var in exchangeBody
	if !h.decode(w, r, &in) {
		return
	}
	p, _ := sigv4.PrincipalFrom(r.Context())
	tok, err := h.Broker.Exchange(r.Context(), broker.ExchangeRequest{
		Provider: r.PathValue("provider"), Code: in.Code, RedirectURI: in.RedirectURI, ClientID: in.ClientID, Principal: p,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !h.audited(w, r, "exchange", in.ClientID) {
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, exchangeOutput{AccessToken: tok.AccessToken, ExpiresIn: tok.ExpiresIn, RefreshToken: tok.RefreshToken})
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	var in refreshBody
	if !h.decode(w, r, &in) {
		return
	}
	p, _ := sigv4.PrincipalFrom(r.Context())
	tok, err := h.Broker.Refresh(r.Context(), broker.RefreshRequest{
		Provider: r.PathValue("provider"), RefreshToken: in.Token, ClientID: in.ClientID, Principal: p,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !h.audited(w, r, "refresh", in.ClientID) {
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, refreshOutput{AccessToken: tok.AccessToken, ExpiresIn: tok.ExpiresIn})
}

// decode reads the JSON payload strictly (awsjson: one object, no
// duplicate members, bounded size and depth; unknown members ignored).
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	body, err := awsjson.ReadBody(r)
	if err == nil {
		err = awsjson.Unmarshal(body, dst)
	}
	if err != nil {
		msg := "The request body is not valid."
		var de *awsjson.DecodeError
		if errors.As(err, &de) {
			msg = de.Msg
		}
		h.writeError(w, r, &signet.Error{Code: signet.CodeInvalidRequest, Message: msg, Err: err})
		return false
	}
	return true
}
