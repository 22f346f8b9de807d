package authserver

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/internal/testsupport"
)

// rfc6238 is the test's own RFC 6238 (package testsupport).
var rfc6238 = testsupport.RFC6238

// codeAt is the six-digit SHA-1 code of a base32 secret at t, as an
// authenticator app computes it.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c := testsupport.TOTPCode(secret, at)
	if c == "" {
		t.Fatalf("secret %q is not base32", secret)
	}
	return c
}

// testCode is codeAt for fuzz targets (no *testing.T).
func testCode(secret string, at time.Time) string { return testsupport.TOTPCode(secret, at) }

// The RFC 6238 Appendix B test vectors: our implementation meets them, and
// so does the library's, for SHA-1, SHA-256 and SHA-512.
func TestMF01_RFC6238Vectors(t *testing.T) {
	seed := "12345678901234567890"
	keys := map[string][]byte{
		"SHA1":   []byte(seed),
		"SHA256": []byte(strings.Repeat(seed, 2)[:32]),
		"SHA512": []byte(strings.Repeat(seed, 4)[:64]),
	}
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	algs := map[string]otp.Algorithm{"SHA1": otp.AlgorithmSHA1, "SHA256": otp.AlgorithmSHA256, "SHA512": otp.AlgorithmSHA512}
	vectors := []struct {
		unix int64
		alg  string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	}
	for _, v := range vectors {
		if got := rfc6238(hashes[v.alg], keys[v.alg], v.unix, 8); got != v.want {
			t.Errorf("ours %s at %d = %s, want %s", v.alg, v.unix, got, v.want)
		}
		secret := base32.StdEncoding.EncodeToString(keys[v.alg])
		got, err := totp.GenerateCodeCustom(secret, time.Unix(v.unix, 0), totp.ValidateOpts{
			Period: 30, Digits: otp.DigitsEight, Algorithm: algs[v.alg]})
		if err != nil || got != v.want {
			t.Errorf("library %s at %d = %s (%v), want %s", v.alg, v.unix, got, err, v.want)
		}
	}
}

// gcmSealer seals with AES-256-GCM, as the keyring does.
type gcmSealer struct{ aead cipher.AEAD }

func newGCMSealer(t testing.TB) gcmSealer {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return gcmSealer{aead}
}

func (g gcmSealer) Seal(pt, ad []byte) ([]byte, error) {
	nonce := make([]byte, g.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.aead.Seal(nonce, nonce, pt, ad), nil
}

func (g gcmSealer) Open(ct, ad []byte) ([]byte, error) {
	n := g.aead.NonceSize()
	if len(ct) < n {
		return nil, errors.New("short")
	}
	return g.aead.Open(nil, ct[:n], ct[n:], ad)
}

// newMFAFixture is a fixture with second factors on under policy p.
func newMFAFixture(t testing.TB, p signet.MFAPolicy) *fixture {
	return newFixture(t, func(c *Config) {
		c.MFA = MFAConfig{Store: c.Users.(signet.MFAStore), Sealer: newGCMSealer(t), Policy: p}
	})
}

// enrolTOTP enrols an authenticator for u through a fresh sign-in and
// returns its secret and the browser's session token after enrolment.
func (f *fixture) enrolTOTP(t *testing.T, u signet.User) (string, string) {
	t.Helper()
	token, _ := f.browserLogin(u)
	e, err := f.srv.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.QR) < 8 || string(e.QR[1:4]) != "PNG" || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		t.Fatalf("enrolment: QR %d bytes, URL %q", len(e.QR), e.URL)
	}
	next, rec, err := f.srv.ConfirmTOTP(f.ctx, token, e.Secret, codeAt(t, e.Secret, f.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("AMR after enrolment %v", rec.AMR)
	}
	return e.Secret, next
}

func wantCode(t *testing.T, what string, err error, code signet.ErrorCode) {
	t.Helper()
	if got := signet.ErrorCodeOf(err); got != code {
		t.Errorf("%s: err = %v (%s), want %s", what, err, got, code)
	}
}

