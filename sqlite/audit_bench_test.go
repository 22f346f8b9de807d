package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/signet-auth/signet"
)

// BenchmarkAU03_Export measures an export of AU03_RECORDS (default 10^6)
// audit records: the store fills them in one statement, then each
// iteration streams every one through ScanAudit into a JSON encoder, and
// reports the largest live heap seen while it did. A scan that held the
// records would grow the heap with their number; one that streams keeps
// it at a page. Run: go test ./sqlite -run '^$' -bench AU03 -benchtime 1x
func BenchmarkAU03_Export(b *testing.B) {
	n := 1_000_000
	if s := getenvInt("AU03_RECORDS"); s > 0 {
		n = s
	}
	path := filepath.Join(b.TempDir(), "signet.db")
	db := open(b, path)
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_records (at, event, actor, user_id, client_id, account_id, role_name, surface, address,
			user_agent, request_id, outcome, detail)
		SELECT 1767225600000 + i, 'tokens.issued', 'client:c' || (i % 97), 'u' || (i % 1000), 'c' || (i % 97),
			'111122223333', 'Admin', 'sso-oidc', '192.0.2.' || (i % 250), 'aws-cli/2.15.0 Python/3.11',
			'req' || i, 'success', 'grant=refresh_token session=S' || i FROM n`, n); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var peak uint64
	for range b.N {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak = base.HeapAlloc
		enc := json.NewEncoder(io.Discard)
		count := 0
		err := db.ScanAudit(b.Context(), signet.AuditFilter{}, func(r signet.AuditRecord) error {
			count++
			if count%20_000 == 0 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
			return enc.Encode(r)
		})
		if err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("exported %d of %d records", count, n)
		}
		b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "MB-heap-before")
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
	b.ReportMetric(float64(n), "records")
}

func getenvInt(name string) int {
	v, _ := strconv.Atoi(os.Getenv(name))
	return v
}
