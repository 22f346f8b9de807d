package postgres

import (
	"os"
	"testing"
)

// TestURL is testURL for the external tests.
var TestURL = testURL

// testURL is the database the tests use, from SIGNET_TEST_POSTGRES_URL. CI
// must have one; elsewhere the tests skip without it.
func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("SIGNET_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SIGNET_TEST_POSTGRES_URL not set; CI needs PostgreSQL")
		}
		t.Skip("SIGNET_TEST_POSTGRES_URL not set; skipping PostgreSQL tests")
	}
	return url
}
