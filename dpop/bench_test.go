package dpop

import (
	"context"
	"crypto/elliptic"
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// acceptingReplay takes every jti as new, so that one proof can be checked
// over and over: the benchmark measures the verifier, the store has its own.
type acceptingReplay struct{}

func (acceptingReplay) MarkUsed(context.Context, signet.Digest, time.Time, time.Time) (bool, error) {
	return true, nil
}

// BenchmarkVerify measures one ES256 proof as the AWS SDKs send it.
func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b, func(o *Options) { o.Replay = acceptingReplay{} })
	r := request(proofFor(b, newECKey(b, elliptic.P256()), "4b3e1e5e-0000-4000-8000-000000000000"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
