package signet_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/signet-auth/signet"
)

func TestLoggerOr(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	if got := signet.LoggerOr(l); got != l {
		t.Fatalf("LoggerOr(l) = %p, want l (%p)", got, l)
	}
	d := signet.LoggerOr(nil)
	if d == nil {
		t.Fatal("LoggerOr(nil) = nil")
	}
	if d.Enabled(context.Background(), slog.LevelError) {
		t.Error("LoggerOr(nil) is enabled at error level; want a discarding logger")
	}
	d.Error("dropped")
	if buf.Len() != 0 {
		t.Errorf("the discarding logger wrote to another logger's buffer: %q", buf.String())
	}
}
