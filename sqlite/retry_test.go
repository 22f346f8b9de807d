package sqlite

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/storecore"
)

// A transaction that keeps losing is retried a bounded number of times,
// then reported as ErrUnavailable (catalogue CC-06).
func TestBoundedRetry(t *testing.T) {
	db := openTemp(t)
	calls := 0
	err := db.tx(t.Context(), func(*sql.Tx) error {
		calls++
		return storecore.ErrRetry
	})
	if !errors.Is(err, signet.ErrUnavailable) || calls != maxAttempts {
		t.Errorf("after %d calls: %v; want %d calls and ErrUnavailable", calls, err, maxAttempts)
	}
}
