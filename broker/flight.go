package broker

import (
	"context"
)

// flightResult is what one coalesced upstream call produced.
type flightResult struct {
	tok      Tokens
	err      error
	outcome  Outcome
	status   int
	attempts int
	cause    string
	follower bool // set per caller: this caller joined a call already under way
}

// flight is one upstream call shared by every caller with the same key.
// The call runs on a context of its own, detached from the first caller,
// and is cancelled when the last waiting caller goes away: a disconnect
// cancels the upstream call (catalogue BR-04) unless someone still waits
// for it.
type flight struct {
	done    chan struct{}
	res     flightResult
	waiters int
	cancel  context.CancelFunc
}

// join runs fn for key unless a call for key is under way, and waits for
// its result or for ctx to end (then the error is ctx's).
func (b *Broker) join(ctx context.Context, key [32]byte, fn func(context.Context) flightResult) (flightResult, error) {
	b.mu.Lock()
	f, follower := b.flights[key]
	if !follower {
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		b.flights[key] = f
		go func() {
			defer cancel()
			res := fn(callCtx)
			b.mu.Lock()
			f.res = res
			delete(b.flights, key)
			b.mu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	b.mu.Unlock()

	select {
	case <-f.done:
		res := f.res
		res.follower = follower
		return res, nil
	case <-ctx.Done():
		b.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
		}
		b.mu.Unlock()
		return flightResult{}, ctx.Err()
	}
}
