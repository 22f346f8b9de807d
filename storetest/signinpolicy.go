package storetest

import (
	"strings"
	"time"

	"github.com/signet-auth/signet"
)

func statementID(c byte) string { return strings.Repeat(string(c), 64) }

// SigninStatements: Put is idempotent by client token and refuses a second
// live statement with the same conditions (ErrConflict) and one past the
// account's quota (ErrQuotaExceeded); Delete leaves a tombstone that a
// retried Delete with its client token is answered from; accounts are
// apart.
func testSigninStatements(f *fixture) {
	t, ctx := f.t, f.ctx
	ps := f.s.SigninPolicies
	if ps == nil {
		t.Fatal("Stores.SigninPolicies is nil")
	}
	const acct, other = "111122223333", "444455556666"
	list, err := ps.ListSigninStatements(ctx, acct)
	noErr(t, "ListSigninStatements of none", err)
	eq(t, "ListSigninStatements of none", len(list), 0)

	a := signet.SigninStatement{ID: statementID('a'), AccountID: acct, SourceIP: "10.0.0.0/8",
		ExcludedPrincipal: "arn:aws:iam::111122223333:role/BreakGlass", ClientToken: "tok-a", CreatedAt: t0}
	got, err := ps.PutSigninStatement(ctx, a, 3)
	noErr(t, "PutSigninStatement", err)
	eq(t, "PutSigninStatement", got, a)

	// The same token and conditions: the first statement, nothing new.
	retry := a
	retry.ID, retry.CreatedAt = statementID('r'), t0.Add(time.Minute)
	got, err = ps.PutSigninStatement(ctx, retry, 3)
	noErr(t, "PutSigninStatement retried", err)
	eq(t, "PutSigninStatement retried", got, a)
	// The same token, other conditions: a conflict.
	other1 := retry
	other1.SourceIP = "192.168.0.0/16"
	_, err = ps.PutSigninStatement(ctx, other1, 3)
	isErr(t, "PutSigninStatement reusing a token", err, signet.ErrConflict)
	// Another token, the same conditions as a live statement: a conflict.
	dup := retry
	dup.ClientToken = "tok-dup"
	_, err = ps.PutSigninStatement(ctx, dup, 3)
	isErr(t, "PutSigninStatement duplicating conditions", err, signet.ErrConflict)

	b := signet.SigninStatement{ID: statementID('b'), AccountID: acct, SourceVPC: "vpc-0123abcd", RequestedRegion: "us-east-1", CreatedAt: t0.Add(time.Second)}
	c := signet.SigninStatement{ID: statementID('c'), AccountID: acct, SourceIP: "203.0.113.7", CreatedAt: t0.Add(2 * time.Second)}
	for _, s := range []signet.SigninStatement{b, c} {
		_, err = ps.PutSigninStatement(ctx, s, 3)
		noErr(t, "PutSigninStatement "+s.ID[:1], err)
	}
	d := signet.SigninStatement{ID: statementID('d'), AccountID: acct, SourceIP: "198.51.100.0/24", ClientToken: "tok-d", CreatedAt: t0.Add(3 * time.Second)}
	_, err = ps.PutSigninStatement(ctx, d, 3)
	isErr(t, "PutSigninStatement past the quota", err, signet.ErrQuotaExceeded)
	// At the quota, a retry still gets its statement back.
	got, err = ps.PutSigninStatement(ctx, retry, 3)
	noErr(t, "PutSigninStatement retried at the quota", err)
	eq(t, "PutSigninStatement retried at the quota", got, a)
	// Another account has its own quota.
	o := signet.SigninStatement{ID: statementID('o'), AccountID: other, SourceIP: "10.0.0.0/8", ClientToken: "tok-a", CreatedAt: t0}
	got, err = ps.PutSigninStatement(ctx, o, 1)
	noErr(t, "PutSigninStatement for another account", err)
	eq(t, "PutSigninStatement for another account", got, o)

	list, err = ps.ListSigninStatements(ctx, acct)
	noErr(t, "ListSigninStatements", err)
	eq(t, "ListSigninStatements", list, []signet.SigninStatement{a, b, c})

	isErr(t, "DeleteSigninStatement of another account's", ps.DeleteSigninStatement(ctx, other, a.ID, "del", t0), signet.ErrNotFound)
	noErr(t, "DeleteSigninStatement", ps.DeleteSigninStatement(ctx, acct, a.ID, "del", t0))
	noErr(t, "DeleteSigninStatement retried", ps.DeleteSigninStatement(ctx, acct, a.ID, "del", t0))
	isErr(t, "DeleteSigninStatement again with another token", ps.DeleteSigninStatement(ctx, acct, a.ID, "del2", t0), signet.ErrNotFound)
	isErr(t, "DeleteSigninStatement again without a token", ps.DeleteSigninStatement(ctx, acct, a.ID, "", t0), signet.ErrNotFound)
	isErr(t, "DeleteSigninStatement of an unknown id", ps.DeleteSigninStatement(ctx, acct, statementID('z'), "", t0), signet.ErrNotFound)

	// The deleted statement's place is free: d now fits, and its
	// conditions may be stated again under another token.
	_, err = ps.PutSigninStatement(ctx, d, 3)
	noErr(t, "PutSigninStatement after a delete", err)
	list, err = ps.ListSigninStatements(ctx, acct)
	noErr(t, "ListSigninStatements after a delete", err)
	eq(t, "ListSigninStatements after a delete", list, []signet.SigninStatement{b, c, d})
	// The deleted statement's token still names it.
	got, err = ps.PutSigninStatement(ctx, retry, 4)
	noErr(t, "PutSigninStatement retried after its delete", err)
	eq(t, "PutSigninStatement retried after its delete", got, a)
}

// ConsoleAuthorization: on and off per target, idempotent both ways; the
// policies read is every enabled account with its live statements.
func testConsoleAuthorization(f *fixture) {
	t, ctx := f.t, f.ctx
	ps := f.s.SigninPolicies
	const acct, other = "111122223333", "444455556666"
	on, err := ps.ConsoleAuthorization(ctx, acct)
	noErr(t, "ConsoleAuthorization never set", err)
	eq(t, "ConsoleAuthorization never set", on, false)
	pols, err := ps.SigninPolicies(ctx)
	noErr(t, "SigninPolicies of none", err)
	eq(t, "SigninPolicies of none", len(pols), 0)

	s := signet.SigninStatement{ID: statementID('s'), AccountID: acct, SourceIP: "10.0.0.0/8", CreatedAt: t0}
	_, err = ps.PutSigninStatement(ctx, s, 5)
	noErr(t, "PutSigninStatement", err)
	pols, err = ps.SigninPolicies(ctx)
	noErr(t, "SigninPolicies with console authorization off", err)
	eq(t, "SigninPolicies with console authorization off", len(pols), 0)

	for range 2 {
		noErr(t, "SetConsoleAuthorization on", ps.SetConsoleAuthorization(ctx, acct, true, t0))
		noErr(t, "SetConsoleAuthorization on for another", ps.SetConsoleAuthorization(ctx, other, true, t0))
	}
	on, err = ps.ConsoleAuthorization(ctx, acct)
	noErr(t, "ConsoleAuthorization on", err)
	eq(t, "ConsoleAuthorization on", on, true)
	pols, err = ps.SigninPolicies(ctx)
	noErr(t, "SigninPolicies", err)
	eq(t, "SigninPolicies", pols, []signet.SigninPolicy{{AccountID: acct, Statements: []signet.SigninStatement{s}},
		{AccountID: other}})

	for range 2 {
		noErr(t, "SetConsoleAuthorization off", ps.SetConsoleAuthorization(ctx, acct, false, t0))
	}
	on, err = ps.ConsoleAuthorization(ctx, acct)
	noErr(t, "ConsoleAuthorization off", err)
	eq(t, "ConsoleAuthorization off", on, false)
	pols, err = ps.SigninPolicies(ctx)
	noErr(t, "SigninPolicies after off", err)
	eq(t, "SigninPolicies after off", pols, []signet.SigninPolicy{{AccountID: other}})
}

// SigninStatementsCollected: a statement deleted more than retention ago
// is collected; a live one, and one deleted since, stay.
func testSigninStatementsCollected(f *fixture) {
	t, ctx := f.t, f.ctx
	ps := f.s.SigninPolicies
	const acct = "111122223333"
	old := signet.SigninStatement{ID: statementID('o'), AccountID: acct, SourceIP: "10.0.0.0/8", ClientToken: "old", CreatedAt: t0}
	recent := signet.SigninStatement{ID: statementID('r'), AccountID: acct, SourceIP: "10.1.0.0/16", CreatedAt: t0}
	live := signet.SigninStatement{ID: statementID('l'), AccountID: acct, SourceIP: "10.2.0.0/16", CreatedAt: t0}
	for _, s := range []signet.SigninStatement{old, recent, live} {
		_, err := ps.PutSigninStatement(ctx, s, 10)
		noErr(t, "PutSigninStatement", err)
	}
	noErr(t, "DeleteSigninStatement old", ps.DeleteSigninStatement(ctx, acct, old.ID, "", t0))
	noErr(t, "DeleteSigninStatement recent", ps.DeleteSigninStatement(ctx, acct, recent.ID, "", t0.Add(2*time.Hour)))
	n, err := f.s.Collector.Collect(ctx, t0.Add(3*time.Hour), 2*time.Hour, 100)
	noErr(t, "Collect", err)
	eq(t, "collected", n, 1)
	// The collected tombstone's token no longer names it: a Put with it
	// makes a new statement.
	again := old
	again.ID = statementID('n')
	got, err := ps.PutSigninStatement(ctx, again, 10)
	noErr(t, "PutSigninStatement after collection", err)
	eq(t, "PutSigninStatement after collection", got.ID, again.ID)
	list, err := ps.ListSigninStatements(ctx, acct)
	noErr(t, "ListSigninStatements", err)
	eq(t, "ListSigninStatements", list, []signet.SigninStatement{live, again}) // same CreatedAt: by id
}