// MF-01: a code is accepted for the current step and one step either
// side; never twice, nor for a step before one already accepted; a code
// two steps away is refused. The secret is stored sealed.
func TestMF01_TOTPStepsAndReuse(t *testing.T) {
	f := newMFAFixture(t, signet.MFAOptional)
	u := f.user("alice")
	secret, _ := f.enrolTOTP(t, u)
	stored, err := f.stores.MFA.GetTOTP(f.ctx, u.ID)
	if err != nil || strings.Contains(string(stored.SealedSecret), secret) || len(stored.SealedSecret) < 20 {
		t.Fatalf("stored factor %+v, %v", stored, err)
	}
	f.clock.Add(5 * time.Minute)
	now := f.clock.Now()

	tok, _ := f.browserLogin(u)
	_, err = f.srv.VerifyTOTP(f.ctx, tok, codeAt(t, secret, now.Add(-60*time.Second)))
	wantCode(t, "two steps behind", err, signet.CodeInvalidGrant)
	_, err = f.srv.VerifyTOTP(f.ctx, tok, codeAt(t, secret, now.Add(60*time.Second)))
	wantCode(t, "two steps ahead", err, signet.CodeInvalidGrant)
	_, err = f.srv.VerifyTOTP(f.ctx, tok, "12345")
	wantCode(t, "five digits", err, signet.CodeInvalidGrant)

	rec, err := f.srv.VerifyTOTP(f.ctx, tok, codeAt(t, secret, now.Add(-30*time.Second)))
	if err != nil || !slices.Contains(rec.AMR, signet.AMROTP) {
		t.Fatalf("one step behind: %v %v", rec.AMR, err)
	}
	tok2, _ := f.browserLogin(u)
	_, err = f.srv.VerifyTOTP(f.ctx, tok2, codeAt(t, secret, now.Add(-30*time.Second)))
	wantCode(t, "the same code again", err, signet.CodeInvalidGrant)
	if _, err := f.srv.VerifyTOTP(f.ctx, tok2, codeAt(t, secret, now)); err != nil {
		t.Fatalf("current step: %v", err)
	}
	tok3, _ := f.browserLogin(u)
	_, err = f.srv.VerifyTOTP(f.ctx, tok3, codeAt(t, secret, now))
	wantCode(t, "the current code reused within its step", err, signet.CodeInvalidGrant)
	if _, err := f.srv.VerifyTOTP(f.ctx, tok3, codeAt(t, secret, now.Add(30*time.Second))); err != nil {
		t.Fatalf("one step ahead: %v", err)
	}
	tok4, rec4 := f.browserLogin(u)
	_, err = f.srv.VerifyTOTP(f.ctx, tok4, codeAt(t, secret, now))
	wantCode(t, "a step before the last accepted", err, signet.CodeInvalidGrant)
	got, _, _ := f.srv.BrowserSession(f.ctx, tok4)
	if !slices.Equal(got.AMR, rec4.AMR) {
		t.Errorf("a refused code changed the session: %v", got.AMR)
	}
}

