package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/audit"
	"github.com/signet-auth/signet/secret"
)

// memStore keeps appended records in memory: the Recorder's own logic
// (completion, refusal, logging) is what is under test here; the stores
// are proven by storetest.
type memStore struct {
	recs []signet.AuditRecord
	err  error
}

func (m *memStore) AppendAudit(_ context.Context, r signet.AuditRecord) (int64, error) {
	if m.err != nil {
		return 0, m.err
	}
	r.ID = int64(len(m.recs) + 1)
	m.recs = append(m.recs, r)
	return r.ID, nil
}

func (m *memStore) ScanAudit(context.Context, signet.AuditFilter, func(signet.AuditRecord) error) error {
	return nil
}

func (m *memStore) PruneAudit(context.Context, time.Time, int) (int, error) { return 0, nil }

var now = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func newRecorder(st signet.AuditStore, logs *bytes.Buffer) *audit.Recorder {
	return audit.New(st, signet.ClockFunc(func() time.Time { return now }), slog.New(slog.NewJSONHandler(logs, nil)),
		func(context.Context) audit.Origin {
			return audit.Origin{RequestID: "req-1", Address: "192.0.2.7", UserAgent: "aws-cli/2", Actor: "ignored"}
		})
}

// A record is completed from the request and the clock (what the context
// says wins), stored, and logged as one JSON line with event=audit.
func TestRecordCompletesStoresAndLogs(t *testing.T) {
	st, logs := &memStore{}, &bytes.Buffer{}
	rec := newRecorder(st, logs)
	ctx := audit.WithOrigin(context.Background(), audit.Origin{Actor: "cli:root"})
	if err := rec.Record(ctx, signet.AuditRecord{Event: signet.AuditAdminChange, UserID: "u1", Detail: "disabled=true"}); err != nil {
		t.Fatal(err)
	}
	want := signet.AuditRecord{ID: 1, Time: now, Event: signet.AuditAdminChange, Actor: "cli:root", UserID: "u1",
		Address: "192.0.2.7", UserAgent: "aws-cli/2", RequestID: "req-1", Outcome: signet.AuditSuccess, Detail: "disabled=true"}
	if len(st.recs) != 1 || st.recs[0] != want {
		t.Fatalf("stored %+v\nwant %+v", st.recs, want)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines: %s", len(lines), logs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m["event"] != "audit" || m["audit_event"] != "admin.change" || m["actor"] != "cli:root" || m["audit_id"] != 1.0 {
		t.Errorf("log line %v", m)
	}
}

// SE-06: a record any field of which holds a token signet issues, or a
// JWT, is refused before it reaches the store.
func TestSE06_RecordWithSecretRefused(t *testing.T) {
	m := secret.NewMinter(strings.NewReader(strings.Repeat("x", 4096)), mustHasher(t))
	tok, _, err := m.New(secret.PrefixOAuthRefresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []signet.AuditRecord{
		{Event: signet.AuditTokensIssued, Detail: "token=" + tok},
		{Event: signet.AuditTokensIssued, Actor: tok},
		{Event: signet.AuditTokensIssued, UserAgent: "x " + tok + ".y"},
		{Event: signet.AuditTokensIssued, Detail: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"},
	} {
		st, logs := &memStore{}, &bytes.Buffer{}
		err := newRecorder(st, logs).Record(context.Background(), r)
		if !errors.Is(err, audit.ErrSecret) || len(st.recs) != 0 {
			t.Errorf("%+v: err %v, %d stored", r, err, len(st.recs))
		}
		if strings.Contains(logs.String(), tok) {
			t.Errorf("the token reached the log")
		}
	}
	if audit.HoldsSecret("grant=refresh_token session=Abc123 access_key=ASIAEXAMPLE") {
		t.Error("ordinary details taken for a secret")
	}
}

// A store failure comes back to the caller (who fails closed, AU-02) and
// is logged without the record going anywhere.
func TestRecordReturnsStoreFailure(t *testing.T) {
	down := errors.New("disk full")
	st, logs := &memStore{err: down}, &bytes.Buffer{}
	err := newRecorder(st, logs).Record(context.Background(), signet.AuditRecord{Event: signet.AuditCredentialsIssued})
	if !errors.Is(err, down) {
		t.Fatalf("err %v, want the store's", err)
	}
	if !strings.Contains(logs.String(), "audit record not written") {
		t.Errorf("log: %s", logs)
	}
}

// Long fields are clipped on a rune boundary.
func TestRecordClipsLongFields(t *testing.T) {
	st := &memStore{}
	ua := strings.Repeat("é", audit.MaxField)
	if err := newRecorder(st, &bytes.Buffer{}).Record(context.Background(), signet.AuditRecord{Event: signet.AuditLoginFailed, UserAgent: ua}); err != nil {
		t.Fatal(err)
	}
	if got := st.recs[0].UserAgent; len(got) > audit.MaxField || !strings.HasPrefix(ua, got) {
		t.Errorf("clipped to %d bytes", len(got))
	}
}

func mustHasher(t *testing.T) *secret.Hasher {
	h, err := secret.NewHasher(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// FuzzHoldsSecret: any text, never a panic, and a token set apart by
// spaces inside it is always found.
func FuzzHoldsSecret(f *testing.F) {
	f.Add("grant=refresh_token", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, before, after string) {
		_ = audit.HoldsSecret(before + after)
		tok := secret.PrefixSSORefresh + strings.Repeat("A", 43)
		if !secret.WellFormed(tok, secret.PrefixSSORefresh) {
			t.Skip("the token shape changed")
		}
		if !audit.HoldsSecret(before + " " + tok + " " + after) {
			t.Errorf("%q hides the token", before+" "+tok+" "+after)
		}
	})
}
