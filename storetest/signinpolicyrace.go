package storetest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

// Two handles race 40 Puts of distinct statements into one account whose
// quota is 5, and 20 retries of one client token: exactly 5 distinct
// statements are stored, the rest are ErrQuotaExceeded, and every retry
// gets the one statement its token created.
func testRacingSigninStatements(t *testing.T, a, b signet.Stores) {
	const acct, n, quota = "111122223333", 40, 5
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) {
		_, errs[i] = s.SigninPolicies.PutSigninStatement(t.Context(), signet.SigninStatement{
			ID: fmt.Sprintf("%064d", i), AccountID: acct, SourceIP: "10.0." + strconv.Itoa(i) + ".0/24", CreatedAt: t0}, quota)
	})
	eq(t, "winners", winners(t, errs, signet.ErrQuotaExceeded), quota)
	list, err := b.SigninPolicies.ListSigninStatements(t.Context(), acct)
	noErr(t, "ListSigninStatements", err)
	eq(t, "statements", len(list), quota)

	const other = "444455556666"
	got := make([]signet.SigninStatement, 20)
	parallel(len(got), a, b, func(i int, s signet.Stores) {
		got[i], errs[i] = s.SigninPolicies.PutSigninStatement(t.Context(), signet.SigninStatement{
			ID: strings.Repeat(strconv.Itoa(i%10), 64), AccountID: other, SourceIP: "10.0.0.0/8", ClientToken: "retry", CreatedAt: t0}, quota)
	})
	for i := range got {
		noErr(t, "Put retried "+strconv.Itoa(i), errs[i])
		eq(t, "Put retried "+strconv.Itoa(i), got[i].ID, got[0].ID)
	}
	list, err = a.SigninPolicies.ListSigninStatements(t.Context(), other)
	noErr(t, "ListSigninStatements", err)
	eq(t, "statements of the retried token", len(list), 1)
}
