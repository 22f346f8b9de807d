package storecore

import (
	"context"
	"strconv"
	"strings"

	"github.com/signet-auth/signet"
)

// AuditCols are the audit_records columns AuditArgs fills, in order (id is
// the store's).
const AuditCols = `at, event, actor, user_id, client_id, account_id, role_name, surface, address, user_agent, request_id, outcome, detail`

// AuditSelect is the select list ScanAudit reads.
const AuditSelect = `id, ` + AuditCols

// AuditPage is how many records one read of a scan fetches: a scan holds at
// most this many in memory, whatever it yields in all.
const AuditPage = 500

// AuditArgs are r's column values in AuditCols order.
func AuditArgs(r signet.AuditRecord) []any {
	return []any{Millis(r.Time), string(r.Event), r.Actor, r.UserID, r.ClientID, r.AccountID, r.RoleName,
		r.Surface, r.Address, r.UserAgent, r.RequestID, string(r.Outcome), r.Detail}
}

// ScanAudit reads one row of AuditSelect.
func ScanAudit(s Scanner) (signet.AuditRecord, error) {
	var r signet.AuditRecord
	var at int64
	var event, outcome string
	err := s.Scan(&r.ID, &at, &event, &r.Actor, &r.UserID, &r.ClientID, &r.AccountID, &r.RoleName,
		&r.Surface, &r.Address, &r.UserAgent, &r.RequestID, &outcome, &r.Detail)
	r.Time, r.Event, r.Outcome = Time(at), signet.AuditEvent(event), signet.AuditOutcome(outcome)
	return r, err
}

// AuditQuery builds the SELECT of one page of f after cursor: records with
// id > cursor, in id order, at most limit. ph(i) is the backend's
// placeholder for the i-th argument (1-based).
func AuditQuery(f signet.AuditFilter, cursor int64, limit int, ph func(i int) string) (string, []any) {
	var b strings.Builder
	args := []any{cursor}
	b.WriteString(`SELECT ` + AuditSelect + ` FROM audit_records WHERE id > ` + ph(1))
	add := func(cond string, v any) {
		args = append(args, v)
		b.WriteString(" AND " + strings.ReplaceAll(cond, "?", ph(len(args))))
	}
	if !f.Since.IsZero() {
		add("at >= ?", Millis(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", Millis(f.Until))
	}
	if f.UserID != "" {
		add("user_id = ?", f.UserID)
	}
	if len(f.Events) > 0 {
		b.WriteString(" AND event IN (")
		for i, e := range f.Events {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, string(e))
			b.WriteString(ph(len(args)))
		}
		b.WriteString(")")
	}
	args = append(args, limit)
	b.WriteString(" ORDER BY id LIMIT " + ph(len(args)))
	return b.String(), args
}

// ScanAuditPages implements signet.AuditStore.ScanAudit over page, which
// reads the records after a cursor, at most limit of them: it walks f's
// records a page at a time, so memory stays bounded by AuditPage.
func ScanAuditPages(ctx context.Context, f signet.AuditFilter, page func(ctx context.Context, cursor int64, limit int) ([]signet.AuditRecord, error), fn func(signet.AuditRecord) error) error {
	cursor, left := f.After, f.Limit
	for {
		n := AuditPage
		if f.Limit > 0 {
			if left <= 0 {
				return nil
			}
			n = min(n, left)
		}
		recs, err := page(ctx, cursor, n)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
			cursor = r.ID
		}
		left -= len(recs)
		if len(recs) < n {
			return ctx.Err()
		}
	}
}

// Placeholder is PostgreSQL's placeholder for argument i; QMark SQLite's.
func Placeholder(i int) string { return "$" + strconv.Itoa(i) }

// QMark is SQLite's placeholder.
func QMark(int) string { return "?" }
