package testsupport_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/signet-auth/signet/internal/testsupport"
)

func TestLogs(t *testing.T) {
	var logs testsupport.Logs
	log := logs.Logger()
	log.Debug("first", "route", "GET /a")
	log.Info("second", "status", 500)
	logs.Write([]byte("not json\n"))
	log.Warn("third", "route", "GET /b")

	recs := logs.Records()
	if len(recs) != 3 {
		t.Fatalf("Records: %d, want 3 (the debug record included, the text line skipped): %v", len(recs), recs)
	}
	for i, want := range []string{"first", "second", "third"} {
		if recs[i]["msg"] != want {
			t.Errorf("record %d: msg %v, want %q", i, recs[i]["msg"], want)
		}
	}
	if recs[0]["level"] != "DEBUG" {
		t.Errorf("first record's level = %v, want DEBUG", recs[0]["level"])
	}
	got := logs.Find("route")
	if len(got) != 2 || got[0]["route"] != "GET /a" || got[1]["route"] != "GET /b" {
		t.Errorf(`Find("route") = %v, want the two records with a route`, got)
	}
	if got := logs.Find("absent"); len(got) != 0 {
		t.Errorf(`Find("absent") = %v, want none`, got)
	}
	if !strings.Contains(logs.String(), "not json\n") {
		t.Errorf("String lost a written line: %q", logs.String())
	}
}

// TestLogsConcurrent is for -race: a text logger and a reader at once.
func TestLogsConcurrent(t *testing.T) {
	var logs testsupport.Logs
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				log.Info("x")
				_ = logs.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "msg=x"); n != 200 {
		t.Fatalf("%d lines, want 200", n)
	}
}
