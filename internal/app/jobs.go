package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/keyring"
)

// Garbage collection: every gcInterval, delete in batches of gcBatch what
// ended more than gcRetention ago, at most gcRounds batches per tick so one
// node never hogs the store.
const (
	gcInterval  = time.Minute
	gcRetention = 24 * time.Hour
	gcBatch     = 500
	gcRounds    = 20
)

// keyReloadInterval is how often a node reads the keys other nodes added. It
// must be well inside the keyring's publish delay (5 minutes), so that every
// node publishes a rotated signing key before any node signs with it
// (catalogue CC-09).
const keyReloadInterval = time.Minute

// every calls job each interval until ctx is done.
func every(ctx context.Context, interval time.Duration, job func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		job()
	}
}

// reloadKeys picks up keys other nodes (or `signet admin keys rotate`) added.
func reloadKeys(ctx context.Context, keys *keyring.Keyring, log *slog.Logger) {
	every(ctx, keyReloadInterval, func() {
		if err := keys.Reload(ctx); err != nil && ctx.Err() == nil {
			log.Warn("key reload", "err", err)
		}
	})
}

// collectGarbage deletes, each gcInterval, what can no longer matter.
func collectGarbage(ctx context.Context, col signet.Collector, clock signet.Clock, log *slog.Logger) {
	every(ctx, gcInterval, func() {
		for range gcRounds {
			// Timed by the store wrapper (storetiming) like every call.
			n, err := col.Collect(ctx, clock.Now(), gcRetention, gcBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("garbage collection", "err", err)
				}
				return
			}
			if n > 0 {
				log.Debug("garbage collected", "rows", n)
			}
			if n < gcBatch {
				return
			}
		}
	})
}
