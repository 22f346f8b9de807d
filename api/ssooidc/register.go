package ssooidc

import (
	"net/http"

	"github.com/signet-auth/signet/api/awsjson"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/ratelimit"
)

// registerClientInput is RegisterClient's request (sso-oidc.md §2).
type registerClientInput struct {
	ClientName             string   `json:"clientName"`
	ClientType             string   `json:"clientType"`
	Scopes                 []string `json:"scopes"`
	RedirectURIs           []string `json:"redirectUris"`
	GrantTypes             []string `json:"grantTypes"`
	IssuerURL              string   `json:"issuerUrl"`
	EntitledApplicationARN string   `json:"entitledApplicationArn"`
}

// registerClientOutput is RegisterClient's response. The CLI needs
// clientSecretExpiresAt (it becomes the registration cache's expiresAt);
// the timestamps are epoch seconds.
type registerClientOutput struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	TokenEndpoint         string `json:"tokenEndpoint"`
}

// registerClient serves RegisterClient: a public client registers itself
// and gets an id and a secret, once. Validation (client type, grant types,
// redirect URIs, scopes) is the engine's; nothing is stored unless all of
// it passes (catalogue CL-05).
func (h *Handler) registerClient(w http.ResponseWriter, r *http.Request) {
	// Throttled before anything is read (catalogue RL-03): 429, not the
	// 400 SlowDownException the device flow's operations answer.
	if e := h.Limiter.Request(r, ratelimit.ClassRegister, ""); e != nil {
		h.writeThrottled(w, r, opRegisterClient, e)
		return
	}
	if e := unsignedRequest(r); e != nil {
		h.writeError(w, r, opRegisterClient, e)
		return
	}
	var in registerClientInput
	if e := decode(r, &in); e != nil {
		h.writeError(w, r, opRegisterClient, e)
		return
	}
	if e := checkBounds([]field{
		{"clientName", in.ClientName, maxNameLen},
		{"clientType", in.ClientType, maxShortLen},
		{"issuerUrl", in.IssuerURL, maxURLLen},
		{"entitledApplicationArn", in.EntitledApplicationARN, maxURLLen},
	}, []list{
		{"scopes", in.Scopes, maxShortLen, maxScopes},
		{"redirectUris", in.RedirectURIs, maxURLLen, maxRedirects},
		{"grantTypes", in.GrantTypes, maxShortLen, maxGrants},
	}); e != nil {
		h.writeError(w, r, opRegisterClient, e)
		return
	}
	if in.ClientName == "" || in.ClientType == "" {
		h.writeError(w, r, opRegisterClient, invalidRequest("clientName and clientType are required."))
		return
	}
	ic, err := h.Engine.RegisterClient(r.Context(), authserver.Registration{
		ClientName: in.ClientName, ClientType: in.ClientType,
		RedirectURIs: in.RedirectURIs, GrantTypes: in.GrantTypes, Scopes: in.Scopes,
		IssuerURL: in.IssuerURL,
	})
	if err != nil {
		h.writeError(w, r, opRegisterClient, err)
		return
	}
	awsjson.WriteJSON(w, http.StatusOK, registerClientOutput{
		ClientID:              ic.Client.ID,
		ClientSecret:          ic.Secret,
		ClientIDIssuedAt:      ic.Client.CreatedAt.Unix(),
		ClientSecretExpiresAt: ic.Client.SecretExpiresAt.Unix(),
		AuthorizationEndpoint: h.issuerURL("/authorize"),
		TokenEndpoint:         h.issuerURL("/token"),
	})
}
