package federation

import (
	"context"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/signet-auth/signet"
)

// records are the environment's audit records of the events evs.
func records(t *testing.T, e *env, evs ...signet.AuditEvent) []signet.AuditRecord {
	t.Helper()
	var out []signet.AuditRecord
	if err := e.Stores.Audit.ScanAudit(context.Background(), signet.AuditFilter{Events: evs}, func(r signet.AuditRecord) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAU01_FederatedLoginsRecorded: an upstream login is in the audit
// trail with the provider's name and the reason class, never the
// provider's answer: a refused ID token is one login.failed (reason
// upstream_refused) and provisions nobody; the first good login is a
// user.provisioned and a login.succeeded of the new user; the next one a
// login.succeeded alone; a person outside the provider's allowed groups
// is a login.failed with reason access_denied. No record holds the ID
// token, the upstream access token or the client secret.
func TestAU01_FederatedLoginsRecorded(t *testing.T) {
	e := newEnv(t)
	h := startHostile(t, "signet-au01", "hostile-client-secret-au01-0123456789")
	e.addIdP(t, "hostile", h.URL, h.ClientID, h.Secret)
	var tokens []string
	login := func(build func(nonce string) string) page {
		h.setIDToken(func(nonce string) string {
			tok := build(nonce)
			tokens = append(tokens, tok)
			return tok
		})
		return newBrowser(t).follow(e.URL+"/login/federated/hostile", nil)
	}
	evs := []signet.AuditEvent{signet.AuditLoginSucceeded, signet.AuditLoginFailed, signet.AuditUserProvisioned}

	p := login(func(n string) string {
		c := h.claims(n, e.Clock.Now())
		c["iss"] = "https://accounts.other.example"
		return sign(t, c, jose.ES256, h.key, "k1")
	})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("refused login: %d", p.Status)
	}
	got := records(t, e, evs...)
	if len(got) != 1 || got[0].Event != signet.AuditLoginFailed || got[0].Outcome != signet.AuditFailure || got[0].UserID != "" ||
		got[0].Detail != "factor=federated idp=hostile reason=upstream_refused" {
		t.Fatalf("after a refused ID token: %+v", got)
	}

	good := func(n string) string { return sign(t, h.claims(n, e.Clock.Now()), jose.ES256, h.key, "k1") }
	if p := login(good); p.Status != http.StatusOK {
		t.Fatalf("first login: %d %s", p.Status, p.URL)
	}
	id, err := e.Stores.Federation.GetIdentity(context.Background(), "hostile", "evil-sub-1")
	if err != nil {
		t.Fatal(err)
	}
	got = records(t, e, evs...)[1:]
	if len(got) != 2 || got[0].Event != signet.AuditUserProvisioned || got[0].UserID != id.UserID ||
		got[0].Detail != "idp=hostile name=mallory" || got[1].Event != signet.AuditLoginSucceeded ||
		got[1].UserID != id.UserID || got[1].Actor != "user:mallory" || got[1].Detail != "factor=federated idp=hostile" {
		t.Fatalf("after the first login: %+v", got)
	}
	if p := login(good); p.Status != http.StatusOK {
		t.Fatalf("second login: %d", p.Status)
	}
	got = records(t, e, evs...)[3:]
	if len(got) != 1 || got[0].Event != signet.AuditLoginSucceeded || got[0].UserID != id.UserID {
		t.Fatalf("after the second login: %+v", got)
	}

	idp, err := e.Stores.Federation.GetIdP(context.Background(), "hostile")
	if err != nil {
		t.Fatal(err)
	}
	idp.AllowedGroups = []string{"staff"}
	if err := e.Stores.Federation.SetIdP(context.Background(), idp); err != nil {
		t.Fatal(err)
	}
	if p := login(good); p.Status != http.StatusBadRequest {
		t.Fatalf("login outside the allowed groups: %d", p.Status)
	}
	got = records(t, e, evs...)[4:]
	if len(got) != 1 || got[0].Event != signet.AuditLoginFailed || got[0].Detail != "factor=federated idp=hostile reason=access_denied" {
		t.Fatalf("after a login outside the allowed groups: %+v", got)
	}

	secrets := append(tokens, h.Secret, "at-1")
	for _, r := range records(t, e) {
		line := strings.Join([]string{r.Actor, r.UserID, r.ClientID, r.Detail, r.UserAgent}, " ")
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("record %d (%s) holds a secret of the login", r.ID, r.Event)
			}
		}
	}
}
