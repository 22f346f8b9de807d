package broker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
	"github.com/signet-auth/signet/broker"
	"github.com/signet-auth/signet/broker/brokertest"
	"github.com/signet-auth/signet/internal/testsupport"
)

const (
	redirect      = "https://studio.example.com/figma/callback"
	redirect2     = "https://studio.example.com/figma/callback2"
	studioID      = "studio-client"
	studioSecret  = "studio-secret-0123456789abcdef"
	partnerID     = "partner-client"
	partnerSecret = "partner-secret-0123456789abcdef"
	account       = "123456789012"
)

var (
	alice, _   = awscreds.AssumedRole(signet.Assignment{AccountID: account, RoleName: "Studio"}, "alice", "s1")
	mallory, _ = awscreds.AssumedRole(signet.Assignment{AccountID: "210987654321", RoleName: "Studio"}, "mallory", "s2")
)

// observations records what the broker reports.
type observations struct {
	mu  sync.Mutex
	got []string
}

func (o *observations) Observe(provider string, op broker.Operation, outcome broker.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, provider+" "+string(op)+" "+string(outcome))
}

func (o *observations) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

type env struct {
	up    *brokertest.Upstream
	b     *broker.Broker
	logs  *testsupport.Logs
	obs   *observations
	clock *testsupport.Clock
	cfg   broker.Config
}

// figmaConfig is a figma provider at the fake upstream with two clients:
// studio (the default, for account 123456789012) and partner (for one
// role's sessions, secret from the environment).
func figmaConfig(up *brokertest.Upstream) broker.Config {
	return broker.Config{
		Upstream: broker.UpstreamConfig{AllowPrivateNetworks: true, ConnectTimeout: 2 * time.Second, Timeout: 5 * time.Second},
		Providers: []broker.ProviderConfig{{
			Name: "figma", Kind: broker.KindFigma,
			TokenURL: up.URL() + brokertest.FigmaTokenPath, RefreshURL: up.URL() + brokertest.FigmaRefreshPath,
			DefaultClient: studioID,
			Clients: []broker.ClientConfig{
				{ID: studioID, Secret: studioSecret, RedirectURIs: []string{redirect, redirect2}, AllowedPrincipals: []string{account}},
				{ID: partnerID, SecretEnv: "PARTNER_SECRET", RedirectURIs: []string{redirect}, AllowedPrincipals: []string{"arn:aws:sts::210987654321:assumed-role/Studio/*"}},
			},
		}},
	}
}

func newEnv(t *testing.T, mutate func(*broker.Config)) *env {
	t.Helper()
	e := &env{
		up:    brokertest.NewUpstream(t, map[string]string{studioID: studioSecret, partnerID: partnerSecret}),
		logs:  &testsupport.Logs{},
		obs:   &observations{},
		clock: testsupport.NewClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)),
	}
	e.cfg = figmaConfig(e.up)
	if mutate != nil {
		mutate(&e.cfg)
	}
	b, err := broker.New(e.cfg, broker.Options{
		Clock: e.clock, Logger: e.logs.Logger(), Observer: e.obs, RootCAs: e.up.RootCAs(),
		Secrets: broker.SecretSource{Getenv: func(k string) string {
			if k == "PARTNER_SECRET" {
				return partnerSecret
			}
			return ""
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	e.b = b
	return e
}

func (e *env) exchange(code, redirectURI, clientID string) (broker.Tokens, error) {
	return e.b.Exchange(context.Background(), broker.ExchangeRequest{Provider: "figma", Code: code, RedirectURI: redirectURI, ClientID: clientID, Principal: alice})
}

func (e *env) refresh(token, clientID string) (broker.Tokens, error) {
	return e.b.Refresh(context.Background(), broker.RefreshRequest{Provider: "figma", RefreshToken: token, ClientID: clientID, Principal: alice})
}

// wantCode fails unless err is a *signet.Error with code.
func wantCode(t *testing.T, err error, code signet.ErrorCode) *signet.Error {
	t.Helper()
	var e *signet.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	return e
}

// eventually waits, without a time limit of its own, for cond; the test's
// deadline bounds it.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(5 * time.Millisecond)
	}
}
