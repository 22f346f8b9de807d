package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/signet-auth/signet"
)

// AWS Sign-In on the wire (api/signin; docs/spec/aws/signin.md): the
// browser step at /v1/authorize, then CreateOAuth2Token at /v1/token with a
// DPoP proof on every call; the access token is a set of SigV4 credentials.

const (
	signinClient   = signet.SignInSameDevice
	signinRedirect = "http://127.0.0.1/oauth/callback"
	signinToken    = "/v1/token"
)

type signinOut struct {
	AccessToken struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
	} `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// signinCaller is one aws login client: its DPoP key and the last nonce the
// server handed it.
type signinCaller struct {
	t     *target
	p     *prover
	nonce string
}

func newSigninCaller(t *target) (*signinCaller, error) {
	p, err := newProver(t.c.rand)
	if err != nil {
		return nil, err
	}
	return &signinCaller{t: t, p: p}, nil
}

// token calls CreateOAuth2Token with a fresh proof, retrying once when the
// server asks for a nonce (RFC 9449 §8).
func (s *signinCaller) token(ctx context.Context, body map[string]string) (signinOut, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return signinOut{}, err
	}
	htu := s.t.c.base + signinToken
	for attempt := 0; ; attempt++ {
		proof, err := s.p.proof(http.MethodPost, htu, s.nonce, s.t.clock.Now())
		if err != nil {
			return signinOut{}, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, htu, bytes.NewReader(b))
		if err != nil {
			return signinOut{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("DPoP", proof)
		var out signinOut
		resp, err := s.t.c.do(req, http.StatusOK, &out)
		if resp != nil {
			if n := resp.Header.Get("DPoP-Nonce"); n != "" {
				s.nonce = n
				var se *statusError
				if errors.As(err, &se) && attempt == 0 {
					continue
				}
			}
		}
		return out, err
	}
}

// login runs aws login: /v1/authorize (auto-approved) and the
// authorization_code grant, binding the session to this caller's key.
func (s *signinCaller) login(ctx context.Context) (signinOut, error) {
	code, verifier, err := authorizeCode(ctx, s.t.c, "/v1/authorize", signinClient, signinRedirect, url.Values{"scope": {"openid"}})
	if err != nil {
		return signinOut{}, err
	}
	return s.token(ctx, map[string]string{
		"clientId": signinClient, "grantType": "authorization_code",
		"code": code, "redirectUri": signinRedirect, "codeVerifier": verifier,
	})
}

// signinRefresh refreshes a DPoP-bound Sign-In session: each step is one
// CreateOAuth2Token refresh_token grant with a new proof, answered with new
// SigV4 credentials.
type signinRefresh struct {
	s       *signinCaller
	refresh string
}

func (w *signinRefresh) Step(ctx context.Context) error {
	out, err := w.s.token(ctx, map[string]string{
		"clientId": signinClient, "grantType": "refresh_token", "refreshToken": w.refresh,
	})
	if err != nil {
		return err
	}
	if out.AccessToken.AccessKeyID == "" {
		return errors.New("bench: refresh without credentials")
	}
	w.refresh = out.RefreshToken
	return nil
}

func (w *signinRefresh) Reset(ctx context.Context) error {
	out, err := w.s.login(ctx)
	w.refresh = out.RefreshToken
	return err
}

func prepareSigninRefresh(_ context.Context, t *target) (newWorker, error) {
	return func(ctx context.Context) (Worker, error) {
		s, err := newSigninCaller(t)
		if err != nil {
			return nil, err
		}
		w := &signinRefresh{s: s}
		if err := w.Reset(ctx); err != nil {
			return nil, fmt.Errorf("aws login: %w", err)
		}
		return w, nil
	}, nil
}

// signinLogin is one whole aws login: authorize, code, DPoP-bound token.
type signinLogin struct{ s *signinCaller }

func (w *signinLogin) Step(ctx context.Context) error {
	_, err := w.s.login(ctx)
	return err
}

func prepareSigninLogin(ctx context.Context, t *target) (newWorker, error) {
	// One login before the loop: a server without Sign-In is skipped with
	// the reason rather than measured as a wall of errors.
	probe, err := newSigninCaller(t)
	if err != nil {
		return nil, err
	}
	if _, err := probe.login(ctx); err != nil {
		return nil, fmt.Errorf("aws login: %w", err)
	}
	return func(context.Context) (Worker, error) {
		s, err := newSigninCaller(t)
		return &signinLogin{s: s}, err
	}, nil
}