// MF-03: the policy a user is under, and what a session must show.
func TestMF03_PolicyDecides(t *testing.T) {
	for _, global := range []signet.MFAPolicy{signet.MFAOff, signet.MFAOptional, signet.MFARequired} {
		f := newMFAFixture(t, global)
		plain := f.user("plain")
		admin := f.user("admin")
		if err := f.srv.SetAssignments(f.ctx, admin.ID, []signet.Assignment{{AccountID: "111122223333", RoleName: "Admin"}}); err != nil {
			t.Fatal(err)
		}
		admin, _ = f.stores.Users.GetUser(f.ctx, admin.ID)
		pwd := []string{signet.AMRPassword}
		step := func(u signet.User, amr []string) SecondStep {
			s, _, err := f.srv.SecondStepFor(f.ctx, u, amr)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		wantPlain := map[signet.MFAPolicy]SecondStep{signet.MFAOff: StepNone, signet.MFAOptional: StepNone, signet.MFARequired: StepEnrol}[global]
		wantAdmin := map[signet.MFAPolicy]SecondStep{signet.MFAOff: StepNone, signet.MFAOptional: StepEnrol, signet.MFARequired: StepEnrol}[global]
		if got := step(plain, pwd); got != wantPlain {
			t.Errorf("%s: plain user without factor: %v, want %v", global, got, wantPlain)
		}
		if got := step(admin, pwd); got != wantAdmin {
			t.Errorf("%s: administrator without factor: %v, want %v", global, got, wantAdmin)
		}
		// A federated session (no password in its AMR) is the upstream's
		// business.
		if got := step(admin, []string{"fed"}); got != StepNone {
			t.Errorf("%s: federated session: %v", global, got)
		}
		// An empty AMR is never waved through.
		if global == signet.MFARequired && step(plain, nil) != StepEnrol {
			t.Errorf("empty AMR passed")
		}
		// A user an upstream provider created has no password here: what
		// the provider reports ("pwd", or nothing) is its own business.
		upstream := plain
		upstream.PasswordHash = ""
		for _, amr := range [][]string{nil, pwd} {
			if got := step(upstream, amr); got != StepNone {
				t.Errorf("%s: user without a local password, amr %v: %v", global, amr, got)
			}
		}
		// Overrides win.
		if err := f.srv.SetMFAPolicy(f.ctx, admin.ID, signet.MFAOff); err != nil {
			t.Fatal(err)
		}
		if got := step(admin, pwd); got != StepNone {
			t.Errorf("%s: administrator with override off: %v", global, got)
		}
		if err := f.srv.SetMFAPolicy(f.ctx, plain.ID, signet.MFARequired); err != nil {
			t.Fatal(err)
		}
		if got := step(plain, pwd); got != StepEnrol {
			t.Errorf("%s: override required: %v", global, got)
		}
		wantCode(t, "CheckSecondFactor password only", f.srv.CheckSecondFactor(f.ctx, plain.ID, pwd), signet.CodeAccessDenied)
		if err := f.srv.CheckSecondFactor(f.ctx, plain.ID, completeAMR(signet.AMROTP)); err != nil {
			t.Errorf("CheckSecondFactor with otp: %v", err)
		}
		wantCode(t, "bad policy", f.srv.SetMFAPolicy(f.ctx, plain.ID, "sometimes"), signet.CodeInvalidRequest)
	}
	// Under optional, an enrolled user must verify.
	f := newMFAFixture(t, signet.MFAOptional)
	u := f.user("carol")
	f.enrolTOTP(t, u)
	if s, _, _ := f.srv.SecondStepFor(f.ctx, u, []string{signet.AMRPassword}); s != StepVerify {
		t.Errorf("enrolled user under optional: %v", s)
	}
	wantCode(t, "CheckSecondFactor enrolled, password only", f.srv.CheckSecondFactor(f.ctx, u.ID, []string{signet.AMRPassword}), signet.CodeAccessDenied)
}

// MF-04: recovery codes are ten, distinct, shown once and stored as
// digests; each works once, in any spelling.
func TestMF04_RecoveryCodesSingleUse(t *testing.T) {
	f := newMFAFixture(t, signet.MFARequired)
	u := f.user("dave")
	_, tok := f.enrolTOTP(t, u)
	codes, tok, _, err := f.srv.RegenerateRecoveryCodes(f.ctx, tok)
	if err != nil || len(codes) != 10 || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != 10 {
		t.Fatalf("codes %v, %v", codes, err)
	}
	_ = tok
	st, _ := f.srv.MFAStatus(f.ctx, u)
	if st.RecoveryLeft != 10 {
		t.Errorf("left %d", st.RecoveryLeft)
	}
	login, _ := f.browserLogin(u)
	rec, err := f.srv.UseRecoveryCode(f.ctx, login, "  "+strings.ToUpper(codes[3])+" ")
	if err != nil || !slices.Contains(rec.AMR, signet.AMROTP) {
		t.Fatalf("recovery code: %v %v", rec.AMR, err)
	}
	login2, _ := f.browserLogin(u)
	_, err = f.srv.UseRecoveryCode(f.ctx, login2, codes[3])
	wantCode(t, "MF-04 the same recovery code again", err, signet.CodeInvalidGrant)
	_, err = f.srv.UseRecoveryCode(f.ctx, login2, "aaaaa-aaaaa")
	wantCode(t, "an unknown code", err, signet.CodeInvalidGrant)
	_, err = f.srv.UseRecoveryCode(f.ctx, login2, "<script>")
	wantCode(t, "garbage", err, signet.CodeInvalidGrant)
	st, _ = f.srv.MFAStatus(f.ctx, u)
	if st.RecoveryLeft != 9 {
		t.Errorf("left after one use %d", st.RecoveryLeft)
	}
}

// MF-04: enrolling or removing a factor needs a sign-in within five
// minutes (with the second factor, if the user has one) and ends every
// other session of the user.
func TestMF04_FactorChangesNeedRecentSignIn(t *testing.T) {
	f := newMFAFixture(t, signet.MFAOptional)
	u := f.user("erin")
	old, _ := f.browserLogin(u)
	f.clock.Add(ReauthWindow + time.Second)
	e, err := f.srv.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.srv.ConfirmTOTP(f.ctx, old, e.Secret, codeAt(t, e.Secret, f.clock.Now()))
	wantCode(t, "enrol with an old sign-in", err, signet.CodeAccessDenied)
	if _, err := f.stores.MFA.GetTOTP(f.ctx, u.ID); !errors.Is(err, signet.ErrNotFound) {
		t.Fatalf("a refused enrolment stored a factor: %v", err)
	}
	_, _, _, err = f.srv.RegenerateRecoveryCodes(f.ctx, old)
	wantCode(t, "recovery codes with an old sign-in", err, signet.CodeAccessDenied)

	// Another browser and a CLI session of the same user.
	other, _ := f.browserLogin(u)
	c := f.ssoClient()
	if _, err := f.srv.Token(f.ctx, f.codeRequest(c, f.authorize(c, u, signet.ProtocolSSOOIDC))); err != nil {
		t.Fatal(err)
	}
	_, tok := f.enrolTOTP(t, u)
	f.browserEnded("the other browser after enrolment", other, signet.ReasonTokenExpired)
	f.browserEnded("the old browser after enrolment", old, signet.ReasonTokenExpired)
	live, err := f.stores.Grants.ListSessions(f.ctx, signet.SessionFilter{UserID: u.ID, LiveOnly: true, Now: f.clock.Now()})
	if err != nil || len(live) != 0 {
		t.Errorf("token sessions live after enrolment: %d %v", len(live), err)
	}

	// A fresh password sign-in of an enrolled user is not enough to remove
	// the factor: it must pass the second step first.
	pwOnly, _ := f.browserLogin(u)
	_, _, err = f.srv.RemoveSecondFactors(f.ctx, pwOnly)
	wantCode(t, "remove with a password-only sign-in", err, signet.CodeAccessDenied)
	f.clock.Add(ReauthWindow + time.Second)
	_, _, err = f.srv.RemoveSecondFactors(f.ctx, tok)
	wantCode(t, "remove with an old sign-in", err, signet.CodeAccessDenied)
	if st, _ := f.srv.MFAStatus(f.ctx, u); !st.TOTP {
		t.Fatal("a refused removal removed the factor")
	}
	fresh, _ := f.browserLogin(u)
	fresh2, _ := f.browserLogin(u)
	secret := ""
	_ = secret
	f.clock.Add(30 * time.Second)
	st, _ := f.stores.MFA.GetTOTP(f.ctx, u.ID)
	key, _ := f.srv.mfa.Sealer.Open(st.SealedSecret, totpAD(u.ID))
	if _, err := f.srv.VerifyTOTP(f.ctx, fresh, codeAt(t, string(key), f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	_, rec, err := f.srv.RemoveSecondFactors(f.ctx, fresh)
	if err != nil || !slices.Equal(rec.AMR, []string{signet.AMRPassword}) {
		t.Fatalf("remove: %v %v", rec.AMR, err)
	}
	f.browserEnded("the other browser after removal", fresh2, signet.ReasonTokenExpired)
	if st, _ := f.srv.MFAStatus(f.ctx, u); st.TOTP || st.RecoveryAll != 0 {
		t.Errorf("after removal: %+v", st)
	}
}

// An administrator's reset removes the factors and ends every session.
func TestResetMFA(t *testing.T) {
	f := newMFAFixture(t, signet.MFARequired)
	u := f.user("frank")
	_, tok := f.enrolTOTP(t, u)
	_, browser, err := f.srv.ResetMFA(f.ctx, u.ID)
	if err != nil || browser != 1 {
		t.Fatalf("reset: %d %v", browser, err)
	}
	f.browserEnded("after reset", tok, signet.ReasonTokenExpired)
	login, _ := f.browserLogin(u)
	rec, _, _ := f.srv.BrowserSession(f.ctx, login)
	if s, _, _ := f.srv.SecondStepFor(f.ctx, u, rec.AMR); s != StepEnrol {
		t.Errorf("after reset under required: %v", s)
	}
}

// MF-03 in the engine: IssueCode refuses an approval whose AMR does not
// satisfy the user's policy, whatever the pages let through; an approval
// with the second factor gets a code whose session, and token response,
// carry the AMR.
func TestMF03_IssueCodeChecksFactors(t *testing.T) {
	f := newMFAFixture(t, signet.MFARequired)
	u := f.user("gina")
	c := f.ssoClient()
	req := func(amr []string) AuthorizeRequest {
		return AuthorizeRequest{ClientID: c.Client.ID, UserID: u.ID, Protocol: signet.ProtocolSSOOIDC,
			RedirectURI: "http://127.0.0.1:53219/oauth/callback", Scopes: c.Client.Scopes,
			CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256", AMR: amr}
	}
	for _, amr := range [][]string{nil, {signet.AMRPassword}} {
		_, err := f.srv.IssueCode(f.ctx, req(amr))
		wantCode(t, fmt.Sprintf("IssueCode with %v, none enrolled", amr), err, signet.CodeAccessDenied)
	}
	f.enrolTOTP(t, u)
	_, err := f.srv.IssueCode(f.ctx, req([]string{signet.AMRPassword}))
	wantCode(t, "IssueCode with a password only", err, signet.CodeAccessDenied)
	amr := completeAMR(signet.AMROTP)
	code, err := f.srv.IssueCode(f.ctx, req(amr))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.srv.Token(f.ctx, f.codeRequest(c, code))
	if err != nil || !slices.Equal(res.AMR, amr) || !slices.Equal(res.Session.AMR, amr) {
		t.Fatalf("token: AMR %v, session AMR %v, %v", res.AMR, res.Session.AMR, err)
	}
	stored, err := f.stores.Grants.GetSession(f.ctx, res.Session.ID)
	if err != nil || !slices.Equal(stored.AMR, amr) {
		t.Fatalf("stored session AMR %v, %v", stored.AMR, err)
	}
}

// An administrator's reset removes passkeys too, where the engine has a
// passkey store but no relying party (the admin command has no issuer).
func TestResetMFARemovesPasskeys(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.MFA = MFAConfig{Store: c.Users.(signet.MFAStore), Sealer: newGCMSealer(t), Passkeys: c.Users.(signet.PasskeyStore)}
	})
	u := f.user("hana")
	if err := f.stores.Passkeys.AddPasskey(f.ctx, signet.Passkey{ID: []byte{1}, UserID: u.ID, Name: "Key", PublicKey: []byte{1}, CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if st, err := f.srv.MFAStatus(f.ctx, u); err != nil || len(st.Passkeys) != 1 || !st.Enrolled() {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, _, err := f.srv.ResetMFA(f.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if ps, _ := f.stores.Passkeys.ListPasskeys(f.ctx, u.ID); len(ps) != 0 {
		t.Errorf("passkeys after reset: %v", ps)
	}
}

// MF-03 from the summary: an approval decides the second step from one
// read of the user's factors, and a passkey alone makes a password-only
// session verify first.
func TestMF03_ApprovalDecidesFromOneRead(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.MFA = MFAConfig{Store: c.Users.(signet.MFAStore), Sealer: newGCMSealer(t), Passkeys: c.Users.(signet.PasskeyStore)}
	})
	u := f.user("ines")
	pwd := []string{signet.AMRPassword}
	counter, ok := f.stores.Users.(interface{ Statements() uint64 })
	if !ok {
		t.Fatal("the test store counts no statements")
	}
	before := counter.Statements()
	if err := f.srv.CheckSecondFactor(f.ctx, u.ID, pwd); err != nil {
		t.Fatalf("no factor under optional: %v", err)
	}
	// The user, then the summary.
	if n := counter.Statements() - before; n != 2 {
		t.Errorf("an approval ran %d statements, want 2 (the user and the summary of the factors)", n)
	}
	if err := f.stores.Passkeys.AddPasskey(f.ctx, signet.Passkey{ID: []byte{7}, UserID: u.ID, Name: "Key", PublicKey: []byte{1}, CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "passkey enrolled, password only", f.srv.CheckSecondFactor(f.ctx, u.ID, pwd), signet.CodeAccessDenied)
	if err := f.srv.CheckSecondFactor(f.ctx, u.ID, completeAMR(signet.AMRHardwareKey)); err != nil {
		t.Errorf("with the passkey: %v", err)
	}
}
