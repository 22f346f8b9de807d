package sqlite

import (
	"strings"
	"testing"
	"time"
)

// Garbage collection runs on the writer, so every statement it runs must
// find its rows through an index: a full scan holds every write for as
// long as the table is big. The query plans show it.
func TestCollectUsesIndexes(t *testing.T) {
	db := openTemp(t)
	for _, step := range collectSteps(time.Now(), 24*time.Hour, 500) {
		for _, s := range step {
			rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+s.q, s.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			for _, d := range plan {
				// "SCAN t" reads all of t (with or without "USING
				// INDEX"); scans of a subquery's own few rows are fine.
				if strings.HasPrefix(d, "SCAN ") && !strings.HasPrefix(d, "SCAN (") && !strings.Contains(d, "subquery") {
					t.Errorf("%s\nplans a full scan: %q\n(whole plan: %q)", oneLine(s.q), d, plan)
				}
			}
		}
	}
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }
