package storetest

import (
	"testing"
	"time"

	"github.com/signet-auth/signet"
)

// MFA: the authenticator round-trips and is replaced by a new enrolment;
// its time step moves only forward (a code is never accepted twice,
// catalogue MF-01); recovery codes are spent once (MF-04) and replaced as a
// set; policy overrides set and clear; a second step completes only a live
// browser session.
func testMFA(f *fixture) {
	t, ctx := f.t, f.ctx
	ms := f.s.MFA
	if ms == nil {
		t.Fatal("Stores.MFA is nil")
	}
	f.user("u1", "one")
	f.user("u2", "two")

	_, err := ms.GetTOTP(ctx, "u1")
	isErr(t, "GetTOTP of none", err, signet.ErrNotFound)
	isErr(t, "UseTOTPStep of none", ms.UseTOTPStep(ctx, "u1", 5, t0), signet.ErrNotFound)
	isErr(t, "DeleteTOTP of none", ms.DeleteTOTP(ctx, "u1"), signet.ErrNotFound)

	tf := signet.TOTPFactor{UserID: "u1", SealedSecret: []byte{1, 2, 3}, LastStep: 0, CreatedAt: t0}
	noErr(t, "SetTOTP", ms.SetTOTP(ctx, tf))
	got, err := ms.GetTOTP(ctx, "u1")
	noErr(t, "GetTOTP", err)
	eq(t, "GetTOTP", got, tf)

	noErr(t, "UseTOTPStep 100", ms.UseTOTPStep(ctx, "u1", 100, t0.Add(time.Minute)))
	isErr(t, "UseTOTPStep 100 again", ms.UseTOTPStep(ctx, "u1", 100, t0.Add(time.Minute)), signet.ErrAlreadyUsed)
	isErr(t, "UseTOTPStep 99 after 100", ms.UseTOTPStep(ctx, "u1", 99, t0.Add(time.Minute)), signet.ErrAlreadyUsed)
	noErr(t, "UseTOTPStep 101", ms.UseTOTPStep(ctx, "u1", 101, t0.Add(2*time.Minute)))
	got, err = ms.GetTOTP(ctx, "u1")
	noErr(t, "GetTOTP after use", err)
	eq(t, "LastStep", got.LastStep, int64(101))
	eq(t, "LastUsed", got.LastUsed, t0.Add(2*time.Minute))
	_, err = ms.GetTOTP(ctx, "u2")
	isErr(t, "another user's authenticator", err, signet.ErrNotFound)

	// A new enrolment replaces the secret and starts the steps over.
	re := signet.TOTPFactor{UserID: "u1", SealedSecret: []byte{9}, CreatedAt: t0.Add(time.Hour)}
	noErr(t, "SetTOTP again", ms.SetTOTP(ctx, re))
	got, err = ms.GetTOTP(ctx, "u1")
	noErr(t, "GetTOTP after re-enrolment", err)
	eq(t, "re-enrolment", got, re)
	noErr(t, "DeleteTOTP", ms.DeleteTOTP(ctx, "u1"))
	_, err = ms.GetTOTP(ctx, "u1")
	isErr(t, "GetTOTP after DeleteTOTP", err, signet.ErrNotFound)

	// Recovery codes.
	total, unused, err := ms.RecoveryCodes(ctx, "u1")
	noErr(t, "RecoveryCodes of none", err)
	eq(t, "RecoveryCodes of none", [2]int{total, unused}, [2]int{0, 0})
	noErr(t, "SetRecoveryCodes", ms.SetRecoveryCodes(ctx, "u1", []signet.Digest{dg("rc", "a"), dg("rc", "b"), dg("rc", "c")}, t0))
	noErr(t, "SetRecoveryCodes u2", ms.SetRecoveryCodes(ctx, "u2", []signet.Digest{dg("rc", "z")}, t0))
	noErr(t, "UseRecoveryCode", ms.UseRecoveryCode(ctx, "u1", dg("rc", "a"), t0))
	isErr(t, "MF-04 UseRecoveryCode twice", ms.UseRecoveryCode(ctx, "u1", dg("rc", "a"), t0), signet.ErrAlreadyUsed)
	isErr(t, "UseRecoveryCode unknown", ms.UseRecoveryCode(ctx, "u1", dg("rc", "x"), t0), signet.ErrNotFound)
	isErr(t, "UseRecoveryCode of another user", ms.UseRecoveryCode(ctx, "u1", dg("rc", "z"), t0), signet.ErrNotFound)
	total, unused, err = ms.RecoveryCodes(ctx, "u1")
	noErr(t, "RecoveryCodes", err)
	eq(t, "RecoveryCodes", [2]int{total, unused}, [2]int{3, 2})
	// Regenerating replaces the whole set: old codes stop working.
	noErr(t, "SetRecoveryCodes again", ms.SetRecoveryCodes(ctx, "u1", []signet.Digest{dg("rc", "d")}, t0))
	isErr(t, "old code after regeneration", ms.UseRecoveryCode(ctx, "u1", dg("rc", "b"), t0), signet.ErrNotFound)
	total, unused, err = ms.RecoveryCodes(ctx, "u1")
	noErr(t, "RecoveryCodes after regeneration", err)
	eq(t, "RecoveryCodes after regeneration", [2]int{total, unused}, [2]int{1, 1})
	noErr(t, "SetRecoveryCodes none", ms.SetRecoveryCodes(ctx, "u1", nil, t0))
	total, _, err = ms.RecoveryCodes(ctx, "u1")
	noErr(t, "RecoveryCodes after removal", err)
	eq(t, "RecoveryCodes after removal", total, 0)

	// Policy overrides.
	p, err := ms.MFAPolicy(ctx, "u1")
	noErr(t, "MFAPolicy of none", err)
	eq(t, "MFAPolicy of none", p, signet.MFADefault)
	noErr(t, "SetMFAPolicy", ms.SetMFAPolicy(ctx, "u1", signet.MFARequired))
	noErr(t, "SetMFAPolicy again", ms.SetMFAPolicy(ctx, "u1", signet.MFAOff))
	p, err = ms.MFAPolicy(ctx, "u1")
	noErr(t, "MFAPolicy", err)
	eq(t, "MFAPolicy", p, signet.MFAOff)
	noErr(t, "SetMFAPolicy default", ms.SetMFAPolicy(ctx, "u1", signet.MFADefault))
	p, err = ms.MFAPolicy(ctx, "u1")
	noErr(t, "MFAPolicy after clearing", err)
	eq(t, "MFAPolicy after clearing", p, signet.MFADefault)

	testMFASummary(f)

	// Completing a browser session's second step.
	bs := f.s.Browser
	live := newBrowserSession("live", "u1", t0)
	gone := newBrowserSession("gone", "u1", t0)
	noErr(t, "CreateBrowserSession", bs.CreateBrowserSession(ctx, live))
	noErr(t, "CreateBrowserSession", bs.CreateBrowserSession(ctx, gone))
	noErr(t, "RevokeBrowserSession", bs.RevokeBrowserSession(ctx, "gone", t0, "logout"))
	amr := []string{signet.AMRPassword, signet.AMROTP, signet.AMRMFA}
	noErr(t, "CompleteBrowserSession", ms.CompleteBrowserSession(ctx, "live", amr, t0.Add(time.Minute)))
	rec, err := bs.GetBrowserSession(ctx, live.Digest)
	noErr(t, "GetBrowserSession", err)
	eq(t, "completed AMR", rec.AMR, amr)
	eq(t, "completed AuthTime", rec.AuthTime, t0.Add(time.Minute))
	isErr(t, "CompleteBrowserSession of a revoked one", ms.CompleteBrowserSession(ctx, "gone", amr, t0.Add(time.Minute)), signet.ErrNotFound)
	isErr(t, "CompleteBrowserSession after its end", ms.CompleteBrowserSession(ctx, "live", amr, t0.Add(13*time.Hour)), signet.ErrNotFound)
	isErr(t, "CompleteBrowserSession unknown", ms.CompleteBrowserSession(ctx, "nope", amr, t0), signet.ErrNotFound)
	rec, err = bs.GetBrowserSession(ctx, gone.Digest)
	noErr(t, "GetBrowserSession revoked", err)
	eq(t, "revoked session's AMR unchanged", rec.AMR, gone.AMR)

	// A code's AMR round-trips and reaches the session it creates.
	cl := f.client("mfa-client")
	code := newCode("amr", cl.ID, "u1")
	code.AMR = amr
	noErr(t, "CreateCode with AMR", f.s.Grants.CreateCode(ctx, code))
	r := redemption(code, "amr-session", t0.Add(time.Second))
	r.Grant = func(c signet.AuthorizationCode) (signet.Session, signet.TokenGeneration) {
		sess := sessionFor("amr-session", c, t0.Add(time.Second))
		sess.AMR = c.AMR
		return sess, firstGeneration("amr-session", t0.Add(time.Second))
	}
	redeemed, sess, _, err := f.s.Grants.RedeemCode(ctx, r)
	noErr(t, "RedeemCode with AMR", err)
	eq(t, "code AMR", redeemed.AMR, amr)
	eq(t, "session AMR", sess.AMR, amr)
	stored, err := f.s.Grants.GetSession(ctx, "amr-session")
	noErr(t, "GetSession with AMR", err)
	eq(t, "stored session AMR", stored.AMR, amr)
}

// testMFASummary: the one-read summary counts each kind of factor of its
// own user only, and follows every change. It runs on users of its own.
func testMFASummary(f *fixture) {
	t, ctx := f.t, f.ctx
	ms := f.s.MFA
	f.user("sum1", "summary-one")
	f.user("sum2", "summary-two")
	sum := func(label, user string, want signet.MFASummary) {
		t.Helper()
		got, err := ms.MFASummary(ctx, user)
		noErr(t, "MFASummary "+label, err)
		eq(t, "MFASummary "+label, got, want)
	}
	sum("of none", "sum1", signet.MFASummary{})
	sum("of an unknown user", "nobody", signet.MFASummary{})
	noErr(t, "SetTOTP", ms.SetTOTP(ctx, signet.TOTPFactor{UserID: "sum1", SealedSecret: []byte{1}, CreatedAt: t0}))
	noErr(t, "SetRecoveryCodes", ms.SetRecoveryCodes(ctx, "sum1", []signet.Digest{dg("sum", "a"), dg("sum", "b")}, t0))
	noErr(t, "UseRecoveryCode", ms.UseRecoveryCode(ctx, "sum1", dg("sum", "a"), t0))
	noErr(t, "SetMFAPolicy", ms.SetMFAPolicy(ctx, "sum1", signet.MFARequired))
	for i, id := range [][]byte{{0x5a, 1}, {0x5a, 2}} {
		noErr(t, "AddPasskey", f.s.Passkeys.AddPasskey(ctx, signet.Passkey{ID: id, UserID: "sum1", Name: "key", PublicKey: []byte{0xa5},
			CreatedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	want := signet.MFASummary{Policy: signet.MFARequired, TOTP: true, TOTPAdded: t0, RecoveryAll: 2, RecoveryUnused: 1, Passkeys: 2}
	sum("of every factor", "sum1", want)
	sum("of another user", "sum2", signet.MFASummary{})
	noErr(t, "DeleteTOTP", ms.DeleteTOTP(ctx, "sum1"))
	noErr(t, "SetMFAPolicy default", ms.SetMFAPolicy(ctx, "sum1", signet.MFADefault))
	noErr(t, "DeletePasskey", f.s.Passkeys.DeletePasskey(ctx, "sum1", []byte{0x5a, 1}))
	sum("after removals", "sum1", signet.MFASummary{RecoveryAll: 2, RecoveryUnused: 1, Passkeys: 1})
}

// Two nodes accepting one TOTP code, and one recovery code, at once: one
// wins (catalogue MF-01, MF-04).
func testRacingSecondFactors(t *testing.T, a, b signet.Stores) {
	ctx := t.Context()
	noErr(t, "CreateUser", a.Users.CreateUser(ctx, signet.User{ID: "u1", Name: "one", CreatedAt: t0, UpdatedAt: t0}))
	noErr(t, "SetTOTP", a.MFA.SetTOTP(ctx, signet.TOTPFactor{UserID: "u1", SealedSecret: []byte{1}, CreatedAt: t0}))
	noErr(t, "SetRecoveryCodes", a.MFA.SetRecoveryCodes(ctx, "u1", []signet.Digest{dg("rc", "a")}, t0))
	const n = 20
	errs := make([]error, n)
	parallel(n, a, b, func(i int, s signet.Stores) { errs[i] = s.MFA.UseTOTPStep(ctx, "u1", 7, t0) })
	eq(t, "TOTP winners", winners(t, errs, signet.ErrAlreadyUsed), 1)
	parallel(n, a, b, func(i int, s signet.Stores) { errs[i] = s.MFA.UseRecoveryCode(ctx, "u1", dg("rc", "a"), t0) })
	eq(t, "recovery code winners", winners(t, errs, signet.ErrAlreadyUsed), 1)
}
