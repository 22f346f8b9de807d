package awscli_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// fakeServer is a minimal TEST server that answers like the wire reference
// (docs/spec/aws/*.md) for every operation the CLI serves. It is not
// signet: it exists so the CLI's end-to-end scripts have something to talk
// to on this branch, and it records the last request for assertions.
type fakeServer struct {
	*httptest.Server
	mu         sync.Mutex
	last       string
	polls      map[string]int
	challenges map[string]string
}

func newFakeServer() *fakeServer {
	f := &fakeServer{polls: map[string]int{}, challenges: map[string]string{}}
	// Assign before Start so the handler's reads of f.URL are ordered after
	// the write (the race detector cannot see the sync through the socket).
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.Start()
	return f
}

func (f *fakeServer) lastRequest() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", "6a0e7530-0000-4000-8000-000000000000")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func awsError(w http.ResponseWriter, status int, typ string, body map[string]any) {
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, status, body)
}

func oidcError(w http.ResponseWriter, status int, typ, code, desc string) {
	awsError(w, status, typ, map[string]any{"error": code, "error_description": desc})
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var hdrs []string
	for _, h := range []string{"Content-Type", "X-Amz-Sso_bearer_token"} {
		if v := r.Header.Get(h); v != "" {
			hdrs = append(hdrs, h+": "+v)
		}
	}
	if a := r.Header.Get("Authorization"); a != "" {
		hdrs = append(hdrs, "Authorization: "+strings.SplitN(a, ",", 2)[0])
	}
	f.mu.Lock()
	f.last = fmt.Sprintf("%s %s\n%s\n%s\n", r.Method, r.URL.RequestURI(), strings.Join(hdrs, "\n"), raw)
	f.mu.Unlock()
	body := map[string]any{}
	_ = json.Unmarshal(raw, &body)
	s := func(k string) string { v, _ := body[k].(string); return v }
	signed := strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	needSig := func() bool {
		if !signed {
			awsError(w, 403, "UnrecognizedClientException", map[string]any{"message": "The security token included in the request is invalid."})
		}
		return signed
	}
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/client/register":
		if s("clientType") != "public" {
			oidcError(w, 400, "InvalidClientMetadataException", "invalid_client_metadata", "clientType must be public")
			return
		}
		writeJSON(w, 200, map[string]any{"clientId": "client-1", "clientSecret": "secret-1", "clientIdIssuedAt": 1763769600, "clientSecretExpiresAt": 4102444800})
	case r.URL.Path == "/device_authorization":
		if s("clientSecret") != "secret-1" {
			oidcError(w, 401, "InvalidClientException", "invalid_client", "Client authentication failed")
			return
		}
		writeJSON(w, 200, map[string]any{"deviceCode": "device-1", "userCode": "ABCD-EFGH", "verificationUri": f.URL + "/device", "verificationUriComplete": f.URL + "/device?user_code=ABCD-EFGH", "expiresIn": 600, "interval": 1})
	case r.URL.Path == "/authorize":
		f.mu.Lock()
		f.challenges["code-1"] = q.Get("code_challenge")
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=code-1&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	case r.URL.Path == "/token" && q.Get("aws_iam") == "t":
		if needSig() {
			writeJSON(w, 200, map[string]any{"accessToken": "iam-access", "tokenType": "Bearer", "expiresIn": 3600, "scope": []string{"openid", "aws"}, "awsAdditionalDetails": map[string]any{"identityContext": "ctx-1"}})
		}
	case r.URL.Path == "/token":
		if s("clientSecret") != "secret-1" {
			oidcError(w, 401, "InvalidClientException", "invalid_client", "Client authentication failed")
			return
		}
		tok := map[string]any{"accessToken": "access-1", "tokenType": "Bearer", "expiresIn": 3600, "refreshToken": "refresh-1"}
		switch s("grantType") {
		case "urn:ietf:params:oauth:grant-type:device_code":
			f.mu.Lock()
			f.polls[s("deviceCode")]++
			n := f.polls[s("deviceCode")]
			f.mu.Unlock()
			switch {
			case s("deviceCode") == "expired" || s("deviceCode") == "device-expire":
				oidcError(w, 400, "ExpiredTokenException", "expired_token", "Device code expired")
			case n == 1:
				oidcError(w, 400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
			case n == 2:
				oidcError(w, 400, "SlowDownException", "slow_down", "Slow down")
			default:
				writeJSON(w, 200, tok)
			}
		case "authorization_code":
			f.mu.Lock()
			ch := f.challenges[s("code")]
			f.mu.Unlock()
			sum := sha256.Sum256([]byte(s("codeVerifier")))
			if ch == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != ch || !strings.HasPrefix(s("redirectUri"), "http://127.0.0.1:") {
				oidcError(w, 400, "InvalidGrantException", "invalid_grant", "Invalid authorization code")
				return
			}
			writeJSON(w, 200, tok)
		case "refresh_token":
			if s("refreshToken") != "refresh-1" {
				oidcError(w, 400, "InvalidGrantException", "invalid_grant", "Invalid refresh token")
				return
			}
			writeJSON(w, 200, tok)
		default:
			oidcError(w, 400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type")
		}
	case r.URL.Path == "/v1/token" && q.Get("x-amz-client-auth-method") == "iam":
		if needSig() {
			writeJSON(w, 200, map[string]any{"access_token": "eyJ.mcp.sig", "token_type": "Bearer", "expires_in": 3600})
		}
	case r.URL.Path == "/v1/token":
		if s("refreshToken") == "expired" {
			w.Header().Set("Cache-Control", "no-store")
			awsError(w, 401, "AccessDeniedException", map[string]any{"error": "TOKEN_EXPIRED", "message": "The refresh token has expired."})
			return
		}
		if s("clientId") == "" || s("grantType") == "" {
			awsError(w, 400, "ValidationException", map[string]any{"error": "INVALID_REQUEST", "message": "clientId and grantType are required"})
			return
		}
		writeJSON(w, 200, map[string]any{"accessToken": map[string]any{"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "topsecretkey", "sessionToken": "sessiontok"}, "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4", "expiresIn": 900, "refreshToken": "ASORrotated"})
	case r.URL.Path == "/v1/introspect":
		if needSig() {
			writeJSON(w, 200, map[string]any{"active": true, "client_id": "arn:aws:signin:::devtools/same-device", "token_type": "refresh_token", "exp": 1763770500, "account_id": "123456789012"})
		}
	case r.URL.Path == "/v1/revoke":
		if needSig() {
			w.WriteHeader(200)
		}
	case strings.HasPrefix(r.URL.Path, "/tokens/"):
		if !needSig() {
			return
		}
		provider, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/tokens/"), "/")
		if provider != "figma" {
			awsError(w, 400, "InvalidParameterException", map[string]any{"message": "Unsupported provider: " + provider})
			return
		}
		if rest == "refresh" {
			writeJSON(w, 200, map[string]any{"accessToken": "figma-access-2", "expiresIn": 7776000})
			return
		}
		writeJSON(w, 200, map[string]any{"accessToken": "figma-access", "expiresIn": 7776000, "refreshToken": "figma-refresh"})
	case r.URL.Path == "/federation/credentials", r.URL.Path == "/assignment/accounts", r.URL.Path == "/assignment/roles", r.URL.Path == "/logout":
		if r.Header.Get("x-amz-sso_bearer_token") != "access-1" {
			awsError(w, 401, "UnauthorizedException", map[string]any{"message": "Session token not found or invalid"})
			return
		}
		switch r.URL.Path {
		case "/federation/credentials":
			writeJSON(w, 200, map[string]any{"roleCredentials": map[string]any{"accessKeyId": "ASIAROLE", "secretAccessKey": "rolesecret", "sessionToken": "rolesession", "expiration": 1763771400000}})
		case "/assignment/accounts":
			if q.Get("next_token") == "" {
				writeJSON(w, 200, map[string]any{"nextToken": "page2", "accountList": []any{map[string]any{"accountId": "111111111111", "accountName": "dev", "emailAddress": "dev@example.com"}}})
				return
			}
			writeJSON(w, 200, map[string]any{"accountList": []any{map[string]any{"accountId": "222222222222", "accountName": "prod", "emailAddress": "prod@example.com"}}})
		case "/assignment/roles":
			writeJSON(w, 200, map[string]any{"roleList": []any{map[string]any{"roleName": "Admin", "accountId": q.Get("account_id")}}})
		case "/logout":
			w.WriteHeader(200)
		}
	case r.URL.Path == "/" && strings.Contains(string(raw), "Action=GetCallerIdentity"):
		if !signed {
			w.WriteHeader(403)
			io.WriteString(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	default:
		awsError(w, 404, "UnknownOperationException", map[string]any{"message": "no such operation"})
	}
}
